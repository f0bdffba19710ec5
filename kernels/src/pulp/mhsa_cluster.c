/* Multi-head self-attention on the cluster. Per head h (NUMERICS.md "Multi-head self-attention",
 * the head-wise integers):
 *   phase A, the cores split the projection columns: Q_h (or X W_h^T + b_h, fused-weight),
 *            K_h (standard) and Vt_h = V_h transposed, each requantized;
 *   phase B, the cores split the S query rows; per tile of T rows (depth-first; the whole share
 *            head-wise): the T x S scores, softmax, and the rows of O_h = A.V;
 *   phase C, the cores split the E output columns: acc += O_h Wo_h^T.
 * Splitting columns wherever all rows are at hand keeps every GEMM tall (its 4 x 2 blocks
 * amortise their set-up); only the attention proper needs the rows split.
 * Then out = requant(acc + bo), split by rows. X, acc, K_h, Vt_h and the softmax table live in L1;
 * the head's weights and biases arrive by DMA into one of two L1 buffers while the previous head
 * computes. Every GEMM is the Xpulp micro-kernel. */
#include "../rv/internal_xpulp.h"
#include "tinytx/cluster.h"

typedef struct {
    size_t x, acc, qh, kh, vth, oh, lut, wbuf[2], core, per_core, total;
    size_t w_q, w_k, w_v, w_o, b_q, b_k, b_v, wsize;  /* offsets inside a weight buffer */
    int32_t T;     /* query rows per tile */
    int32_t share; /* query rows per core */
} tx_mc_plan;

typedef struct {
    const tx_cluster *cl;
    const tx_mhsa_config *cfg;
    const tx_mhsa_dims *d;
    const tx_mhsa_weights *w;
    tx_mc_plan pl;
    uint8_t *l1;
    const int8_t *wcur;   /* the current head's weight buffer */
    int32_t h;
    int8_t *out;
} tx_mc;

static int32_t tx_min32(int32_t a, int32_t b) { return a < b ? a : b; }

static void tx_mc_make_plan(const tx_mhsa_config *cfg, const tx_mhsa_dims *d, int32_t cores,
                            const tx_mhsa_weights *w, tx_mc_plan *pl)
{
    const size_t S = (size_t)d->S, E = (size_t)d->E, P = (size_t)d->P;
    const int fused = cfg->mode == TX_ATTN_FUSED;
    const size_t D = fused ? E : P;
    *pl = (tx_mc_plan){0};
    pl->share = (d->S + cores - 1) / cores;
    pl->T = cfg->schedule == TX_MHSA_DEPTHFIRST ? tx_min32(cfg->tile_rows, pl->share) : pl->share;
    if (pl->T < 1)
        pl->T = 1;
    /* a head's weights: [Wq_h or W_h][Wk_h][Wv_h][Wo_h (E x P)] then its biases */
    size_t o = 0;
    pl->w_q = o; o += TX_ALIGN8(D * E);
    pl->w_k = o; o += fused ? 0 : TX_ALIGN8(P * E);
    pl->w_v = o; o += TX_ALIGN8(P * E);
    pl->w_o = o; o += TX_ALIGN8(E * P);
    pl->b_q = o; o += (fused ? (w && w->bf) : (w && w->bq)) ? TX_ALIGN8(D * 4u) : 0;
    pl->b_k = o; o += (!fused && w && w->bk) ? TX_ALIGN8(P * 4u) : 0;
    pl->b_v = o; o += (w && w->bv) ? TX_ALIGN8(P * 4u) : 0;
    pl->wsize = o;
    const size_t T = (size_t)pl->T;
    o = 0;
    pl->x = o;       o += TX_ALIGN8(S * E);
    pl->acc = o;     o += TX_ALIGN8(S * E * 4u);
    pl->qh = o;      o += TX_ALIGN8(S * D);
    pl->kh = o;      o += fused ? 0 : TX_ALIGN8(S * P);
    pl->vth = o;     o += TX_ALIGN8(P * S);
    pl->oh = o;      o += TX_ALIGN8(S * P);
    pl->lut = o;     o += TX_SOFTMAX_LUT * 4u;
    pl->wbuf[0] = o; o += pl->wsize;
    pl->wbuf[1] = o; o += pl->wsize;
    /* per core: the scores of a tile (T x S) and the softmax row buffer (S words) */
    pl->per_core = TX_ALIGN8(T * S) + TX_ALIGN8(S * 4u);
    pl->core = o;    o += pl->per_core * (size_t)cores;
    pl->total = o;
}

