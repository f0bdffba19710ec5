/* One cluster MHSA configuration on the GAP9 cluster (cluster_gap9.c), measured by the harness:
 * x and out in the arena (L2), the kernels' tiles in L1. */
#ifndef TX_FW_CLUSTER_RUN_H
#define TX_FW_CLUSTER_RUN_H

#include "bench.h"
#include "tinytx/kernels.h"

typedef struct {
    tx_mhsa_config cfg;
    int32_t cores;
} tx_fw_cluster_config;

/* "mhsa std depthfirst 9 cores=8" */
void tx_fw_cluster_describe(const tx_fw_cluster_config *c, char *buf, size_t len);

void tx_fw_cluster_run(const tx_mhsa_dims *d, const tx_mhsa_weights *w, const int8_t *x,
                       const tx_fw_cluster_config *c, uint32_t config_id, tx_bench_result *r);

#endif
