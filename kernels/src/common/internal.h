/* Internal contract shared by the operators and the GEMM micro-kernel variants.
 * Everything GEMM-shaped in the library (projections, Q.K^T, A.V, the split output projection,
 * the FFN) is one call of tx_gemm: out(m, n) = sum_k a[m][k] * b[n][k]. Each variant implements
 * exactly this and nothing else, so a variant is proven bit-exact once for every operator. */
#ifndef TINYTX_INTERNAL_H
#define TINYTX_INTERNAL_H

#include "tinytx/gemm_table.h"
#include "tinytx/kernels.h"

typedef struct tx_gemm {
    int32_t M, N, K;
    const void *a;          /* [M][K] rows, stride lda; int8, or uint8 when a_unsigned */
    int32_t lda;
    int32_t a_unsigned;
    const int8_t *b;        /* [N][K] rows, stride ldb */
    int32_t ldb;
    /* requantize mode (rq != NULL): out[m*rs + n*cs] = requant(bias[n] + dot) */
    const tx_requant *rq;
    const int32_t *bias;    /* [N] or NULL */
    int8_t *out;
    /* accumulate mode (rq == NULL): acc[m*rs + n*cs] += dot */
    int32_t *acc;
    /* element (m, n) lives at m*rs + (n % gcols)*cs + (n / gcols)*gstride: columns come in groups
     * of gcols (one head's P columns for the head-major layouts); gcols == 0 means one group */
    int32_t rs, cs;
    int32_t gcols, gstride;
    void *scratch;          /* the variant's own scratch, tx_gemm_scratch_size(variant, M, K) bytes */
} tx_gemm;

/* g = the GEMM of M x N outputs over K with plain strides, every field set one by one: a designated
 * initializer has GCC clear the 72-byte struct through a memset call first (~50 cycles a GEMM on
 * the M4, felt where depth-first tiles of one row issue four GEMMs each). rq, bias, acc,
 * a_unsigned and the column groups start at 0; callers set the ones they use. */
static inline void tx_gemm_init(tx_gemm *g, int32_t M, int32_t N, int32_t K, const void *a,
                                int32_t lda, const int8_t *b, int32_t ldb, int32_t rs, int32_t cs,
                                void *scratch)
{
    g->M = M;
    g->N = N;
    g->K = K;
    g->a = a;
    g->lda = lda;
    g->a_unsigned = 0;
    g->b = b;
    g->ldb = ldb;
    g->rq = 0;
    g->bias = 0;
    g->out = 0;
    g->acc = 0;
    g->rs = rs;
    g->cs = cs;
    g->gcols = 0;
    g->gstride = 0;
    g->scratch = scratch;
}

/* tx_gemm_fn and the variants' GEMMs: tinytx/gemm_table.h */

/* NULL for an unknown variant or one the image's tx_gemm_table leaves out */
tx_gemm_fn tx_gemm_for(tx_variant v);
/* scratch of the variant for GEMMs of at most M rows and K deep */
size_t tx_gemm_scratch_size(tx_variant v, int32_t M, int32_t K);
/* the variant's GEMM that needs scratch for one row only (tx_gemm_scratch_size(v, 1, K)): the
 * same for the variants without scratch; dsp widens one row at a time */
tx_gemm_fn tx_gemm_one_row_for(tx_variant v);

/* ---- requantization helpers, shared by every variant */
static inline int8_t tx_clamp8(int64_t v)
{
    return (int8_t)(v > 127 ? 127 : (v < -128 ? -128 : v));
}

static inline int8_t tx_rq(int32_t acc, int32_t mul, int32_t shift)
{
    return tx_clamp8(((int64_t)acc * mul + ((int64_t)1 << (shift - 1))) >> shift);
}

/* out[s][n] = requant(acc[s][n] + bias[n]) for S rows of N (bias may be NULL) */
void tx_requant_rows(const tx_requant *rq, int32_t S, int32_t N, const int32_t *acc,
                     const int32_t *bias, int8_t *out);

static inline int32_t tx_rq_mul(const tx_requant *rq, int32_t n)
{
    return rq->ch_mul ? rq->ch_mul[n] : rq->mul;
}

static inline int32_t tx_rq_shift(const tx_requant *rq, int32_t n)
{
    return rq->ch_shift ? rq->ch_shift[n] : rq->shift;
}

