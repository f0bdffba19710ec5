/* Multi-head self-attention under three schedules. All compute the same integers
 * (NUMERICS.md "Multi-head self-attention"); they differ in what is alive at once:
 *  - layer-wise: Q, K, V of every head, then all H score maps (S x S each);
 *  - head-wise / depth-first(T): one head at a time, T query rows at a time. The output stage is
 *    whichever needs less memory for the shape (tx_mhsa_make_plan): the head outputs kept as int8
 *    [S][H*P] and projected once at the end (as layer-wise does), or the output projection summed
 *    head by head in int32 [S][E], so no head's attention output outlives it. Both give the same
 *    integers; with H = 1 the int8 stage always wins (no int32 accumulator).
 * Each schedule's scratch plan frees every buffer as soon as it is dead (shared regions below),
 * so the memory comparison between schedules is fair. */
#include "../common/internal.h"

typedef struct {
    size_t total;
    size_t gemm;                  /* offset of the GEMM variant scratch */
    size_t lut;                   /* the softmax exponential table, live throughout (or none) */
    int table;                    /* 0: the exps are computed per score, no table */
    int one_row;                  /* GEMMs widen one row at a time (scratch of one row) */
    /* layer-wise */
    size_t vt, r1, k, maps;       /* r1: Q (or XW), then softmax row buffer, then attn */
    /* head-wise / depth-first */
    size_t acc, kh, vth, r, scores; /* r: q tile, then softmax row buffer (then o tile) */
    size_t concat;                  /* the int8 output stage: head outputs [S][H*P] */
    int32_t T;
    int concat_stage;               /* 1: int8 [S][H*P] + one projection; 0: int32 [S][E] */
} tx_mhsa_plan;

static size_t tx_max3(size_t a, size_t b, size_t c)
{
    size_t m = a > b ? a : b;
    return m > c ? m : c;
}

/* the longest reduction any GEMM of the schedule runs (it sizes the variant's scratch): the
 * projections (E), the scores (P, or E when fused), A.V (S), and the output projection, which is
 * one GEMM over H*P in the layer-wise schedule but P per head in the others */
static int32_t tx_mhsa_kmax(const tx_mhsa_dims *d, int one_projection)
{
    int32_t k = d->E;
    if (d->S > k) k = d->S;
    if (d->P > k) k = d->P;
    if (one_projection && d->H * d->P > k) k = d->H * d->P;
    return k;
}

/* the scores of the whole MHSA: every softmax row of every head */
static int64_t tx_mhsa_scores(const tx_mhsa_dims *d)
{
    return (int64_t)d->H * d->S * d->S;
}

/* lays out the by-head schedules' buffers for one output stage, with or without the exp table,
 * with 6-row or one-row GEMM blocks; returns the total */
static size_t tx_mhsa_lay_by_head(const tx_mhsa_config *cfg, const tx_mhsa_dims *d, tx_variant v,
                                  int concat_stage, int table, int one_row, tx_mhsa_plan *pl)
{
    const size_t S = (size_t)d->S, E = (size_t)d->E, H = (size_t)d->H, P = (size_t)d->P;
    const int fused = cfg->mode == TX_ATTN_FUSED;
    const size_t T = cfg->schedule == TX_MHSA_HEADWISE ? S : (size_t)cfg->tile_rows;
    size_t o = 0;
    *pl = (tx_mhsa_plan){0};
    pl->T = (int32_t)T;
    pl->concat_stage = concat_stage;
    pl->table = table;
    pl->one_row = one_row;
    if (concat_stage) {
        pl->concat = o; o += TX_ALIGN8(S * H * P);
    } else {
        pl->acc = o;    o += TX_ALIGN8(S * E * 4u);
    }
    pl->kh = o;     o += fused ? 0 : TX_ALIGN8(S * P);
    pl->vth = o;    o += TX_ALIGN8(P * S);
    pl->r = o;      o += TX_ALIGN8(tx_max3(T * (fused ? E : P), S * 4u, concat_stage ? 0 : T * P));
    pl->scores = o; o += TX_ALIGN8(T * S);
    pl->lut = o;  o += table ? TX_SOFTMAX_LUT_BYTES : 0;
    pl->gemm = o;
    pl->total = o + tx_gemm_scratch_size(v, one_row ? 1 : d->S, tx_mhsa_kmax(d, concat_stage));
    return pl->total;
}

