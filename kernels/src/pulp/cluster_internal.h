/* What the cluster kernels (pulp/) share beyond the Xpulp GEMM. */
#ifndef TINYTX_CLUSTER_INTERNAL_H
#define TINYTX_CLUSTER_INTERNAL_H

#include "tinytx/cluster.h"

/* The 8-byte aligned start of the cluster's L1 buffer when `need` bytes fit behind it, else NULL
 * (the buffer may start anywhere: the l1_size functions count the alignment slack). */
static inline uint8_t *tx_cluster_l1(const tx_cluster *cl, size_t need)
{
    const size_t mis = (size_t)(-(uintptr_t)cl->l1 & 7u);
    if (cl->l1_size < mis || cl->l1_size - mis < need)
        return 0;
    return (uint8_t *)cl->l1 + mis;
}

#endif /* TINYTX_CLUSTER_INTERNAL_H */
