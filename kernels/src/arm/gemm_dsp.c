/* Cortex-M DSP GEMM (SXTB16 + SMLAD).
 * Block shape: R activation rows x 1 weight row, R = 6 (tails 4, 2, 1); two rows take column
 * pairs (2 x 2) and one row groups of 4 columns (the GEMV, dsp_gemv.S). The R rows are widened to
 * int16 once per block (SXTB16, or UXTB16 for softmax probabilities) into the caller's scratch,
 * interleaved so that one pointer walks them with LDM (two rows' lane pairs at a time); every
 * weight row then reuses them. Per 4-deep step: 1 weight load, 2 SXTB16, 3 LDM and 12 SMLAD:
 * 18 instructions, 31 cycles on the M4 table (33 with the weight in flash), for 24 MACs; why
 * this is near the table's ceiling for an int8 GEMM: docs/CYCLE_MODEL.md. Every GEMM the
 * operators issue (with or without bias, int32 accumulation, unsigned A for A.V, any K >= 4)
 * runs the assembly column loops of dsp_columns.S on Armv7E-M; per-channel requantization,
 * shift <= 32 and K < 4 take the C steps.
 * A reduction length that is not a multiple of 4 ends with one more step whose widened activations
 * are zero-padded and whose weight word is assembled from the remaining bytes only (nothing is read
 * past a weight row).
 * Why not 4 x 2: eight accumulators plus four widened weights, two operands and three pointers
 * need 18 registers; the M4 has 14, and the spills cost more than the second column saves. 6 x 1
 * with LDM uses all 14: accumulators 6, weight lanes 2, activations 4, two pointers.
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

/* The portable form of the column loop's steps (host tests, other targets, and the cases the
 * assembly does not take): the same lanes and the same SMLAD order. */
static inline void tx_dsp_step(int32_t R, uint32_t w, const uint32_t *pa, int32_t *c)
{
    const uint32_t we = tx_sxtb16(w), wo = tx_sxtb16_ror8(w);
    for (int32_t r = 0; r < R; ++r)
        c[r] = tx_smlad(pa[2 * r + 1], wo, tx_smlad(pa[2 * r], we, c[r]));
}

/* columns [n0, n1) */
static void tx_dsp_columns_c(const tx_gemm *g, int32_t m, int32_t R, const uint32_t *wa, int32_t n0,
                             int32_t n1)
{
    const int32_t K4 = g->K / 4, rem = g->K - 4 * K4;
    const int8_t *b = g->b + (size_t)n0 * g->ldb;
    for (int32_t n = n0; n < n1; ++n, b += g->ldb) {
        int32_t c[TX_DSP_ROWS];
        const int32_t init = g->rq && g->bias ? g->bias[n] : 0;
        for (int32_t r = 0; r < R; ++r)
            c[r] = init;
        for (int32_t j = 0; j < K4; ++j)
            tx_dsp_step(R, tx_load_u32(b + 4 * j), wa + 2 * R * j, c);
        if (rem)
            tx_dsp_step(R, tx_dsp_tail_word(b + 4 * K4, rem), wa + 2 * R * K4, c);
        for (int32_t r = 0; r < R; ++r) {
            const int32_t idx = tx_gemm_index(g, m + r, n);
            if (g->rq)
                g->out[idx] = tx_dsp_requant(c[r], tx_rq_mul(g->rq, n), tx_rq_shift(g->rq, n));
            else
                g->acc[idx] += c[r];
        }
    }
}

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
/* The job of dsp_columns.S (its stack frame from F_MUL on): one run of columns with a constant
 * column stride (one column group of the head-major layouts); field offsets are fixed there. */
typedef struct {
    int32_t mul, rnd, sh;
    uint8_t *ocol;
    int32_t rs, cs;
    const uint32_t *wa;
    int32_t bskip, ncols;
    const int32_t *bias;
    int32_t k4, aend, rem; /* aend: set by the assembly */
    const int8_t *b;
} tx_dsp_job;
_Static_assert(sizeof(tx_dsp_job) == 56, "dsp_columns.S expects this layout");
typedef void (*tx_dsp_cols_fn)(tx_dsp_job *job);
void tx_dsp_cols6_rq(tx_dsp_job *job);
void tx_dsp_cols4_rq(tx_dsp_job *job);
void tx_dsp_cols2_rq(tx_dsp_job *job);
void tx_dsp_cols1_rq(tx_dsp_job *job);
void tx_dsp_cols6_acc(tx_dsp_job *job);
void tx_dsp_cols4_acc(tx_dsp_job *job);
void tx_dsp_cols2_acc(tx_dsp_job *job);
void tx_dsp_cols1_acc(tx_dsp_job *job);
/* two rows x column pairs: ncols counts pairs, bskip = 2 ldb - 4 (K / 4) (dsp_columns.S) */
void tx_dsp_cols2x2_rq(tx_dsp_job *job);
void tx_dsp_cols2x2_acc(tx_dsp_job *job);