/* The by-head plan for one output stage. Depth-first with one query row is the memory-minimal
 * schedule: it also widens one GEMM row at a time where that saves more than an eighth of its
 * scratch, and drops the exp table where that does and the layer has fewer than 16 x 256 scores
 * (computing each exp then costs little against the rest). In larger layers the activations
 * dominate the memory and both stay, as they are faster. */
static size_t tx_mhsa_plan_by_head(const tx_mhsa_config *cfg, const tx_mhsa_dims *d, tx_variant v,
                                   int concat_stage, tx_mhsa_plan *pl)
{
    const int table = tx_softmax_table_pays(tx_mhsa_scores(d));
    const size_t full = tx_mhsa_lay_by_head(cfg, d, v, concat_stage, table, 0, pl);
    if (pl->T != 1)
        return full;
    const int32_t kmax = tx_mhsa_kmax(d, concat_stage);
    const size_t rows_saved = tx_gemm_scratch_size(v, d->S, kmax) - tx_gemm_scratch_size(v, 1, kmax);
    const int drop_table = table && (size_t)TX_SOFTMAX_LUT_BYTES * 8u > full &&
                           !tx_softmax_table_pays(tx_mhsa_scores(d) / 16);
    const int one_row = rows_saved * 8u > full;
    if (!drop_table && !one_row)
        return full;
    return tx_mhsa_lay_by_head(cfg, d, v, concat_stage, table && !drop_table, one_row, pl);
}

static void tx_mhsa_make_plan(const tx_mhsa_config *cfg, const tx_mhsa_dims *d, tx_variant v,
                              tx_mhsa_plan *pl)
{
    const size_t S = (size_t)d->S, E = (size_t)d->E, H = (size_t)d->H, P = (size_t)d->P;
    const int fused = cfg->mode == TX_ATTN_FUSED;
    if (cfg->schedule != TX_MHSA_LAYERWISE) {
        tx_mhsa_plan acc32;
        const size_t concat = tx_mhsa_plan_by_head(cfg, d, v, 1, pl);
        if (d->H > 1 && tx_mhsa_plan_by_head(cfg, d, v, 0, &acc32) < concat)
            *pl = acc32;
        return;
    }
    size_t o = 0;
    *pl = (tx_mhsa_plan){0};
    pl->vt = o;   o += TX_ALIGN8(H * P * S);
    pl->r1 = o;   o += TX_ALIGN8(tx_max3(fused ? H * S * E : H * S * P, S * 4u, S * H * P));
    pl->k = o;    o += fused ? 0 : TX_ALIGN8(H * S * P);
    pl->maps = o; o += TX_ALIGN8(H * S * S);
    pl->table = tx_softmax_table_pays(tx_mhsa_scores(d));
    pl->lut = o;  o += pl->table ? TX_SOFTMAX_LUT_BYTES : 0;
    pl->gemm = o;
    pl->total = o + tx_gemm_scratch_size(v, d->S, tx_mhsa_kmax(d, 1));
}

void tx_mhsa_s8_plan_info(const tx_mhsa_config *cfg, const tx_mhsa_dims *d, tx_variant v,
                          tx_mhsa_plan_info *info)
{
    *info = (tx_mhsa_plan_info){TX_MHSA_OUT_CONCAT_S8, 1, 6};
    if (!cfg || !d || d->S <= 0 || d->E <= 0 || d->H <= 0 || d->P <= 0)
        return;
    tx_mhsa_plan pl;
    tx_mhsa_make_plan(cfg, d, v, &pl);
    info->out_stage = pl.concat_stage || cfg->schedule == TX_MHSA_LAYERWISE ? TX_MHSA_OUT_CONCAT_S8
                                                                         : TX_MHSA_OUT_ACC_S32;
    info->exp_table = pl.table;
    info->gemm_rows = pl.one_row ? 1 : 6;
}

size_t tx_mhsa_s8_get_buffer_size(const tx_mhsa_config *cfg, const tx_mhsa_dims *d, tx_variant v)
{
    if (!cfg || !d || d->S <= 0 || d->E <= 0 || d->H <= 0 || d->P <= 0)
        return 0;
    tx_mhsa_plan pl;
    tx_mhsa_make_plan(cfg, d, v, &pl);
    return pl.total + TX_SCRATCH_SLACK;
}

static tx_requant tx_rq_slice(const tx_requant *rq, int32_t off)
{
    tx_requant r = *rq;
    if (r.ch_mul) {
        r.ch_mul += off;
        r.ch_shift += off;
    }
    return r;
}

