/* Portable GEMM with 2x2 output blocking: each loaded activation feeds two weight rows and each
 * weight feeds two activation rows. */
#include "../common/gemm_edges.h"

#define TX_OPT2X2_BODY(AT)                                                                        \
    for (m = 0; m + 2 <= M; m += 2) {                                                            \
        const AT *a0 = (const AT *)g->a + (size_t)m * g->lda, *a1 = a0 + g->lda;                  \
        for (n = 0; n + 2 <= N; n += 2) {                                                        \
            const int8_t *b0 = g->b + (size_t)n * g->ldb, *b1 = b0 + g->ldb;                      \
            int32_t c00 = 0, c01 = 0, c10 = 0, c11 = 0;                                          \
            for (int32_t k = 0; k < K; ++k) {                                                    \
                int32_t x0 = a0[k], x1 = a1[k], w0 = b0[k], w1 = b1[k];                          \
                c00 += x0 * w0;                                                                  \
                c01 += x0 * w1;                                                                  \
                c10 += x1 * w0;                                                                  \
                c11 += x1 * w1;                                                                  \
            }                                                                                    \
            tx_gemm_store(g, m, n, c00);                                                         \
            tx_gemm_store(g, m, n + 1, c01);                                                     \
            tx_gemm_store(g, m + 1, n, c10);                                                     \
            tx_gemm_store(g, m + 1, n + 1, c11);                                                 \
        }                                                                                        \
    }

void tx_gemm_opt2x2(const tx_gemm *g)
{
    const int32_t M = g->M, N = g->N, K = g->K;
    int32_t m, n = 0;
    if (g->a_unsigned) {
        TX_OPT2X2_BODY(uint8_t)
    } else {
        TX_OPT2X2_BODY(int8_t)
    }
    tx_gemm_edges(g, M & ~1, N & ~1);
}
