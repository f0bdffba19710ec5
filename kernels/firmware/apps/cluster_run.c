/* See cluster_run.h. */
#include "cluster_run.h"

#include "tinytx/firmware/cluster_gap9.h"
#include "tinytx/firmware/arena.h"

typedef struct {
    tx_cluster cl;
    const tx_fw_cluster_config *c;
    const tx_encoder_dims *d;
    const tx_encoder_weights *w;
    tx_ctx ctx;  /* the encoder's L2 scratch */
    const int8_t *x;
    int8_t *out;
} tx_fw_cluster_job;

static tx_status tx_fw_cluster_job_run(void *user)
{
    tx_fw_cluster_job *j = (tx_fw_cluster_job *)user;
    const tx_encoder_dims *d = j->d;
    switch (j->c->op) {
    case TX_FW_CLUSTER_ENCODER: {
        const tx_encoder_config ec = {j->c->cfg, j->c->ffn_tile, TX_NORM_POST};
        return tx_encoder_s8_cluster(&j->cl, &j->ctx, &ec, j->c->split, d, j->w, j->x, j->out);
    }
    case TX_FW_CLUSTER_LINEAR: {
        const tx_linear_params lp = {j->w->mhsa.rq_q, TX_LAYOUT_HEAD, d->H};
        return tx_linear_s8_cluster(&j->cl, &lp, d->S, d->E, d->H * d->P, j->x, j->w->mhsa.wq, j->w->mhsa.bq,
                                    j->out);
    }
    default: {
        const tx_mhsa_dims md = {d->S, d->E, d->H, d->P};
        return tx_mhsa_s8_cluster(&j->cl, &j->c->cfg, j->c->split, &md, &j->w->mhsa, j->x, j->out);
    }
    }
}

static char *tx_fw_put(char *p, char *end, const char *s)
{
    while (*s && p < end)
        *p++ = *s++;
    return p;
}

static char *tx_fw_put_u(char *p, char *end, uint32_t v)
{
    char digits[12];
    int n = 0;
    do {
        digits[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v);
    while (n && p < end)
        *p++ = digits[--n];
    return p;
}

void tx_fw_cluster_describe(const tx_fw_cluster_config *c, char *buf, size_t len)
{
    static const char *const sched[] = {"layerwise", "headwise", "depthfirst"};
    char *p = buf, *end = buf + len - 1;
    if (c->op == TX_FW_CLUSTER_LINEAR) {
        p = tx_fw_put(p, end, "linear head cores=");
        p = tx_fw_put_u(p, end, (uint32_t)c->cores);
        *p = '\0';
        return;
    }
    p = tx_fw_put(p, end, c->op == TX_FW_CLUSTER_ENCODER ? "encoder " : "mhsa ");
    p = tx_fw_put(p, end, c->cfg.mode == TX_ATTN_FUSED ? "fused " : "std ");
    p = tx_fw_put(p, end, sched[c->cfg.schedule]);
    p = tx_fw_put(p, end, " ");
    p = tx_fw_put_u(p, end, (uint32_t)c->cfg.tile_rows);
    if (c->op == TX_FW_CLUSTER_ENCODER) {
        p = tx_fw_put(p, end, " ffn=");
        p = tx_fw_put_u(p, end, (uint32_t)c->ffn_tile);
    }
    p = tx_fw_put(p, end, c->split == TX_SPLIT_HEADS ? " split=heads" : " split=rows");
    p = tx_fw_put(p, end, " cores=");
    p = tx_fw_put_u(p, end, (uint32_t)c->cores);
    *p = '\0';
}

size_t tx_fw_cluster_l1_need(const tx_encoder_dims *d, const tx_encoder_weights *w, const tx_fw_cluster_config *c)
{
    if (c->op == TX_FW_CLUSTER_LINEAR)
        return 0;
    if (c->op == TX_FW_CLUSTER_ENCODER) {
        const tx_encoder_config ec = {c->cfg, c->ffn_tile, TX_NORM_POST};
        return tx_encoder_s8_cluster_l1_size(&ec, c->split, d, c->cores, w);
    }
    const tx_mhsa_dims md = {d->S, d->E, d->H, d->P};
    return tx_mhsa_s8_cluster_l1_size(&c->cfg, c->split, &md, c->cores, &w->mhsa);
}

size_t tx_fw_cluster_l1_free(int32_t cores)
{
    return tx_gap9_cluster(cores).l1_size;
}

void tx_fw_cluster_run(const tx_encoder_dims *d, const tx_encoder_weights *w, const int8_t *x,
                       const tx_fw_cluster_config *c, uint32_t config_id, tx_bench_result *r)
{
    const size_t bytes = (size_t)d->S * (size_t)d->E;
    const size_t out_bytes = c->op == TX_FW_CLUSTER_LINEAR ? (size_t)d->S * (size_t)(d->H * d->P) : bytes;
    const tx_encoder_config ec = {c->cfg, c->ffn_tile, TX_NORM_POST};
    const size_t scratch = c->op == TX_FW_CLUSTER_ENCODER ? tx_encoder_s8_cluster_get_buffer_size(&ec, d) : 0;
    tx_fw_layout l = {0};
    const size_t x_off = tx_fw_place(&l, bytes);
    const size_t out_off = tx_fw_place(&l, out_bytes);
    const size_t s_off = tx_fw_place(&l, scratch);
    if (x_off == (size_t)-1 || out_off == (size_t)-1 || s_off == (size_t)-1) {
        *r = (tx_bench_result){.status = TX_ERR_BUFFER};
        return;
    }
    uint8_t *arena = tx_fw_arena();
    char desc[64];
    tx_fw_cluster_describe(c, desc, sizeof desc);
    tx_fw_cluster_job job = {tx_gap9_cluster(c->cores), c, d, w, {arena + s_off, scratch, TX_VARIANT_REF},
                             (const int8_t *)(arena + x_off), (int8_t *)(arena + out_off)};
    const tx_bench_spec spec = {
        .config_id = config_id,
        .config = desc,
        .layout_bytes = l.used,
        .scratch_offset = s_off,
        .scratch_size = scratch,
        .out = job.out,
        .out_bytes = out_bytes,
    };
    tx_bench_arena_paint(l.used);
    for (size_t i = 0; i < bytes; ++i)
        arena[x_off + i] = (uint8_t)x[i];
    tx_bench_measure(&spec, tx_fw_cluster_job_run, &job, r);
}
