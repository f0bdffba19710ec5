    if (input != x)
        for (size_t i = 0; i < TX_MODEL_ACT_BYTES; ++i)
            x[i] = input[i];
