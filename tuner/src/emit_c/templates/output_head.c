    const tx_ctx ctx = {arena + TX_MODEL_SCRATCH_OFFSET, TX_MODEL_SCRATCH_BYTES, (tx_variant)TX_FILL_VARIANT /* TX_FILL_VARIANT_NAME */};
#include "head_rows.c"
    /* pooled into the activation buffer the last layer did not write */
    int8_t *pooled = (int8_t *)(arena + (TX_MODEL_OUTPUT_OFFSET == TX_MODEL_ACT0_OFFSET ? TX_MODEL_ACT1_OFFSET : TX_MODEL_ACT0_OFFSET));
    st = tx_pool_s8(&ctx, TX_FILL_POOL, TX_MODEL_S, TX_MODEL_E, TX_FILL_POOLED_ROWS, pooled);
    if (st != TX_OK)
        return st;
#include "head_pooled.c"
    return tx_linear_s32(&ctx, 1, TX_MODEL_E, TX_NETWORK_OUTPUT_COUNT, pooled, tx_head_wh, TX_FILL_HEAD_BIAS, output);
