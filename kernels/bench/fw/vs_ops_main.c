/* fw_vs_cmsis_ops: the single operators. A fully-connected layer, tx_linear_s8 (variant dsp,
 * row-major output) against arm_fully_connected_s8, at 81x32->256 and 64x128->512; and the
 * softmax alone, tx_softmax_s8 against arm_softmax_s8, on the score maps of three shapes
 * (H*S rows of S). One VS line per run (measure.h); `macs` is the FC's MACs and, for the
 * softmax, the number of scores. */
#include "measure.h"
#include "quant.h"
#include "synth.h"
#include "tinytx/firmware/console.h"
#include "tinytx/kernels.h"
#if TXB_HAVE_CMSIS_NN
#include "arm_nnfunctions.h"
#include "cmsis_mhsa.h"
#endif

#define TXB_FC_MAX_W (512 * 128)
#define TXB_FC_MAX_N 512

static int8_t txb_in[81 * 81 * 8];
static TXB_FLASH int8_t txb_w[TXB_FC_MAX_W];
static TXB_FLASH int32_t txb_bias[TXB_FC_MAX_N];

typedef struct {
    int32_t S, K, N;
    txb_scale rq;
    size_t scratch;
} txb_fc_job;

static int txb_tinytx_fc(void *user, const int8_t *in, int8_t *ws, int8_t *out)
{
    const txb_fc_job *j = user;
    const tx_ctx ctx = {ws, j->scratch, TX_VARIANT_DSP};
    const tx_linear_params p = {txb_tinytx_requant(j->rq), TX_LAYOUT_ROW, 0};
    return tx_linear_s8(&ctx, &p, j->S, j->K, j->N, in, txb_w, txb_bias, out) == TX_OK ? 0 : -1;
}

typedef struct {
    int32_t rows, n;
    size_t scratch;
} txb_softmax_job;

static int txb_tinytx_softmax_run(void *user, const int8_t *in, int8_t *ws, int8_t *out)
{
    const txb_softmax_job *j = user;
    const tx_ctx ctx = {ws, j->scratch, TX_VARIANT_DSP};
    const tx_softmax_params p = txb_tinytx_softmax(TXB_SCORE_EPS);
    return tx_softmax_s8(&ctx, &p, j->rows, j->n, in, (uint8_t *)out) == TX_OK ? 0 : -1;
}

#if TXB_HAVE_CMSIS_NN
static int txb_cmsis_fc_run(void *user, const int8_t *in, int8_t *ws, int8_t *out)
{
    const txb_fc_job *j = user;
    (void)ws;
    const txb_cmsis_rq rq = {j->rq.mantissa, txb_cmsis_shift(j->rq)};
    return txb_cmsis_fc(in, j->S, j->K, 0, txb_w, txb_bias, j->N, rq, out);
}

static int txb_cmsis_softmax_run(void *user, const int8_t *in, int8_t *ws, int8_t *out)
{
    const txb_softmax_job *j = user;
    (void)ws;
    const txb_cmsis_softmax p = txb_cmsis_softmax_of(TXB_SCORE_EPS);
    arm_softmax_s8(in, j->rows, j->n, p.mult, p.shift, p.diff_min, out);
    return 0;
}
#endif

static void txb_fc(const char *name, int32_t S, int32_t K, int32_t N, int *failures)
{
    txb_synth_int8(txb_in, S * K);
    txb_synth_int8(txb_w, N * K);
    for (int32_t i = 0; i < N; ++i)
        txb_bias[i] = (i * 37) % 2001 - 1000;
    const float rootK = txb_sqrtf((float)K);
    txb_fc_job j = {S, K, N, txb_scale_of(32.0f / (37.0f * 37.0f * rootK)), 0};
    j.scratch = tx_linear_s8_get_buffer_size(TX_VARIANT_DSP, S, K, N);
    const size_t in = (size_t)S * K, out = (size_t)S * N;
    const uint64_t macs = (uint64_t)S * K * N;
    txb_run_result r;
    const txb_run_spec tx = {name, "tinytx", "-", "-", 0, in, out, j.scratch,
                             in + out + j.scratch, macs, 0};
    txb_measure(&tx, txb_in, txb_tinytx_fc, &j, &r);
    *failures += !r.ok;
#if TXB_HAVE_CMSIS_NN
    const txb_run_spec cm = {name, "cmsis", "-", "-", 0, in, out, 0, in + out, macs, 0};
    txb_measure(&cm, txb_in, txb_cmsis_fc_run, &j, &r);
    *failures += !r.ok;
#endif
}

static void txb_softmax(const char *name, int32_t rows, int32_t n, int *failures)
{
    /* scores spread like the MHSA's (std ~21 LSB = 1.3 at eps 1/16, as synth.c aims at) */
    txb_synth_scores(txb_in, rows * n);
    txb_softmax_job j = {rows, n, tx_softmax_s8_get_buffer_size(n)};
    const size_t bytes = (size_t)rows * n;
    txb_run_result r;
    const txb_run_spec tx = {name, "tinytx", "-", "-", 0, bytes, bytes, j.scratch,
                             2 * bytes + j.scratch, bytes, 0};
    txb_measure(&tx, txb_in, txb_tinytx_softmax_run, &j, &r);
    *failures += !r.ok;
#if TXB_HAVE_CMSIS_NN
    const txb_run_spec cm = {name, "cmsis", "-", "-", 0, bytes, bytes, 0, 2 * bytes, bytes, 0};
    txb_measure(&cm, txb_in, txb_cmsis_softmax_run, &j, &r);
    *failures += !r.ok;
#endif
}

int main(void)
{
    tx_bench_init();
#if !TXB_HAVE_CMSIS_NN
    tx_puts("NOTE no CMSIS-NN in this image (CMSIS_NN_DIR not found at build time)\n");
#endif
    int failures = 0;
    txb_fc("fc_81x32x256", 81, 32, 256, &failures);
    txb_fc("fc_64x128x512", 64, 128, 512, &failures);
    txb_softmax("softmax_eegformer", 8 * 81, 81, &failures);
    txb_softmax("softmax_ecgformer", 8 * 66, 66, &failures);
    txb_softmax("softmax_deeployattn", 8 * 16, 16, &failures);
    tx_puts(failures ? "RESULT FAIL" : "RESULT PASS");
    tx_put_kv_u32("failures", (uint32_t)failures);
    tx_putc('\n');
    return failures ? 1 : 0;
}
