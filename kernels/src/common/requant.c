/* Requantization parameter checks and the scalar form (NUMERICS.md "Requantization"). */
#include "internal.h"
#include "../arm/dsp.h"

int8_t tx_requant_scalar(int32_t acc, int32_t mul, int32_t shift)
{
    return tx_rq(acc, mul, shift);
}

static int tx_rq_pair_ok(int32_t mul, int32_t shift)
{
    return mul >= 0 && shift >= 1 && shift <= 62;
}

tx_status tx_requant_check(const tx_requant *rq)
{
    if (!rq)
        return TX_ERR_NULL;
    if ((rq->ch_mul == NULL) != (rq->ch_shift == NULL))
        return TX_ERR_PARAM;
    if (!rq->ch_mul && !tx_rq_pair_ok(rq->mul, rq->shift))
        return TX_ERR_PARAM;
    return TX_OK;
}

/* Per tensor with shift > 32 (what calibration gives int32 sums of int8 products), Armv7E-M
 * takes the high-word form of tx_dsp_requant: SMMLA + ASR + SSAT, no 64-bit shift. */
void tx_requant_rows(const tx_requant *rq, int32_t S, int32_t N, const int32_t *acc,
                     const int32_t *bias, int8_t *out)
{
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
    if (!rq->ch_mul && rq->shift > 32) {
        const int32_t mul = rq->mul, sh = rq->shift - 32, rnd = (int32_t)1 << (sh - 1);
        for (int32_t s = 0; s < S; ++s, acc += N, out += N)
            for (int32_t n = 0; n < N; ++n)
                out[n] = (int8_t)tx_ssat8(tx_smmla(acc[n] + (bias ? bias[n] : 0), mul, rnd) >> sh);
        return;
    }
#endif
    for (int32_t s = 0; s < S; ++s, acc += N, out += N)
        for (int32_t n = 0; n < N; ++n)
            out[n] = tx_rq(acc[n] + (bias ? bias[n] : 0), tx_rq_mul(rq, n), tx_rq_shift(rq, n));
}
