/* Cortex-M DSP GEMM (SXTB16 + SMLAD).
 * Block shape: R activation rows x 1 weight row, R = 6 (tails 3, 2, 1). The R rows are widened to
 * int16 once per block (SXTB16, or UXTB16 for softmax probabilities) into the caller's scratch,
 * interleaved so that one pointer walks them with LDRD; every weight row then reuses them. Per
 * 4-deep step: 1 weight load, 2 SXTB16, and per row 1 LDRD + 2 SMLAD: 21 instructions for 24 MACs.
 * A reduction length that is not a multiple of 4 ends with one more step whose widened activations
 * are zero-padded and whose weight word is assembled from the remaining bytes only (nothing is read
 * past a weight row).
 * Why not 4 x 2: eight accumulators plus four widened weights, two operands and three pointers
 * need 18 registers; the M4 has 14, and the spills cost more than the second column saves.
 * SXTB16 yields lanes (b0, b2) and after ROR 8 (b1, b3); the activations are widened in the same
 * lane order, so each SMLAD pairs matching k. */
#include "../common/internal.h"
#include "dsp.h"

#define TX_DSP_ROWS 6

/* R rows of A -> (K4 [+1 tail]) steps of R interleaved (even, odd) lane pairs */
static void tx_dsp_widen_rows(const tx_gemm *g, int32_t m, int32_t R, uint32_t *dst)
{
    const int32_t K = g->K, K4 = K / 4, rem = K - 4 * K4;
    const uint8_t *base = (const uint8_t *)g->a + (size_t)m * g->lda;
    for (int32_t r = 0; r < R; ++r) {
        const uint8_t *row = base + (size_t)r * g->lda;
        uint32_t *d = dst + 2 * r;
        uint32_t tail = 0;
        for (int32_t i = 0; i < rem; ++i)
            tail |= (uint32_t)row[4 * K4 + i] << (8 * i);
        if (g->a_unsigned) {
            for (int32_t j = 0; j < K4; ++j, d += 2 * R) {
                uint32_t w = tx_load_u32(row + 4 * j);
                d[0] = tx_uxtb16(w);
                d[1] = tx_uxtb16_ror8(w);
            }
            if (rem) {
                d[0] = tx_uxtb16(tail);
                d[1] = tx_uxtb16_ror8(tail);
            }
        } else {
            for (int32_t j = 0; j < K4; ++j, d += 2 * R) {
                uint32_t w = tx_load_u32(row + 4 * j);
                d[0] = tx_sxtb16(w);
                d[1] = tx_sxtb16_ror8(w);
            }
            if (rem) {
                d[0] = tx_sxtb16(tail);
                d[1] = tx_sxtb16_ror8(tail);
            }
        }
    }
}

/* the last K % 4 weights of a row, zero-extended into one word */
static inline uint32_t tx_dsp_tail_word(const int8_t *b, int32_t rem)
{
    uint32_t w = (uint8_t)b[0];
    if (rem > 1)
        w |= (uint32_t)(uint8_t)b[1] << 8;
    if (rem > 2)
        w |= (uint32_t)(uint8_t)b[2] << 16;
    return w;
}

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#define TX_ROW_ASM(i)                                                                             \
    "ldrd %[a0], %[a1], [%[pa]], #8\n\t"                                                         \
    "smlad %[c" #i "], %[a0], %[we], %[c" #i "]\n\t"                                             \
    "smlad %[c" #i "], %[a1], %[wo], %[c" #i "]\n\t"
#define TX_LOAD_W_ASM "ldr %[wo], [%[pb]], #4\n\t"
#define TX_SPLIT_W_ASM                                                                            \
    "sxtb16 %[we], %[wo]\n\t"                                                                    \
    "sxtb16 %[wo], %[wo], ror #8\n\t"
