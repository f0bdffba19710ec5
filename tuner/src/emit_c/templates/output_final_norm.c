    const tx_ctx ctx = {arena + TX_MODEL_SCRATCH_OFFSET, TX_MODEL_SCRATCH_BYTES, (tx_variant)TX_FILL_VARIANT /* TX_FILL_VARIANT_NAME */};
    return tx_layernorm_s8(&ctx, &tx_final_norm, TX_MODEL_S, TX_MODEL_E, y, output);