tx_status tx_mhsa_check(const tx_mhsa_config *cfg, const tx_mhsa_dims *d, const tx_mhsa_weights *w)
{
    tx_status st;
    if (d->S <= 0 || d->E <= 0 || d->H <= 0 || d->P <= 0)
        return TX_ERR_DIM;
    if (cfg->mode != TX_ATTN_STANDARD && cfg->mode != TX_ATTN_FUSED)
        return TX_ERR_PARAM;
    if (cfg->schedule != TX_MHSA_LAYERWISE && cfg->schedule != TX_MHSA_HEADWISE &&
        cfg->schedule != TX_MHSA_DEPTHFIRST)
        return TX_ERR_PARAM;
    if (cfg->schedule == TX_MHSA_DEPTHFIRST && (cfg->tile_rows < 1 || cfg->tile_rows > d->S))
        return TX_ERR_PARAM;
    if (!w->wv || !w->wo)
        return TX_ERR_NULL;
    if ((st = tx_requant_check(&w->rq_v)) != TX_OK || (st = tx_requant_check(&w->rq_o)) != TX_OK ||
        (st = tx_requant_check(&w->attn.rq_av)) != TX_OK)
        return st;
    if (w->attn.rq_av.ch_mul)
        return TX_ERR_PARAM;
    if (cfg->mode == TX_ATTN_STANDARD) {
        if (!w->wq || !w->wk)
            return TX_ERR_NULL;
        if ((st = tx_requant_check(&w->rq_q)) != TX_OK ||
            (st = tx_requant_check(&w->rq_k)) != TX_OK ||
            (st = tx_requant_check(&w->attn.rq_scores)) != TX_OK ||
            (st = tx_softmax_check(&w->attn.softmax, d->S)) != TX_OK)
            return st;
        if (w->attn.rq_scores.ch_mul)
            return TX_ERR_PARAM;
    } else {
        if (!w->wf || !w->rq_xw || !w->rq_scores_fw)
            return TX_ERR_NULL;
        if ((st = tx_softmax_check(&w->softmax_fw, d->S)) != TX_OK)
            return st;
        for (int32_t h = 0; h < d->H; ++h) {
            if ((st = tx_requant_check(&w->rq_xw[h])) != TX_OK ||
                (st = tx_requant_check(&w->rq_scores_fw[h])) != TX_OK)
                return st;
            if (w->rq_scores_fw[h].ch_mul)
                return TX_ERR_PARAM;
        }
    }
    return TX_OK;
}

/* scores-stage parameters of head h: standard, or fused with the head's own requantization */
static tx_attention_params tx_head_attention(const tx_mhsa_config *cfg, const tx_mhsa_weights *w,
                                             int32_t h)
{
    tx_attention_params ap = w->attn;
    if (cfg->mode == TX_ATTN_FUSED) {
        ap.rq_scores = w->rq_scores_fw[h];
        ap.softmax = w->softmax_fw;
    }
    return ap;
}

/* the query rows [r0, r0+t) of head h: Q_h rows (standard) or requant(X W_h^T + b_h) (fused) */
static void tx_head_query(tx_gemm_fn gemm, void *gs, const tx_mhsa_config *cfg,
                          const tx_mhsa_dims *d, const tx_mhsa_weights *w, int32_t h, int32_t r0,
                          int32_t t, const int8_t *x, int8_t *q)
{
    const int32_t E = d->E, P = d->P;
    if (cfg->mode == TX_ATTN_FUSED) {
        const tx_linear_params lp = {.rq = w->rq_xw[h], .layout = TX_LAYOUT_ROW, .heads = 1};
        tx_linear_run(gemm, gs, &lp, t, E, E, x + (size_t)r0 * E, E, w->wf + (size_t)h * E * E, E,
                      w->bf ? w->bf + h * E : 0, q);
    } else {
        const tx_requant rq = tx_rq_slice(&w->rq_q, h * P);
        tx_gemm g;
        tx_gemm_init(&g, t, P, E, x + (size_t)r0 * E, E, w->wq + (size_t)h * P * E, E, P, 1, gs);
        g.rq = &rq;
        g.bias = w->bq ? w->bq + h * P : 0;
        g.out = q;
        tx_gemm_small(gemm, &g);
    }
}

