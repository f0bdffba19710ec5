/* The softmax rows of attention, through the exp table (tx_softmax_table): three passes per row
 * (row max four bytes at a time; exp and sum, the exps kept as 16-bit pairs; normalize two
 * exps per load) and one exact reciprocal per row instead of a divide per element. Bit-exact
 * with NUMERICS.md "Integer softmax": out = floor(255 y / sum), where 255 y < 2^32, y <= sum.
 *
 * The reciprocal. R = floor((2^32 - 1) / sum), rr = 2^32 - R sum (1 <= rr <= sum).
 *  - Fast: M = ceil(255 2^32 / sum) = 255 R + ceil(255 rr / sum), e = M sum - 255 2^32 < sum.
 *    y M / 2^32 = 255 y / sum + y e / (sum 2^32): with 255 y = q sum + r (r < sum) the fraction
 *    is (r + y e / 2^32) / sum, below 1 when y e < 2^32. So q = (y M) >> 32 exactly for every
 *    y of the row when ymax e < 2^32 (e <= lut->emax). M < 2^31 (SMULWB/T take it signed)
 *    when sum > 510; 255 rr stays below 2^32 when sum < 2^24.
 *  - Otherwise: N = 255 y, N R / 2^32 = N / sum - N rr / (sum 2^32) lies in (N/sum - 1, N/sum],
 *    so (N R) >> 32 is q or q - 1, and one remainder check finishes it. */
#include "../common/internal.h"
#include "softmax_loops.h"

static int32_t tx_sm_row_max(const int8_t *in, int32_t n)
{
    uint32_t acc = 0x80808080u;
    int32_t j = n & ~15;
    if (j)
        acc = tx_sm_max16(in, j >> 4, acc);
    for (; j + 4 <= n; j += 4)
        acc = tx_sm_max_s8x4(acc, tx_sm_load4(in + j));
    acc = tx_sm_max_s8x4(acc, (acc >> 16) | (acc << 16));
    acc = tx_sm_max_s8x4(acc, acc >> 8);
    int32_t m = (int8_t)acc;
    for (; j < n; ++j)
        m = in[j] > m ? in[j] : m;
    return m;
}

/* y[j] = i-exp(m - x[j]) into tmp as 16-bit pairs (y[2i] | y[2i+1] << 16); returns the sum
 * (< 2^32 by tx_softmax_check) */
static uint32_t tx_sm_row_exp(const uint16_t *r, int32_t m, int32_t n, const int8_t *in,
                              uint32_t *tmp)
{
    const uint16_t *base = r + 255 - m; /* base[x] = r[255 - (m - x)] = i-exp(m - x) */
    uint32_t sum = 0;
    int32_t j = n & ~7;
    if (j)
        sum = tx_sm_exp8(in, j >> 3, base, tmp, sum);
    for (tmp += j >> 1; j + 2 <= n; j += 2, ++tmp) {
        uint32_t p = base[in[j]] | (uint32_t)base[in[j + 1]] << 16;
        sum += p & 0xFFFFu;
        sum += p >> 16;
        *tmp = p;
    }
    if (j < n) {
        *tmp = base[in[j]];
        sum += *tmp;
    }
    return sum;
}

/* q = (M y) >> 32, M < 2^31 */
static void tx_sm_row_norm_fast(uint32_t M, int32_t n, const uint32_t *tmp, uint8_t *out)
{
    int32_t j = n & ~7;
    if (j)
        tx_sm_norm8(tmp, j >> 3, M, out);
    for (; j < n; ++j)
        out[j] = (uint8_t)(((uint64_t)((tmp[j >> 1] >> (16 * (j & 1))) & 0xFFFFu) * M) >> 32);
}

static void tx_sm_row_norm_checked(uint32_t R, uint32_t sum, int32_t n, const uint32_t *tmp,
                                   uint8_t *out)
{
    for (int32_t j = 0; j < n; ++j) {
        uint32_t N = ((tmp[j >> 1] >> (16 * (j & 1))) & 0xFFFFu) * 255u;
        uint32_t q = (uint32_t)(((uint64_t)N * R) >> 32);
        q += N - q * sum >= sum;
        out[j] = (uint8_t)q;
    }
}

