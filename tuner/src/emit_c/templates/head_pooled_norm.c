    /* the final LayerNorm of the pooled row alone: row by row, the same integers */
    st = tx_layernorm_s8(&ctx, &tx_final_norm, 1, TX_MODEL_E, pooled, pooled);
    if (st != TX_OK)
        return st;