size_t tx_mhsa_s8_cluster_l1_size(const tx_mhsa_config *cfg, const tx_mhsa_dims *d, int32_t cores,
                                  const tx_mhsa_weights *w)
{
    if (!cfg || !d || d->S <= 0 || d->E <= 0 || d->H <= 0 || d->P <= 0 || cores < 1 ||
        cores > TX_CLUSTER_MAX_CORES)
        return 0;
    tx_mc_plan pl;
    tx_mc_make_plan(cfg, d, cores, w, &pl);
    return pl.total + TX_SCRATCH_SLACK;
}

static tx_requant tx_mc_slice(const tx_requant *rq, int32_t off)
{
    tx_requant r = *rq;
    if (r.ch_mul) {
        r.ch_mul += off;
        r.ch_shift += off;
    }
    return r;
}

/* start the DMA of head h's weights into buffer `buf`; returns the last handle (in order) */
static uint32_t tx_mc_fetch(const tx_mc *m, int32_t h, uint8_t *buf, uint32_t *handles, int *n)
{
    const tx_cluster *cl = m->cl;
    const tx_mhsa_weights *w = m->w;
    const uint32_t E = (uint32_t)m->d->E, P = (uint32_t)m->d->P, HP = (uint32_t)(m->d->H * m->d->P);
    const int fused = m->cfg->mode == TX_ATTN_FUSED;
    const size_t hh = (size_t)h;
    *n = 0;
#define TX_MC_COPY(dst, src, len, rows, sstride, dstride) \
    handles[(*n)++] = cl->dma_start((dst), (src), (len), (rows), (sstride), (dstride))
    if (fused) {
        TX_MC_COPY(buf + m->pl.w_q, w->wf + hh * E * E, E * E, 1, 0, 0);
        if (w->bf)
            TX_MC_COPY(buf + m->pl.b_q, w->bf + hh * E, E * 4u, 1, 0, 0);
    } else {
        TX_MC_COPY(buf + m->pl.w_q, w->wq + hh * P * E, P * E, 1, 0, 0);
        TX_MC_COPY(buf + m->pl.w_k, w->wk + hh * P * E, P * E, 1, 0, 0);
        if (w->bq)
            TX_MC_COPY(buf + m->pl.b_q, w->bq + hh * P, P * 4u, 1, 0, 0);
        if (w->bk)
            TX_MC_COPY(buf + m->pl.b_k, w->bk + hh * P, P * 4u, 1, 0, 0);
    }
    TX_MC_COPY(buf + m->pl.w_v, w->wv + hh * P * E, P * E, 1, 0, 0);
    if (w->bv)
        TX_MC_COPY(buf + m->pl.b_v, w->bv + hh * P, P * 4u, 1, 0, 0);
    /* head h's slice of Wo: E rows of P bytes, HP apart */
    TX_MC_COPY(buf + m->pl.w_o, w->wo + hh * P, P, E, HP, P);
#undef TX_MC_COPY
    return handles[*n - 1];
}

static void tx_mc_band(int32_t n, int32_t core, int32_t cores, int32_t align, int32_t *b0, int32_t *b1)
{
    int32_t per = (n + cores - 1) / cores;
    per = (per + align - 1) / align * align;
    *b0 = tx_min32(core * per, n);
    *b1 = tx_min32(*b0 + per, n);
}

/* N columns of requant(X W^T + bias) at out (element (s, n) at s*rs + n*cs); w, bias, rq and out
 * already point at the band's first column */
static void tx_mc_project(const tx_mc *m, const int8_t *w, const int32_t *bias, const tx_requant *rq,
                          int32_t N, int8_t *out, int32_t rs, int32_t cs)
{
    tx_gemm g = {0};
    g.M = m->d->S;
    g.N = N;
    g.K = m->d->E;
    g.a = m->l1 + m->pl.x;
    g.lda = m->d->E;
    g.b = w;
    g.ldb = m->d->E;
    g.rq = rq;
    g.bias = bias;
    g.out = out;
    g.rs = rs;
    g.cs = cs;
    tx_gemm_xpulp(&g);
}

static const int32_t *tx_mc_bias(const tx_mc *m, int present, size_t off, int32_t n0)
{
    return present ? (const int32_t *)(const void *)(m->wcur + off) + n0 : 0;
}

