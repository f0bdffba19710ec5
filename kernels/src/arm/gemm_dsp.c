/* Cortex-M DSP GEMM (SXTB16 + SMLAD).
 * Block shape: R activation rows x 1 weight row, R = 6 (tails 4, 2, 1). The R rows are widened to
 * int16 once per block (SXTB16, or UXTB16 for softmax probabilities) into the caller's scratch,
 * interleaved so that one pointer walks them with LDRD; then every weight row reuses them. Per
 * 4-deep step: 1 weight load, 2 SXTB16, and per row 1 LDRD + 2 SMLAD: 21 instructions for 24 MACs.
 * Why not 4 x 2: eight accumulators plus four widened weights, two operands and three pointers
 * need 18 registers; the M4 has 14, and the spills cost more than the second column saves.
 * SXTB16 yields lanes (b0, b2) and after ROR 8 (b1, b3); the activations are widened in the same
 * lane order, so each SMLAD pairs matching k. */
#include "../common/gemm_edges.h"
#include "dsp.h"

#define TX_DSP_ROWS 6

static void tx_dsp_widen_rows(const tx_gemm *g, int32_t m, int32_t R, int32_t K4, uint32_t *dst)
{
    const uint8_t *base = (const uint8_t *)g->a + (size_t)m * g->lda;
    for (int32_t r = 0; r < R; ++r) {
        const uint8_t *row = base + (size_t)r * g->lda;
        uint32_t *d = dst + 2 * r;
        for (int32_t j = 0; j < K4; ++j, d += 2 * R) {
            uint32_t w = tx_load_u32(row + 4 * j);
            d[0] = g->a_unsigned ? tx_uxtb16(w) : tx_sxtb16(w);
            d[1] = g->a_unsigned ? tx_uxtb16_ror8(w) : tx_sxtb16_ror8(w);
        }
    }
}

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#define TX_ROW_ASM(i)                                                                             \
    "ldrd %[a0], %[a1], [%[pa]], #8\n\t"                                                         \
    "smlad %[c" #i "], %[a0], %[we], %[c" #i "]\n\t"                                             \
    "smlad %[c" #i "], %[a1], %[wo], %[c" #i "]\n\t"
#define TX_WEIGHT_ASM                                                                             \
    "ldr %[wo], [%[pb]], #4\n\t"                                                                 \
    "sxtb16 %[we], %[wo]\n\t"                                                                    \
    "sxtb16 %[wo], %[wo], ror #8\n\t"
#define TX_TEMPS [we] "=&r"(we), [wo] "=&r"(wo), [a0] "=&r"(a0), [a1] "=&r"(a1)
#endif

/* c[r] += row_r(widened, K4 steps) . b[0 .. 4*K4) for R rows */
static inline __attribute__((always_inline)) void tx_dsp_dot_rows(int32_t R, const uint32_t *pa, const int8_t *pb, int32_t K4,
                                   int32_t *c)
{
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
    uint32_t we, wo, a0, a1;
    /* two 4-deep steps per loop iteration halve the loop overhead; an odd step runs alone */
#define TX_DSP_LOOP(BODY, ...)                                                                    \
    do {                                                                                         \
        int32_t j = 0;                                                                           \
        for (; j + 2 <= K4; j += 2)                                                              \
            __asm__ volatile(BODY BODY : __VA_ARGS__ : : "memory");                              \
        if (j < K4)                                                                              \
            __asm__ volatile(BODY : __VA_ARGS__ : : "memory");                                   \
    } while (0)
    if (R == 6) {
        int32_t c0 = c[0], c1 = c[1], c2 = c[2], c3 = c[3], c4 = c[4], c5 = c[5];
        TX_DSP_LOOP(TX_WEIGHT_ASM TX_ROW_ASM(0) TX_ROW_ASM(1) TX_ROW_ASM(2) TX_ROW_ASM(3)
                        TX_ROW_ASM(4) TX_ROW_ASM(5),
                    [c0] "+r"(c0), [c1] "+r"(c1), [c2] "+r"(c2), [c3] "+r"(c3), [c4] "+r"(c4),
                    [c5] "+r"(c5), [pa] "+r"(pa), [pb] "+r"(pb), TX_TEMPS);
        c[0] = c0; c[1] = c1; c[2] = c2; c[3] = c3; c[4] = c4; c[5] = c5;
    } else if (R == 4) {
        int32_t c0 = c[0], c1 = c[1], c2 = c[2], c3 = c[3];
        TX_DSP_LOOP(TX_WEIGHT_ASM TX_ROW_ASM(0) TX_ROW_ASM(1) TX_ROW_ASM(2) TX_ROW_ASM(3),
                    [c0] "+r"(c0), [c1] "+r"(c1), [c2] "+r"(c2), [c3] "+r"(c3), [pa] "+r"(pa),
                    [pb] "+r"(pb), TX_TEMPS);
        c[0] = c0; c[1] = c1; c[2] = c2; c[3] = c3;
    } else if (R == 2) {
        int32_t c0 = c[0], c1 = c[1];
        TX_DSP_LOOP(TX_WEIGHT_ASM TX_ROW_ASM(0) TX_ROW_ASM(1),
                    [c0] "+r"(c0), [c1] "+r"(c1), [pa] "+r"(pa), [pb] "+r"(pb), TX_TEMPS);
        c[0] = c0; c[1] = c1;
    } else {
        int32_t c0 = c[0];
        TX_DSP_LOOP(TX_WEIGHT_ASM TX_ROW_ASM(0), [c0] "+r"(c0), [pa] "+r"(pa), [pb] "+r"(pb),
                    TX_TEMPS);
        c[0] = c0;
    }
#undef TX_DSP_LOOP
#else
    for (int32_t j = 0; j < K4; ++j, pb += 4) {
        uint32_t w = tx_load_u32(pb);
        uint32_t we = tx_sxtb16(w), wo = tx_sxtb16_ror8(w);
        for (int32_t r = 0; r < R; ++r, pa += 2)
            c[r] = tx_smlad(pa[1], wo, tx_smlad(pa[0], we, c[r]));
    }
#endif
}

