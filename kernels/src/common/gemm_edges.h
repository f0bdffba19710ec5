/* Shared by the blocked GEMM variants: the scalar path for the rows and columns a block does
 * not cover, computed exactly as the reference does. */
#ifndef TINYTX_GEMM_EDGES_H
#define TINYTX_GEMM_EDGES_H

#include "internal.h"

static inline int32_t tx_dot_at(const tx_gemm *g, int32_t m, int32_t n, int32_t k0)
{
    const int8_t *brow = g->b + (size_t)n * g->ldb;
    int32_t dot = 0;
    for (int32_t k = k0; k < g->K; ++k)
        dot += tx_a_at(g, m, k) * (int32_t)brow[k];
    return dot;
}

/* outputs with m >= m_done (all columns) or n >= n_done (rows below m_done) */
static inline void tx_gemm_edges(const tx_gemm *g, int32_t m_done, int32_t n_done)
{
    for (int32_t m = 0; m < g->M; ++m)
        for (int32_t n = (m < m_done ? n_done : 0); n < g->N; ++n)
            tx_gemm_store(g, m, n, tx_dot_at(g, m, n, 0));
}

#endif
