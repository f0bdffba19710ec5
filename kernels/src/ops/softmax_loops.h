/* The three inner loops of a softmax row (softmax_row.c), over whole blocks of a row:
 *   tx_sm_max16    per byte lane signed max of `blocks` x 16 bytes into acc
 *   tx_sm_exp8     8 exps per block from the table base (base[x] = i-exp(max - x)), stored as
 *                  16-bit pairs (y0 | y1 << 16), summed (the halves are below 2^15)
 *   tx_sm_norm8    8 outputs per block: q = ((M y) >> 16) >> 16 = (M y) >> 32, M < 2^31
 * Armv7E-M: inline assembly (SSUB8/SEL, SMLAD, SMULWB/SMULWT, PKHTB). Elsewhere: C with the
 * same results, so the host tests prove the arithmetic the Cortex-M runs. */
#ifndef TINYTX_SOFTMAX_LOOPS_H
#define TINYTX_SOFTMAX_LOOPS_H

#include <stdint.h>

static inline uint32_t tx_sm_load4(const void *p)
{
    uint32_t v;
    __builtin_memcpy(&v, p, 4); /* one LDR on Cortex-M (unaligned LDR is allowed) */
    return v;
}

static inline void tx_sm_store4(void *p, uint32_t v)
{
    __builtin_memcpy(p, &v, 4);
}

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP

/* per byte lane, the larger of two signed bytes: SSUB8 sets GE where a >= b, SEL picks */
static inline uint32_t tx_sm_max_s8x4(uint32_t a, uint32_t b)
{
    uint32_t r;
    __asm__("ssub8 %0, %1, %2\n\tsel %0, %1, %2" : "=&r"(r) : "r"(a), "r"(b));
    return r;
}

static inline uint32_t tx_sm_max16(const int8_t *in, int32_t blocks, uint32_t acc)
{
    uint32_t a, b, c, d, t; /* t: SSUB8's difference, only its GE flags are used */
    __asm__ volatile(
        "1:\n\t"
        "ldr %[a], [%[in]], #4\n\t"
        "ldr %[b], [%[in]], #4\n\t"
        "ldr %[c], [%[in]], #4\n\t"
        "ldr %[d], [%[in]], #4\n\t"
        "ssub8 %[t], %[a], %[b]\n\t"
        "sel %[a], %[a], %[b]\n\t"
        "ssub8 %[t], %[c], %[d]\n\t"
        "sel %[c], %[c], %[d]\n\t"
        "ssub8 %[t], %[a], %[c]\n\t"
        "sel %[a], %[a], %[c]\n\t"
        "ssub8 %[t], %[a], %[acc]\n\t"
        "sel %[acc], %[a], %[acc]\n\t"
        "subs %[n], %[n], #1\n\t"
        "bne 1b"
        : [acc] "+r"(acc), [in] "+r"(in), [n] "+r"(blocks), [a] "=&r"(a), [b] "=&r"(b),
          [c] "=&r"(c), [d] "=&r"(d), [t] "=&r"(t)
        :
        : "cc", "memory");
    return acc;
}

/* four exps: one word of scores, two packed pairs stored, both added to the sum */
#define TX_SM_EXP4                                                                              \
    "ldr %[w], [%[in]], #4\n\t"                                                                 \
    "sxtb %[a], %[w]\n\t"                                                                       \
    "sxtb %[b], %[w], ror #8\n\t"                                                               \
    "sxtb %[c], %[w], ror #16\n\t"                                                              \
    "asr %[d], %[w], #24\n\t"                                                                   \
    "ldrh %[a], [%[base], %[a], lsl #1]\n\t"                                                    \
    "ldrh %[b], [%[base], %[b], lsl #1]\n\t"                                                    \
    "ldrh %[c], [%[base], %[c], lsl #1]\n\t"                                                    \
    "ldrh %[d], [%[base], %[d], lsl #1]\n\t"                                                    \
    "pkhbt %[a], %[a], %[b], lsl #16\n\t"                                                       \
    "pkhbt %[c], %[c], %[d], lsl #16\n\t"                                                       \
    "smlad %[sum], %[a], %[one], %[sum]\n\t"                                                    \
    "smlad %[sum], %[c], %[one], %[sum]\n\t"                                                    \
    "strd %[a], %[c], [%[tmp]], #8\n\t"

/* four outputs from two packed pairs: q0 | q2 << 16 and q1 | q3 << 16 (PKHTB), then bytes */
#define TX_SM_NORM4                                                                             \
    "ldrd %[p0], %[p1], [%[tmp]], #8\n\t"                                                       \
    "smulwb %[a], %[m], %[p0]\n\t"                                                              \
    "smulwb %[b], %[m], %[p1]\n\t"                                                              \
    "smulwt %[c], %[m], %[p0]\n\t"                                                              \
    "smulwt %[p1], %[m], %[p1]\n\t"                                                             \
    "pkhtb %[a], %[b], %[a], asr #16\n\t"                                                       \
    "pkhtb %[c], %[p1], %[c], asr #16\n\t"                                                      \
    "orr %[a], %[a], %[c], lsl #8\n\t"                                                          \
    "str %[a], [%[out]], #4\n\t"

