/* A GEMM computed weight row by weight row, for the one-row (memory-minimal) plans. */
#include "internal.h"

void tx_gemm_by_weight_rows(tx_gemm_fn gemm, const tx_gemm *g, int32_t *bias_row)
{
    const tx_requant *rq = g->rq;
    for (int32_t n = 0; n < g->N; ++n) {
        tx_requant rq_n = {rq->mul, rq->shift, 0, 0};
        if (rq->ch_mul) {
            rq_n.mul = rq->ch_mul[n];
            rq_n.shift = rq->ch_shift[n];
        }
        if (g->bias)
            for (int32_t m = 0; m < g->M; ++m)
                bias_row[m] = g->bias[n];
        tx_gemm t;
        tx_gemm_init(&t, 1, g->M, g->K, g->b + (size_t)n * g->ldb, g->ldb, g->a, g->lda, g->cs,
                     g->rs, g->scratch);
        t.rq = &rq_n;
        t.bias = g->bias ? bias_row : 0;
        t.out = g->out + (size_t)n * g->cs;
        gemm(&t);
    }
}
