/* The Xpulp GEMM (the cluster kernels' micro-kernel): 4 x 2 output blocks, packed 4 x int8 dot
 * products over K in a hardware loop (xpulp.h), the last K % 4 terms and the rows/columns no
 * block covers in plain C. The finishing step is as lean as the loop: a block's accumulators
 * start at the columns' biases, per column pair the requantization is hoisted, output addresses
 * are stepped, and when shift > 32 the requantization needs only the high word of acc * mul
 * (exact: the rounding constant then only touches the high word) and clamps with p.clip. The
 * rarely taken paths (K % 4 terms, per-channel or low shifts) are out of line, so the hot code
 * stays small for the cluster's shared instruction cache. */
#include <stddef.h>

#include "../common/gemm_edges.h"
#include "../common/internal.h"
#include "xpulp.h"

/* how one output column is finished */
typedef struct {
    int32_t bias, mul, shift;
    int32_t s, round;   /* shift - 32 and 2^(s-1), when hi_only */
    int hi_only;        /* shift > 32 */
} tx_xp_col;

static inline tx_xp_col tx_xp_params(int32_t mul, int32_t shift)
{
    tx_xp_col c = {0, mul, shift, shift - 32, shift > 32 ? 1 << (shift - 33) : 0, shift > 32};
    return c;
}

/* column n's finishing parameters; `uniform` holds them when the requantization is per tensor */
static inline tx_xp_col tx_xp_column(const tx_gemm *g, const tx_xp_col *uniform, int32_t n)
{
    if (!g->rq)
        return *uniform;
    tx_xp_col c = g->rq->ch_mul || g->rq->ch_shift
                      ? tx_xp_params(tx_rq_mul(g->rq, n), tx_rq_shift(g->rq, n))
                      : *uniform;
    c.bias = g->bias ? g->bias[n] : 0;
    return c;
}

/* requant(v), v = dot + bias; when hi_only: |hi| <= 2^30, round <= 2^29, no overflow */
static inline int8_t tx_xp_rq(const tx_xp_col *c, int32_t v)
{
    if (!c->hi_only)
        return tx_rq(v, c->mul, c->shift);
    return (int8_t)tx_xp_clip8((tx_xp_mulh(v, c->mul) + c->round) >> c->s);
}

/* g->a_unsigned is a TX_XP_* signedness here: TX_XP_B_UNSIGNED only in tx_gemm_xpulp's
 * transposed view of a GEMM whose a was the uint8 operand */
static inline int32_t tx_xp_dot_tail(const tx_gemm *g, const int8_t *a, const int8_t *b, int32_t K4)
{
    const int uns = g->a_unsigned;
    int32_t dot = 0;
    for (int32_t k = K4; k < g->K; ++k)
        dot += (uns == TX_XP_A_UNSIGNED ? (int32_t)((const uint8_t *)a)[k] : (int32_t)a[k]) *
               (uns == TX_XP_B_UNSIGNED ? (int32_t)((const uint8_t *)b)[k] : (int32_t)b[k]);
    return dot;
}

/* the 4 x 2 block at rows a, columns b, its accumulators starting at init */
static inline tx_xp_acc tx_xp_block(const tx_gemm *g, const int8_t *a, const int8_t *b, int32_t K4,
                                    tx_xp_acc c)
{
    if (K4)
        c = tx_xp_block4x2(a, g->lda, b, g->ldb, K4 / 4, g->a_unsigned, c);
    if (K4 != g->K) {
        const int32_t lda = g->lda, ldb = g->ldb;
        c.c0 += tx_xp_dot_tail(g, a, b, K4);
        c.c1 += tx_xp_dot_tail(g, a, b + ldb, K4);
        c.c2 += tx_xp_dot_tail(g, a + lda, b, K4);
        c.c3 += tx_xp_dot_tail(g, a + lda, b + ldb, K4);
        c.c4 += tx_xp_dot_tail(g, a + 2 * lda, b, K4);
        c.c5 += tx_xp_dot_tail(g, a + 2 * lda, b + ldb, K4);
        c.c6 += tx_xp_dot_tail(g, a + 3 * lda, b, K4);
        c.c7 += tx_xp_dot_tail(g, a + 3 * lda, b + ldb, K4);
    }
    return c;
}

