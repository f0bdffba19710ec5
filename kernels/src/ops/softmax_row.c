/* The softmax rows of attention, through the exp table (tx_softmax_table): three passes per row
 * (row max four bytes at a time; exps and their sum, kept as 16-bit pairs; normalize) and one
 * exact reciprocal per row instead of a divide per element. Bit-exact with NUMERICS.md
 * "Integer softmax": out = floor(255 y / sum), where 255 y < 2^32 and y <= sum.
 *
 * The reciprocal. R = floor((2^32 - 1) / sum), rr = 2^32 - R sum (1 <= rr <= sum).
 *  - Fast: any M >= 255 2^32 / sum with e = M sum - 255 2^32 such that ymax e < 2^32.
 *    y M / 2^32 = 255 y / sum + y e / (sum 2^32): with 255 y = q sum + r (r < sum) the fraction
 *    is (r + y e / 2^32) / sum, below 1 when y e < 2^32, so q = (y M) >> 32 for every y of the
 *    row (ymax e < 2^32 is e <= lut->emax). Tried: M = 255 (R + 1), e = 255 (sum - rr), one
 *    compare; then the ceiling M = 255 R + ceil(255 rr / sum), e < sum. M < 2^31 (SMULWB/T
 *    take it signed) needs sum > 510; 255 rr < 2^32 needs sum < 2^24.
 *  - Otherwise: N = 255 y, N R / 2^32 = N / sum - N rr / (sum 2^32) lies in (N/sum - 1, N/sum],
 *    so (N R) >> 32 is q or q - 1, and one remainder check finishes it.
 *
 * On Armv7E-M the rows run in kernels/src/arm/softmax_rows.S, everything in registers; the C
 * below is its model, step for step (the same passes, multipliers and paths), proven by the
 * host tests; the assembly is checked against the per-element divide on the target
 * (fw_softmax_bench, ctest qemu_softmax_<cpu>). */
#include "../common/internal.h"
#include "../rv/xpulp.h"

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP

void tx_sm_rows_dsp(const tx_softmax_table *lut, int32_t rows, int32_t n, const int8_t *in,
                    uint8_t *out, uint32_t *tmp);

#else

static inline uint32_t tx_sm_load4(const void *p)
{
    return tx_xp_word(p);
}

/* SSUB8 + SEL: per byte lane, the larger of two signed bytes (pv.max.b on Xpulp) */
static uint32_t tx_sm_max_s8x4(uint32_t a, uint32_t b)
{
    return tx_xp_max_b(a, b);
}

/* SMULWB / SMULWT: (m * half) >> 16, m and the half signed */
static inline uint32_t tx_sm_mulw(uint32_t m, uint32_t half)
{
    return (uint32_t)(int32_t)(((int64_t)(int32_t)m * (int16_t)half) >> 16);
}

static int32_t tx_sm_row_max(const int8_t *in, int32_t n)
{
    uint32_t acc = 0x80808080u;
    int32_t j = 0;
    for (; j + 4 <= (n & ~7); j += 4)
        acc = tx_sm_max_s8x4(acc, tx_sm_load4(in + j));
    acc = tx_sm_max_s8x4(acc, (acc >> 16) | (acc << 16));
    acc = tx_sm_max_s8x4(acc, acc >> 8);
    int32_t m = (int8_t)acc;
    for (; j < n; ++j)
        m = in[j] > m ? in[j] : m;
    return m;
}

/* y[j] = i-exp(m - x[j]) into tmp as 16-bit pairs (y[2i] | y[2i+1] << 16, an odd last one
 * alone); returns the sum (< 2^32 by tx_softmax_check). SMLAD adds the halves as signed: they
 * are below 2^15. */
static uint32_t tx_sm_row_exp(const uint16_t *r, int32_t m, int32_t n, const int8_t *in,
                              uint32_t *tmp)
{
    const uint16_t *base = r + 255 - m; /* base[x] = r[255 - (m - x)] = i-exp(m - x) */
    uint32_t sum = 0;
    int32_t j = 0;
    for (; j + 2 <= n; j += 2, ++tmp) {
        const uint32_t p = base[in[j]] | (uint32_t)base[in[j + 1]] << 16;
        sum += (uint32_t)((int32_t)(int16_t)p + (int32_t)(int16_t)(p >> 16));
        *tmp = p;
    }
    if (j < n) {
        *tmp = base[in[j]];
        sum += *tmp;
    }
    return sum;
}

static uint32_t tx_sm_recip(uint32_t sum, uint32_t R, uint32_t emax)
{
    if (sum <= 510u || sum >= (1u << 24))
        return 0;
    const uint32_t rr = 0u - R * sum; /* 2^32 - R sum */
    if ((sum - rr) * 255u <= emax)
        return (R + 1u) * 255u;
    const uint32_t u = rr * 255u + (sum - 1u);
    uint32_t c2 = (uint32_t)(((uint64_t)u * R) >> 32); /* floor(u / sum) or one less */
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
#ifdef TX_HAVE_XPULP
    /* ((M y) >> 16) >> 16 is (M y) >> 32, one mulhu; y read as the halfwords of tmp */
    if (M) {
        typedef uint16_t __attribute__((may_alias)) tx_sm_half;
        const tx_sm_half *ys = (const tx_sm_half *)tmp;
        for (int32_t j = 0; j < n; ++j)
            out[j] = (uint8_t)(((uint64_t)M * ys[j]) >> 32);
        return;
    }
#endif
    for (int32_t j = 0; j < n; ++j) {
        const uint32_t y = (tmp[j >> 1] >> (16 * (j & 1))) & 0xFFFFu;
        uint32_t q;
        if (M) {
            q = tx_sm_mulw(M, y) >> 16; /* ((M y) >> 16) >> 16 */
        } else {
            q = tx_div_by_recip(y * 255u, sum, R);
        }
        out[j] = (uint8_t)q;
    }
}

#endif

void tx_softmax_rows_lut(const tx_softmax_table *lut, int32_t rows, int32_t n, const int8_t *in,
                         uint8_t *out, uint32_t *tmp)
{
    if (!lut->emax) { /* the exps do not fit the table */
        tx_softmax_rows(&lut->u.p, rows, n, in, out, tmp);
        return;
    }
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
    if (rows > 0 && n > 0)
        tx_sm_rows_dsp(lut, rows, n, in, out, tmp);
#else
    for (int32_t r = 0; r < rows; ++r, in += n, out += n)
        tx_sm_row(lut, n, in, out, tmp);
#endif
}
