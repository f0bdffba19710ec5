/* Residual add of two int8 tensors with their own scales into a third. NUMERICS.md "Residual add". */
#include "../common/internal.h"

tx_status tx_add_check(const tx_add_params *p)
{
    if (!p)
        return TX_ERR_NULL;
    if (p->mul_a < 0 || p->mul_b < 0 || p->shift < 1 || p->shift > 62)
        return TX_ERR_PARAM;
    return TX_OK;
}

tx_status tx_add_s8(const tx_ctx *ctx, const tx_add_params *params, int32_t n, const int8_t *a,
                    const int8_t *b, int8_t *out)
{
    tx_status st = tx_check_ctx(ctx);
    if (st != TX_OK)
        return st;
    if (!params || !a || !b || !out)
        return TX_ERR_NULL;
    if (n <= 0)
        return TX_ERR_DIM;
    if ((st = tx_add_check(params)) != TX_OK)
        return st;
    const int64_t round = (int64_t)1 << (params->shift - 1);
    for (int32_t i = 0; i < n; ++i)
        out[i] = tx_clamp8(((int64_t)a[i] * params->mul_a + (int64_t)b[i] * params->mul_b + round) >>
                           params->shift);
    return TX_OK;
}
