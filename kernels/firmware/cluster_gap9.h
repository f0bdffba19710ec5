/* The GAP9 cluster runtime of the firmware: fork-join over the event unit, the cluster DMA, and
 * the L1 buffer, as a tx_cluster (tinytx/cluster.h). Register map: the pulp backend's
 * board-agents/backends/pulp/src/periph.h. */
#ifndef TX_FW_CLUSTER_GAP9_H
#define TX_FW_CLUSTER_GAP9_H

#include "tinytx/cluster.h"

/* `cores` cores (1..8), the whole free L1 as the kernels' buffer */
tx_cluster tx_gap9_cluster(int32_t cores);

/* the workers' loop (crt0_gap9.S): wait for a fork, run the share, join */
void tx_gap9_worker(void);

#endif
