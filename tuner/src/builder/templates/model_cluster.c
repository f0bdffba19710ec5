/* The cluster a layer of model_layers.c runs on: the GAP9 runtime (tinytx/firmware/cluster_gap9.h)
 * where the Xpulp kernels are built, elsewhere (a host check) the same partitioning run core after
 * core in a static buffer standing in for L1. A part of model_layers.c, written in place of its
 * #include for schedules with cluster layers. */
#include "tinytx/cluster.h"

#if defined(TX_HAVE_XPULP) /* the GAP9 cluster */
#include "tinytx/firmware/cluster_gap9.h"
static tx_cluster tx_model_cluster(int32_t cores) { return tx_gap9_cluster(cores); }
#else /* one core runs every core's share in turn; this buffer stands in for L1 */
static uint8_t tx_model_l1[TX_MODEL_CLUSTER_L1_BYTES] __attribute__((aligned(8)));
static tx_cluster tx_model_cluster(int32_t cores)
{
    return tx_cluster_sequential(cores, tx_model_l1, sizeof tx_model_l1);
}
#endif
