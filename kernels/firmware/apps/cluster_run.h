/* One cluster MHSA or encoder-layer configuration on the GAP9 cluster (cluster_gap9.c), measured
 * by the harness: x, out and the layer's L2 scratch in the arena, the kernels' tiles in L1. */
#ifndef TX_FW_CLUSTER_RUN_H
#define TX_FW_CLUSTER_RUN_H

#include "bench.h"
#include "tinytx/cluster.h"

typedef struct {
    tx_mhsa_config cfg;
    int32_t cores;
    tx_cluster_split split;  /* TX_SPLIT_ROWS or TX_SPLIT_HEADS */
    int encoder;       /* 0: the MHSA alone; 1: the whole encoder layer */
    int32_t ffn_tile;  /* encoder only: hidden columns per FFN tile, 0 = F */
} tx_fw_cluster_config;

/* "mhsa std depthfirst 9 split=rows cores=8", "encoder fused headwise 0 ffn=32 split=heads cores=4" */
void tx_fw_cluster_describe(const tx_fw_cluster_config *c, char *buf, size_t len);

/* the L1 bytes configuration c needs (the kernels' l1_size), and the L1 the runtime gives them */
size_t tx_fw_cluster_l1_need(const tx_encoder_dims *d, const tx_encoder_weights *w, const tx_fw_cluster_config *c);
size_t tx_fw_cluster_l1_free(int32_t cores);

/* the MHSA of w->mhsa, or the encoder layer of w (dims d) */
void tx_fw_cluster_run(const tx_encoder_dims *d, const tx_encoder_weights *w, const int8_t *x,
                       const tx_fw_cluster_config *c, uint32_t config_id, tx_bench_result *r);

#endif
