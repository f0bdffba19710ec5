/* i-GELU (I-BERT): x * (1 + erf(x / sqrt 2)) / 2 with erf a clipped second-order polynomial,
 * all in int32, then one requantization. NUMERICS.md "i-GELU". */
#include "../common/internal.h"

tx_status tx_gelu_check(const tx_gelu_params *p)
{
    if (!p)
        return TX_ERR_NULL;
    if (p->b_q >= 0 || p->b_q < -46340 || p->one <= 0)
        return TX_ERR_PARAM;
    int64_t bb = (int64_t)p->b_q * p->b_q;
    int64_t big = bb > p->one ? bb : p->one;
    if (128 * ((int64_t)p->one + big) >= ((int64_t)1 << 31))
        return TX_ERR_PARAM;
    return tx_requant_check(&p->rq);
}

tx_status tx_gelu_s8(const tx_ctx *ctx, const tx_gelu_params *params, int32_t n, const int8_t *in,
                     int8_t *out)
{
    tx_status st = tx_check_ctx(ctx);
    if (st != TX_OK)
        return st;
    if (!params || !in || !out)
        return TX_ERR_NULL;
    if (n <= 0)
        return TX_ERR_DIM;
    if ((st = tx_gelu_check(params)) != TX_OK)
        return st;
    const int32_t nb = -params->b_q, one = params->one;
    const int32_t mul = params->rq.mul, shift = params->rq.shift;
    for (int32_t i = 0; i < n; ++i) {
        int32_t x = in[i];
        int32_t ax = x < 0 ? -x : x;
        int32_t m = (ax < nb ? ax : nb) - nb;
        int32_t l = one - m * m;
        if (x < 0)
            l = -l;
        else if (x == 0)
            l = 0;
        out[i] = tx_rq(x * (one + l), mul, shift);
    }
    return TX_OK;
}