/* The row blocks of columns n, n + 1 for what the fast paths leave: K % 4 terms, per-channel
 * requantization or shift <= 32, K < 4 (out of line: the common GEMMs never come here). */
static __attribute__((noinline)) void tx_xp_pair_general(const tx_gemm *g, const tx_xp_col *c0,
                                                         const tx_xp_col *c1, const int8_t *b, int32_t i0,
                                                         int32_t i1)
{
    const int32_t M4 = g->M & ~3, K4 = g->K & ~3, rs = g->rs, lda = g->lda;
    const int8_t *a = (const int8_t *)g->a;
    const tx_xp_acc init = {c0->bias, c1->bias, c0->bias, c1->bias, c0->bias, c1->bias, c0->bias, c1->bias};
    for (int32_t m = 0; m < M4; m += 4, a += 4 * lda) {
        const tx_xp_acc c = tx_xp_block(g, a, b, K4, init);
        const int32_t v[8] = {c.c0, c.c1, c.c2, c.c3, c.c4, c.c5, c.c6, c.c7};
        for (int i = 0; i < 4; ++i) {
            const int32_t r = (m + i) * rs;
            if (g->rq) {
                g->out[r + i0] = tx_xp_rq(c0, v[2 * i]);
                g->out[r + i1] = tx_xp_rq(c1, v[2 * i + 1]);
            } else {
                g->acc[r + i0] += v[2 * i];
                g->acc[r + i1] += v[2 * i + 1];
            }
        }
    }
}

/* The fast paths over the row blocks of one column pair (K % 4 == 0, K >= 4), each loop with
 * its signedness `uns` a constant: one dot-product variant per loop, the loop's code contiguous
 * (the cores' L0 instruction caches hold 512 bytes). */
typedef struct {
    const int8_t *a, *b;
    int32_t lda, ldb, n, rows4;  /* n = K / 4; rows4 = the row blocks */
    int32_t rs;
    int32_t bias0, bias1;
} tx_xp_blocks;

/* requantized: one requantization for both columns, the high word of acc * mul suffices */
static inline __attribute__((always_inline)) void tx_xp_blocks_rq(const tx_xp_blocks *j, int uns, int32_t mul,
                                                                  int32_t s, int32_t round, int8_t *o0, int8_t *o1)
{
    const int8_t *a = j->a;
    const int32_t rs = j->rs, step = 4 * j->lda;
    const tx_xp_acc init = {j->bias0, j->bias1, j->bias0, j->bias1, j->bias0, j->bias1, j->bias0, j->bias1};
    for (int32_t m = 0; m < j->rows4; ++m, a += step) {
        const tx_xp_acc c = tx_xp_block4x2(a, j->lda, j->b, j->ldb, j->n, uns, init);
        o0 = tx_xp_sb_post(o0, tx_xp_clip8((tx_xp_mulh(c.c0, mul) + round) >> s), rs);
        o0 = tx_xp_sb_post(o0, tx_xp_clip8((tx_xp_mulh(c.c2, mul) + round) >> s), rs);
        o0 = tx_xp_sb_post(o0, tx_xp_clip8((tx_xp_mulh(c.c4, mul) + round) >> s), rs);
        o0 = tx_xp_sb_post(o0, tx_xp_clip8((tx_xp_mulh(c.c6, mul) + round) >> s), rs);
        o1 = tx_xp_sb_post(o1, tx_xp_clip8((tx_xp_mulh(c.c1, mul) + round) >> s), rs);
        o1 = tx_xp_sb_post(o1, tx_xp_clip8((tx_xp_mulh(c.c3, mul) + round) >> s), rs);
        o1 = tx_xp_sb_post(o1, tx_xp_clip8((tx_xp_mulh(c.c5, mul) + round) >> s), rs);
        o1 = tx_xp_sb_post(o1, tx_xp_clip8((tx_xp_mulh(c.c7, mul) + round) >> s), rs);
    }
}