static inline int32_t tx_gemm_index(const tx_gemm *g, int32_t m, int32_t n)
{
    if (!g->gcols)
        return m * g->rs + n * g->cs;
    return m * g->rs + (n % g->gcols) * g->cs + (n / g->gcols) * g->gstride;
}

/* finish one output element of a GEMM in either mode */
static inline void tx_gemm_store(const tx_gemm *g, int32_t m, int32_t n, int32_t dot)
{
    int32_t idx = tx_gemm_index(g, m, n);
    if (g->rq) {
        int32_t acc = dot + (g->bias ? g->bias[n] : 0);
        g->out[idx] = tx_rq(acc, tx_rq_mul(g->rq, n), tx_rq_shift(g->rq, n));
    } else {
        g->acc[idx] += dot;
    }
}

static inline int32_t tx_a_at(const tx_gemm *g, int32_t m, int32_t k)
{
    const uint8_t *row = (const uint8_t *)g->a + (size_t)m * g->lda;
    return g->a_unsigned ? (int32_t)row[k] : (int32_t)(int8_t)row[k];
}

/* ---- scratch carving: a bump allocator over the caller's buffer, 8-byte aligned */
typedef struct {
    uint8_t *base;
    size_t size;
    size_t used;
} tx_arena;

#define TX_ALIGN8(n) (((size_t)(n) + 7u) & ~(size_t)7u)

/* bytes to reserve so that an arbitrarily aligned buffer still fits `n` after aligning */
#define TX_SCRATCH_SLACK 8u

tx_status tx_arena_init(tx_arena *ar, const tx_ctx *ctx, size_t need);
void *tx_arena_at(tx_arena *ar, size_t offset);

tx_status tx_check_ctx(const tx_ctx *ctx);
/* tx_check_ctx, and the variant's GEMM is linked (operators that multiply matrices; the
 * elementwise ones run whatever the image's tx_gemm_table holds) */
tx_status tx_check_gemm_ctx(const tx_ctx *ctx);
tx_status tx_softmax_check(const tx_softmax_params *p, int32_t n);
tx_status tx_gelu_check(const tx_gelu_params *p);
tx_status tx_layernorm_check(const tx_layernorm_params *p, int32_t D);
tx_status tx_add_check(const tx_add_params *p);
/* argument checks shared by the single-core and the cluster entry points (pointers to the
 * activations are the caller's to check) */
tx_status tx_linear_check(const tx_linear_params *params, int32_t S, int32_t K, int32_t N);
tx_status tx_mhsa_check(const tx_mhsa_config *cfg, const tx_mhsa_dims *d, const tx_mhsa_weights *w);
tx_status tx_encoder_check(const tx_encoder_config *cfg, const tx_encoder_dims *d,
                           const tx_encoder_weights *w);

/* shared operator bodies used by the composite operators (arguments already validated) */
void tx_softmax_rows(const tx_softmax_params *p, int32_t rows, int32_t n, const int8_t *in,
                     uint8_t *out, uint32_t *tmp);
/* floor(d / ln2) for 0 <= d <= 255 and 1 <= ln2 <= 65535 (tx_softmax_check) as d m >> 24, with
 * m = floor(2^24 / ln2) + 1 = (2^24 + e) / ln2, 0 < e <= ln2. Write d = z ln2 + r, r < ln2:
 * d m / 2^24 = z + (r + d e / 2^24) / ln2, and d e <= 255 ln2 < 2^24, so the fraction stays
 * below (r + 1) / ln2 <= 1: the floor is z. d m <= 255 (2^24 + 1) < 2^32. (The host test also
 * tries every pair.) */
static inline uint32_t tx_div_ln2_mul(uint32_t ln2)
{
    return (1u << 24) / ln2 + 1u;
}
static inline uint32_t tx_div_ln2(uint32_t d, uint32_t m)
{
    return (d * m) >> 24;
}
/* floor(N / sum) for N < 2^32 from R = floor((2^32 - 1) / sum): R sum = 2^32 - rr with
 * 1 <= rr <= sum, so N R / 2^32 = N / sum - N rr / (sum 2^32) lies in (N / sum - 1, N / sum]
 * (N rr < 2^32 sum): (N R) >> 32 is the quotient or one less, and the remainder tells which. */
