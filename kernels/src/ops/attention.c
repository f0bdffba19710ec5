/* Attention for one head and a tile of T query rows. Q.K^T and A.V are the same row-by-row GEMM
 * because V arrives transposed ([P][S]) from its projection: no marshaling. Only T x S scores
 * exist; softmax works in place on them (int8 scores -> uint8 probabilities). */
#include "../common/internal.h"
#include "../arm/dsp.h"

/* requant(acc, mul, shift) in the scores' loops: for shift > 32 (fast) SMMLA with the rounding
 * term rnd = 2^(shift - 33), then ASR by sh = shift - 32 (the identity of tx_dsp_requant), hoisted
 * out of the loop; otherwise the 64-bit definition */
static inline __attribute__((always_inline)) int8_t
tx_thin_requant(int32_t acc, int32_t mul, int32_t shift, int32_t rnd, int32_t sh, int fast)
{
    return fast ? (int8_t)tx_ssat8(tx_smmla(acc, mul, rnd) >> sh) : tx_rq(acc, mul, shift);
}

/* The GEMM spends its per-column bookkeeping on every score; with a thin head (D <= 4) that is
 * most of a score's cost. Here the query row lives in registers and a score is a few SMLADs on
 * the key's word (D = 4; D = 2 takes two keys per word, the query lanes in the low or the high
 * half) and one requantization. D and the requantization's form are constants in each
 * instance: no inner loop, no test per score. */
static inline __attribute__((always_inline)) void
tx_scores_thin_d(const tx_requant *rq, int32_t T, int32_t S, int32_t D, int fast, const int8_t *q,
                 int32_t ldq, const int8_t *k, int32_t ldk, int8_t *scores)
{
    const int32_t mul = rq->mul, shift = rq->shift;
    const int32_t rnd = fast ? (int32_t)1 << (shift - 33) : 0, sh = shift - 32;
    for (int32_t t = 0; t < T; ++t, q += ldq, scores += S) {
        const int32_t q0 = q[0], q1 = D > 1 ? q[1] : 0, q2 = D > 2 ? q[2] : 0,
                      q3 = D > 3 ? q[3] : 0;
        const int8_t *kr = k;
        int32_t j = 0;
        if (D == 4 && ldk == 4) {
            const uint32_t qe = ((uint32_t)q0 & 0xFFFFu) | (uint32_t)q2 << 16;
            const uint32_t qo = ((uint32_t)q1 & 0xFFFFu) | (uint32_t)q3 << 16;
            for (; j < S; ++j, kr += 4) {
                const uint32_t w = tx_load_u32(kr);
                const int32_t dot = tx_smlad(tx_sxtb16_ror8(w), qo, tx_smlad(tx_sxtb16(w), qe, 0));
                scores[j] = tx_thin_requant(dot, mul, shift, rnd, sh, fast);
            }
        }
        if (D == 2 && ldk == 2) {
            const uint32_t lo0 = (uint32_t)q0 & 0xFFFFu, lo1 = (uint32_t)q1 & 0xFFFFu;
            const uint32_t hi0 = lo0 << 16, hi1 = lo1 << 16;
            for (; j + 2 <= S; j += 2, kr += 4) {
                const uint32_t w = tx_load_u32(kr), e = tx_sxtb16(w), o = tx_sxtb16_ror8(w);
                const int32_t d0 = tx_smlad(o, lo1, tx_smlad(e, lo0, 0));
                const int32_t d1 = tx_smlad(o, hi1, tx_smlad(e, hi0, 0));
                scores[j] = tx_thin_requant(d0, mul, shift, rnd, sh, fast);
                scores[j + 1] = tx_thin_requant(d1, mul, shift, rnd, sh, fast);
            }
        }
        for (; j < S; ++j, kr += ldk) {
            int32_t dot = q0 * kr[0];
            if (D > 1)
                dot += q1 * kr[1];
            if (D > 2)
                dot += q2 * kr[2];
            if (D > 3)
                dot += q3 * kr[3];
            scores[j] = tx_thin_requant(dot, mul, shift, rnd, sh, fast);
        }
    }
}

/* one function per instance, so each inner loop gets the registers to itself */
#define TX_SCORES_THIN(D, FAST)                                                                    \
    static void tx_scores_thin_##D##_##FAST(const tx_requant *rq, int32_t T, int32_t S,          \
                                            const int8_t *q, int32_t ldq, const int8_t *k,       \
                                            int32_t ldk, int8_t *scores)                         \
    {                                                                                              \
        tx_scores_thin_d(rq, T, S, D, FAST, q, ldq, k, ldk, scores);                              \
    }
TX_SCORES_THIN(1, 0)
TX_SCORES_THIN(1, 1)
TX_SCORES_THIN(2, 0)
TX_SCORES_THIN(2, 1)
TX_SCORES_THIN(3, 0)
TX_SCORES_THIN(3, 1)
TX_SCORES_THIN(4, 0)
TX_SCORES_THIN(4, 1)
#undef TX_SCORES_THIN

