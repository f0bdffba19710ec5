/* One cluster MHSA or encoder-layer configuration on the GAP9 cluster (cluster_gap9.c), measured
 * by the harness: x, out and the layer's L2 scratch in the arena, the kernels' tiles in L1. */
#ifndef TX_FW_CLUSTER_RUN_H
#define TX_FW_CLUSTER_RUN_H

#include "bench.h"
#include "tinytx/kernels.h"

typedef struct {
    tx_mhsa_config cfg;
    int32_t cores;
    int encoder;       /* 0: the MHSA alone; 1: the whole encoder layer */
    int32_t ffn_tile;  /* encoder only: hidden columns per FFN tile, 0 = F */
} tx_fw_cluster_config;

/* "mhsa std depthfirst 9 cores=8", "encoder fused headwise 0 ffn=32 cores=4" */
void tx_fw_cluster_describe(const tx_fw_cluster_config *c, char *buf, size_t len);

/* the MHSA of w->mhsa, or the encoder layer of w (dims d) */
void tx_fw_cluster_run(const tx_encoder_dims *d, const tx_encoder_weights *w, const int8_t *x,
                       const tx_fw_cluster_config *c, uint32_t config_id, tx_bench_result *r);

#endif