static tx_dsp_cols_fn tx_dsp_cols_for(int32_t R, int rq)
{
    switch (R) {
    case 6: return rq ? tx_dsp_cols6_rq : tx_dsp_cols6_acc;
    case 4: return rq ? tx_dsp_cols4_rq : tx_dsp_cols4_acc;
    case 2: return rq ? tx_dsp_cols2_rq : tx_dsp_cols2_acc;
    default: return rq ? tx_dsp_cols1_rq : tx_dsp_cols1_acc;
    }
}

/* The job of dsp_gemv.S (its stack frame from G_MUL on): one row against groups of 4 weight
 * rows; field offsets fixed there. */
typedef struct {
    int32_t mul, rnd, sh;
    uint8_t *ocol;
    int32_t cs;
    const uint32_t *wa;
    const int8_t *b;
    int32_t ldb, nquads, k4, rem;
    const int32_t *bias;
} tx_dsp_gemv_job;
_Static_assert(sizeof(tx_dsp_gemv_job) == 48, "dsp_gemv.S expects this layout");
void tx_dsp_gemv4_rq(tx_dsp_gemv_job *job);
void tx_dsp_gemv4_acc(tx_dsp_gemv_job *job);

/* the assembly column loop, one call per column group (one row: 4 columns at a time, then the
 * rest; K < 4: the C steps); 0 if this GEMM needs the C loop */
static int tx_dsp_columns_asm(const tx_gemm *g, int32_t m, int32_t R, const uint32_t *wa)
{
    const tx_requant *rq = g->rq;
    if (rq && (rq->ch_mul || rq->shift <= 32))
        return 0;
    const int32_t elem = rq ? 1 : 4, gcols = g->gcols ? g->gcols : g->N;
    const int32_t sh = rq ? rq->shift - 32 : 0, mul = rq ? rq->mul : 0;
    const int32_t rnd = rq ? (int32_t)1 << (sh - 1) : 0;
    uint8_t *row0 = rq ? (uint8_t *)(g->out + (size_t)m * g->rs)
                       : (uint8_t *)(g->acc + (size_t)m * g->rs);
    const tx_dsp_cols_fn cols = tx_dsp_cols_for(R, rq != 0);
    for (int32_t n0 = 0; n0 < g->N; n0 += gcols) {
        const int32_t ncols = g->N - n0 < gcols ? g->N - n0 : gcols;
        const int8_t *b = g->b + (size_t)n0 * g->ldb;
        const int32_t *bias = rq && g->bias ? g->bias + n0 : 0;
        uint8_t *ocol = row0 + (size_t)(n0 / gcols) * g->gstride * elem;
        int32_t done = 0;
        if (R == 1 && ncols >= 4) {
            done = ncols & ~3;
            tx_dsp_gemv_job gj = {mul, rnd, sh, ocol, g->cs * elem, wa, b, g->ldb, done / 4,
                                  g->K / 4, g->K % 4, bias};
            if (rq)
                tx_dsp_gemv4_rq(&gj);
            else
                tx_dsp_gemv4_acc(&gj);
            if (done == ncols)
                continue;
        }
        if (g->K < 4) { /* the column loop peels one full step */
            tx_dsp_columns_c(g, m, R, wa, n0 + done, n0 + ncols);
            continue;
        }
        if (R == 2 && ncols >= 2) { /* two rows: column pairs share each widened row word */
            const int32_t pairs = ncols / 2;
            tx_dsp_job pj = {mul, rnd, sh, ocol, g->rs * elem, g->cs * elem, wa,
                             2 * g->ldb - 4 * (g->K / 4), pairs, bias, g->K / 4, 0, g->K % 4, b};
            if (rq)
                tx_dsp_cols2x2_rq(&pj);
            else
                tx_dsp_cols2x2_acc(&pj);
            done = 2 * pairs;
            if (done == ncols)
                continue;
        }
        tx_dsp_job job = {mul, rnd, sh, ocol + (size_t)done * g->cs * elem, g->rs * elem,
                          g->cs * elem, wa, g->ldb - 4 * (g->K / 4), ncols - done,
                          bias ? bias + done : 0, g->K / 4, 0, g->K % 4,
                          b + (size_t)done * g->ldb};
        cols(&job);
    }
    return 1;
}
#endif