static void tx_scores_thin(const tx_requant *rq, int32_t T, int32_t S, int32_t D, const int8_t *q,
                           int32_t ldq, const int8_t *k, int32_t ldk, int8_t *scores)
{
    typedef void (*thin_fn)(const tx_requant *, int32_t, int32_t, const int8_t *, int32_t,
                            const int8_t *, int32_t, int8_t *);
    static const thin_fn by_depth[4][2] = {
        {tx_scores_thin_1_0, tx_scores_thin_1_1}, {tx_scores_thin_2_0, tx_scores_thin_2_1},
        {tx_scores_thin_3_0, tx_scores_thin_3_1}, {tx_scores_thin_4_0, tx_scores_thin_4_1}};
    by_depth[D - 1][rq->shift > 32](rq, T, S, q, ldq, k, ldk, scores);
}

/* A GEMM of at most TX_THIN_HEAD columns (a thin head's projections and A.V): each row's word is
 * loaded and widened once per 4-deep step and feeds every column's SMLADs, with no scratch and no
 * per-call setup, which dominates the GEMM's cost on a small tile; on many rows its 6-row blocks
 * are faster, but its one-row form (the memory-minimal plan) has no fast loop for N < 4. N and
 * the signedness of A are constants in each instance. */
static inline __attribute__((always_inline)) void tx_gemm_thin_n(const tx_gemm *g, int32_t N,
                                                                 int a_unsigned)
{
    const int32_t K = g->K, K4 = K / 4;
    const tx_requant *rq = g->rq;
    const int fast = !rq->ch_mul && rq->shift > 32;
    const int32_t mul = rq->mul, shift = rq->shift, sh = shift - 32;
    const int32_t rnd = fast ? (int32_t)1 << (shift - 33) : 0;
    /* one walking pointer per operand, the other weight rows at register offsets from it: with
     * the four sums and three temporaries everything stays in registers (a pointer per row
     * spilled the loop's state to the stack, nearly doubling a step) */
    const int32_t l1 = g->ldb, l2 = 2 * l1, l3 = 3 * l1;
    for (int32_t m = 0; m < g->M; ++m) {
        const uint8_t *a = (const uint8_t *)g->a + (size_t)m * g->lda;
        const uint8_t *const a_end = a + 4 * K4;
        const int8_t *b = g->b;
        int32_t c0 = 0, c1 = 0, c2 = 0, c3 = 0;
        for (; a != a_end; a += 4, b += 4) {
            const uint32_t w = tx_load_u32(a);
            const uint32_t ae = a_unsigned ? tx_uxtb16(w) : tx_sxtb16(w);
            const uint32_t ao = a_unsigned ? tx_uxtb16_ror8(w) : tx_sxtb16_ror8(w);
            uint32_t v = tx_load_u32(b);
            c0 = tx_smlad(ao, tx_sxtb16_ror8(v), tx_smlad(ae, tx_sxtb16(v), c0));
            if (N > 1) {
                v = tx_load_u32(b + l1);
                c1 = tx_smlad(ao, tx_sxtb16_ror8(v), tx_smlad(ae, tx_sxtb16(v), c1));
            }
            if (N > 2) {
                v = tx_load_u32(b + l2);
                c2 = tx_smlad(ao, tx_sxtb16_ror8(v), tx_smlad(ae, tx_sxtb16(v), c2));
            }
            if (N > 3) {
                v = tx_load_u32(b + l3);
                c3 = tx_smlad(ao, tx_sxtb16_ror8(v), tx_smlad(ae, tx_sxtb16(v), c3));
            }
        }
        for (int32_t k = 0; k < K - 4 * K4; ++k) {
            const int32_t x = a_unsigned ? (int32_t)a[k] : (int32_t)(int8_t)a[k];
            c0 += x * b[k];
            if (N > 1)
                c1 += x * b[l1 + k];
            if (N > 2)
                c2 += x * b[l2 + k];
            if (N > 3)
                c3 += x * b[l3 + k];
        }
        const int32_t acc[4] = {c0, c1, c2, c3};
        int8_t *out = g->out + (size_t)m * g->rs;
        for (int32_t n = 0; n < N; ++n, out += g->cs) {
            const int32_t v = acc[n] + (g->bias ? g->bias[n] : 0);
            *out = fast ? tx_thin_requant(v, mul, shift, rnd, sh, 1)
                        : tx_dsp_requant(v, tx_rq_mul(rq, n), tx_rq_shift(rq, n));
        }
    }
}

void tx_gemm_thin(const tx_gemm *g)
{
    switch (g->N * 2 + (g->a_unsigned != 0)) {
    case 2: tx_gemm_thin_n(g, 1, 0); break;
    case 3: tx_gemm_thin_n(g, 1, 1); break;
    case 4: tx_gemm_thin_n(g, 2, 0); break;
    case 5: tx_gemm_thin_n(g, 2, 1); break;
    case 6: tx_gemm_thin_n(g, 3, 0); break;
    case 7: tx_gemm_thin_n(g, 3, 1); break;
    case 8: tx_gemm_thin_n(g, 4, 0); break;
    default: tx_gemm_thin_n(g, 4, 1); break;
    }
}

