/* Multi-head self-attention on the cluster, two ways of splitting it over the cores (both give
 * the head-wise integers of NUMERICS.md "Multi-head self-attention"; every GEMM is the Xpulp
 * micro-kernel; x and out stay where the caller has them, X is copied into L1 by DMA).
 *
 * TX_SPLIT_ROWS, per head h:
 *   phase A, the cores split the projection columns: Q_h (or X W_h^T + b_h, fused-weight),
 *            K_h (standard) and Vt_h = V_h transposed, each requantized;
 *   phase B, the cores split the S query rows; per tile of T rows (depth-first; the whole share
 *            head-wise): the T x S scores, softmax, and the rows of O_h = A.V;
 *   phase C, the cores split the E output columns: acc += O_h Wo_h^T.
 * Splitting columns wherever all rows are at hand keeps every GEMM tall (its 4 x 2 blocks
 * amortise their set-up); only the attention proper needs the rows split.
 * Then out = requant(acc + bo), split by the same columns. Phase C of head h and phase A of head
 * h + 1 are independent and share one parallel section (as do zeroing acc and head 0's phase A,
 * and the last phase C and the requantization): two fork-joins a head. X, acc, K_h, Vt_h and the
 * softmax table live in L1; the head's weights and biases arrive by DMA into one of two L1
 * buffers while the previous head computes.
 *
 * TX_SPLIT_HEADS: the heads go in groups of n = min(cores, H); in group g core c computes head
 * g*n + c whole, alone: Vt_h and K_h (all S rows), then per tile of T query rows (depth-first;
 * all S rows otherwise) its rows of Q_h (or X W_h^T + b_h), the T x S scores, softmax and A.V,
 * requantized into its P columns of O (S x H*P, shared, in L1). One fork per group; a group's
 * weights arrive by DMA (core 0 alone programs it, between forks) into one of two L1 buffers
 * while the previous group computes. Then Wo (E x H*P) arrives whole and the cores split the E
 * output columns: out = requant(O Wo^T + bo), one GEMM over K = H*P (the same integers as the
 * per-head int32 sums). Wo shares its L1 with the group buffers: it is fetched while the last
 * group computes when it fits beside that group's buffer, after it otherwise. */
#include "../common/internal.h"
#include "../rv/xpulp.h"
#include "cluster_internal.h"

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
    const int8_t *wnext;  /* the next head's */
    int32_t h;
    int8_t *out;
} tx_mc;

static size_t tx_maxz(size_t a, size_t b) { return a > b ? a : b; }

/* which optional biases get L1 room: w == NULL (a size query before the weights exist) plans
 * for every one of them, an upper bound of every set of weights */
static int tx_mc_has_bq(const tx_mhsa_weights *w, int fused) { return !w || (fused ? w->bf : w->bq) != 0; }
static int tx_mc_has_bk(const tx_mhsa_weights *w, int fused) { return !fused && (!w || w->bk); }
static int tx_mc_has_bv(const tx_mhsa_weights *w) { return !w || w->bv; }

static void tx_mc_make_plan(const tx_mhsa_config *cfg, const tx_mhsa_dims *d, int32_t cores,
                            const tx_mhsa_weights *w, tx_mc_plan *pl)
{
    const size_t S = (size_t)d->S, E = (size_t)d->E, P = (size_t)d->P;
    const int fused = cfg->mode == TX_ATTN_FUSED;
    const size_t D = fused ? E : P;
    *pl = (tx_mc_plan){0};
    pl->share = (d->S + cores - 1) / cores;
    pl->T = cfg->schedule == TX_MHSA_DEPTHFIRST ? tx_cl_min(cfg->tile_rows, pl->share) : pl->share;
    if (pl->T < 1)
        pl->T = 1;
    /* a head's weights: [Wq_h or W_h][Wk_h][Wv_h][Wo_h (E x P)] then its biases */
    size_t o = 0;
    pl->w_q = o; o += TX_ALIGN8(D * E);
    pl->w_k = o; o += fused ? 0 : TX_ALIGN8(P * E);
    pl->w_v = o; o += TX_ALIGN8(P * E);
    pl->w_o = o; o += TX_ALIGN8(E * P);
    pl->b_q = o; o += tx_mc_has_bq(w, fused) ? TX_ALIGN8(D * 4u) : 0;
    pl->b_k = o; o += tx_mc_has_bk(w, fused) ? TX_ALIGN8(P * 4u) : 0;
    pl->b_v = o; o += tx_mc_has_bv(w) ? TX_ALIGN8(P * 4u) : 0;
    pl->wsize = o;
    const size_t T = (size_t)pl->T;
    o = 0;
    pl->x = o;       o += TX_ALIGN8(S * E);
    pl->acc = o;     o += TX_ALIGN8(S * E * 4u);
    pl->qh = o;      o += TX_ALIGN8(S * D);
    pl->kh = o;      o += fused ? 0 : TX_ALIGN8(S * P);
    pl->vth = o;     o += TX_ALIGN8(P * S);
    pl->oh = o;      o += TX_ALIGN8(S * P);
    pl->lut = o;     o += TX_SOFTMAX_LUT_BYTES;
    pl->wbuf[0] = o; o += pl->wsize;
    pl->wbuf[1] = o; o += pl->wsize;
    /* per core: the scores of a tile (T x S) and the softmax row buffer (S words) */
    pl->per_core = TX_ALIGN8(T * S) + TX_ALIGN8(S * 4u);
    pl->core = o;    o += pl->per_core * (size_t)cores;
    pl->total = o;
}