static __attribute__((noinline)) void tx_xp_pair_rq(const tx_xp_blocks *j, int uns, const tx_xp_col *c,
                                                    int8_t *o0, int8_t *o1)
{
    if (uns == TX_XP_A_UNSIGNED)
        tx_xp_blocks_rq(j, TX_XP_A_UNSIGNED, c->mul, c->s, c->round, o0, o1);
    else if (uns == TX_XP_B_UNSIGNED)
        tx_xp_blocks_rq(j, TX_XP_B_UNSIGNED, c->mul, c->s, c->round, o0, o1);
    else
        tx_xp_blocks_rq(j, TX_XP_SIGNED, c->mul, c->s, c->round, o0, o1);
}

/* accumulated into int32 */
static inline __attribute__((always_inline)) void tx_xp_blocks_acc(const tx_xp_blocks *j, int uns, int32_t *o0,
                                                                   int32_t *o1)
{
    const int8_t *a = j->a;
    const int32_t rs = j->rs, step = 4 * j->lda;
    const tx_xp_acc zero = {0, 0, 0, 0, 0, 0, 0, 0};
    for (int32_t m = 0; m < j->rows4; ++m, a += step, o0 += 4 * rs, o1 += 4 * rs) {
        const tx_xp_acc c = tx_xp_block4x2(a, j->lda, j->b, j->ldb, j->n, uns, zero);
        o0[0] += c.c0;
        o1[0] += c.c1;
        o0[rs] += c.c2;
        o1[rs] += c.c3;
        o0[2 * rs] += c.c4;
        o1[2 * rs] += c.c5;
        o0[3 * rs] += c.c6;
        o1[3 * rs] += c.c7;
    }
}

static __attribute__((noinline)) void tx_xp_pair_acc(const tx_xp_blocks *j, int uns, int32_t *o0, int32_t *o1)
{
    if (uns == TX_XP_A_UNSIGNED)
        tx_xp_blocks_acc(j, TX_XP_A_UNSIGNED, o0, o1);
    else if (uns == TX_XP_B_UNSIGNED)
        tx_xp_blocks_acc(j, TX_XP_B_UNSIGNED, o0, o1);
    else
        tx_xp_blocks_acc(j, TX_XP_SIGNED, o0, o1);
}

static void tx_xp_pair_below(const tx_gemm *g, const tx_xp_col *c0, const tx_xp_col *c1, int32_t n, int32_t i0,
                             int32_t i1);

/* the row blocks of columns n, n + 1, then the rows below the last block */
static inline void tx_xp_pair(const tx_gemm *g, const tx_xp_col *uniform, int32_t n, int32_t i0, int32_t i1)
{
    const int32_t M4 = g->M & ~3, K4 = g->K & ~3, rs = g->rs, lda = g->lda;
    const int8_t *b = g->b + (size_t)n * g->ldb;
    const tx_xp_col c0 = tx_xp_column(g, uniform, n), c1 = tx_xp_column(g, uniform, n + 1);
    const tx_xp_blocks j = {(const int8_t *)g->a, b, lda, g->ldb, K4 / 4, M4 / 4, rs, c0.bias, c1.bias};
    if (K4 != g->K || !K4 || (g->rq && !(c0.hi_only && c1.hi_only && c0.mul == c1.mul && c0.s == c1.s)))
        tx_xp_pair_general(g, &c0, &c1, b, i0, i1);
    else if (g->rq)
        tx_xp_pair_rq(&j, g->a_unsigned, &c0, g->out + i0, g->out + i1);
    else
        tx_xp_pair_acc(&j, g->a_unsigned, g->acc + i0, g->acc + i1);
    tx_xp_pair_below(g, &c0, &c1, n, i0, i1);
}

/* columns n, n + 1 (finished as c0, c1) of the rows below the last block of 4 (a core's share is
 * often 1..3 rows) */
