/* Pooling over the tokens: the mean, the first (CLS) row or the last row. NUMERICS.md "Pooling". */
#include "../common/internal.h"

tx_status tx_pool_s8(const tx_ctx *ctx, tx_pool_mode mode, int32_t S, int32_t E, const int8_t *x,
                     int8_t *out)
{
    tx_status st = tx_check_ctx(ctx);
    if (st != TX_OK)
        return st;
    if (!x || !out)
        return TX_ERR_NULL;
    if (S <= 0 || E <= 0 || S > INT32_MAX / 256)
        return TX_ERR_DIM;
    if (mode != TX_POOL_MEAN && mode != TX_POOL_FIRST && mode != TX_POOL_LAST)
        return TX_ERR_PARAM;
    if (mode != TX_POOL_MEAN) {
        const int8_t *row = x + (mode == TX_POOL_FIRST ? 0 : (size_t)(S - 1) * (size_t)E);
        for (int32_t e = 0; e < E; ++e)
            out[e] = row[e];
        return TX_OK;
    }
    for (int32_t e = 0; e < E; ++e) {
        int64_t sum = 0;
        for (int32_t s = 0; s < S; ++s)
            sum += x[(size_t)s * (size_t)E + (size_t)e];
        /* floor((2 sum + S) / 2S): the numerator may be negative, so floor by hand */
        const int64_t num = 2 * sum + S, den = 2 * (int64_t)S;
        const int64_t q = num / den;
        out[e] = (int8_t)(q * den > num ? q - 1 : q);
    }
    return TX_OK;
}