/* One transfer of a head's weights: head h's source is src + h * step (L2), its destination
 * dst bytes into the head's L1 buffer. Built once per call, so fetching a head (core 0, between
 * parallel sections: on the critical path) is a short loop. */
typedef struct {
    const uint8_t *src;
    size_t step;
    uint32_t dst, len, rows, sstride, dstride;
} tx_mc_xfer;

enum { TX_MC_XFERS = 7 };

static int tx_mc_transfers(const tx_mc *m, tx_mc_xfer *xf)
{
    const tx_mhsa_weights *w = m->w;
    const uint32_t E = (uint32_t)m->d->E, P = (uint32_t)m->d->P, HP = (uint32_t)(m->d->H * m->d->P);
    const int fused = m->cfg->mode == TX_ATTN_FUSED;
    int n = 0;
#define TX_MC_XFER(to, from, head_step, bytes, nrows, sstr, dstr) \
    xf[n++] = (tx_mc_xfer){(const uint8_t *)(from), (head_step), (uint32_t)(to), (bytes), (nrows), (sstr), (dstr)}
    if (fused) {
        TX_MC_XFER(m->pl.w_q, w->wf, (size_t)E * E, E * E, 1, 0, 0);
        if (w->bf)
            TX_MC_XFER(m->pl.b_q, w->bf, (size_t)E * 4u, E * 4u, 1, 0, 0);
    } else {
        TX_MC_XFER(m->pl.w_q, w->wq, (size_t)P * E, P * E, 1, 0, 0);
        TX_MC_XFER(m->pl.w_k, w->wk, (size_t)P * E, P * E, 1, 0, 0);
        if (w->bq)
            TX_MC_XFER(m->pl.b_q, w->bq, (size_t)P * 4u, P * 4u, 1, 0, 0);
        if (w->bk)
            TX_MC_XFER(m->pl.b_k, w->bk, (size_t)P * 4u, P * 4u, 1, 0, 0);
    }
    TX_MC_XFER(m->pl.w_v, w->wv, (size_t)P * E, P * E, 1, 0, 0);
    if (w->bv)
        TX_MC_XFER(m->pl.b_v, w->bv, (size_t)P * 4u, P * 4u, 1, 0, 0);
    /* head h's slice of Wo: E rows of P bytes, HP apart */
    TX_MC_XFER(m->pl.w_o, w->wo, (size_t)P, P, E, HP, P);
#undef TX_MC_XFER
    return n;
}

/* start the DMA of head h's weights into buffer `buf`; returns the last handle (transfers
 * complete in order: waiting for it waits for all) */
static uint32_t tx_mc_fetch(const tx_cluster *cl, const tx_mc_xfer *xf, int n, int32_t h, uint8_t *buf)
{
    uint32_t last = 0;
    for (int i = 0; i < n; ++i, ++xf)
        last = cl->dma_start(buf + xf->dst, xf->src + (size_t)h * xf->step, xf->len, xf->rows, xf->sstride,
                             xf->dstride);
    return last;
}

/* requant(a W^T + bias) on one core: M rows of a (X or its rows, stride E) against N weight rows
 * (stride E), element (s, n) at out + s*rs + n*cs */