static void tx_mhsa_layerwise(tx_gemm_fn gemm, const tx_mhsa_plan *pl, tx_arena *ar,
                              const tx_mhsa_config *cfg, const tx_mhsa_dims *d,
                              const tx_mhsa_weights *w, const int8_t *x, int8_t *out)
{
    const int32_t S = d->S, E = d->E, H = d->H, P = d->P, HP = H * P;
    const int fused = cfg->mode == TX_ATTN_FUSED;
    const int32_t D = fused ? E : P;
    void *gs = tx_arena_at(ar, pl->gemm);
    int8_t *vt = tx_arena_at(ar, pl->vt);
    int8_t *q = tx_arena_at(ar, pl->r1);   /* Q [H][S][P] or XW [H][S][E] */
    int8_t *k = tx_arena_at(ar, pl->k);    /* K [H][S][P] (standard) */
    int8_t *maps = tx_arena_at(ar, pl->maps);
    tx_softmax_table *lut = pl->table ? tx_arena_at(ar, pl->lut) : 0;
    if (lut)
        tx_softmax_lut(fused ? &w->softmax_fw : &w->attn.softmax, lut);

    tx_linear_params lp = {.rq = w->rq_v, .layout = TX_LAYOUT_HEAD_T, .heads = H};
    tx_linear_run(gemm, gs, &lp, S, E, HP, x, E, w->wv, E, w->bv, vt);
    if (fused) {
        for (int32_t h = 0; h < H; ++h)
            tx_head_query(gemm, gs, cfg, d, w, h, 0, S, x, q + (size_t)h * S * E);
    } else {
        lp.layout = TX_LAYOUT_HEAD;
        lp.rq = w->rq_q;
        tx_linear_run(gemm, gs, &lp, S, E, HP, x, E, w->wq, E, w->bq, q);
        lp.rq = w->rq_k;
        tx_linear_run(gemm, gs, &lp, S, E, HP, x, E, w->wk, E, w->bk, k);
    }
    /* all heads' score maps */
    for (int32_t h = 0; h < H; ++h) {
        tx_attention_params ap = tx_head_attention(cfg, w, h);
        tx_attention_scores(gemm, gs, &ap.rq_scores, S, S, D, q + (size_t)h * S * D, D,
                            fused ? x : k + (size_t)h * S * P, D, maps + (size_t)h * S * S);
    }
    /* Q/K are dead: their region now holds the softmax row buffer, then the attention output */
    tx_softmax_rows_any(lut, fused ? &w->softmax_fw : &w->attn.softmax, H * S, S, maps,
                        (uint8_t *)maps, (uint32_t *)(void *)q);
    int8_t *attn = q;
    for (int32_t h = 0; h < H; ++h) {
        tx_gemm g = {.M = S, .N = P, .K = S, .a = maps + (size_t)h * S * S, .lda = S,
                     .a_unsigned = 1, .b = vt + (size_t)h * P * S, .ldb = S, .rq = &w->attn.rq_av,
                     .out = attn + h * P, .rs = HP, .cs = 1, .scratch = gs};
        gemm(&g);
    }
    lp.layout = TX_LAYOUT_ROW;
    lp.rq = w->rq_o;
    tx_linear_run(gemm, gs, &lp, S, HP, E, attn, HP, w->wo, HP, w->bo, out);
}

/* one head's K ([S][P]) or V (transposed: [P][S]) projection of all S rows. A one-row plan takes
 * a thin head's direct loops (the one-row GEMM has no fast loop for fewer than 4 columns), or,
 * when there are more input rows than weight rows, goes weight row by weight row (bias_row: S
 * words of the still dead query-tile buffer): each call's set-up and widened row then serve more
 * columns, and the weights are widened S / P times less often. */
static void tx_head_projection(tx_gemm_fn gemm, void *gs, const tx_mhsa_plan *pl,
                               const tx_mhsa_dims *d, const int8_t *x, const int8_t *w,
                               const int32_t *bias, const tx_requant *rq, int transposed,
                               int32_t *bias_row, int8_t *out)
{
    const int32_t S = d->S, E = d->E, P = d->P;
    tx_gemm g;
    tx_gemm_init(&g, S, P, E, x, E, w, E, transposed ? 1 : P, transposed ? S : 1, gs);
    g.rq = rq;
    g.bias = bias;
    g.out = out;
    if (pl->one_row && tx_gemm_is_thin(gemm, &g))
        tx_gemm_thin(&g);
    else if (pl->one_row && S > P)
        tx_gemm_by_weight_rows(gemm, &g, bias_row);
    else
        gemm(&g);
}

