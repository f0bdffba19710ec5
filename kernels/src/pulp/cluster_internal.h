/* What the cluster kernels (pulp/) share beyond the Xpulp GEMM. */
#ifndef TINYTX_CLUSTER_INTERNAL_H
#define TINYTX_CLUSTER_INTERNAL_H

#include "tinytx/cluster.h"

static inline int32_t tx_cl_min(int32_t a, int32_t b) { return a < b ? a : b; }

/* Core `core`'s band [*b0, *b1) of n items split over `cores`, each band rounded up to `align`
 * items (GEMM column pairs): the first bands are full, the last may be short or empty. */
static inline void tx_cl_band(int32_t n, int32_t core, int32_t cores, int32_t align, int32_t *b0, int32_t *b1)
{
    int32_t per = (n + cores - 1) / cores;
    per = (per + align - 1) / align * align;
    *b0 = tx_cl_min(core * per, n);
    *b1 = tx_cl_min(*b0 + per, n);
}

/* the requantization of the columns from n0 on (per-channel arrays advanced to column n0) */
static inline tx_requant tx_cl_rq_slice(const tx_requant *rq, int32_t n0)
{
    tx_requant r = *rq;
    if (r.ch_mul)
        r.ch_mul += n0;
    if (r.ch_shift)
        r.ch_shift += n0;
    return r;
}

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