static void tx_mc_xw(int32_t E, int32_t M, const int8_t *a, const int8_t *w, const int32_t *bias,
                     const tx_requant *rq, int32_t N, int8_t *out, int32_t rs, int32_t cs)
{
    tx_gemm g = {0};
    g.M = M;
    g.N = N;
    g.K = E;
    g.a = a;
    g.lda = E;
    g.b = w;
    g.ldb = E;
    g.rq = rq;
    g.bias = bias;
    g.out = out;
    g.rs = rs;
    g.cs = cs;
    tx_gemm_xpulp(&g);
}

/* N columns of requant(X W^T + bias) over all S rows of X in L1; w, bias, rq and out already
 * point at the band's first column */
static void tx_mc_project(const tx_mc *m, const int8_t *w, const int32_t *bias, const tx_requant *rq,
                          int32_t N, int8_t *out, int32_t rs, int32_t cs)
{
    tx_mc_xw(m->d->E, m->d->S, (const int8_t *)(m->l1 + m->pl.x), w, bias, rq, N, out, rs, cs);
}

/* One attention tile of head h: the t x S scores of t query rows q (stride D) against every key
 * (K_h rows, or X itself for fused-weight attention; stride D), softmax, then A.V against Vt_h
 * (P rows of S) into out (stride out_rs). scores (t x S) and tmp (S words) are the core's own. */
static void tx_mc_attend(const tx_mhsa_weights *w, int fused, int32_t h, int32_t t, int32_t S, int32_t D,
                         int32_t P, const int8_t *q, const int8_t *keys, const int8_t *vt, const tx_softmax_table *lut,
                         int8_t *scores, uint32_t *tmp, int8_t *out, int32_t out_rs)
{
    tx_gemm g = {0};
    g.M = t;
    g.N = S;
    g.K = D;
    g.a = q;
    g.lda = D;
    g.b = keys;
    g.ldb = D;
    g.rq = fused ? &w->rq_scores_fw[h] : &w->attn.rq_scores;
    g.out = scores;
    g.rs = S;
    g.cs = 1;
    tx_gemm_xpulp(&g);
    tx_softmax_rows_lut(lut, t, S, scores, (uint8_t *)scores, tmp);
    /* uint8 probabilities times Vt_h rows */
    g.N = P;
    g.K = S;
    g.a = scores;
    g.lda = S;
    g.a_unsigned = 1;
    g.b = vt;
    g.ldb = S;
    g.rq = &w->attn.rq_av;
    g.out = out;
    g.rs = out_rs;
    tx_gemm_xpulp(&g);
}

/* a bias of the head whose weight buffer is wb, from column n0 (NULL when absent) */
static const int32_t *tx_mc_bias(const int8_t *wb, int present, size_t off, int32_t n0)
{
    return present ? (const int32_t *)(const void *)(wb + off) + n0 : 0;
}

