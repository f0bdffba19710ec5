    {
        const tx_ctx ctx = {arena + TX_MODEL_SCRATCH_OFFSET, TX_MODEL_SCRATCH_BYTES, (tx_variant)TX_FILL_VARIANT /* TX_FILL_VARIANT_NAME */};
        const tx_status st = tx_embed_s8(&ctx, &tx_prelude, TX_NETWORK_INPUT_TOKENS, TX_NETWORK_INPUT_FEATURES, TX_MODEL_E, input, x);
        if (st != TX_OK)
            return st;
    }
