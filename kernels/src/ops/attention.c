/* Attention for one head and a tile of T query rows. Q.K^T and A.V are the same row-by-row GEMM
 * because V arrives transposed ([P][S]) from its projection: no marshaling. Only T x S scores
 * exist; softmax works in place on them (int8 scores -> uint8 probabilities). */
#include "../common/internal.h"
#include "../arm/dsp.h"

/* The GEMM spends its per-column bookkeeping on every score; with a thin head (D <= 4) that is
 * most of a score's cost. Here the query row lives in registers and a score is D multiplies and
 * one requantization (tx_dsp_requant: the same integers as NUMERICS.md's requant). D is a
 * constant in each instance: no inner loop. */
static inline __attribute__((always_inline)) void
tx_scores_thin_d(const tx_requant *rq, int32_t T, int32_t S, int32_t D, const int8_t *q,
                 int32_t ldq, const int8_t *k, int32_t ldk, int8_t *scores)
{
    const int32_t mul = rq->mul, shift = rq->shift;
    for (int32_t t = 0; t < T; ++t, q += ldq, scores += S) {
        const int32_t q0 = q[0], q1 = D > 1 ? q[1] : 0, q2 = D > 2 ? q[2] : 0,
                      q3 = D > 3 ? q[3] : 0;
        const int8_t *kr = k;
        for (int32_t j = 0; j < S; ++j, kr += ldk) {
            int32_t dot = q0 * kr[0];
            if (D > 1)
                dot += q1 * kr[1];
            if (D > 2)
                dot += q2 * kr[2];
            if (D > 3)
                dot += q3 * kr[3];
            scores[j] = tx_dsp_requant(dot, mul, shift);
        }
    }
}

static void tx_scores_thin(const tx_requant *rq, int32_t T, int32_t S, int32_t D, const int8_t *q,
                           int32_t ldq, const int8_t *k, int32_t ldk, int8_t *scores)
{
    switch (D) {
    case 1: tx_scores_thin_d(rq, T, S, 1, q, ldq, k, ldk, scores); break;
    case 2: tx_scores_thin_d(rq, T, S, 2, q, ldq, k, ldk, scores); break;
    case 3: tx_scores_thin_d(rq, T, S, 3, q, ldq, k, ldk, scores); break;
    default: tx_scores_thin_d(rq, T, S, 4, q, ldq, k, ldk, scores); break;
    }
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
    tx_gemm g = {.M = T, .N = S, .K = D, .a = q, .lda = ldq, .b = k, .ldb = ldk, .rq = rq,
                 .out = scores, .rs = S, .cs = 1, .scratch = gemm_scratch};
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

    tx_gemm g = {.M = T, .N = P, .K = S, .a = scores, .lda = S, .a_unsigned = 1, .b = vt,
                 .ldb = S, .rq = &p->rq_av, .out = out, .rs = out_stride, .cs = 1,
                 .scratch = gemm_scratch};
    gemm(&g);
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
