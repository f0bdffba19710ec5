/* A post-norm encoder layer on the cluster (see tinytx/cluster.h): the same integers as
 * tx_encoder_s8 (NUMERICS.md; the FFN is always summed in int32 over hidden tiles, which the
 * reference does for ffn_tile < F and which gives the same result untiled). L1 holds n1 (the
 * normalised MHSA residual, the FFN's input), the FFN's int32 accumulator, the hidden tile and
 * two buffers of weight tiles; the MHSA uses the L1 behind n1 while it runs. */
#include "../common/internal.h"
#include "cluster_internal.h"

typedef struct {
    size_t n1, rest;                 /* rest: the MHSA's L1, later the FFN's */
    size_t acc, hid, wbuf[2], total; /* FFN, offsets from rest */
    size_t w1, w2, b1, wsize;        /* inside a weight buffer */
    int32_t tile;
} tx_ec_plan;

typedef struct {
    const tx_cluster *cl;
    const tx_encoder_dims *d;
    const tx_encoder_weights *w;
    tx_ec_plan pl;
    uint8_t *l1;
    const int8_t *x;     /* the layer input (for the first residual) */
    int8_t *f;           /* the FFN output before the second residual (ctx scratch) */
    int8_t *out;
    const uint8_t *wcur; /* the current tile's weights */
    int32_t f0, fc;      /* the current hidden tile */
} tx_ec;

static int32_t tx_ec_tile(const tx_encoder_config *cfg, const tx_encoder_dims *d)
{
    return (cfg->ffn_tile <= 0 || cfg->ffn_tile >= d->F) ? d->F : cfg->ffn_tile;
}

static void tx_ec_make_plan(const tx_encoder_config *cfg, const tx_encoder_dims *d, const tx_encoder_weights *w,
                            tx_ec_plan *pl)
{
    const size_t S = (size_t)d->S, E = (size_t)d->E;
    *pl = (tx_ec_plan){0};
    pl->tile = tx_ec_tile(cfg, d);
    const size_t T = (size_t)pl->tile;
    size_t o = 0;
    pl->w1 = o; o += TX_ALIGN8(T * E);
    pl->w2 = o; o += TX_ALIGN8(E * T);
    pl->b1 = o; o += (!w || w->b1) ? TX_ALIGN8(T * 4u) : 0; /* w == NULL: an upper bound */
    pl->wsize = o;
    pl->n1 = 0;
    pl->rest = TX_ALIGN8(S * E);
    o = 0;
    pl->acc = o;     o += TX_ALIGN8(S * E * 4u);
    pl->hid = o;     o += TX_ALIGN8(S * T);
    pl->wbuf[0] = o; o += pl->wsize;
    pl->wbuf[1] = o; o += pl->wsize;
    pl->total = o;
}

size_t tx_encoder_s8_cluster_get_buffer_size(const tx_encoder_config *cfg, const tx_encoder_dims *d)
{
    if (!cfg || !d || d->S <= 0 || d->E <= 0)
        return 0;
    return TX_ALIGN8((size_t)d->S * (size_t)d->E) + TX_SCRATCH_SLACK;
}

/* the L1 bytes the layer uses from an 8-byte aligned start; 0 for bad dimensions */
static size_t tx_ec_l1_raw(const tx_encoder_config *cfg, tx_cluster_split split, const tx_encoder_dims *d,
                           int32_t cores, const tx_encoder_weights *w, tx_ec_plan *pl)
{
    const tx_mhsa_dims md = {d->S, d->E, d->H, d->P};
    const size_t mhsa = tx_mhsa_s8_cluster_l1_size(&cfg->mhsa, split, &md, cores, w ? &w->mhsa : 0);
    if (!mhsa)
        return 0;
    tx_ec_make_plan(cfg, d, w, pl);
    /* the MHSA's figure includes its alignment slack: it gets the L1 behind n1 unaligned-safe */
    return pl->rest + (pl->total > mhsa ? pl->total : mhsa);
}

size_t tx_encoder_s8_cluster_l1_size(const tx_encoder_config *cfg, tx_cluster_split split, const tx_encoder_dims *d,
                                     int32_t cores, const tx_encoder_weights *w)
{
    if (!cfg || !d || d->S <= 0 || d->E <= 0 || d->H <= 0 || d->P <= 0 || d->F <= 0)
        return 0;
    tx_ec_plan pl;
    const size_t raw = tx_ec_l1_raw(cfg, split, d, cores, w, &pl);
    return raw ? raw + TX_SCRATCH_SLACK : 0;
}

