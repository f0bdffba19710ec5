/* Linear layer on the cluster. x, w and the bias are copied into L1 by DMA when they fit the
 * cluster's L1 buffer (a cluster core pays ~14 cycles for every L2 load; the copy runs at 8 bytes
 * per cycle), else read where they are. The cores split the output columns, every core all S
 * rows (tall GEMMs: S/4 blocks per column pair), when there are enough: a column pair per core,
 * or for the head-major layouts, whose column groups must not be cut, a head per core; else the
 * rows. The Xpulp GEMM computes each share. */
#include "../common/internal.h"
#include "cluster_internal.h"

typedef struct {
    const tx_linear_params *p;
    int32_t S, K, N;
    const int8_t *x, *w;
    const int32_t *bias;
    int8_t *out;
    int by_rows;
} tx_lin_job;

/* rows [m0, m1) x columns [n0, n1) of the layer; n0 a multiple of the column group (gcols) */
static void tx_lin_gemm(const tx_lin_job *j, int32_t m0, int32_t m1, int32_t n0, int32_t n1)
{
    const tx_linear_params *p = j->p;
    const tx_requant rq = tx_cl_rq_slice(&p->rq, n0);
    tx_gemm g = {0};
    g.M = m1 - m0;
    g.N = n1 - n0;
    g.K = j->K;
    g.a = j->x + (size_t)m0 * j->K;
    g.lda = j->K;
    g.b = j->w + (size_t)n0 * j->K;
    g.ldb = j->K;
    g.rq = &rq;
    g.bias = j->bias ? j->bias + n0 : 0;
    size_t col0;
    if (p->layout == TX_LAYOUT_ROW) {
        g.rs = j->N;
        g.cs = 1;
        col0 = (size_t)n0;
    } else {
        const int32_t P = j->N / p->heads;
        g.gcols = P;
        g.gstride = j->S * P;
        g.rs = p->layout == TX_LAYOUT_HEAD ? P : 1;
        g.cs = p->layout == TX_LAYOUT_HEAD ? 1 : j->S;
        col0 = (size_t)(n0 / P) * (size_t)g.gstride;
    }
    g.out = j->out + (size_t)m0 * (size_t)g.rs + col0;
    tx_gemm_xpulp(&g);
}

static void tx_lin_share(void *arg, int32_t core, int32_t cores)
{
    const tx_lin_job *j = (const tx_lin_job *)arg;
    int32_t b0, b1;
    if (j->by_rows) {
        tx_cl_band(j->S, core, cores, 1, &b0, &b1);
        if (b0 < b1)
            tx_lin_gemm(j, b0, b1, 0, j->N);
        return;
    }
    const int32_t group = j->p->layout == TX_LAYOUT_ROW ? 2 : j->N / j->p->heads;
    tx_cl_band(j->N, core, cores, group, &b0, &b1);
    if (b0 < b1)
        tx_lin_gemm(j, 0, j->S, b0, b1);
}

tx_status tx_linear_s8_cluster(const tx_cluster *cl, const tx_linear_params *params, int32_t S,
                               int32_t K, int32_t N, const int8_t *x, const int8_t *w,
                               const int32_t *bias, int8_t *out)
{
    tx_status st;
    if (!cl || !cl->fork_join || !x || !w || !out)
        return TX_ERR_NULL;
    if (cl->cores < 1 || cl->cores > TX_CLUSTER_MAX_CORES)
        return TX_ERR_PARAM;
    if ((st = tx_linear_check(params, S, K, N)) != TX_OK)
        return st;
    const int by_columns = params->layout == TX_LAYOUT_ROW ? N >= 2 * cl->cores : params->heads >= cl->cores;
    tx_lin_job j = {params, S, K, N, x, w, bias, out, !by_columns};
    const size_t xs = TX_ALIGN8((size_t)S * (size_t)K), ws = TX_ALIGN8((size_t)N * (size_t)K);
    uint8_t *l1 = cl->dma_start && cl->dma_wait && cl->l1
                      ? tx_cluster_l1(cl, xs + ws + (bias ? (size_t)N * 4u : 0))
                      : 0;
    if (l1) {
        /* in order: waiting for the last transfer waits for all */
        (void)cl->dma_start(l1, x, (uint32_t)(S * K), 1, 0, 0);
        uint32_t last = cl->dma_start(l1 + xs, w, (uint32_t)(N * K), 1, 0, 0);
        if (bias)
            last = cl->dma_start(l1 + xs + ws, bias, (uint32_t)N * 4u, 1, 0, 0);
        cl->dma_wait(last);
        j.x = (const int8_t *)l1;
        j.w = (const int8_t *)(l1 + xs);
        j.bias = bias ? (const int32_t *)(const void *)(l1 + xs + ws) : 0;
    }
    cl->fork_join(cl->cores, tx_lin_share, &j);
    return TX_OK;
}
