/* Portable GEMM with 4x2 output blocking (4 activation rows x 2 weight rows, 8 accumulators),
 * the reduction unrolled by two. */
#include "../common/gemm_edges.h"

#define TX_OPT4X2_BODY(AT)                                                                        \
    for (m = 0; m + 4 <= M; m += 4) {                                                            \
        const AT *a0 = (const AT *)g->a + (size_t)m * g->lda;                                     \
        const AT *a1 = a0 + g->lda, *a2 = a1 + g->lda, *a3 = a2 + g->lda;                         \
        for (n = 0; n + 2 <= N; n += 2) {                                                        \
            const int8_t *b0 = g->b + (size_t)n * g->ldb, *b1 = b0 + g->ldb;                      \
            int32_t c00 = 0, c01 = 0, c10 = 0, c11 = 0, c20 = 0, c21 = 0, c30 = 0, c31 = 0;      \
            int32_t k = 0;                                                                       \
            for (; k + 2 <= K; k += 2) {                                                         \
                int32_t w0 = b0[k], w1 = b1[k], v0 = b0[k + 1], v1 = b1[k + 1];                  \
                c00 += a0[k] * w0 + a0[k + 1] * v0;                                              \
                c01 += a0[k] * w1 + a0[k + 1] * v1;                                              \
                c10 += a1[k] * w0 + a1[k + 1] * v0;                                              \
                c11 += a1[k] * w1 + a1[k + 1] * v1;                                              \
                c20 += a2[k] * w0 + a2[k + 1] * v0;                                              \
                c21 += a2[k] * w1 + a2[k + 1] * v1;                                              \
                c30 += a3[k] * w0 + a3[k + 1] * v0;                                              \
                c31 += a3[k] * w1 + a3[k + 1] * v1;                                              \
            }                                                                                    \
            for (; k < K; ++k) {                                                                 \
                int32_t w0 = b0[k], w1 = b1[k];                                                  \
                c00 += a0[k] * w0; c01 += a0[k] * w1; c10 += a1[k] * w0; c11 += a1[k] * w1;      \
                c20 += a2[k] * w0; c21 += a2[k] * w1; c30 += a3[k] * w0; c31 += a3[k] * w1;      \
            }                                                                                    \
            tx_gemm_store(g, m, n, c00);     tx_gemm_store(g, m, n + 1, c01);                    \
            tx_gemm_store(g, m + 1, n, c10); tx_gemm_store(g, m + 1, n + 1, c11);                \
            tx_gemm_store(g, m + 2, n, c20); tx_gemm_store(g, m + 2, n + 1, c21);                \
            tx_gemm_store(g, m + 3, n, c30); tx_gemm_store(g, m + 3, n + 1, c31);                \
        }                                                                                        \
    }

void tx_gemm_opt4x2(const tx_gemm *g)
{
    const int32_t M = g->M, N = g->N, K = g->K;
    int32_t m, n = 0;
    if (g->a_unsigned) {
        TX_OPT4X2_BODY(uint8_t)
    } else {
        TX_OPT4X2_BODY(int8_t)
    }
    tx_gemm_edges(g, M & ~3, N & ~1);
}