/* phase A: column bands of Q_h (or X W_h^T + b_h), K_h and Vt_h */
static void tx_mc_qkv(void *arg, int32_t core, int32_t cores)
{
    const tx_mc *m = (const tx_mc *)arg;
    const tx_mhsa_weights *w = m->w;
    const int32_t S = m->d->S, E = m->d->E, P = m->d->P, h = m->h;
    const int fused = m->cfg->mode == TX_ATTN_FUSED;
    const int32_t D = fused ? E : P;
    const int8_t *wb = m->wcur;
    int32_t n0, n1;
    tx_mc_band(D, core, cores, 2, &n0, &n1);
    if (n0 < n1) {
        const tx_requant rq = tx_mc_slice(fused ? &w->rq_xw[h] : &w->rq_q, (fused ? 0 : h * P) + n0);
        tx_mc_project(m, wb + m->pl.w_q + (size_t)n0 * E, tx_mc_bias(m, fused ? w->bf != 0 : w->bq != 0, m->pl.b_q, n0),
                      &rq, n1 - n0, (int8_t *)(m->l1 + m->pl.qh) + n0, D, 1);
    }
    tx_mc_band(P, core, cores, 2, &n0, &n1);
    if (n0 >= n1)
        return;
    const tx_requant rv = tx_mc_slice(&w->rq_v, h * P + n0);
    tx_mc_project(m, wb + m->pl.w_v + (size_t)n0 * E, tx_mc_bias(m, w->bv != 0, m->pl.b_v, n0), &rv, n1 - n0,
                  (int8_t *)(m->l1 + m->pl.vth) + (size_t)n0 * S, 1, S);
    if (fused)
        return;
    const tx_requant rk = tx_mc_slice(&w->rq_k, h * P + n0);
    tx_mc_project(m, wb + m->pl.w_k + (size_t)n0 * E, tx_mc_bias(m, w->bk != 0, m->pl.b_k, n0), &rk, n1 - n0,
                  (int8_t *)(m->l1 + m->pl.kh) + n0, P, 1);
}

/* phase B: the attention of query rows [r0, r1), tile by tile, into O_h */
static void tx_mc_rows(void *arg, int32_t core, int32_t cores)
{
    const tx_mc *m = (const tx_mc *)arg;
    const tx_mhsa_weights *w = m->w;
    const int32_t S = m->d->S, E = m->d->E, P = m->d->P, h = m->h;
    const int fused = m->cfg->mode == TX_ATTN_FUSED;
    const int32_t D = fused ? E : P;
    int32_t r0, r1;
    tx_mc_band(S, core, cores, 1, &r0, &r1);
    uint8_t *mine = m->l1 + m->pl.core + m->pl.per_core * (size_t)core;
    int8_t *scores = (int8_t *)mine;
    uint32_t *tmp = (uint32_t *)(void *)(mine + TX_ALIGN8((size_t)m->pl.T * (size_t)S));
    const int8_t *q = (const int8_t *)(m->l1 + m->pl.qh);
    const uint32_t *lut = (const uint32_t *)(const void *)(m->l1 + m->pl.lut);
    const tx_requant *rq_s = fused ? &w->rq_scores_fw[h] : &w->attn.rq_scores;
    for (int32_t t0 = r0; t0 < r1; t0 += m->pl.T) {
        const int32_t t = tx_min32(m->pl.T, r1 - t0);
        tx_gemm g = {0};
        /* scores against every key: K_h (standard) or X itself (fused) */
        g.M = t;
        g.N = S;
        g.K = D;
        g.a = q + (size_t)t0 * D;
        g.lda = D;
        g.b = fused ? (const int8_t *)(m->l1 + m->pl.x) : (const int8_t *)(m->l1 + m->pl.kh);
        g.ldb = D;
        g.rq = rq_s;
        g.out = scores;
        g.rs = S;
        g.cs = 1;
        tx_gemm_xpulp(&g);
        tx_softmax_rows_lut(lut, t, S, scores, (uint8_t *)scores, tmp);
        /* A.V: uint8 probabilities times Vt_h rows */
        g.N = P;
        g.K = S;
        g.a = scores;
        g.lda = S;
        g.a_unsigned = 1;
        g.b = (const int8_t *)(m->l1 + m->pl.vth);
        g.ldb = S;
        g.rq = &w->attn.rq_av;
        g.out = (int8_t *)(m->l1 + m->pl.oh) + (size_t)t0 * P;
        g.rs = P;
        tx_gemm_xpulp(&g);
    }
}

/* phase C: acc[:, e0:e1] += O_h Wo_h[e0:e1]^T (Wo_h is E rows of P in L1) */
static void tx_mc_out(void *arg, int32_t core, int32_t cores)
{
    const tx_mc *m = (const tx_mc *)arg;
    const int32_t E = m->d->E, P = m->d->P;
    int32_t e0, e1;
    tx_mc_band(E, core, cores, 2, &e0, &e1);
    if (e0 >= e1)
        return;
    tx_gemm g = {0};
    g.M = m->d->S;
    g.N = e1 - e0;
    g.K = P;
    g.a = m->l1 + m->pl.oh;
    g.lda = P;
    g.b = m->wcur + m->pl.w_o + (size_t)e0 * P;
    g.ldb = P;
    g.acc = (int32_t *)(void *)(m->l1 + m->pl.acc) + e0;
    g.rs = E;
    g.cs = 1;
    tx_gemm_xpulp(&g);
}