static const tx_ctx tx_ec_ctx = {0, 0, TX_VARIANT_REF};

/* n1 = LayerNorm1(x + mhsa(x)) for a row band, in place in L1; the FFN accumulator starts at 0 */
static void tx_ec_norm1(void *arg, int32_t core, int32_t cores)
{
    const tx_ec *e = (const tx_ec *)arg;
    const int32_t E = e->d->E;
    int32_t r0, r1;
    tx_cl_band(e->d->S, core, cores, 1, &r0, &r1);
    if (r0 >= r1)
        return;
    int8_t *n1 = (int8_t *)(e->l1 + e->pl.n1) + (size_t)r0 * E;
    tx_add_s8(&tx_ec_ctx, &e->w->add1, (r1 - r0) * E, e->x + (size_t)r0 * E, n1, n1);
    tx_layernorm_s8(&tx_ec_ctx, &e->w->ln1, r1 - r0, E, n1, n1);
    int32_t *acc = (int32_t *)(void *)(e->l1 + e->pl.rest + e->pl.acc);
    for (int32_t i = r0 * E; i < r1 * E; ++i)
        acc[i] = 0;
}

/* hidden[:, band] = i-GELU(requant(n1 W1_tile[band]^T + b1)) */
static void tx_ec_ffn1(void *arg, int32_t core, int32_t cores)
{
    const tx_ec *e = (const tx_ec *)arg;
    const int32_t S = e->d->S, E = e->d->E, fc = e->fc;
    int32_t c0, c1;
    tx_cl_band(fc, core, cores, 2, &c0, &c1);
    if (c0 >= c1)
        return;
    int8_t *hid = (int8_t *)(e->l1 + e->pl.rest + e->pl.hid);
    const tx_requant rq = tx_cl_rq_slice(&e->w->rq1, e->f0 + c0);
    tx_gemm g = {0};
    g.M = S;
    g.N = c1 - c0;
    g.K = E;
    g.a = e->l1 + e->pl.n1;
    g.lda = E;
    g.b = (const int8_t *)(e->wcur + e->pl.w1) + (size_t)c0 * E;
    g.ldb = E;
    g.rq = &rq;
    g.bias = e->w->b1 ? (const int32_t *)(const void *)(e->wcur + e->pl.b1) + c0 : 0;
    g.out = hid + c0;
    g.rs = fc;
    g.cs = 1;
    tx_gemm_xpulp(&g);
    for (int32_t s = 0; s < S; ++s)
        tx_gelu_s8(&tx_ec_ctx, &e->w->gelu, c1 - c0, hid + (size_t)s * fc + c0, hid + (size_t)s * fc + c0);
}

/* acc[:, band] += hidden W2_tile[band]^T */
static void tx_ec_ffn2(void *arg, int32_t core, int32_t cores)
{
    const tx_ec *e = (const tx_ec *)arg;
    const int32_t E = e->d->E, fc = e->fc;
    int32_t c0, c1;
    tx_cl_band(E, core, cores, 2, &c0, &c1);
    if (c0 >= c1)
        return;
    tx_gemm g = {0};
    g.M = e->d->S;
    g.N = c1 - c0;
    g.K = fc;
    g.a = e->l1 + e->pl.rest + e->pl.hid;
    g.lda = fc;
    g.b = (const int8_t *)(e->wcur + e->pl.w2) + (size_t)c0 * fc;
    g.ldb = fc;
    g.acc = (int32_t *)(void *)(e->l1 + e->pl.rest + e->pl.acc) + c0;
    g.rs = E;
    g.cs = 1;
    tx_gemm_xpulp(&g);
}

/* out = LayerNorm2(n1 + requant(acc + b2)) for a row band */
static void tx_ec_norm2(void *arg, int32_t core, int32_t cores)
{
    const tx_ec *e = (const tx_ec *)arg;
    const int32_t E = e->d->E;
    int32_t r0, r1;
    tx_cl_band(e->d->S, core, cores, 1, &r0, &r1);
    if (r0 >= r1)
        return;
    const size_t off = (size_t)r0 * E;
    const int32_t *acc = (const int32_t *)(const void *)(e->l1 + e->pl.rest + e->pl.acc);
    tx_requant_s32_s8(&tx_ec_ctx, &e->w->rq2, r1 - r0, E, acc + off, e->w->b2, e->f + off);
    tx_add_s8(&tx_ec_ctx, &e->w->add2, (r1 - r0) * E, (const int8_t *)(e->l1 + e->pl.n1) + off, e->f + off,
              e->f + off);
    tx_layernorm_s8(&tx_ec_ctx, &e->w->ln2, r1 - r0, E, e->f + off, e->out + off);
}