static void tx_xp_pair_below(const tx_gemm *g, const tx_xp_col *c0, const tx_xp_col *c1, int32_t n, int32_t i0,
                             int32_t i1)
{
    const int32_t M4 = g->M & ~3, K4 = g->K & ~3, rs = g->rs, lda = g->lda;
    const int8_t *b = g->b + (size_t)n * g->ldb;
    const int8_t *a = (const int8_t *)g->a + (size_t)M4 * lda;
    for (int32_t m = M4; m < g->M; ++m, a += lda) {
        int32_t d0 = c0->bias, d1 = c1->bias;
        for (int32_t k = 0; k < K4; k += 4) {
            const uint32_t x = tx_xp_word(a + k), y0 = tx_xp_word(b + k), y1 = tx_xp_word(b + g->ldb + k);
            d0 = tx_xp_dot4(g->a_unsigned, d0, x, y0);
            d1 = tx_xp_dot4(g->a_unsigned, d1, x, y1);
        }
        d0 += tx_xp_dot_tail(g, a, b, K4);
        d1 += tx_xp_dot_tail(g, a, b + g->ldb, K4);
        if (g->rq) {
            g->out[m * rs + i0] = tx_xp_rq(c0, d0);
            g->out[m * rs + i1] = tx_xp_rq(c1, d1);
        } else {
            g->acc[m * rs + i0] += d0;
            g->acc[m * rs + i1] += d1;
        }
    }
}

/* The 4 x 4 blocks of 4 columns (gemm_xpulp_4x4.S; the field offsets are the routine's J_*),
 * K % 4 == 0: requantized per tensor from the high word (rq), or added to int32 accumulators of
 * adjacent columns (acc: cs == 1; mul, s, round and bias unused). */
typedef struct {
    const int8_t *a;      /* row 0 of the first row block */
    const int8_t *b;      /* column 0's row of b; column j's j * ldb further */
    int32_t lda, ldb, n, rows4; /* n = K / 4 */
    int32_t rs, cs;       /* output steps between rows, columns */
    int32_t bias[4];
    int32_t mul, s;       /* shift - 32, 1..30 */
    void *out;            /* (row 0, column 0): int8_t (rq) or int32_t (acc) */
} tx_xp_quad;

#ifdef TX_HAVE_XPULP
_Static_assert(offsetof(tx_xp_quad, lda) == 8 && offsetof(tx_xp_quad, bias) == 32 &&
                   offsetof(tx_xp_quad, out) == 56,
               "gemm_xpulp_4x4.S reads tx_xp_quad by these offsets");

void tx_xp_quad_rq_ss(const tx_xp_quad *j);
void tx_xp_quad_rq_au(const tx_xp_quad *j);
void tx_xp_quad_rq_bu(const tx_xp_quad *j);
void tx_xp_quad_acc_ss(const tx_xp_quad *j);
void tx_xp_quad_acc_au(const tx_xp_quad *j);
void tx_xp_quad_acc_bu(const tx_xp_quad *j);

static void tx_xp_quad_run(const tx_xp_quad *j, int uns, int rq)
{
    if (uns == TX_XP_A_UNSIGNED)
        (rq ? tx_xp_quad_rq_au : tx_xp_quad_acc_au)(j);
    else if (uns == TX_XP_B_UNSIGNED)
        (rq ? tx_xp_quad_rq_bu : tx_xp_quad_acc_bu)(j);
    else
        (rq ? tx_xp_quad_rq_ss : tx_xp_quad_acc_ss)(j);
}
#else
/* what the routines compute, for hosts */
static void tx_xp_quad_run(const tx_xp_quad *j, int uns, int rq)
{
    const int8_t *a = j->a;
    for (int32_t m = 0; m < j->rows4; ++m, a += 4 * j->lda)
        for (int32_t i = 0; i < 4; ++i)
            for (int32_t c = 0; c < 4; ++c) {
                const int32_t at = (4 * m + i) * j->rs + c * (rq ? j->cs : 1);
                int32_t v = rq ? j->bias[c] : ((int32_t *)j->out)[at];
                for (int32_t k = 0; k < 4 * j->n; k += 4)
                    v = tx_xp_dot4(uns, v, tx_xp_word(a + i * j->lda + k), tx_xp_word(j->b + c * j->ldb + k));
                if (rq)
                    ((int8_t *)j->out)[at] = (int8_t)tx_xp_clip8((tx_xp_mulh(v, j->mul) + (1 << (j->s - 1))) >> j->s);
                else
                    ((int32_t *)j->out)[at] = v;
            }
}
#endif

/* the quads apply: K % 4 == 0, one column group; requantized per tensor from the high word, or
 * accumulated into adjacent columns */
static int tx_xp_quads_apply(const tx_gemm *g, const tx_xp_col *uniform)
{
    const int finish = g->rq ? !g->rq->ch_mul && !g->rq->ch_shift && uniform->hi_only : g->cs == 1;
    return finish && !g->gcols && (g->K & 3) == 0 && g->K >= 4 && g->M >= 4;
}

