/* Integer LayerNorm: exact centring by scaling with D, integer variance, floor square root,
 * 8 fractional bits for the normalized value, then affine and requantization.
 * NUMERICS.md "Integer LayerNorm". */
#include "../common/internal.h"

static uint32_t tx_isqrt64(uint64_t v)
{
    uint64_t root = 0, bit = (uint64_t)1 << 62;
    while (bit > v)
        bit >>= 2;
    while (bit) {
        if (v >= root + bit) {
            v -= root + bit;
            root = (root >> 1) + bit;
        } else {
            root >>= 1;
        }
        bit >>= 2;
    }
    return (uint32_t)root;
}

tx_status tx_layernorm_check(const tx_layernorm_params *p, int32_t D)
{
    if (!p || !p->gamma || !p->beta)
        return TX_ERR_NULL;
    if (D <= 0 || D > 4096)
        return TX_ERR_DIM;
    return tx_requant_check(&p->rq);
}

tx_status tx_layernorm_s8(const tx_ctx *ctx, const tx_layernorm_params *params, int32_t rows,
                          int32_t D, const int8_t *in, int8_t *out)
{
    tx_status st = tx_check_ctx(ctx);
    if (st != TX_OK)
        return st;
    if (!in || !out)
        return TX_ERR_NULL;
    if (rows <= 0)
        return TX_ERR_DIM;
    if ((st = tx_layernorm_check(params, D)) != TX_OK)
        return st;
    const int32_t mul = params->rq.mul, shift = params->rq.shift;
    for (int32_t r = 0; r < rows; ++r, in += D, out += D) {
        int32_t sum = 0;
        for (int32_t i = 0; i < D; ++i)
            sum += in[i];
        uint64_t sq = 0;
        for (int32_t i = 0; i < D; ++i) {
            int32_t xc = D * in[i] - sum;
            sq += (uint64_t)((int64_t)xc * xc);
        }
        int32_t sd = (int32_t)tx_isqrt64(sq / (uint64_t)D);
        if (sd == 0)
            sd = 1;
        for (int32_t i = 0; i < D; ++i) {
            int32_t xc = D * in[i] - sum;
            int32_t z = (xc * 256) / sd; /* C division truncates toward zero, as specified */
            out[i] = tx_rq(z * params->gamma[i] + params->beta[i], mul, shift);
        }
    }
    return TX_OK;
}