/* Output column pointers walk the column groups of tx_gemm (head-major layouts) */
typedef struct {
    int32_t left; /* columns left in this group */
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

/* The weights of one column when K <= 4, in one word: a halfword or word load where the row
 * allows it (nothing is read past the row). */
static inline uint32_t tx_dsp_short_word(const int8_t *b, int32_t K)
{
    uint16_t h;
    switch (K) {
    case 1: return (uint8_t)b[0];
    case 2: __builtin_memcpy(&h, b, 2); return h;
    case 3: __builtin_memcpy(&h, b, 2); return h | (uint32_t)(uint8_t)b[2] << 16;
    default: return tx_load_u32(b);
    }
}

/* Thin heads (K <= 4: Q.K^T with P <= 4): one 4-deep step per output, so the column loop's
 * per-column work would dominate; here a column costs one weight word and its two lanes, and
 * each of the R rows two SMLADs and the requantization (per-tensor, shift > 32). R is a constant
 * at each call, so the row loop unrolls. */
static inline __attribute__((always_inline)) void
tx_dsp_columns_short(const tx_gemm *g, int32_t m, const int32_t R, const uint32_t *wa)
{
    const int32_t K = g->K, mul = g->rq->mul, sh = g->rq->shift - 32, rnd = (int32_t)1 << (sh - 1);
    const int32_t rs = g->rs;
    const int8_t *b = g->b;
    tx_dsp_cols oc = tx_dsp_cols_start(g, g->out + (size_t)m * rs, 1);
    for (int32_t n = 0; n < g->N; ++n, b += g->ldb, tx_dsp_cols_next(&oc)) {
        const uint32_t w = tx_dsp_short_word(b, K);
        const uint32_t we = tx_sxtb16(w), wo = tx_sxtb16_ror8(w);
        const int32_t init = g->bias ? g->bias[n] : 0;
        int8_t *o = (int8_t *)oc.col;
        for (int32_t r = 0; r < R; ++r, o += rs) {
            const int32_t c = tx_smlad(wa[2 * r + 1], wo, tx_smlad(wa[2 * r], we, init));
            *o = (int8_t)tx_ssat8(tx_smmla(c, mul, rnd) >> sh);
        }
    }
}

static void tx_dsp_columns_short_r(const tx_gemm *g, int32_t m, int32_t R, const uint32_t *wa)
{
    switch (R) {
    case 6: tx_dsp_columns_short(g, m, 6, wa); break;
    case 4: tx_dsp_columns_short(g, m, 4, wa); break;
    default: tx_dsp_columns_short(g, m, 2, wa); break;
    }
}

/* one block of R rows: widen them, then the fastest column loop this GEMM allows */
static void tx_dsp_block(const tx_gemm *g, int32_t m, int32_t R, uint32_t *wa)
{
    tx_dsp_widen_rows(g, m, R, wa);
    /* one row (a depth-first tile of one query) goes to the 4-column GEMV instead */
    if (g->K <= 4 && R > 1 && g->rq && !g->rq->ch_mul && g->rq->shift > 32) {
        tx_dsp_columns_short_r(g, m, R, wa);
        return;
    }
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
    if (tx_dsp_columns_asm(g, m, R, wa))
        return;
#endif
    tx_dsp_columns_c(g, m, R, wa, 0, g->N);
}

void tx_gemm_dsp(const tx_gemm *g)
{
    uint32_t *wa = (uint32_t *)g->scratch;
    int32_t m = 0;
    for (; m + TX_DSP_ROWS <= g->M; m += TX_DSP_ROWS)
        tx_dsp_block(g, m, TX_DSP_ROWS, wa);
    /* the remaining 0..5 rows: at most one block each of 4, 2 and 1 */
    for (int32_t R = 4; R >= 1; R /= 2)
        if (m + R <= g->M) {
            tx_dsp_block(g, m, R, wa);
            m += R;
        }
}

/* One row at a time (the 4-column GEMV on Armv7E-M): scratch for one widened row only, for the
 * memory-minimal schedule; 0.59 MAC/cycle in the reduction against 0.77 for 6-row blocks. */
void tx_gemm_dsp_rows1(const tx_gemm *g)
{
    for (int32_t m = 0; m < g->M; ++m)
        tx_dsp_block(g, m, 1, (uint32_t *)g->scratch);
}
