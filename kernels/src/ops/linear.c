/* Linear layers: GEMM + bias + requantization, written straight into the layout the consumer
 * reads (row-major, head-major, head-major transposed): attention never copies or transposes. */
#include "../common/internal.h"

void tx_linear_run(tx_gemm_fn gemm, void *gemm_scratch, const tx_linear_params *p, int32_t S,
                   int32_t K, int32_t N, const int8_t *x, int32_t ldx, const int8_t *w,
                   int32_t ldw, const int32_t *bias, int8_t *out)
{
    tx_gemm g;
    tx_gemm_init(&g, S, N, K, x, ldx, w, ldw, N, 1, gemm_scratch);
    g.rq = &p->rq;
    g.bias = bias;
    g.out = out;
    if (p->layout != TX_LAYOUT_ROW) {
        /* one GEMM for all heads: head h's P columns go to its own [S][P] or [P][S] block */
        const int32_t P = N / p->heads;
        g.gcols = P;
        g.gstride = S * P;
        g.rs = p->layout == TX_LAYOUT_HEAD ? P : 1;
        g.cs = p->layout == TX_LAYOUT_HEAD ? 1 : S;
    }
    gemm(&g);
}

size_t tx_linear_s8_get_buffer_size(tx_variant v, int32_t S, int32_t K, int32_t N)
{
    (void)N;
    size_t n = tx_gemm_scratch_size(v, S, K);
    return n ? n + TX_SCRATCH_SLACK : 0;
}

tx_status tx_linear_check(const tx_linear_params *params, int32_t S, int32_t K, int32_t N)
{
    if (!params)
        return TX_ERR_NULL;
    if (S <= 0 || K <= 0 || N <= 0)
        return TX_ERR_DIM;
    if (params->layout != TX_LAYOUT_ROW) {
        if (params->layout != TX_LAYOUT_HEAD && params->layout != TX_LAYOUT_HEAD_T)
            return TX_ERR_PARAM;
        if (params->heads <= 0 || N % params->heads != 0)
            return TX_ERR_DIM;
    }
    return tx_requant_check(&params->rq);
}

tx_status tx_linear_s8(const tx_ctx *ctx, const tx_linear_params *params, int32_t S, int32_t K,
                       int32_t N, const int8_t *x, const int8_t *w, const int32_t *bias, int8_t *out)
{
    tx_status st = tx_check_gemm_ctx(ctx);
    if (st != TX_OK)
        return st;
    if (!x || !w || !out)
        return TX_ERR_NULL;
    if ((st = tx_linear_check(params, S, K, N)) != TX_OK)
        return st;
    tx_arena ar;
    if ((st = tx_arena_init(&ar, ctx, tx_gemm_scratch_size(ctx->variant, S, K))) != TX_OK)
        return st;
    tx_linear_run(tx_gemm_for(ctx->variant), ar.base, params, S, K, N, x, K, w, K, bias, out);
    return TX_OK;
}

size_t tx_linear_acc_s32_get_buffer_size(tx_variant v, int32_t S, int32_t K, int32_t N)
{
    return tx_linear_s8_get_buffer_size(v, S, K, N);
}

tx_status tx_linear_acc_s32(const tx_ctx *ctx, int32_t S, int32_t K, int32_t N, const int8_t *x,
                            int32_t ldx, const int8_t *w, int32_t ldw, int32_t *acc)
{
    tx_status st = tx_check_gemm_ctx(ctx);
    if (st != TX_OK)
        return st;
    if (!x || !w || !acc)
        return TX_ERR_NULL;
    if (S <= 0 || K <= 0 || N <= 0 || ldx < K || ldw < K)
        return TX_ERR_DIM;
    tx_arena ar;
    if ((st = tx_arena_init(&ar, ctx, tx_gemm_scratch_size(ctx->variant, S, K))) != TX_OK)
        return st;
    tx_gemm g = {0};
    g.M = S;
    g.N = N;
    g.K = K;
    g.a = x;
    g.lda = ldx;
    g.b = w;
    g.ldb = ldw;
    g.acc = acc;
    g.rs = N;
    g.cs = 1;
    g.scratch = ar.base;
    tx_gemm_for(ctx->variant)(&g);
    return TX_OK;
}

tx_status tx_requant_s32_s8(const tx_ctx *ctx, const tx_requant *rq, int32_t S, int32_t N,
                            const int32_t *acc, const int32_t *bias, int8_t *out)
{
    tx_status st = tx_check_ctx(ctx);
    if (st != TX_OK)
        return st;
    if (!acc || !out)
        return TX_ERR_NULL;
    if (S <= 0 || N <= 0)
        return TX_ERR_DIM;
    if ((st = tx_requant_check(rq)) != TX_OK)
        return st;
    tx_requant_rows(rq, S, N, acc, bias, out);
    return TX_OK;
}
