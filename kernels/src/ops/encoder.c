/* One encoder layer, post-norm or pre-norm (NUMERICS.md): MHSA, FFN (linear, i-GELU, linear),
 * two residual adds and two LayerNorms. With ffn_tile the FFN runs over hidden-dimension tiles and
 * sums the second linear in int32, so the S x F activation never lives whole; the integers are the
 * same. Both orders need the same arena: pre-norm keeps the residual stream r1 beside the FFN's
 * normalized input n2 and writes the FFN output straight into `out` (x is dead by then), where
 * post-norm keeps n1 (the FFN input and the residual) beside a separate FFN output. */
#include "../common/internal.h"

typedef struct {
    size_t total, gemm;
    size_t x1;            /* post: mhsa output, then r1, then n1 (in place); pre: n1, mhsa output
                           * (in place), then r1 */
    size_t mhsa;          /* MHSA scratch (phase 1) */
    size_t hidden, acc;   /* FFN (phase 2): hidden tile, int32 accumulator (tiled) */
    size_t f;             /* post: FFN output, then r2; pre: n2, the FFN input */
    int32_t tile;
} tx_encoder_plan;

static int32_t tx_encoder_tile(const tx_encoder_config *cfg, const tx_encoder_dims *d)
{
    return (cfg->ffn_tile <= 0 || cfg->ffn_tile >= d->F) ? d->F : cfg->ffn_tile;
}

static void tx_encoder_make_plan(const tx_encoder_config *cfg, const tx_encoder_dims *d,
                                 tx_variant v, tx_encoder_plan *pl)
{
    const tx_mhsa_dims md = {d->S, d->E, d->H, d->P};
    const size_t S = (size_t)d->S, E = (size_t)d->E;
    *pl = (tx_encoder_plan){0};
    pl->tile = tx_encoder_tile(cfg, d);
    const int tiled = pl->tile < d->F;
    pl->x1 = 0;
    const size_t base = TX_ALIGN8(S * E);
    pl->mhsa = base;
    const size_t mhsa_end = base + TX_ALIGN8(tx_mhsa_s8_get_buffer_size(&cfg->mhsa, &md, v));
    /* phase 2 reuses the MHSA scratch */
    size_t o = base;
    pl->hidden = o; o += TX_ALIGN8(S * (size_t)pl->tile);
    pl->acc = o;    o += tiled ? TX_ALIGN8(S * E * 4u) : 0;
    pl->f = o;      o += TX_ALIGN8(S * E);
    int32_t kmax = d->E > d->F ? d->E : d->F;
    pl->gemm = o;   o += tx_gemm_scratch_size(v, d->S, kmax);
    pl->total = o > mhsa_end ? o : mhsa_end;
}

size_t tx_encoder_s8_get_buffer_size(const tx_encoder_config *cfg, const tx_encoder_dims *d,
                                     tx_variant v)
{
    if (!cfg || !d || d->S <= 0 || d->E <= 0 || d->H <= 0 || d->P <= 0 || d->F <= 0)
        return 0;
    tx_encoder_plan pl;
    tx_encoder_make_plan(cfg, d, v, &pl);
    return pl.total + TX_SCRATCH_SLACK;
}

tx_status tx_encoder_check(const tx_encoder_config *cfg, const tx_encoder_dims *d,
                           const tx_encoder_weights *w)
{
    tx_status st;
    if (!cfg || !d || !w)
        return TX_ERR_NULL;
    if (d->S <= 0 || d->E <= 0 || d->H <= 0 || d->P <= 0 || d->F <= 0)
        return TX_ERR_DIM;
    if (cfg->ffn_tile < 0 || (cfg->norm != TX_NORM_POST && cfg->norm != TX_NORM_PRE))
        return TX_ERR_PARAM;
    if (!w->w1 || !w->w2)
        return TX_ERR_NULL;
    if ((st = tx_requant_check(&w->rq1)) != TX_OK || (st = tx_requant_check(&w->rq2)) != TX_OK ||
        (st = tx_add_check(&w->add1)) != TX_OK || (st = tx_add_check(&w->add2)) != TX_OK ||
        (st = tx_layernorm_check(&w->ln1, d->E)) != TX_OK ||
        (st = tx_layernorm_check(&w->ln2, d->E)) != TX_OK || (st = tx_gelu_check(&w->gelu)) != TX_OK)
        return st;
    return TX_OK;
}