static void tx_mc_zero(void *arg, int32_t core, int32_t cores)
{
    const tx_mc *m = (const tx_mc *)arg;
    int32_t r0, r1;
    tx_mc_band(m->d->S, core, cores, 1, &r0, &r1);
    int32_t *acc = (int32_t *)(void *)(m->l1 + m->pl.acc);
    for (int32_t i = r0 * m->d->E; i < r1 * m->d->E; ++i)
        acc[i] = 0;
}

static void tx_mc_finish(void *arg, int32_t core, int32_t cores)
{
    const tx_mc *m = (const tx_mc *)arg;
    const tx_mhsa_weights *w = m->w;
    const int32_t E = m->d->E;
    int32_t r0, r1;
    tx_mc_band(m->d->S, core, cores, 1, &r0, &r1);
    const int32_t *acc = (const int32_t *)(const void *)(m->l1 + m->pl.acc);
    for (int32_t s = r0; s < r1; ++s)
        for (int32_t e = 0; e < E; ++e)
            m->out[s * E + e] = tx_rq(acc[s * E + e] + (w->bo ? w->bo[e] : 0), tx_rq_mul(&w->rq_o, e),
                                      tx_rq_shift(&w->rq_o, e));
}

static tx_status tx_mc_check(const tx_cluster *cl, const tx_mhsa_config *cfg, const tx_mhsa_dims *d,
                             const tx_mhsa_weights *w)
{
    if (!cl->fork_join || !cl->dma_start || !cl->dma_wait || !cl->l1)
        return TX_ERR_NULL;
    if (cl->cores < 1 || cl->cores > TX_CLUSTER_MAX_CORES)
        return TX_ERR_PARAM;
    return tx_mhsa_check(cfg, d, w);
}

tx_status tx_mhsa_s8_cluster(const tx_cluster *cl, const tx_mhsa_config *cfg, const tx_mhsa_dims *d,
                             const tx_mhsa_weights *w, const int8_t *x, int8_t *out)
{
    tx_status st;
    if (!cl || !cfg || !d || !w || !x || !out)
        return TX_ERR_NULL;
    if ((st = tx_mc_check(cl, cfg, d, w)) != TX_OK)
        return st;
    tx_mc m = {0};
    m.cl = cl;
    m.cfg = cfg;
    m.d = d;
    m.w = w;
    m.out = out;
    tx_mc_make_plan(cfg, d, cl->cores, w, &m.pl);
    const size_t mis = (size_t)(-(uintptr_t)cl->l1 & 7u);
    if (cl->l1_size < mis || cl->l1_size - mis < m.pl.total)
        return TX_ERR_BUFFER;
    m.l1 = (uint8_t *)cl->l1 + mis;

    uint32_t handles[2][8];
    int nh[2];
    const uint32_t x_dma = cl->dma_start(m.l1 + m.pl.x, x, (uint32_t)(d->S * d->E), 1, 0, 0);
    tx_mc_fetch(&m, 0, m.l1 + m.pl.wbuf[0], handles[0], &nh[0]);
    tx_softmax_lut(cfg->mode == TX_ATTN_FUSED ? &w->softmax_fw : &w->attn.softmax,
                   (uint32_t *)(void *)(m.l1 + m.pl.lut));
    cl->fork_join(cl->cores, tx_mc_zero, &m);
    cl->dma_wait(x_dma);
    for (int32_t h = 0; h < d->H; ++h) {
        const int b = h & 1;
        for (int i = 0; i < nh[b]; ++i)
            cl->dma_wait(handles[b][i]);
        /* the other buffer held head h - 1, which is finished: stream head h + 1 into it */
        if (h + 1 < d->H)
            tx_mc_fetch(&m, h + 1, m.l1 + m.pl.wbuf[b ^ 1], handles[b ^ 1], &nh[b ^ 1]);
        m.h = h;
        m.wcur = (const int8_t *)(m.l1 + m.pl.wbuf[b]);
        cl->fork_join(cl->cores, tx_mc_qkv, &m);
        cl->fork_join(cl->cores, tx_mc_rows, &m);
        cl->fork_join(cl->cores, tx_mc_out, &m);
    }
    cl->fork_join(cl->cores, tx_mc_finish, &m);
    return TX_OK;
}
