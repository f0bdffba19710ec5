/* One configuration, placed in the arena and measured (see run.h). */
#include "run.h"

#include "tinytx/firmware/arena.h"
#include "tinytx/firmware/console.h"

typedef struct {
    const tx_golden_case *gc;
    const tx_fw_config *c;
    tx_ctx ctx;
    const int8_t *x;
    int8_t *out;
} tx_fw_job;

static tx_norm_position tx_fw_norm(tx_fw_op op)
{
    return op == TX_FW_OP_ENCODER_PRE ? TX_NORM_PRE : TX_NORM_POST;
}

static tx_status tx_fw_job_run(void *user)
{
    const tx_fw_job *j = user;
    const tx_encoder_dims *d = &j->gc->dims;
    const tx_mhsa_dims md = {d->S, d->E, d->H, d->P};
    const tx_mhsa_config mc = {j->c->mode, j->c->sched, j->c->tile_rows};
    switch (j->c->op) {
    case TX_FW_OP_MHSA:
        return tx_mhsa_s8(&j->ctx, &mc, &md, &j->gc->w.mhsa, j->x, j->out);
    case TX_FW_OP_ENCODER:
    case TX_FW_OP_ENCODER_PRE: {
        const tx_encoder_config ec = {mc, j->c->ffn_tile, tx_fw_norm(j->c->op)};
        return tx_encoder_s8(&j->ctx, &ec, d, &j->gc->w, j->x, j->out);
    }
    case TX_FW_OP_ENDS: {
        /* the pooled row at the scratch's start, the kernels' scratch after it */
        int8_t *pooled = (int8_t *)j->ctx.scratch;
        const size_t used = ((size_t)d->E + 7u) & ~(size_t)7u;
        const tx_ctx sub = {(uint8_t *)j->ctx.scratch + used, j->ctx.scratch_size - used, j->ctx.variant};
        int32_t *logits = (int32_t *)j->out;
        tx_embed_params ep = j->gc->embed;
        ep.cls = j->gc->cls;
        tx_status st = tx_embed_s8(&sub, &ep, d->S - 1, j->gc->features, d->E, j->gc->u,
                                   j->out + 8 * j->gc->classes);
        if (st == TX_OK)
            st = tx_pool_s8(&sub, TX_POOL_MEAN, d->S, d->E, j->gc->encoder.out, pooled);
        if (st == TX_OK)
            st = tx_linear_s32(&sub, 1, d->E, j->gc->classes, pooled, j->gc->head_w, j->gc->head_b, logits);
        /* the ViT form: the final LayerNorm of the pooled CLS row only, then the head */
        if (st == TX_OK)
            st = tx_pool_s8(&sub, TX_POOL_FIRST, d->S, d->E, j->gc->encoder_pre.out, pooled);
        if (st == TX_OK)
            st = tx_layernorm_s8(&sub, &j->gc->final_norm, 1, d->E, pooled, pooled);
        if (st == TX_OK)
            st = tx_linear_s32(&sub, 1, d->E, j->gc->classes, pooled, j->gc->head_w, j->gc->head_b,
                               logits + j->gc->classes);
        return st;
    }
    case TX_FW_OP_LINEAR: {
        /* Q projection: S x E -> H*P, HEAD layout, the golden `q` tensor */
        const tx_linear_params lp = {j->gc->w.mhsa.rq_q, TX_LAYOUT_HEAD, d->H};
        return tx_linear_s8(&j->ctx, &lp, d->S, d->E, d->H * d->P, j->x, j->gc->w.mhsa.wq,
                            j->gc->w.mhsa.bq, j->out);
    }
    default:
        return TX_ERR_PARAM;
    }
}

static size_t tx_fw_scratch_size(const tx_golden_case *gc, const tx_fw_config *c)
{
    const tx_encoder_dims *d = &gc->dims;
    const tx_mhsa_dims md = {d->S, d->E, d->H, d->P};
    const tx_mhsa_config mc = {c->mode, c->sched, c->tile_rows};
    switch (c->op) {
    case TX_FW_OP_MHSA:
        return tx_mhsa_s8_get_buffer_size(&mc, &md, c->variant);
    case TX_FW_OP_ENCODER:
    case TX_FW_OP_ENCODER_PRE: {
        const tx_encoder_config ec = {mc, c->ffn_tile, tx_fw_norm(c->op)};
        return tx_encoder_s8_get_buffer_size(&ec, d, c->variant);
    }
    case TX_FW_OP_LINEAR:
        return tx_linear_s8_get_buffer_size(c->variant, d->S, d->E, d->H * d->P);
    case TX_FW_OP_ENDS: {
        const size_t embed = tx_embed_s8_get_buffer_size(c->variant, d->S - 1, gc->features, d->E);
        const size_t head = tx_linear_s32_get_buffer_size(c->variant, 1, d->E, gc->classes);
        return (((size_t)d->E + 7u) & ~(size_t)7u) + (embed > head ? embed : head);
    }
    default:
        return 0;
    }
}

static uint32_t tx_fw_expected_crc(const tx_golden_case *gc, const tx_fw_config *c)
{
    const int fused = c->mode == TX_ATTN_FUSED;
    switch (c->op) {
    case TX_FW_OP_MHSA: return fused ? gc->mhsa_fw.crc : gc->mhsa.crc;
    case TX_FW_OP_ENCODER: return fused ? gc->encoder_fw.crc : gc->encoder.crc;
    case TX_FW_OP_ENCODER_PRE: return fused ? gc->encoder_pre_fw.crc : gc->encoder_pre.crc;
    case TX_FW_OP_LINEAR:
        return tx_crc32(gc->q, (size_t)gc->dims.H * (size_t)gc->dims.S * (size_t)gc->dims.P);
    case TX_FW_OP_ENDS: return gc->ends_crc;
    default: return 0;
    }
}