tx_status tx_encoder_s8(const tx_ctx *ctx, const tx_encoder_config *cfg, const tx_encoder_dims *d,
                        const tx_encoder_weights *w, const int8_t *x, int8_t *out)
{
    tx_status st = tx_check_gemm_ctx(ctx);
    if (st != TX_OK)
        return st;
    if (!x || !out)
        return TX_ERR_NULL;
    if ((st = tx_encoder_check(cfg, d, w)) != TX_OK)
        return st;
    tx_encoder_plan pl;
    tx_encoder_make_plan(cfg, d, ctx->variant, &pl);
    tx_arena ar;
    if ((st = tx_arena_init(&ar, ctx, pl.total)) != TX_OK)
        return st;

    const int32_t S = d->S, E = d->E, F = d->F, Fc = pl.tile;
    const tx_mhsa_dims md = {S, E, d->H, d->P};
    const int pre = cfg->norm == TX_NORM_PRE;
    int8_t *x1 = tx_arena_at(&ar, pl.x1);
    tx_ctx sub = {tx_arena_at(&ar, pl.mhsa), ar.size - pl.mhsa, ctx->variant};
    if (pre)
        tx_layernorm_s8(ctx, &w->ln1, S, E, x, x1);
    /* tx_mhsa_s8 validates the attention weights and config before it writes anything */
    if ((st = tx_mhsa_s8(&sub, &cfg->mhsa, &md, &w->mhsa, pre ? x1 : x, x1)) != TX_OK)
        return st;
    tx_add_s8(ctx, &w->add1, S * E, x, x1, x1);
    /* x1 is now r1; the FFN reads ffn_in and writes f */
    int8_t *ffn_in = x1, *f = tx_arena_at(&ar, pl.f);
    if (pre) {
        ffn_in = f;
        f = out;
    }
    tx_layernorm_s8(ctx, pre ? &w->ln2 : &w->ln1, S, E, x1, ffn_in);

    tx_gemm_fn gemm = tx_gemm_for(ctx->variant);
    void *gs = tx_arena_at(&ar, pl.gemm);
    int8_t *hid = tx_arena_at(&ar, pl.hidden);
    tx_linear_params lp = {.rq = w->rq1, .layout = TX_LAYOUT_ROW, .heads = 1};
    if (Fc == F) {
        tx_linear_run(gemm, gs, &lp, S, E, F, ffn_in, E, w->w1, E, w->b1, hid);
        tx_gelu_s8(ctx, &w->gelu, S * F, hid, hid);
        lp.rq = w->rq2;
        tx_linear_run(gemm, gs, &lp, S, F, E, hid, F, w->w2, F, w->b2, f);
    } else {
        int32_t *acc = tx_arena_at(&ar, pl.acc);
        for (int32_t i = 0; i < S * E; ++i)
            acc[i] = 0;
        for (int32_t f0 = 0; f0 < F; f0 += Fc) {
            const int32_t fc = F - f0 < Fc ? F - f0 : Fc;
            tx_requant rq1 = w->rq1;
            if (rq1.ch_mul) {
                rq1.ch_mul += f0;
                rq1.ch_shift += f0;
            }
            lp.rq = rq1;
            tx_linear_run(gemm, gs, &lp, S, E, fc, ffn_in, E, w->w1 + (size_t)f0 * E, E,
                          w->b1 ? w->b1 + f0 : 0, hid);
            tx_gelu_s8(ctx, &w->gelu, S * fc, hid, hid);
            tx_gemm g = {.M = S, .N = E, .K = fc, .a = hid, .lda = fc, .b = w->w2 + f0, .ldb = F,
                         .acc = acc, .rs = E, .cs = 1, .scratch = gs};
            gemm(&g);
        }
        tx_requant_s32_s8(ctx, &w->rq2, S, E, acc, w->b2, f);
    }
    /* post: r2 = n1 + f, out = ln2(r2); pre: out = r1 + f */
    if (pre)
        return tx_add_s8(ctx, &w->add2, S * E, x1, f, out);
    tx_add_s8(ctx, &w->add2, S * E, x1, f, f);
    return tx_layernorm_s8(ctx, &w->ln2, S, E, f, out);
}
