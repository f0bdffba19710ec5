/* A linear layer that keeps its int32 accumulators: the head's logits (NUMERICS.md "Head"). The
 * GEMM is the variant's own, accumulating onto the bias. */
#include "../common/internal.h"

size_t tx_linear_s32_get_buffer_size(tx_variant v, int32_t S, int32_t K, int32_t N)
{
    return tx_linear_acc_s32_get_buffer_size(v, S, K, N);
}

tx_status tx_linear_s32(const tx_ctx *ctx, int32_t S, int32_t K, int32_t N, const int8_t *x,
                        const int8_t *w, const int32_t *bias, int32_t *out)
{
    tx_status st = tx_check_gemm_ctx(ctx);
    if (st != TX_OK)
        return st;
    if (!x || !w || !out)
        return TX_ERR_NULL;
    if (S <= 0 || K <= 0 || N <= 0)
        return TX_ERR_DIM;
    tx_arena ar; /* the scratch is checked before out is touched */
    if ((st = tx_arena_init(&ar, ctx, tx_gemm_scratch_size(ctx->variant, S, K))) != TX_OK)
        return st;
    for (int32_t s = 0; s < S; ++s)
        for (int32_t n = 0; n < N; ++n)
            out[s * N + n] = bias ? bias[n] : 0;
    return tx_linear_acc_s32(ctx, S, K, N, x, K, w, K, out);
}