static inline uint32_t tx_div_by_recip(uint32_t N, uint32_t sum, uint32_t R)
{
    uint32_t q = (uint32_t)(((uint64_t)N * R) >> 32);
    return q + (N - q * sum >= sum);
}
/* i-exp of every possible d = max - x of int8 inputs, so a row costs one lookup per element.
 * Stored reversed (r[k] = i-exp(255 - k)) so a row indexes it by x itself, from r + 255 - max;
 * 16-bit entries, used when every exp is below 2^15 (tmax^2 + c < 2^15 holds for eps > ~0.01:
 * scores of int8 at finer scales would span less than +-1.3). Otherwise `emax` is 0 and `u.p`
 * holds the parameters: rows compute i-exp directly (exact, slower). */
typedef struct {
    union {
        uint16_t r[256];
        tx_softmax_params p;
    } u;
    uint32_t emax; /* floor((2^32 - 1) / max entry): the reciprocal error a row may have */
} tx_softmax_table;
/* what the schedules reserve for the table (was 256 x uint32 = 1 KiB) */
#define TX_SOFTMAX_LUT_BYTES TX_ALIGN8(sizeof(tx_softmax_table))
/* Building the table costs 256 exps: it pays once a call's rows hold at least that many scores;
 * below, each score's exp is computed directly (as fast, and no table memory). */
static inline int tx_softmax_table_pays(int64_t scores)
{
    return scores >= 256;
}
void tx_softmax_lut(const tx_softmax_params *p, tx_softmax_table *lut);
void tx_softmax_rows_lut(const tx_softmax_table *lut, int32_t rows, int32_t n, const int8_t *in,
                         uint8_t *out, uint32_t *tmp);
/* through `lut` when there is one, else exp by exp from `p` (the same integers) */
void tx_softmax_rows_any(const tx_softmax_table *lut, const tx_softmax_params *p, int32_t rows,
                         int32_t n, const int8_t *in, uint8_t *out, uint32_t *tmp);
/* g (requantized, signed A, no column groups) as N one-row GEMMs through `gemm`: weight row n is
 * the row and the M rows of A the columns, so with one-row scratch each weight row is loaded and
 * widened once rather than once per row of A, and the 4-column loop reads A (activations, in RAM)
 * instead of the weights (often in flash). The same integers: bias[n] is broadcast into bias_row
 * (M words, when g has a bias) and a per-channel requantization becomes each row's own. */
void tx_gemm_by_weight_rows(tx_gemm_fn gemm, const tx_gemm *g, int32_t *bias_row);
/* heads at most this deep compute their scores in direct loops (attention.c), not the GEMM */
#define TX_THIN_HEAD 4
/* a thin GEMM: at most TX_THIN_HEAD columns, requantized, no column groups (a thin head's
 * projections and A.V), and the variant is not ref (the oracle keeps its plain GEMM) */
int tx_gemm_is_thin(tx_gemm_fn gemm, const tx_gemm *g);
/* a thin GEMM in direct loops (attention.c), no scratch */
void tx_gemm_thin(const tx_gemm *g);
/* tiles of fewer query rows than this run thin GEMMs in direct loops (tx_gemm_small) */
#define TX_SMALL_TILE 6
/* g in direct loops when it is thin and has fewer than TX_SMALL_TILE rows, else through gemm */
void tx_gemm_small(tx_gemm_fn gemm, const tx_gemm *g);
/* scores[t][j] = requant(q[t] . k[j], rq) for T query rows, S keys, D deep */
void tx_attention_scores(tx_gemm_fn gemm, void *gemm_scratch, const tx_requant *rq, int32_t T,
                         int32_t S, int32_t D, const int8_t *q, int32_t ldq, const int8_t *k,
                         int32_t ldk, int8_t *scores);
/* softmax through `lut` (tx_softmax_lut of p->softmax), or exp by exp when lut is NULL */
void tx_attention_run(tx_gemm_fn gemm, void *gemm_scratch, const tx_attention_params *p,
                      const tx_softmax_table *lut, int32_t T, int32_t S, int32_t D, int32_t P,
                      const int8_t *q, int32_t ldq, const int8_t *k, int32_t ldk,
                      const int8_t *vt, int8_t *out, int32_t out_stride, int8_t *scores,
                      uint32_t *tmp);
void tx_linear_run(tx_gemm_fn gemm, void *gemm_scratch, const tx_linear_params *p, int32_t S,
                   int32_t K, int32_t N, const int8_t *x, int32_t ldx, const int8_t *w,
                   int32_t ldw, const int32_t *bias, int8_t *out);

#endif