#define TX_TEMPS [we] "=&r"(we), [wo] "+&r"(wo), [a0] "=&r"(a0), [a1] "=&r"(a1)
/* K4 full steps, two per iteration (half the loop overhead), then the zero-padded tail step */
#define TX_DSP_DOT(ROWS, ...)                                                                     \
    do {                                                                                         \
        uint32_t we, wo = 0, a0, a1;                                                             \
        const uint32_t *pa = wa;                                                                 \
        const int8_t *pb = b;                                                                    \
        int32_t j = 0;                                                                           \
        for (; j + 2 <= K4; j += 2)                                                              \
            __asm__ volatile(TX_LOAD_W_ASM TX_SPLIT_W_ASM ROWS TX_LOAD_W_ASM TX_SPLIT_W_ASM ROWS \
                             : __VA_ARGS__, [pa] "+r"(pa), [pb] "+r"(pb), TX_TEMPS : : "memory"); \
        if (j < K4)                                                                              \
            __asm__ volatile(TX_LOAD_W_ASM TX_SPLIT_W_ASM ROWS                                   \
                             : __VA_ARGS__, [pa] "+r"(pa), [pb] "+r"(pb), TX_TEMPS : : "memory"); \
        if (rem) {                                                                               \
            wo = tx_dsp_tail_word(pb, rem);                                                      \
            __asm__ volatile(TX_SPLIT_W_ASM ROWS                                                 \
                             : __VA_ARGS__, [pa] "+r"(pa), [pb] "+r"(pb), TX_TEMPS : : "memory"); \
        }                                                                                        \
    } while (0)
#define TX_R6 TX_ROW_ASM(0) TX_ROW_ASM(1) TX_ROW_ASM(2) TX_ROW_ASM(3) TX_ROW_ASM(4) TX_ROW_ASM(5)
#define TX_R3 TX_ROW_ASM(0) TX_ROW_ASM(1) TX_ROW_ASM(2)
#define TX_R2 TX_ROW_ASM(0) TX_ROW_ASM(1)
#define TX_R1 TX_ROW_ASM(0)
#else
/* the same steps in portable C (host tests, other targets) */
static inline void tx_dsp_step(int32_t R, uint32_t w, const uint32_t *pa, int32_t *c)
{
    const uint32_t we = tx_sxtb16(w), wo = tx_sxtb16_ror8(w);
    for (int32_t r = 0; r < R; ++r)
        c[r] = tx_smlad(pa[2 * r + 1], wo, tx_smlad(pa[2 * r], we, c[r]));
}
static inline void tx_dsp_dot_c(int32_t R, const uint32_t *wa, const int8_t *b, int32_t K4,
                                int32_t rem, int32_t *c)
{
    for (int32_t j = 0; j < K4; ++j)
        tx_dsp_step(R, tx_load_u32(b + 4 * j), wa + 2 * R * j, c);
    if (rem)
        tx_dsp_step(R, tx_dsp_tail_word(b + 4 * K4, rem), wa + 2 * R * K4, c);
}
#endif

/* Output column pointers walk the column groups of tx_gemm (head-major layouts) */
typedef struct {
    int32_t left;    /* columns left in this group */
    int32_t gcols, cs, gstride;
    uint8_t *col, *group;
} tx_dsp_cols;

static inline tx_dsp_cols tx_dsp_cols_start(const tx_gemm *g, void *base, int32_t elem)
{
    tx_dsp_cols c;
    c.gcols = g->gcols ? g->gcols : g->N;
    c.left = c.gcols;
    c.cs = g->cs * elem;
    c.gstride = g->gstride * elem;
    c.col = c.group = (uint8_t *)base;
    return c;
}

static inline void tx_dsp_cols_next(tx_dsp_cols *c)
{
    if (--c->left) {
        c->col += c->cs;
    } else {
        c->left = c->gcols;
        c->group += c->gstride;
        c->col = c->group;
    }
}

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
/* The job of dsp_columns.S; field offsets are fixed there. */
typedef struct {
    const uint32_t *wa;
    const int8_t *b;
    int32_t ldb, nleft, k4;
    const int32_t *bias;
    int8_t *ocol;
    int32_t rs, mul, rnd, sh, gleft, gcols, cs, gstride;
    int8_t *ogroup;
} tx_dsp_cols_job;
_Static_assert(sizeof(tx_dsp_cols_job) == 64, "dsp_columns.S expects this layout");
void tx_dsp_cols6_asm(tx_dsp_cols_job *job);
void tx_dsp_cols3_asm(tx_dsp_cols_job *job);
void tx_dsp_cols2_asm(tx_dsp_cols_job *job);
void tx_dsp_cols1_asm(tx_dsp_cols_job *job);

