/* Attention for one head and a tile of T query rows. Q.K^T and A.V are the same row-by-row GEMM
 * because V arrives transposed ([P][S]) from its projection: no marshaling. Only T x S scores
 * exist; softmax works in place on them (int8 scores -> uint8 probabilities). */
#include "../common/internal.h"

void tx_attention_run(tx_gemm_fn gemm, void *gemm_scratch, const tx_attention_params *p,
                      const tx_softmax_table *lut, int32_t T, int32_t S, int32_t D, int32_t P,
                      const int8_t *q, int32_t ldq, const int8_t *k, int32_t ldk,
                      const int8_t *vt, int8_t *out, int32_t out_stride, int8_t *scores,
                      uint32_t *tmp)
{
    tx_gemm g = {0};
    g.M = T;
    g.N = S;
    g.K = D;
    g.a = q;
    g.lda = ldq;
    g.b = k;
    g.ldb = ldk;
    g.rq = &p->rq_scores;
    g.out = scores;
    g.rs = S;
    g.cs = 1;
    g.scratch = gemm_scratch;
    gemm(&g);

    tx_softmax_rows_any(lut, &p->softmax, T, S, scores, (uint8_t *)scores, tmp);

    g.N = P;
    g.K = S;
    g.a = scores;
    g.lda = S;
    g.a_unsigned = 1;
    g.b = vt;
    g.ldb = S;
    g.rq = &p->rq_av;
    g.out = out;
    g.rs = out_stride;
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
