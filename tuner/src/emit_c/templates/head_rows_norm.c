    /* the final LayerNorm of every row, in place: the last layer's output is read only here */
    int8_t *z = (int8_t *)(arena + TX_MODEL_OUTPUT_OFFSET);
    tx_status st = tx_layernorm_s8(&ctx, &tx_final_norm, TX_MODEL_S, TX_MODEL_E, y, z);
    if (st != TX_OK)
        return st;