/* the whole column loop of an R-row block in assembly; 0 if this GEMM needs the C path */
static int tx_dsp_columns_asm(const tx_gemm *g, int32_t m, int32_t R, const uint32_t *wa)
{
    if (!g->rq || g->rq->ch_mul || g->rq->shift <= 32 || !g->bias || g->K % 4 != 0)
        return 0;
    const int32_t gcols = g->gcols ? g->gcols : g->N, sh = g->rq->shift - 32;
    int8_t *o = g->out + (size_t)m * g->rs;
    tx_dsp_cols_job job = {wa, g->b, g->ldb, g->N, g->K / 4, g->bias, o, g->rs, g->rq->mul,
                           (int32_t)1 << (sh - 1), sh, gcols, gcols, g->cs, g->gstride, o};
    switch (R) {
    case 6: tx_dsp_cols6_asm(&job); break;
    case 3: tx_dsp_cols3_asm(&job); break;
    case 2: tx_dsp_cols2_asm(&job); break;
    default: tx_dsp_cols1_asm(&job); break;
    }
    return 1;
}
#endif

/* The common case in C, kept lean: 6 rows, per-tensor requantization with shift > 32 (SMMLA
 * path), bias in the accumulator's initial value. */
static void tx_dsp_rows6_fast(const tx_gemm *g, int32_t m, const uint32_t *wa)
{
    const int32_t K4 = g->K / 4, rem = g->K - 4 * K4, N = g->N, rs = g->rs, ldb = g->ldb;
    const int32_t mul = g->rq->mul, sh = g->rq->shift - 32, rnd = (int32_t)1 << (sh - 1);
    const int32_t *bias = g->bias;
    const int8_t *b = g->b;
    tx_dsp_cols oc = tx_dsp_cols_start(g, g->out + (size_t)m * rs, 1);
    for (int32_t n = 0; n < N; ++n, b += ldb, tx_dsp_cols_next(&oc)) {
        const int32_t init = bias ? bias[n] : 0;
        int32_t c[6] = {init, init, init, init, init, init};
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
        int32_t c0 = init, c1 = init, c2 = init, c3 = init, c4 = init, c5 = init;
        TX_DSP_DOT(TX_R6, [c0] "+r"(c0), [c1] "+r"(c1), [c2] "+r"(c2), [c3] "+r"(c3),
                   [c4] "+r"(c4), [c5] "+r"(c5));
        c[0] = c0; c[1] = c1; c[2] = c2; c[3] = c3; c[4] = c4; c[5] = c5;
#else
        tx_dsp_dot_c(6, wa, b, K4, rem, c);
#endif
        int8_t *o = (int8_t *)oc.col;
        for (int r = 0; r < 6; ++r, o += rs)
            *o = (int8_t)tx_ssat8(tx_smmla(c[r], mul, rnd) >> sh);
    }
}

/* Every other case (3, 2 or 1 rows; per-channel or shift <= 32 requantization; int32
 * accumulation), with the per-call values hoisted out of the column loop. */