/* Finish R outputs of column n starting at row m: requantize (shift > 32 takes the SMMLA path of
 * tx_dsp_requant with the column's constants hoisted) or accumulate. */
static inline __attribute__((always_inline)) void tx_dsp_finish(const tx_gemm *g, int32_t m,
                                                               int32_t n, int32_t R,
                                                               const int32_t *c)
{
    const int32_t rs = g->rs, idx = m * rs + n * g->cs;
    if (!g->rq) {
        for (int32_t r = 0; r < R; ++r)
            g->acc[idx + r * rs] += c[r];
        return;
    }
    const int32_t mul = tx_rq_mul(g->rq, n), shift = tx_rq_shift(g->rq, n);
    int8_t *o = g->out + idx;
    if (shift > 32) {
        const int32_t rnd = (int32_t)1 << (shift - 33), sh = shift - 32;
        for (int32_t r = 0; r < R; ++r)
            o[r * rs] = (int8_t)tx_ssat8(tx_smmla(c[r], mul, rnd) >> sh);
    } else {
        for (int32_t r = 0; r < R; ++r)
            o[r * rs] = tx_dsp_requant(c[r], mul, shift);
    }
}

/* one block of R rows against every weight row; R is a compile-time constant at each call */
static inline __attribute__((always_inline)) void tx_dsp_block(const tx_gemm *g, int32_t m,
                                                              int32_t R, uint32_t *wa)
{
    const int32_t K = g->K, K4 = K / 4, Kt = K4 * 4;
    const int with_bias = g->rq && g->bias;
    tx_dsp_widen_rows(g, m, R, K4, wa);
    for (int32_t n = 0; n < g->N; ++n) {
        const int8_t *b = g->b + (size_t)n * g->ldb;
        const int32_t bias = with_bias ? g->bias[n] : 0;
        int32_t c[TX_DSP_ROWS];
        for (int32_t r = 0; r < R; ++r)
            c[r] = bias;
        tx_dsp_dot_rows(R, wa, b, K4, c);
        if (Kt < K)
            for (int32_t r = 0; r < R; ++r)
                c[r] += tx_dot_at(g, m + r, n, Kt);
        tx_dsp_finish(g, m, n, R, c);
    }
}

void tx_gemm_dsp(const tx_gemm *g)
{
    uint32_t *wa = (uint32_t *)g->scratch;
    int32_t m = 0;
    for (; m + TX_DSP_ROWS <= g->M; m += TX_DSP_ROWS)
        tx_dsp_block(g, m, TX_DSP_ROWS, wa);
    /* the remaining 0..5 rows: at most one block each of 4, 2 and 1 */
    if (m + 4 <= g->M) {
        tx_dsp_block(g, m, 4, wa);
        m += 4;
    }
    if (m + 2 <= g->M) {
        tx_dsp_block(g, m, 2, wa);
        m += 2;
    }
    if (m < g->M)
        tx_dsp_block(g, m, 1, wa);
}
