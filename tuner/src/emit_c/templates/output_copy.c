    if (output != y)
        for (size_t i = 0; i < TX_MODEL_ACT_BYTES; ++i)
            output[i] = y[i];
    return TX_OK;