/* DMA of hidden tile [f0, f0 + fc)'s weights: W1 rows, W2 columns (E rows of fc, F apart), b1 */
static uint32_t tx_ec_fetch(const tx_ec *e, int32_t f0, int32_t fc, uint8_t *buf)
{
    const tx_cluster *cl = e->cl;
    const uint32_t E = (uint32_t)e->d->E, F = (uint32_t)e->d->F, n = (uint32_t)fc;
    cl->dma_start(buf + e->pl.w1, e->w->w1 + (size_t)f0 * E, n * E, 1, 0, 0);
    if (e->w->b1)
        cl->dma_start(buf + e->pl.b1, e->w->b1 + f0, n * 4u, 1, 0, 0);
    return cl->dma_start(buf + e->pl.w2, e->w->w2 + f0, n, E, F, n);
}

tx_status tx_encoder_s8_cluster(const tx_cluster *cl, const tx_ctx *ctx, const tx_encoder_config *cfg,
                                tx_cluster_split split, const tx_encoder_dims *d, const tx_encoder_weights *w,
                                const int8_t *x, int8_t *out)
{
    tx_status st;
    if (!cl || !ctx || !x || !out || !cl->l1 || !cl->fork_join || !cl->dma_start || !cl->dma_wait)
        return TX_ERR_NULL;
    if (cl->cores < 1 || cl->cores > TX_CLUSTER_MAX_CORES)
        return TX_ERR_PARAM;
    if ((st = tx_encoder_check(cfg, d, w)) != TX_OK)
        return st;
    if (split != TX_SPLIT_ROWS && split != TX_SPLIT_HEADS)
        return TX_ERR_PARAM;
    /* the cluster composition is post-norm only; pre-norm layers run on the fabric controller
     * through tx_encoder_s8 (the tuner keeps pre-norm models off the cluster) */
    if (cfg->norm != TX_NORM_POST)
        return TX_ERR_PARAM;
    tx_arena ar;
    if ((st = tx_arena_init(&ar, ctx, TX_ALIGN8((size_t)d->S * (size_t)d->E))) != TX_OK)
        return st;
    tx_ec e = {0};
    e.cl = cl;
    e.d = d;
    e.w = w;
    e.x = x;
    e.f = (int8_t *)ar.base;
    e.out = out;
    const size_t need = tx_ec_l1_raw(cfg, split, d, cl->cores, w, &e.pl);
    if (!need)
        return TX_ERR_PARAM;
    if (!(e.l1 = tx_cluster_l1(cl, need)))
        return TX_ERR_BUFFER;

    /* the MHSA in the L1 behind n1, its output straight into n1 */
    tx_cluster sub = *cl;
    sub.l1 = e.l1 + e.pl.rest;
    sub.l1_size = cl->l1_size - (size_t)(e.l1 - (uint8_t *)cl->l1) - e.pl.rest;
    const tx_mhsa_dims md = {d->S, d->E, d->H, d->P};
    if ((st = tx_mhsa_s8_cluster(&sub, &cfg->mhsa, split, &md, &w->mhsa, x, (int8_t *)(e.l1 + e.pl.n1))) != TX_OK)
        return st;
    cl->fork_join(cl->cores, tx_ec_norm1, &e);

    const int32_t F = d->F, T = e.pl.tile;
    uint8_t *buf[2] = {e.l1 + e.pl.rest + e.pl.wbuf[0], e.l1 + e.pl.rest + e.pl.wbuf[1]};
    uint32_t pending = tx_ec_fetch(&e, 0, tx_cl_min(T, F), buf[0]);
    for (int32_t f0 = 0, i = 0; f0 < F; f0 += T, ++i) {
        cl->dma_wait(pending);
        /* the other buffer's tile is finished: the next tile streams in meanwhile */
        if (f0 + T < F)
            pending = tx_ec_fetch(&e, f0 + T, tx_cl_min(T, F - f0 - T), buf[(i + 1) & 1]);
        e.f0 = f0;
        e.fc = tx_cl_min(T, F - f0);
        e.wcur = buf[i & 1];
        cl->fork_join(cl->cores, tx_ec_ffn1, &e);
        cl->fork_join(cl->cores, tx_ec_ffn2, &e);
    }
    cl->fork_join(cl->cores, tx_ec_norm2, &e);
    return TX_OK;
}
