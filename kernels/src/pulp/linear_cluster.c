/* Linear layer on the cluster: every core takes a contiguous band of rows (any layout writes a
 * row band at out + m0 * row stride), the Xpulp GEMM computes it. */
#include "../common/internal.h"
#include "tinytx/cluster.h"

typedef struct {
    const tx_linear_params *p;
    int32_t S, K, N;
    const int8_t *x, *w;
    const int32_t *bias;
    int8_t *out;
} tx_lin_job;

static void tx_lin_share(void *arg, int32_t core, int32_t cores)
{
    const tx_lin_job *j = (const tx_lin_job *)arg;
    const int32_t per = (j->S + cores - 1) / cores;
    const int32_t m0 = core * per, m1 = m0 + per < j->S ? m0 + per : j->S;
    if (m0 >= m1)
        return;
    tx_gemm g = {0};
    g.M = m1 - m0;
    g.N = j->N;
    g.K = j->K;
    g.a = j->x + (size_t)m0 * j->K;
    g.lda = j->K;
    g.b = j->w;
    g.ldb = j->K;
    g.rq = &j->p->rq;
    g.bias = j->bias;
    if (j->p->layout == TX_LAYOUT_ROW) {
        g.rs = j->N;
        g.cs = 1;
    } else {
        const int32_t P = j->N / j->p->heads;
        g.gcols = P;
        g.gstride = j->S * P;
        g.rs = j->p->layout == TX_LAYOUT_HEAD ? P : 1;
        g.cs = j->p->layout == TX_LAYOUT_HEAD ? 1 : j->S;
    }
    g.out = j->out + (size_t)m0 * g.rs;
    tx_gemm_xpulp(&g);
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
    tx_lin_job j = {params, S, K, N, x, w, bias, out};
    cl->fork_join(cl->cores, tx_lin_share, &j);
    return TX_OK;
}
