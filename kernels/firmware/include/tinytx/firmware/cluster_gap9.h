/* The GAP9 cluster runtime of the firmware: fork-join over the event unit's hardware barrier,
 * the cluster DMA, and the L1 buffer, as a tx_cluster (tinytx/cluster.h). Platform registers:
 * pulp_open.h (pulp-open as GVSoC models it; the pulp backend models the same). */
#ifndef TX_FW_CLUSTER_GAP9_H
#define TX_FW_CLUSTER_GAP9_H

#include "tinytx/cluster.h"

/* `cores` cores (1..8), the whole free L1 as the kernels' buffer */
tx_cluster tx_gap9_cluster(int32_t cores);

/* crt0_gap9.S, on every cluster core before main or the worker loop: the barrier's masks */
void tx_gap9_cluster_init(void);

/* the workers' loop (crt0_gap9.S): wait for a fork, run the share, join */
void tx_gap9_worker(void);

#endif