/* A multiplier M for the fast normalization when it is exact for the row (see the top), else 0.
 * First M = 255 (R + 1) >= 255 2^32 / sum, whose error e = 255 (sum - rr) is small enough on
 * most realistic rows; else the exact ceiling 255 R + ceil(255 rr / sum), the quotient through
 * R as well ((u R) >> 32 is floor(u / sum) or one less). */
static inline uint32_t tx_sm_recip(uint32_t sum, uint32_t R, uint32_t emax)
{
    if (sum <= 510u || sum >= (1u << 24)) /* M < 2^31 and 255 rr < 2^32 */
        return 0;
    const uint32_t rr = 0u - R * sum; /* 2^32 - R sum */
    if ((sum - rr) * 255u <= emax)
        return (R + 1u) * 255u;
    const uint32_t u = rr * 255u + (sum - 1u);
    uint32_t c2 = (uint32_t)(((uint64_t)u * R) >> 32);
    uint32_t rem = u - c2 * sum;
    if (rem >= sum) {
        ++c2;
        rem -= sum;
    }
    return sum - 1u - rem <= emax ? R * 255u + c2 : 0u; /* e = sum - 1 - rem */
}

static void tx_sm_row(const tx_softmax_table *lut, int32_t n, const int8_t *in, uint8_t *out,
                      uint32_t *tmp)
{
    const uint32_t sum = tx_sm_row_exp(lut->u.r, tx_sm_row_max(in, n), n, in, tmp);
    const uint32_t R = 0xFFFFFFFFu / sum;
    const uint32_t M = tx_sm_recip(sum, R, lut->emax);
    if (M)
        tx_sm_row_norm_fast(M, n, tmp, out);
    else
        tx_sm_row_norm_checked(R, sum, n, tmp, out);
}

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
/* kernels/src/arm/softmax_rows8.S: tx_sm_row8 below for every row, in registers */
void tx_sm_rows8_dsp(const tx_softmax_table *lut, int32_t rows, int32_t n, const int8_t *in,
                     uint8_t *out, uint32_t *tmp);
#else

/* a row of whole blocks of 8 (S = 16, 32, 64, 128...): the loops alone, no tails */
static void tx_sm_row8(const tx_softmax_table *lut, int32_t n, const int8_t *in, uint8_t *out,
                       uint32_t *tmp)
{
    uint32_t acc = 0x80808080u;
    if (n >= 16)
        acc = tx_sm_max16(in, n >> 4, acc);
    if (n & 8)
        acc = tx_sm_max_s8x4(tx_sm_max_s8x4(acc, tx_sm_load4(in + n - 8)), tx_sm_load4(in + n - 4));
    acc = tx_sm_max_s8x4(acc, (acc >> 16) | (acc << 16));
    acc = tx_sm_max_s8x4(acc, acc >> 8);
    const uint32_t sum = tx_sm_exp8(in, n >> 3, lut->u.r + 255 - (int8_t)acc, tmp, 0);
    const uint32_t R = 0xFFFFFFFFu / sum;
    const uint32_t M = tx_sm_recip(sum, R, lut->emax);
    if (M)
        tx_sm_norm8(tmp, n >> 3, M, out);
    else
        tx_sm_row_norm_checked(R, sum, n, tmp, out);
}
#endif

void tx_softmax_rows_lut(const tx_softmax_table *lut, int32_t rows, int32_t n, const int8_t *in,
                         uint8_t *out, uint32_t *tmp)
{
    if (!lut->emax) { /* the exps do not fit the table */
        tx_softmax_rows(&lut->u.p, rows, n, in, out, tmp);
        return;
    }
    if (!(n & 7)) {
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
        if (rows > 0)
            tx_sm_rows8_dsp(lut, rows, n, in, out, tmp);
#else
        for (int32_t r = 0; r < rows; ++r, in += n, out += n)
            tx_sm_row8(lut, n, in, out, tmp);
#endif
    } else
        for (int32_t r = 0; r < rows; ++r, in += n, out += n)
            tx_sm_row(lut, n, in, out, tmp);
}