/* columns n .. n + 3: their row blocks in 4 x 4, then the rows below in pairs */
static void tx_xp_quad_columns(const tx_gemm *g, const tx_xp_col *uniform, int32_t n)
{
    const int32_t cs = g->cs, ldb = g->ldb;
    const int8_t *b = g->b + (size_t)n * ldb;
    const int rq = g->rq != 0, biased = rq && g->bias;
    const int32_t bias0 = biased ? g->bias[n] : 0, bias1 = biased ? g->bias[n + 1] : 0,
                  bias2 = biased ? g->bias[n + 2] : 0, bias3 = biased ? g->bias[n + 3] : 0;
    void *out = rq ? (void *)(g->out + (size_t)n * cs) : (void *)(g->acc + (size_t)n * cs);
    const tx_xp_quad j = {(const int8_t *)g->a, b, g->lda, ldb, g->K / 4, g->M / 4, g->rs, cs,
                          {bias0, bias1, bias2, bias3}, uniform->mul, uniform->s, out};
    tx_xp_quad_run(&j, g->a_unsigned, rq);
    if (g->M & 3) {
        tx_xp_col c[4] = {*uniform, *uniform, *uniform, *uniform};
        c[0].bias = bias0;
        c[1].bias = bias1;
        c[2].bias = bias2;
        c[3].bias = bias3;
        tx_xp_pair_below(g, &c[0], &c[1], n, n * cs, (n + 1) * cs);
        tx_xp_pair_below(g, &c[2], &c[3], n + 2, (n + 2) * cs, (n + 3) * cs);
    }
}

/* A GEMM of few rows and many columns runs transposed: out^T = b a^T, the columns as the rows of
 * 4 x 2 blocks (an attention tile of 4 query rows: S/4 or P/4 blocks per row pair instead of one
 * block per column pair). Only where no per-column data (bias, per-channel requantization, head
 * groups) would have to follow the columns, and the transposed GEMM has an even column count (no
 * odd last column: the scalar path reads a_unsigned as a flag). */
static int tx_xp_transpose_pays(const tx_gemm *g)
{
    const int per_tensor = !g->rq || (!g->rq->ch_mul && !g->rq->ch_shift);
    return g->M < 8 && (g->M & 1) == 0 && g->N >= 2 * g->M && (g->N & 3) == 0 && !g->bias && !g->gcols &&
           per_tensor;
}

static void tx_xp_gemm(const tx_gemm *g);

void tx_gemm_xpulp(const tx_gemm *g)
{
    if (!tx_xp_transpose_pays(g)) {
        tx_xp_gemm(g);
        return;
    }
    tx_gemm t = *g;
    t.M = g->N;
    t.N = g->M;
    t.a = g->b;
    t.lda = g->ldb;
    t.b = (const int8_t *)g->a;
    t.ldb = g->lda;
    t.a_unsigned = g->a_unsigned ? TX_XP_B_UNSIGNED : TX_XP_SIGNED;
    t.rs = g->cs;
    t.cs = g->rs;
    tx_xp_gemm(&t);
}

static void tx_xp_gemm(const tx_gemm *g)
{
    const int32_t N = g->N, cs = g->cs;
    const tx_xp_col uniform = g->rq ? tx_xp_params(g->rq->mul, g->rq->shift) : tx_xp_params(0, 0);
    int32_t n = 0;
    if (tx_xp_quads_apply(g, &uniform))
        for (; n + 4 <= N; n += 4)
            tx_xp_quad_columns(g, &uniform, n);
    for (; n + 2 <= N; n += 2) {
        /* element (m, n) at m * rs + column offset (head groups: tx_gemm_index) */
        const int32_t i0 = g->gcols ? tx_gemm_index(g, 0, n) : n * cs;
        const int32_t i1 = g->gcols ? tx_gemm_index(g, 0, n + 1) : i0 + cs;
        tx_xp_pair(g, &uniform, n, i0, i1);
    }
    if (N & 1)  /* the odd last column: the shared scalar path */
        for (int32_t m = 0; m < g->M; ++m)
            tx_gemm_store(g, m, N - 1, tx_dot_at(g, m, N - 1, 0));
}