/* `blocks` (>= 1) blocks of 8: an odd one first, then pairs of blocks per loop iteration (the
 * loop's SUBS + taken branch cost 4 cycles per 16 scores) */
#define TX_SM_BLOCKS8(BODY4)                                                                    \
    "lsrs %[n], %[n], #1\n\t"                                                                   \
    "bcc 2f\n\t"                                                                                \
    BODY4 BODY4                                                                                 \
    "cmp %[n], #0\n\t"                                                                          \
    "beq 3f\n\t"                                                                                \
    "2:\n\t"                                                                                    \
    BODY4 BODY4 BODY4 BODY4                                                                     \
    "subs %[n], %[n], #1\n\t"                                                                   \
    "bne 2b\n\t"                                                                                \
    "3:"

static inline uint32_t tx_sm_exp8(const int8_t *in, int32_t blocks, const uint16_t *base,
                                  uint32_t *tmp, uint32_t sum)
{
    uint32_t w, a, b, c, d;
    __asm__ volatile(TX_SM_BLOCKS8(TX_SM_EXP4)
                     : [sum] "+r"(sum), [in] "+r"(in), [tmp] "+r"(tmp), [n] "+r"(blocks),
                       [w] "=&r"(w), [a] "=&r"(a), [b] "=&r"(b), [c] "=&r"(c), [d] "=&r"(d)
                     : [base] "r"(base), [one] "r"(0x00010001u)
                     : "cc", "memory");
    return sum;
}

static inline void tx_sm_norm8(const uint32_t *tmp, int32_t blocks, uint32_t M, uint8_t *out)
{
    uint32_t p0, p1, a, b, c;
    __asm__ volatile(TX_SM_BLOCKS8(TX_SM_NORM4)
                     : [tmp] "+r"(tmp), [out] "+r"(out), [n] "+r"(blocks), [p0] "=&r"(p0),
                       [p1] "=&r"(p1), [a] "=&r"(a), [b] "=&r"(b), [c] "=&r"(c)
                     : [m] "r"(M)
                     : "cc", "memory");
}

#else

static inline uint32_t tx_sm_max_s8x4(uint32_t a, uint32_t b)
{
    uint32_t r = 0;
    for (unsigned k = 0; k < 32; k += 8) {
        int32_t x = (int8_t)(a >> k), y = (int8_t)(b >> k);
        r |= (uint32_t)(uint8_t)(x >= y ? x : y) << k;
    }
    return r;
}

static inline uint32_t tx_sm_max16(const int8_t *in, int32_t blocks, uint32_t acc)
{
    for (; blocks > 0; --blocks, in += 16)
        for (int k = 0; k < 16; k += 4)
            acc = tx_sm_max_s8x4(acc, tx_sm_load4(in + k));
    return acc;
}

/* SMLAD with 0x00010001: the halves as signed 16-bit */
static inline uint32_t tx_sm_add_halves(uint32_t p, uint32_t acc)
{
    return acc + (uint32_t)((int32_t)(int16_t)p + (int32_t)(int16_t)(p >> 16));
}

static inline uint32_t tx_sm_exp8(const int8_t *in, int32_t blocks, const uint16_t *base,
                                  uint32_t *tmp, uint32_t sum)
{
    for (; blocks > 0; --blocks, in += 8, tmp += 4)
        for (int k = 0; k < 4; ++k) {
            uint32_t p = base[in[2 * k]] | (uint32_t)base[in[2 * k + 1]] << 16;
            sum = tx_sm_add_halves(p, sum);
            tmp[k] = p;
        }
    return sum;
}

/* SMULWB / SMULWT: (m * half) >> 16, m and the half signed */
static inline uint32_t tx_sm_mulw(uint32_t m, uint32_t half)
{
    return (uint32_t)(int32_t)(((int64_t)(int32_t)m * (int16_t)half) >> 16);
}

static inline void tx_sm_norm8(const uint32_t *tmp, int32_t blocks, uint32_t M, uint8_t *out)
{
    for (; blocks > 0; --blocks, tmp += 4, out += 8)
        for (int k = 0; k < 4; ++k) {
            out[2 * k] = (uint8_t)(tx_sm_mulw(M, tmp[k]) >> 16);
            out[2 * k + 1] = (uint8_t)(tx_sm_mulw(M, tmp[k] >> 16) >> 16);
        }
}

#endif

#endif
