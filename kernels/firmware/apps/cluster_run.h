/* One cluster MHSA, encoder-layer or linear configuration on the GAP9 cluster (cluster_gap9.c),
 * measured by the harness: x, out and the layer's L2 scratch in the arena, the kernels' tiles in L1. */
#ifndef TX_FW_CLUSTER_RUN_H
#define TX_FW_CLUSTER_RUN_H

#include "tinytx/cluster.h"
#include "tinytx/firmware/bench.h"

/* what a configuration runs */
typedef enum {
    TX_FW_CLUSTER_MHSA = 0,
    TX_FW_CLUSTER_ENCODER = 1,
    TX_FW_CLUSTER_LINEAR = 2, /* the Q projection S x E -> H*P, HEAD layout (the golden `q`) */
} tx_fw_cluster_op;

typedef struct {
    tx_mhsa_config cfg; /* MHSA and encoder only */
    int32_t cores;
    tx_cluster_split split;  /* TX_SPLIT_ROWS or TX_SPLIT_HEADS (linear: rows always) */
    tx_fw_cluster_op op;
    int32_t ffn_tile;  /* encoder only: hidden columns per FFN tile, 0 = F */
} tx_fw_cluster_config;

/* "mhsa std depthfirst 9 split=rows cores=8", "encoder fused headwise 0 ffn=32 split=heads cores=4",
 * "linear head cores=2" */
void tx_fw_cluster_describe(const tx_fw_cluster_config *c, char *buf, size_t len);

/* the L1 bytes configuration c needs (the kernels' l1_size; linear: none), and the L1 the runtime
 * gives them */
size_t tx_fw_cluster_l1_need(const tx_encoder_dims *d, const tx_encoder_weights *w, const tx_fw_cluster_config *c);
size_t tx_fw_cluster_l1_free(int32_t cores);

/* the MHSA of w->mhsa, the encoder layer of w, or the linear layer of w->mhsa's Q (dims d) */
void tx_fw_cluster_run(const tx_encoder_dims *d, const tx_encoder_weights *w, const int8_t *x,
                       const tx_fw_cluster_config *c, uint32_t config_id, tx_bench_result *r);

#endif
