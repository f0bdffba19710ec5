/* The oracle GEMM: one output at a time, straight from the definition. */
#include "../common/internal.h"

void tx_gemm_ref(const tx_gemm *g)
{
    for (int32_t m = 0; m < g->M; ++m) {
        for (int32_t n = 0; n < g->N; ++n) {
            const int8_t *brow = g->b + (size_t)n * g->ldb;
            int32_t dot = 0;
            for (int32_t k = 0; k < g->K; ++k)
                dot += tx_a_at(g, m, k) * (int32_t)brow[k];
            tx_gemm_store(g, m, n, dot);
        }
    }
}
