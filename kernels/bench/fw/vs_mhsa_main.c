/* fw_vs_cmsis_<shape>: one MHSA shape (TXB_NAME, TXB_S, TXB_E, TXB_P, TXB_H from the build),
 * measured as CMSIS-NN B1 and B2 (when the image has CMSIS-NN: TXB_HAVE_CMSIS_NN) and as
 * tx_mhsa_s8 (variant dsp) under every schedule, standard and fused-weight attention. One VS
 * line per run (measure.h); every tinytx schedule of one mode must give the same output CRC. */
#include "measure.h"
#include "synth.h"
#include "tinytx/firmware/console.h"
#include "tinytx/kernels.h"
#if TXB_HAVE_CMSIS_NN
#include "cmsis_mhsa.h"
#endif

#define TXB_HP (TXB_H * TXB_P)

static int8_t txb_x[TXB_S * TXB_E];
static TXB_FLASH int8_t txb_wq[TXB_HP * TXB_E], txb_wk[TXB_HP * TXB_E], txb_wv[TXB_HP * TXB_E];
static TXB_FLASH int8_t txb_wo[TXB_E * TXB_HP];
static TXB_FLASH int32_t txb_bq[TXB_HP], txb_bk[TXB_HP], txb_bv[TXB_HP], txb_bo[TXB_E];
static TXB_FLASH int8_t txb_wf[TXB_H * TXB_E * TXB_E];
static TXB_FLASH int32_t txb_bf[TXB_H * TXB_E];
static tx_requant txb_rq_xw[TXB_H], txb_rq_scores_fw[TXB_H];

static const txb_shape txb_the_shape = {TXB_NAME, TXB_S, TXB_E, TXB_P, TXB_H};
static const txb_synth_buffers txb_buffers = {
    txb_x, txb_wq, txb_wk, txb_wv, txb_wo, txb_bq, txb_bk, txb_bv, txb_bo,
    txb_wf, txb_bf, txb_rq_xw, txb_rq_scores_fw,
};
static tx_mhsa_weights txb_weights;

typedef struct {
    tx_mhsa_config cfg;
    size_t scratch;
} txb_tinytx_job;

static int txb_tinytx_run(void *user, const int8_t *in, int8_t *ws, int8_t *out)
{
    const txb_tinytx_job *j = user;
    const tx_mhsa_dims d = {TXB_S, TXB_E, TXB_H, TXB_P};
    const tx_ctx ctx = {ws, j->scratch, TX_VARIANT_DSP};
    return tx_mhsa_s8(&ctx, &j->cfg, &d, &txb_weights, in, out) == TX_OK ? 0 : -1;
}

#if TXB_HAVE_CMSIS_NN
static int txb_b1(void *user, const int8_t *in, int8_t *ws, int8_t *out)
{
    return txb_b1_run(user, in, ws, out);
}

static int txb_b2(void *user, const int8_t *in, int8_t *ws, int8_t *out)
{
    return txb_b2_run(user, in, ws, out);
}
#endif

static const char *txb_sched_name(tx_mhsa_schedule s)
{
    return s == TX_MHSA_LAYERWISE ? "layerwise" : s == TX_MHSA_HEADWISE ? "headwise" : "depthfirst";
}

int main(void)
{
    const txb_shape *s = &txb_the_shape;
    const size_t se = (size_t)TXB_S * TXB_E;
    /* MACs of the standard MHSA: 4 projections and the two attention products */
    const uint64_t macs = 4ull * TXB_S * TXB_E * TXB_HP + 2ull * TXB_S * TXB_S * TXB_HP;
    tx_bench_init();
    txb_synth_fill(s, &txb_buffers, &txb_weights);
    tx_puts("SHAPE");
    tx_put_kv_str("name", TXB_NAME);
    tx_put_kv_u32("S", TXB_S);
    tx_put_kv_u32("E", TXB_E);
    tx_put_kv_u32("P", TXB_P);
    tx_put_kv_u32("H", TXB_H);
    tx_put_kv_u32("cmsis", TXB_HAVE_CMSIS_NN);
    tx_putc('\n');
    int failures = 0;
    txb_run_result r;

#if TXB_HAVE_CMSIS_NN
    static txb_cmsis_layer layer;
    txb_cmsis_layer_of(s, &txb_buffers, &layer);
    const txb_run_spec b1 = {TXB_NAME, "cmsis-b1", "std", "-", 0, se, se, txb_b1_workspace(s),
                             txb_b1_arena(s), macs, 0};
    txb_measure(&b1, txb_x, txb_b1, &layer, &r);
    failures += !r.ok;
    const txb_run_spec b2 = {TXB_NAME, "cmsis-b2", "std", "-", 0, se, se, txb_b2_workspace(s),
                             txb_b2_arena(s), macs, 0};
    txb_measure(&b2, txb_x, txb_b2, &layer, &r);
    failures += !r.ok;
#else
    tx_puts("NOTE no CMSIS-NN in this image (CMSIS_NN_DIR not found at build time)\n");
#endif

    static const int32_t tiles[] = {1, 2, 4, 8, 16};
    for (int mode = TX_ATTN_STANDARD; mode <= TX_ATTN_FUSED; ++mode) {
        uint32_t first_crc = 0;
        int have_first = 0;
        const int n_cfg = 2 + (int)(sizeof tiles / sizeof tiles[0]);
        for (int i = 0; i < n_cfg; ++i) {
            txb_tinytx_job job = {{(tx_attn_mode)mode, TX_MHSA_LAYERWISE, 0}, 0};
            if (i == 1) {
                job.cfg.schedule = TX_MHSA_HEADWISE;
            } else if (i >= 2) {
                job.cfg.schedule = TX_MHSA_DEPTHFIRST;
                job.cfg.tile_rows = tiles[i - 2];
                if (job.cfg.tile_rows >= TXB_S)
                    continue; /* T = S is the head-wise schedule */
            }
            const tx_mhsa_dims d = {TXB_S, TXB_E, TXB_H, TXB_P};
            job.scratch = tx_mhsa_s8_get_buffer_size(&job.cfg, &d, TX_VARIANT_DSP);
            /* tx_mhsa_s8 is one step, run in place (out == x, which the API allows: every
             * schedule writes out after its last read of x): x/out and its scratch are live */
            const txb_run_spec spec = {TXB_NAME, "tinytx", mode == TX_ATTN_FUSED ? "fused" : "std",
                                       txb_sched_name(job.cfg.schedule), job.cfg.tile_rows, se, se,
                                       job.scratch, se + job.scratch, macs, 1};
            txb_measure(&spec, txb_x, txb_tinytx_run, &job, &r);
            failures += !r.ok;
            if (!have_first) {
                first_crc = r.crc;
                have_first = 1;
            } else if (r.crc != first_crc) {
                tx_puts("MISMATCH tinytx schedules of one mode give different outputs\n");
                ++failures;
            }
        }
    }
    tx_puts(failures ? "RESULT FAIL" : "RESULT PASS");
    tx_put_kv_u32("failures", (uint32_t)failures);
    tx_putc('\n');
    return failures ? 1 : 0;
}