static char *tx_fw_cat(char *p, char *end, const char *s)
{
    while (*s && p < end)
        *p++ = *s++;
    return p;
}

static char *tx_fw_cat_i32(char *p, char *end, int32_t v)
{
    char tmp[12];
    int n = 0;
    uint32_t u = v < 0 ? (uint32_t)0 - (uint32_t)v : (uint32_t)v;
    do {
        tmp[n++] = (char)('0' + (int)(u % 10u));
        u /= 10u;
    } while (u);
    if (v < 0 && p < end)
        *p++ = '-';
    while (n && p < end)
        *p++ = tmp[--n];
    return p;
}

/* the mailbox description: "mhsa std depthfirst 9 dsp ffn=32" */
static void tx_fw_describe(const tx_fw_config *c, char *buf, size_t len)
{
    char *p = buf, *end = buf + len - 1;
    p = tx_fw_cat(p, end, tx_fw_op_name(c->op));
    p = tx_fw_cat(p, end, " ");
    p = tx_fw_cat(p, end, tx_fw_mode_name(c->mode));
    p = tx_fw_cat(p, end, " ");
    p = tx_fw_cat(p, end, tx_fw_sched_name(c->sched));
    p = tx_fw_cat(p, end, " ");
    p = tx_fw_cat_i32(p, end, c->tile_rows);
    p = tx_fw_cat(p, end, " ");
    p = tx_fw_cat(p, end, tx_variant_name(c->variant));
    if (c->ffn_tile) {
        p = tx_fw_cat(p, end, " ffn=");
        p = tx_fw_cat_i32(p, end, c->ffn_tile);
    }
    *p = '\0';
}

static void tx_fw_copy(int8_t *dst, const int8_t *src, size_t n)
{
    for (size_t i = 0; i < n; ++i)
        dst[i] = src[i];
}

void tx_fw_run(const tx_golden_case *gc, const tx_fw_config *c, uint32_t config_id,
               tx_fw_outcome *o)
{
    const tx_encoder_dims *d = &gc->dims;
    const size_t in_bytes = (size_t)d->S * (size_t)d->E;
    const size_t out_bytes = c->op == TX_FW_OP_LINEAR ? (size_t)d->S * (size_t)d->H * (size_t)d->P
                             : c->op == TX_FW_OP_ENDS ? 8u * (size_t)gc->classes + in_bytes
                                                      : in_bytes;
    o->scratch_size = tx_fw_scratch_size(gc, c);
    o->expected_crc = tx_fw_expected_crc(gc, c);

    tx_fw_layout l = {0};
    const size_t x_off = tx_fw_place(&l, in_bytes);
    const size_t out_off = tx_fw_place(&l, out_bytes);
    const size_t s_off = tx_fw_place(&l, o->scratch_size);
    o->fits = x_off != (size_t)-1 && out_off != (size_t)-1 && s_off != (size_t)-1;
    if (!o->fits) {
        o->r = (tx_bench_result){.status = TX_ERR_BUFFER};
        return;
    }

    char desc[64];
    tx_fw_describe(c, desc, sizeof desc);
    uint8_t *arena = tx_fw_arena();
    tx_fw_job job = {
        .gc = gc,
        .c = c,
        .ctx = {arena + s_off, o->scratch_size, c->variant},
        .x = (const int8_t *)(arena + x_off),
        .out = (int8_t *)(arena + out_off),
    };
    const tx_bench_spec spec = {
        .config_id = config_id,
        .config = desc,
        .layout_bytes = l.used,
        .scratch_offset = s_off,
        .scratch_size = o->scratch_size,
        .out = job.out,
        .out_bytes = out_bytes,
    };
    tx_bench_arena_paint(l.used);
    tx_fw_copy((int8_t *)(arena + x_off), gc->x, in_bytes);
    tx_bench_measure(&spec, tx_fw_job_run, &job, &o->r);
}

void tx_fw_put_config(const tx_fw_config *c)
{
    tx_puts(tx_fw_op_name(c->op));
    tx_putc(' ');
    tx_puts(tx_fw_mode_name(c->mode));
    tx_putc(' ');
    tx_puts(c->op == TX_FW_OP_LINEAR ? "-" : tx_fw_sched_name(c->sched));
    tx_putc(' ');
    tx_put_i32(c->tile_rows);
    tx_putc(' ');
    tx_puts(tx_variant_name(c->variant));
}

#ifndef TX_FW_CPU
#define TX_FW_CPU "unknown"
#endif
#ifndef TX_FW_OPT
#define TX_FW_OPT "unknown"
#endif

void tx_fw_put_build(void)
{
    tx_puts("BUILD cpu=" TX_FW_CPU " opt=" TX_FW_OPT " cc=gcc-");
    /* __VERSION__ is "12.2.1 20221205": the first word */
    for (const char *v = __VERSION__; *v && *v != ' '; ++v)
        tx_putc(*v);
    tx_putc('\n');
}

void tx_fw_put_case(const tx_golden_case *gc)
{
    const tx_encoder_dims *d = &gc->dims;
    tx_puts("CASE");
    tx_put_kv_str("name", gc->name);
    tx_put_kv_u32("S", (uint32_t)d->S);
    tx_put_kv_u32("E", (uint32_t)d->E);
    tx_put_kv_u32("P", (uint32_t)d->P);
    tx_put_kv_u32("H", (uint32_t)d->H);
    tx_put_kv_u32("F", (uint32_t)d->F);
    tx_putc('\n');
}