/* phase A of head h (weights in wb): column bands of Q_h (or X W_h^T + b_h), K_h and Vt_h */
static void tx_mc_qkv(const tx_mc *m, int32_t h, const int8_t *wb, int32_t core, int32_t cores)
{
    const tx_mhsa_weights *w = m->w;
    const int32_t S = m->d->S, E = m->d->E, P = m->d->P;
    const int fused = m->cfg->mode == TX_ATTN_FUSED;
    const int32_t D = fused ? E : P;
    int32_t n0, n1;
    tx_cl_band(D, core, cores, 2, &n0, &n1);
    if (n0 < n1) {
        const tx_requant rq = tx_cl_rq_slice(fused ? &w->rq_xw[h] : &w->rq_q, (fused ? 0 : h * P) + n0);
        tx_mc_project(m, wb + m->pl.w_q + (size_t)n0 * E, tx_mc_bias(wb, fused ? w->bf != 0 : w->bq != 0, m->pl.b_q, n0),
                      &rq, n1 - n0, (int8_t *)(m->l1 + m->pl.qh) + n0, D, 1);
    }
    tx_cl_band(P, core, cores, 2, &n0, &n1);
    if (n0 >= n1)
        return;
    const tx_requant rv = tx_cl_rq_slice(&w->rq_v, h * P + n0);
    tx_mc_project(m, wb + m->pl.w_v + (size_t)n0 * E, tx_mc_bias(wb, w->bv != 0, m->pl.b_v, n0), &rv, n1 - n0,
                  (int8_t *)(m->l1 + m->pl.vth) + (size_t)n0 * S, 1, S);
    if (fused)
        return;
    const tx_requant rk = tx_cl_rq_slice(&w->rq_k, h * P + n0);
    tx_mc_project(m, wb + m->pl.w_k + (size_t)n0 * E, tx_mc_bias(wb, w->bk != 0, m->pl.b_k, n0), &rk, n1 - n0,
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
    tx_cl_band(S, core, cores, 1, &r0, &r1);
    uint8_t *mine = m->l1 + m->pl.core + m->pl.per_core * (size_t)core;
    int8_t *scores = (int8_t *)mine;
    uint32_t *tmp = (uint32_t *)(void *)(mine + TX_ALIGN8((size_t)m->pl.T * (size_t)S));
    const int8_t *q = (const int8_t *)(m->l1 + m->pl.qh);
    const tx_softmax_table *lut = (const tx_softmax_table *)(const void *)(m->l1 + m->pl.lut);
    const int8_t *keys = (const int8_t *)(m->l1 + (fused ? m->pl.x : m->pl.kh));
    for (int32_t t0 = r0; t0 < r1; t0 += m->pl.T)
        tx_mc_attend(w, fused, h, tx_cl_min(m->pl.T, r1 - t0), S, D, P, q + (size_t)t0 * D, keys,
                     (const int8_t *)(m->l1 + m->pl.vth), lut, scores, tmp,
                     (int8_t *)(m->l1 + m->pl.oh) + (size_t)t0 * P, P);
}

/* phase C: acc[:, e0:e1] += O_h Wo_h[e0:e1]^T (Wo_h is E rows of P in L1) */
static void tx_mc_out(void *arg, int32_t core, int32_t cores)
{
    const tx_mc *m = (const tx_mc *)arg;
    const int32_t E = m->d->E, P = m->d->P;
    int32_t e0, e1;
    tx_cl_band(E, core, cores, 2, &e0, &e1);
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
    tx_cl_band(m->d->S, core, cores, 1, &r0, &r1);
    int32_t *acc = (int32_t *)(void *)(m->l1 + m->pl.acc);
    for (int32_t i = r0 * m->d->E; i < r1 * m->d->E; ++i)
        acc[i] = 0;
}

/* out = requant(acc + bo), split by columns: each core loads its columns' bias and factors once
 * (bo is in L2) and requantizes down the column; with shift > 32 from the high word of
 * acc * mul (exact: the rounding term only touches the high word) */
static void tx_mc_finish(void *arg, int32_t core, int32_t cores)
{
    const tx_mc *m = (const tx_mc *)arg;
    const tx_mhsa_weights *w = m->w;
    const int32_t S = m->d->S, E = m->d->E;
    int32_t e0, e1;
    tx_cl_band(E, core, cores, 2, &e0, &e1);  /* phase C's bands: this core's own sums */
    const int32_t *acc = (const int32_t *)(const void *)(m->l1 + m->pl.acc);
    for (int32_t e = e0; e < e1; ++e) {
        const int32_t bias = w->bo ? w->bo[e] : 0, mul = tx_rq_mul(&w->rq_o, e), shift = tx_rq_shift(&w->rq_o, e);
        const int32_t *a = acc + e;
        int8_t *o = m->out + e;
        if (shift > 32) {
            const int32_t s = shift - 32, round = 1 << (s - 1);
            for (int32_t r = 0; r < S; ++r, a += E, o += E)
                *o = (int8_t)tx_xp_clip8((tx_xp_mulh(*a + bias, mul) + round) >> s);
        } else {
            for (int32_t r = 0; r < S; ++r, a += E, o += E)
                *o = tx_rq(*a + bias, mul, shift);
        }
    }
}

/* the first parallel section: acc = 0, then head 0's projections */
static void tx_mc_first(void *arg, int32_t core, int32_t cores)
{
    const tx_mc *m = (const tx_mc *)arg;
    tx_mc_zero(arg, core, cores);
    tx_mc_qkv(m, 0, m->wcur, core, cores);
}

/* after head h's attention: its output projection, then (independent of it) the next head's
 * projections, or after the last head out = requant(acc + bo) over the same column bands; one
 * parallel section instead of two */
static void tx_mc_step(void *arg, int32_t core, int32_t cores)
{
    const tx_mc *m = (const tx_mc *)arg;
    tx_mc_out(arg, core, cores);
    if (m->h + 1 < m->d->H)
        tx_mc_qkv(m, m->h + 1, m->wnext, core, cores);
    else
        tx_mc_finish(arg, core, cores);
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

static tx_status tx_mc_run_rows(const tx_cluster *cl, const tx_mhsa_config *cfg, const tx_mhsa_dims *d,
                                const tx_mhsa_weights *w, const int8_t *x, int8_t *out)
{
    tx_mc m = {0};
    m.cl = cl;
    m.cfg = cfg;
    m.d = d;
    m.w = w;
    m.out = out;
    tx_mc_make_plan(cfg, d, cl->cores, w, &m.pl);
    if (!(m.l1 = tx_cluster_l1(cl, m.pl.total)))
        return TX_ERR_BUFFER;

    tx_mc_xfer xf[TX_MC_XFERS];
    const int nx = tx_mc_transfers(&m, xf);
    uint32_t pending[2];
    const uint32_t x_dma = cl->dma_start(m.l1 + m.pl.x, x, (uint32_t)(d->S * d->E), 1, 0, 0);
    pending[0] = tx_mc_fetch(cl, xf, nx, 0, m.l1 + m.pl.wbuf[0]);
    tx_softmax_lut(cfg->mode == TX_ATTN_FUSED ? &w->softmax_fw : &w->attn.softmax,
                   (tx_softmax_table *)(void *)(m.l1 + m.pl.lut));
    cl->dma_wait(x_dma);
    cl->dma_wait(pending[0]);
    if (d->H > 1)
        pending[1] = tx_mc_fetch(cl, xf, nx, 1, m.l1 + m.pl.wbuf[1]);
    m.wcur = (const int8_t *)(m.l1 + m.pl.wbuf[0]);
    cl->fork_join(cl->cores, tx_mc_first, &m);
    for (int32_t h = 0; h < d->H; ++h) {
        const int b = h & 1;
        m.h = h;
        cl->fork_join(cl->cores, tx_mc_rows, &m);
        if (h + 1 < d->H) {
            cl->dma_wait(pending[b ^ 1]);
            m.wnext = (const int8_t *)(m.l1 + m.pl.wbuf[b ^ 1]);
        }
        cl->fork_join(cl->cores, tx_mc_step, &m);
        /* head h's buffer is finished: stream head h + 2 into it */
        if (h + 2 < d->H)
            pending[b] = tx_mc_fetch(cl, xf, nx, h + 2, m.l1 + m.pl.wbuf[b]);
        m.wcur = m.wnext;
    }
    return TX_OK;
}

/* ------------------------------------------------------------------ TX_SPLIT_HEADS */

typedef struct {
    int32_t n;       /* heads per group (= the cores that work): min(cores, H) */
    int32_t groups;  /* ceil(H / n) */
    int32_t T;       /* query rows per tile */
    size_t x, lut, o, w, core, per_core, total;       /* L1 */
    size_t wsize, gsize, slot[2], wo;                  /* W region: group buffers, or Wo at 0 */
    size_t g_q, g_k, g_v, g_bq, g_bk, g_bv;            /* inside a group buffer, n heads each */
    size_t c_k, c_vt, c_q, c_sc, c_tmp;                /* inside a core's share */
    int wo_early;    /* Wo fits beside the last group's buffer: fetched while that group computes */
} tx_mh_plan;

typedef struct {
    const tx_cluster *cl;
    const tx_mhsa_config *cfg;
    const tx_mhsa_dims *d;
    const tx_mhsa_weights *w;
    tx_mh_plan pl;
    uint8_t *l1;
    const uint8_t *gcur;  /* the current group's weight buffer */
    int32_t g;
    int8_t *out;
} tx_mh;

static void tx_mh_make_plan(const tx_mhsa_config *cfg, const tx_mhsa_dims *d, int32_t cores,
                            const tx_mhsa_weights *w, tx_mh_plan *pl)
{
    const size_t S = (size_t)d->S, E = (size_t)d->E, P = (size_t)d->P, HP = (size_t)d->H * P;
    const int fused = cfg->mode == TX_ATTN_FUSED;
    const size_t D = fused ? E : P;
    *pl = (tx_mh_plan){0};
    pl->n = tx_cl_min(cores, d->H);
    pl->groups = (d->H + pl->n - 1) / pl->n;
    pl->T = cfg->schedule == TX_MHSA_DEPTHFIRST ? tx_cl_min(cfg->tile_rows, d->S) : d->S;
    if (pl->T < 1)
        pl->T = 1;
    const size_t n = (size_t)pl->n, T = (size_t)pl->T;
    /* a group buffer: each matrix (and bias) of its n heads, contiguous as in L2 */
    size_t o = 0;
    pl->g_q = o;  o += TX_ALIGN8(n * D * E);
    pl->g_k = o;  o += fused ? 0 : TX_ALIGN8(n * P * E);
    pl->g_v = o;  o += TX_ALIGN8(n * P * E);
    pl->g_bq = o; o += tx_mc_has_bq(w, fused) ? TX_ALIGN8(n * D * 4u) : 0;
    pl->g_bk = o; o += tx_mc_has_bk(w, fused) ? TX_ALIGN8(n * P * 4u) : 0;
    pl->g_bv = o; o += tx_mc_has_bv(w) ? TX_ALIGN8(n * P * 4u) : 0;
    pl->gsize = o;
    pl->wo = TX_ALIGN8(E * HP);
    /* two group buffers when there are several groups; the last group uses slot[1] (at the end),
     * Wo lands at the start once the groups before it are done */
    pl->wsize = tx_maxz((pl->groups > 1 ? 2u : 1u) * pl->gsize, pl->wo);
    pl->slot[0] = 0;
    pl->slot[1] = pl->wsize - pl->gsize;
    pl->wo_early = pl->groups > 1 && pl->wo <= pl->slot[1];
    /* a core's share: K_h, Vt_h, a tile's Q rows (or X W_h^T + b_h), scores, softmax row */
    o = 0;
    pl->c_k = o;   o += fused ? 0 : TX_ALIGN8(S * P);
    pl->c_vt = o;  o += TX_ALIGN8(P * S);
    pl->c_q = o;   o += TX_ALIGN8(T * D);
    pl->c_sc = o;  o += TX_ALIGN8(T * S);
    pl->c_tmp = o; o += TX_ALIGN8(S * 4u);
    pl->per_core = o;
    o = 0;
    pl->x = o;    o += TX_ALIGN8(S * E);
    pl->lut = o;  o += TX_SOFTMAX_LUT_BYTES;
    pl->o = o;    o += TX_ALIGN8(S * HP);
    pl->w = o;    o += pl->wsize;
    pl->core = o; o += pl->per_core * n;
    pl->total = o;
}

/* the slot of group g: alternating, the last group in slot[1] */
static size_t tx_mh_slot(const tx_mh_plan *pl, int32_t g)
{
    return pl->slot[((pl->groups - 1 - g) & 1) ? 0 : 1];
}

/* start the DMA of group g's weights into buf; the handles in *n */
static void tx_mh_fetch(const tx_mh *m, int32_t g, uint8_t *buf, uint32_t *handles, int *nh)
{
    const tx_cluster *cl = m->cl;
    const tx_mhsa_weights *w = m->w;
    const size_t E = (size_t)m->d->E, P = (size_t)m->d->P;
    const size_t h0 = (size_t)g * (size_t)m->pl.n;
    const size_t cnt = (size_t)tx_cl_min(m->pl.n, m->d->H - (int32_t)h0);
    *nh = 0;
#define TX_MH_COPY(dst, src, len) handles[(*nh)++] = cl->dma_start((dst), (src), (uint32_t)(len), 1, 0, 0)
    if (m->cfg->mode == TX_ATTN_FUSED) {
        TX_MH_COPY(buf + m->pl.g_q, w->wf + h0 * E * E, cnt * E * E);
        if (w->bf)
            TX_MH_COPY(buf + m->pl.g_bq, w->bf + h0 * E, cnt * E * 4u);
    } else {
        TX_MH_COPY(buf + m->pl.g_q, w->wq + h0 * P * E, cnt * P * E);
        TX_MH_COPY(buf + m->pl.g_k, w->wk + h0 * P * E, cnt * P * E);
        if (w->bq)
            TX_MH_COPY(buf + m->pl.g_bq, w->bq + h0 * P, cnt * P * 4u);
        if (w->bk)
            TX_MH_COPY(buf + m->pl.g_bk, w->bk + h0 * P, cnt * P * 4u);
    }
    TX_MH_COPY(buf + m->pl.g_v, w->wv + h0 * P * E, cnt * P * E);
    if (w->bv)
        TX_MH_COPY(buf + m->pl.g_bv, w->bv + h0 * P, cnt * P * 4u);
#undef TX_MH_COPY
}

/* core c: head g*n + c of the current group, whole, into its columns of O */
static void tx_mh_head(void *arg, int32_t core, int32_t cores)
{
    (void)cores;
    const tx_mh *m = (const tx_mh *)arg;
    const tx_mhsa_weights *w = m->w;
    const tx_mh_plan *pl = &m->pl;
    const int32_t S = m->d->S, E = m->d->E, P = m->d->P, HP = m->d->H * m->d->P;
    const int32_t h = m->g * pl->n + core;
    if (core >= pl->n || h >= m->d->H)
        return;
    const int fused = m->cfg->mode == TX_ATTN_FUSED;
    const int32_t D = fused ? E : P;
    const size_t j = (size_t)core; /* the head's place in the group buffer */
    const uint8_t *gb = m->gcur;
    const int8_t *x = (const int8_t *)(m->l1 + pl->x);
    uint8_t *mine = m->l1 + pl->core + pl->per_core * j;
    int8_t *k = (int8_t *)(mine + pl->c_k), *vt = (int8_t *)(mine + pl->c_vt);
    int8_t *q = (int8_t *)(mine + pl->c_q), *scores = (int8_t *)(mine + pl->c_sc);
    uint32_t *tmp = (uint32_t *)(void *)(mine + pl->c_tmp);
    const tx_softmax_table *lut = (const tx_softmax_table *)(const void *)(m->l1 + pl->lut);
#define TX_MH_BIAS(present, off, len) \
    ((present) ? (const int32_t *)(const void *)(gb + (off)) + j * (size_t)(len) : (const int32_t *)0)
    /* Vt_h (P x S) and K_h (S x P) over all S rows */
    const tx_requant rv = tx_cl_rq_slice(&w->rq_v, h * P);
    tx_mc_xw(E, S, x, (const int8_t *)(gb + pl->g_v) + j * (size_t)P * E, TX_MH_BIAS(w->bv != 0, pl->g_bv, P),
             &rv, P, vt, 1, S);
    if (!fused) {
        const tx_requant rk = tx_cl_rq_slice(&w->rq_k, h * P);
        tx_mc_xw(E, S, x, (const int8_t *)(gb + pl->g_k) + j * (size_t)P * E,
                 TX_MH_BIAS(w->bk != 0, pl->g_bk, P), &rk, P, k, P, 1);
    }
    const tx_requant rq = fused ? w->rq_xw[h] : tx_cl_rq_slice(&w->rq_q, h * P);
    const int8_t *wq = (const int8_t *)(gb + pl->g_q) + j * (size_t)D * E;
    const int32_t *bq = TX_MH_BIAS(fused ? w->bf != 0 : w->bq != 0, pl->g_bq, D);
#undef TX_MH_BIAS
    for (int32_t t0 = 0; t0 < S; t0 += pl->T) {
        const int32_t t = tx_cl_min(pl->T, S - t0);
        /* the tile's rows of Q_h (or X W_h^T + b_h), then its attention into O's columns of head h */
        tx_mc_xw(E, t, x + (size_t)t0 * E, wq, bq, &rq, D, q, D, 1);
        tx_mc_attend(w, fused, h, t, S, D, P, q, fused ? x : k, vt, lut, scores, tmp,
                     (int8_t *)(m->l1 + pl->o) + (size_t)t0 * HP + (size_t)h * P, HP);
    }
}

/* out[:, e0:e1] = requant(O Wo[e0:e1]^T + bo), Wo whole in L1 */
static void tx_mh_out(void *arg, int32_t core, int32_t cores)
{
    const tx_mh *m = (const tx_mh *)arg;
    const tx_mhsa_weights *w = m->w;
    const int32_t E = m->d->E, HP = m->d->H * m->d->P;
    int32_t e0, e1;
    tx_cl_band(E, core, cores, 2, &e0, &e1);
    if (e0 >= e1)
        return;
    const tx_requant rq = tx_cl_rq_slice(&w->rq_o, e0);
    tx_gemm g = {0};
    g.M = m->d->S;
    g.N = e1 - e0;
    g.K = HP;
    g.a = m->l1 + m->pl.o;
    g.lda = HP;
    g.b = (const int8_t *)(m->l1 + m->pl.w) + (size_t)e0 * HP;
    g.ldb = HP;
    g.rq = &rq;
    g.bias = w->bo ? w->bo + e0 : 0;
    g.out = m->out + e0;
    g.rs = E;
    g.cs = 1;
    tx_gemm_xpulp(&g);
}

static tx_status tx_mh_run(const tx_cluster *cl, const tx_mhsa_config *cfg, const tx_mhsa_dims *d,
                           const tx_mhsa_weights *w, const int8_t *x, int8_t *out)
{
    tx_mh m = {0};
    m.cl = cl;
    m.cfg = cfg;
    m.d = d;
    m.w = w;
    m.out = out;
    tx_mh_make_plan(cfg, d, cl->cores, w, &m.pl);
    if (!(m.l1 = tx_cluster_l1(cl, m.pl.total)))
        return TX_ERR_BUFFER;

    /* only this core (core 0, outside the forks) programs the DMA */
    uint32_t handles[2][8];
    int nh[2];
    const uint32_t x_dma = cl->dma_start(m.l1 + m.pl.x, x, (uint32_t)(d->S * d->E), 1, 0, 0);
    tx_mh_fetch(&m, 0, m.l1 + m.pl.w + tx_mh_slot(&m.pl, 0), handles[0], &nh[0]);
    tx_softmax_lut(cfg->mode == TX_ATTN_FUSED ? &w->softmax_fw : &w->attn.softmax,
                   (tx_softmax_table *)(void *)(m.l1 + m.pl.lut));
    cl->dma_wait(x_dma);
    uint8_t *wo = m.l1 + m.pl.w;
    const uint32_t wo_len = (uint32_t)(d->E * d->H * d->P);
    uint32_t wo_dma = 0;
    for (int32_t g = 0; g < m.pl.groups; ++g) {
        const int b = g & 1;
        for (int i = 0; i < nh[b]; ++i)
            cl->dma_wait(handles[b][i]);
        /* the other slot held group g - 1, which is finished: stream group g + 1 into it, or
         * Wo beside the last group */
        if (g + 1 < m.pl.groups)
            tx_mh_fetch(&m, g + 1, m.l1 + m.pl.w + tx_mh_slot(&m.pl, g + 1), handles[b ^ 1], &nh[b ^ 1]);
        else if (m.pl.wo_early)
            wo_dma = cl->dma_start(wo, w->wo, wo_len, 1, 0, 0);
        m.g = g;
        m.gcur = m.l1 + m.pl.w + tx_mh_slot(&m.pl, g);
        cl->fork_join(cl->cores, tx_mh_head, &m);
    }
    if (!m.pl.wo_early)
        wo_dma = cl->dma_start(wo, w->wo, wo_len, 1, 0, 0);
    cl->dma_wait(wo_dma);
    cl->fork_join(cl->cores, tx_mh_out, &m);
    return TX_OK;
}

/* ------------------------------------------------------------------ entry points */

size_t tx_mhsa_s8_cluster_l1_size(const tx_mhsa_config *cfg, tx_cluster_split split, const tx_mhsa_dims *d,
                                  int32_t cores, const tx_mhsa_weights *w)
{
    if (!cfg || !d || d->S <= 0 || d->E <= 0 || d->H <= 0 || d->P <= 0 || cores < 1 ||
        cores > TX_CLUSTER_MAX_CORES)
        return 0;
    if (split == TX_SPLIT_ROWS) {
        tx_mc_plan pl;
        tx_mc_make_plan(cfg, d, cores, w, &pl);
        return pl.total + TX_SCRATCH_SLACK;
    }
    if (split == TX_SPLIT_HEADS) {
        tx_mh_plan pl;
        tx_mh_make_plan(cfg, d, cores, w, &pl);
        return pl.total + TX_SCRATCH_SLACK;
    }
    return 0;
}

tx_status tx_mhsa_s8_cluster(const tx_cluster *cl, const tx_mhsa_config *cfg, tx_cluster_split split,
                             const tx_mhsa_dims *d, const tx_mhsa_weights *w, const int8_t *x, int8_t *out)
{
    tx_status st;
    if (!cl || !cfg || !d || !w || !x || !out)
        return TX_ERR_NULL;
    if ((st = tx_mc_check(cl, cfg, d, w)) != TX_OK)
        return st;
    if (split == TX_SPLIT_ROWS)
        return tx_mc_run_rows(cl, cfg, d, w, x, out);
    if (split == TX_SPLIT_HEADS)
        return tx_mh_run(cl, cfg, d, w, x, out);
    return TX_ERR_PARAM;
}