static void tx_mhsa_by_head(tx_gemm_fn gemm, const tx_mhsa_plan *pl, tx_arena *ar,
                            const tx_mhsa_config *cfg, const tx_mhsa_dims *d,
                            const tx_mhsa_weights *w, const int8_t *x, int8_t *out)
{
    const int32_t S = d->S, E = d->E, H = d->H, P = d->P, HP = H * P, T = pl->T;
    const int fused = cfg->mode == TX_ATTN_FUSED;
    void *gs = tx_arena_at(ar, pl->gemm);
    int32_t *acc = tx_arena_at(ar, pl->acc);
    int8_t *concat = tx_arena_at(ar, pl->concat);
    int8_t *kh = tx_arena_at(ar, pl->kh);
    int8_t *vth = tx_arena_at(ar, pl->vth);
    int8_t *r = tx_arena_at(ar, pl->r);
    int8_t *scores = tx_arena_at(ar, pl->scores);
    tx_softmax_table *lut = pl->table ? tx_arena_at(ar, pl->lut) : 0;
    if (lut)
        tx_softmax_lut(fused ? &w->softmax_fw : &w->attn.softmax, lut);

    if (!pl->concat_stage)
        for (int32_t i = 0; i < S * E; ++i)
            acc[i] = 0;
    for (int32_t h = 0; h < H; ++h) {
        const tx_requant rq_v = tx_rq_slice(&w->rq_v, h * P);
        tx_head_projection(gemm, gs, pl, d, x, w->wv + (size_t)h * P * E, w->bv ? w->bv + h * P : 0,
                           &rq_v, 1, (int32_t *)(void *)r, vth);
        if (!fused) {
            const tx_requant rq_k = tx_rq_slice(&w->rq_k, h * P);
            tx_head_projection(gemm, gs, pl, d, x, w->wk + (size_t)h * P * E,
                               w->bk ? w->bk + h * P : 0, &rq_k, 0, (int32_t *)(void *)r, kh);
        }
        const tx_attention_params ap = tx_head_attention(cfg, w, h);
        const int8_t *key = fused ? x : kh;
        const int32_t D = fused ? E : P;
        for (int32_t r0 = 0; r0 < S; r0 += T) {
            const int32_t t = S - r0 < T ? S - r0 : T;
            /* r holds the query tile, then (inside) the softmax row buffer; the output tile goes
             * to the head's columns of concat, or overwrites the query tile only after the scores
             * are computed and is summed into acc through the head's slice of W_o */
            tx_head_query(gemm, gs, cfg, d, w, h, r0, t, x, r);
            if (pl->concat_stage) {
                tx_attention_run(gemm, gs, &ap, lut, t, S, D, P, r, D, key, D, vth,
                                 concat + (size_t)r0 * HP + h * P, HP, scores,
                                 (uint32_t *)(void *)r);
                continue;
            }
            tx_attention_run(gemm, gs, &ap, lut, t, S, D, P, r, D, key, D, vth, r, P, scores,
                             (uint32_t *)(void *)r);
            tx_gemm g;
            tx_gemm_init(&g, t, E, P, r, P, w->wo + (size_t)h * P, HP, E, 1, gs);
            g.acc = acc + (size_t)r0 * E;
            gemm(&g);
        }
    }
    if (pl->concat_stage) {
        tx_linear_params lp = {.rq = w->rq_o, .layout = TX_LAYOUT_ROW, .heads = 1};
        tx_linear_run(gemm, gs, &lp, S, HP, E, concat, HP, w->wo, HP, w->bo, out);
        return;
    }
    tx_requant_rows(&w->rq_o, S, E, acc, w->bo, out);
}

tx_status tx_mhsa_s8(const tx_ctx *ctx, const tx_mhsa_config *cfg, const tx_mhsa_dims *d,
                     const tx_mhsa_weights *w, const int8_t *x, int8_t *out)
{
    tx_status st = tx_check_gemm_ctx(ctx);
    if (st != TX_OK)
        return st;
    if (!cfg || !d || !w || !x || !out)
        return TX_ERR_NULL;
    if ((st = tx_mhsa_check(cfg, d, w)) != TX_OK)
        return st;
    tx_mhsa_plan pl;
    tx_mhsa_make_plan(cfg, d, ctx->variant, &pl);
    tx_arena ar;
    if ((st = tx_arena_init(&ar, ctx, pl.total)) != TX_OK)
        return st;
    tx_gemm_fn gemm = tx_gemm_for(ctx->variant);
    if (pl.one_row)
        gemm = tx_gemm_one_row_for(ctx->variant);
    if (cfg->schedule == TX_MHSA_LAYERWISE)
        tx_mhsa_layerwise(gemm, &pl, &ar, cfg, d, w, x, out);
    else
        tx_mhsa_by_head(gemm, &pl, &ar, cfg, d, w, x, out);
    return TX_OK;
}
