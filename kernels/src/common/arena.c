/* Carving the caller's scratch buffer: operators compute their plan (offsets) up front, check
 * it against the buffer once, then hand out aligned sub-buffers. */
#include "internal.h"

tx_status tx_check_ctx(const tx_ctx *ctx)
{
    if (!ctx)
        return TX_ERR_NULL;
    if ((unsigned)ctx->variant >= (unsigned)TX_VARIANT_COUNT) /* also catches negative values */
        return TX_ERR_VARIANT;
    return TX_OK;
}

tx_status tx_check_gemm_ctx(const tx_ctx *ctx)
{
    tx_status st = tx_check_ctx(ctx);
    if (st == TX_OK && !tx_gemm_for(ctx->variant)) /* left out of the image's tx_gemm_table */
        st = TX_ERR_VARIANT;
    return st;
}

tx_status tx_arena_init(tx_arena *ar, const tx_ctx *ctx, size_t need)
{
    uintptr_t p = (uintptr_t)ctx->scratch;
    uintptr_t aligned = (p + 7u) & ~(uintptr_t)7u;
    size_t lost = (size_t)(aligned - p);
    ar->base = (uint8_t *)aligned;
    ar->size = ctx->scratch_size > lost ? ctx->scratch_size - lost : 0;
    ar->used = 0;
    if (need == 0)
        return TX_OK;
    if (!ctx->scratch)
        return TX_ERR_NULL;
    if (ar->size < need)
        return TX_ERR_BUFFER;
    return TX_OK;
}

void *tx_arena_at(tx_arena *ar, size_t offset)
{
    return ar->base + offset;
}
