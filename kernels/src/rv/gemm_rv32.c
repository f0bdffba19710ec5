/* RV32IMC GEMM: no SIMD, 31 registers. A 4x4 block keeps 16 accumulators and 8 operands in
 * registers, so each byte load (lb/lbu) feeds four multiply-adds. */
#include "../common/gemm_edges.h"

#define TX_RV32_BODY(AT)                                                                          \
    for (m = 0; m + 4 <= M; m += 4) {                                                            \
        const AT *a0 = (const AT *)g->a + (size_t)m * g->lda;                                     \
        const AT *a1 = a0 + g->lda, *a2 = a1 + g->lda, *a3 = a2 + g->lda;                         \
        for (n = 0; n + 4 <= N; n += 4) {                                                        \
            const int8_t *b0 = g->b + (size_t)n * g->ldb, *b1 = b0 + g->ldb;                      \
            const int8_t *b2 = b1 + g->ldb, *b3 = b2 + g->ldb;                                    \
            int32_t c[4][4] = {{0}};                                                             \
            for (int32_t k = 0; k < K; ++k) {                                                    \
                const int32_t x[4] = {a0[k], a1[k], a2[k], a3[k]};                               \
                const int32_t w[4] = {b0[k], b1[k], b2[k], b3[k]};                               \
                for (int i = 0; i < 4; ++i)                                                      \
                    for (int j = 0; j < 4; ++j)                                                  \
                        c[i][j] += x[i] * w[j];                                                  \
            }                                                                                    \
            for (int i = 0; i < 4; ++i)                                                          \
                for (int j = 0; j < 4; ++j)                                                      \
                    tx_gemm_store(g, m + i, n + j, c[i][j]);                                     \
        }                                                                                        \
    }

void tx_gemm_rv32(const tx_gemm *g)
{
    const int32_t M = g->M, N = g->N, K = g->K;
    int32_t m, n = 0;
    if (g->a_unsigned) {
        TX_RV32_BODY(uint8_t)
    } else {
        TX_RV32_BODY(int8_t)
    }
    tx_gemm_edges(g, M & ~3, N & ~3);
}