int tx_gemm_is_thin(tx_gemm_fn gemm, const tx_gemm *g)
{
    return g->N <= TX_THIN_HEAD && g->rq && !g->gcols && gemm != tx_gemm_for(TX_VARIANT_REF);
}

void tx_gemm_small(tx_gemm_fn gemm, const tx_gemm *g)
{
    if (g->M < TX_SMALL_TILE && tx_gemm_is_thin(gemm, g))
        tx_gemm_thin(g);
    else
        gemm(g);
}

void tx_attention_scores(tx_gemm_fn gemm, void *gemm_scratch, const tx_requant *rq, int32_t T,
                         int32_t S, int32_t D, const int8_t *q, int32_t ldq, const int8_t *k,
                         int32_t ldk, int8_t *scores)
{
    /* ref stays the plain GEMM: it is the oracle the other variants are held to */
    if (D <= TX_THIN_HEAD && gemm != tx_gemm_for(TX_VARIANT_REF)) {
        tx_scores_thin(rq, T, S, D, q, ldq, k, ldk, scores);
        return;
    }
    tx_gemm g;
    tx_gemm_init(&g, T, S, D, q, ldq, k, ldk, S, 1, gemm_scratch);
    g.rq = rq;
    g.out = scores;
    gemm(&g);
}

void tx_attention_run(tx_gemm_fn gemm, void *gemm_scratch, const tx_attention_params *p,
                      const tx_softmax_table *lut, int32_t T, int32_t S, int32_t D, int32_t P,
                      const int8_t *q, int32_t ldq, const int8_t *k, int32_t ldk,
                      const int8_t *vt, int8_t *out, int32_t out_stride, int8_t *scores,
                      uint32_t *tmp)
{
    tx_attention_scores(gemm, gemm_scratch, &p->rq_scores, T, S, D, q, ldq, k, ldk, scores);
    tx_softmax_rows_any(lut, &p->softmax, T, S, scores, (uint8_t *)scores, tmp);

    tx_gemm g;
    tx_gemm_init(&g, T, P, S, scores, S, vt, S, out_stride, 1, gemm_scratch);
    g.a_unsigned = 1;
    g.rq = &p->rq_av;
    g.out = out;
    tx_gemm_small(gemm, &g);
}

/* scratch layout: [scores T*S][gemm scratch][softmax row S*4][exp table] */
static size_t tx_attention_need(tx_variant v, int32_t T, int32_t S, int32_t D)
{
    size_t kmax = (size_t)(D > S ? D : S);
    return TX_ALIGN8((size_t)T * S) + tx_gemm_scratch_size(v, T, (int32_t)kmax) + (size_t)S * 4u +
           TX_SOFTMAX_LUT_BYTES;
}

size_t tx_attention_head_s8_get_buffer_size(tx_variant v, int32_t T, int32_t S, int32_t D)
{
    if (T <= 0 || S <= 0 || D <= 0)
        return 0;
    return tx_attention_need(v, T, S, D) + TX_SCRATCH_SLACK;
}

tx_status tx_attention_head_s8(const tx_ctx *ctx, const tx_attention_params *params, int32_t T,
                               int32_t S, int32_t D, int32_t P, const int8_t *q, int32_t ldq,
                               const int8_t *k, int32_t ldk, const int8_t *vt, int8_t *out,
                               int32_t out_stride)
{
    tx_status st = tx_check_gemm_ctx(ctx);
    if (st != TX_OK)
        return st;
    if (!params || !q || !k || !vt || !out)
        return TX_ERR_NULL;
    if (S <= 0 || D <= 0 || P <= 0 || ldq < D || ldk < D || out_stride < P)
        return TX_ERR_DIM;
    if (T < 1 || T > S)
        return TX_ERR_PARAM;
    if ((st = tx_requant_check(&params->rq_scores)) != TX_OK ||
        (st = tx_requant_check(&params->rq_av)) != TX_OK ||
        (st = tx_softmax_check(&params->softmax, S)) != TX_OK)
        return st;
    if (params->rq_scores.ch_mul || params->rq_av.ch_mul)
        return TX_ERR_PARAM;
    tx_arena ar;
    size_t need = tx_attention_need(ctx->variant, T, S, D);
    if ((st = tx_arena_init(&ar, ctx, need)) != TX_OK)
        return st;
    int8_t *scores = (int8_t *)ar.base;
    void *gs = ar.base + TX_ALIGN8((size_t)T * S);
    uint32_t *tmp = (uint32_t *)((uint8_t *)gs + tx_gemm_scratch_size(ctx->variant, T, D > S ? D : S));
    tx_softmax_table *lut = (tx_softmax_table *)(void *)(tmp + S);
    tx_softmax_lut(&params->softmax, lut);
    tx_attention_run(tx_gemm_for(ctx->variant), gs, params, lut, T, S, D, P, q, ldq, k, ldk, vt,
                     out, out_stride, scores, tmp);
    return TX_OK;
}
