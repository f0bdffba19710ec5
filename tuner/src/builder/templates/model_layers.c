/* The layer table and one inference over it, from the input at TX_MODEL_INPUT_OFFSET to the
 * output at TX_MODEL_OUTPUT_OFFSET: a part of the specialized image's model_main.c and of the
 * export's network.c, which include it after the model header (the TX_MODEL_* constants and
 * declarations of c_model_constants). The schedule's part is model_layer_table.h, generated
 * (c_layer_table) and written in place of its #include:
 *   TX_MODEL_GEMM_IMPLS        the tx_gemm_table entries of the schedule's GEMM variants only:
 *                              with --gc-sections the image carries no other kernel
 *   TX_MODEL_CLUSTER           1 when a layer runs on a cluster, else 0
 *   TX_MODEL_CLUSTER_L1_BYTES  (cluster only) the L1 stand-in of a target without the cluster
 *   TX_MODEL_LAYER_ROWS        one tx_model_layer initializer per layer
 * model_cluster.c is written in place of its #include when TX_MODEL_CLUSTER is 1. */
#include "model_layer_table.h"

#include "tinytx/gemm_table.h"

const tx_gemm_impl tx_gemm_table[TX_VARIANT_COUNT] = {
    TX_MODEL_GEMM_IMPLS
};

#if TX_MODEL_CLUSTER
#include "model_cluster.c"
#endif

typedef struct {
    tx_encoder_config cfg;
    tx_variant variant;
    uint32_t x_offset, out_offset, scratch_offset, scratch_size;
#if TX_MODEL_CLUSTER
    int32_t cores; /* 0: the single-core kernel; else the cluster kernel on that many cores */
    tx_cluster_split split;
#endif
} tx_model_layer;

static const tx_model_layer tx_model_layers[TX_MODEL_LAYERS] = {
    TX_MODEL_LAYER_ROWS
};

/* one inference: every layer in sequence, ping-pong between act0 and act1, one scratch block */
static tx_status tx_model_layers_run(uint8_t *arena)
{
    for (uint32_t i = 0; i < TX_MODEL_LAYERS; ++i) {
        const tx_model_layer *l = &tx_model_layers[i];
        const tx_ctx ctx = {arena + l->scratch_offset, l->scratch_size, l->variant};
        const int8_t *x = (const int8_t *)(arena + l->x_offset);
        int8_t *out = (int8_t *)(arena + l->out_offset);
#if TX_MODEL_CLUSTER
        tx_status st;
        if (l->cores > 0) {
            const tx_cluster cl = tx_model_cluster(l->cores);
            st = tx_encoder_s8_cluster(&cl, &ctx, &l->cfg, l->split, &tx_model_dims, &tx_model_weights[i], x,
                                       out);
        } else {
            st = tx_encoder_s8(&ctx, &l->cfg, &tx_model_dims, &tx_model_weights[i], x, out);
        }
#else
        const tx_status st = tx_encoder_s8(&ctx, &l->cfg, &tx_model_dims, &tx_model_weights[i], x, out);
#endif
        if (st != TX_OK)
            return st;
    }
    return TX_OK;
}