#define TX_DSP_COLUMNS(R, ...)                                                                    \
    static void tx_dsp_rows##R(const tx_gemm *g, int32_t m, const uint32_t *wa)                  \
    {                                                                                            \
        const int32_t K = g->K, K4 = K / 4, rem = K - 4 * K4, N = g->N, rs = g->rs;              \
        const int8_t *b = g->b;                                                                  \
        const tx_requant *rq = g->rq;                                                            \
        const int32_t *bias = rq ? g->bias : 0;                                                  \
        tx_dsp_cols oc = rq ? tx_dsp_cols_start(g, g->out + (size_t)m * rs, 1)                   \
                            : tx_dsp_cols_start(g, g->acc + (size_t)m * rs, 4);                  \
        for (int32_t n = 0; n < N; ++n, b += g->ldb, tx_dsp_cols_next(&oc)) {                    \
            int32_t c[R];                                                                        \
            const int32_t init = bias ? bias[n] : 0;                                             \
            for (int32_t r = 0; r < R; ++r)                                                      \
                c[r] = init;                                                                     \
            __VA_ARGS__;                                                                         \
            if (rq) {                                                                            \
                const int32_t mul = tx_rq_mul(rq, n), shift = tx_rq_shift(rq, n);                \
                int8_t *o = (int8_t *)oc.col;                                                    \
                for (int32_t r = 0; r < R; ++r)                                                  \
                    o[r * rs] = tx_dsp_requant(c[r], mul, shift);                                \
            } else {                                                                             \
                int32_t *a = (int32_t *)(void *)oc.col;                                          \
                for (int32_t r = 0; r < R; ++r)                                                  \
                    a[r * rs] += c[r];                                                           \
            }                                                                                    \
        }                                                                                        \
    }

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
TX_DSP_COLUMNS(6, { int32_t c0 = c[0], c1 = c[1], c2 = c[2], c3 = c[3], c4 = c[4], c5 = c[5];
                    TX_DSP_DOT(TX_R6, [c0] "+r"(c0), [c1] "+r"(c1), [c2] "+r"(c2), [c3] "+r"(c3),
                               [c4] "+r"(c4), [c5] "+r"(c5));
                    c[0] = c0; c[1] = c1; c[2] = c2; c[3] = c3; c[4] = c4; c[5] = c5; })
TX_DSP_COLUMNS(3, { int32_t c0 = c[0], c1 = c[1], c2 = c[2];
                    TX_DSP_DOT(TX_R3, [c0] "+r"(c0), [c1] "+r"(c1), [c2] "+r"(c2));
                    c[0] = c0; c[1] = c1; c[2] = c2; })
TX_DSP_COLUMNS(2, { int32_t c0 = c[0], c1 = c[1];
                    TX_DSP_DOT(TX_R2, [c0] "+r"(c0), [c1] "+r"(c1));
                    c[0] = c0; c[1] = c1; })
TX_DSP_COLUMNS(1, { int32_t c0 = c[0];
                    TX_DSP_DOT(TX_R1, [c0] "+r"(c0));
                    c[0] = c0; })
#else
TX_DSP_COLUMNS(6, tx_dsp_dot_c(6, wa, b, K4, rem, c))
TX_DSP_COLUMNS(3, tx_dsp_dot_c(3, wa, b, K4, rem, c))
TX_DSP_COLUMNS(2, tx_dsp_dot_c(2, wa, b, K4, rem, c))
TX_DSP_COLUMNS(1, tx_dsp_dot_c(1, wa, b, K4, rem, c))
#endif

/* one block of R rows: widen them, then the fastest column loop this GEMM allows */
static void tx_dsp_block(const tx_gemm *g, int32_t m, int32_t R, uint32_t *wa)
{
    tx_dsp_widen_rows(g, m, R, wa);
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
    if (tx_dsp_columns_asm(g, m, R, wa))
        return;
#endif
    switch (R) {
    case 6:
        if (g->rq && !g->rq->ch_mul && g->rq->shift > 32)
            tx_dsp_rows6_fast(g, m, wa);
        else
            tx_dsp_rows6(g, m, wa);
        break;
    case 3: tx_dsp_rows3(g, m, wa); break;
    case 2: tx_dsp_rows2(g, m, wa); break;
    default: tx_dsp_rows1(g, m, wa); break;
    }
}

void tx_gemm_dsp(const tx_gemm *g)
{
    uint32_t *wa = (uint32_t *)g->scratch;
    int32_t m = 0;
    for (; m + TX_DSP_ROWS <= g->M; m += TX_DSP_ROWS)
        tx_dsp_block(g, m, TX_DSP_ROWS, wa);
    /* the remaining 0..5 rows: at most one block each of 3, 2 and 1 */
    for (int32_t R = 3; R >= 1; --R)
        if (m + R <= g->M) {
            tx_dsp_block(g, m, R, wa);
            m += R;
        }
}
