/* Synthetic weights and quantization of the benchmark layer (see synth.h). */
#include "synth.h"

/* std of a uniform int8 in [-64, 63]: the weights' and the input's spread */
#define TXB_SIGMA_U 37.0f
/* the int8 spread every requantization aims at: wide enough to use the range, rarely clipped */
#define TXB_TARGET 32.0f

static uint32_t txb_state;

static uint32_t txb_next(void)
{
    /* Numerical Recipes LCG; the high bits are the usable ones */
    txb_state = txb_state * 1664525u + 1013904223u;
    return txb_state >> 8;
}

void txb_synth_int8(int8_t *dst, int32_t n)
{
    for (int32_t i = 0; i < n; ++i)
        dst[i] = (int8_t)((int32_t)(txb_next() & 127u) - 64);
}

void txb_synth_scores(int8_t *dst, int32_t n)
{
    for (int32_t i = 0; i < n; ++i) {
        const uint32_t r = txb_next();
        /* a sum of two uniforms: std sqrt(341 + 85) ~ 21, in [-48, 46] */
        dst[i] = (int8_t)((int32_t)(r & 63u) - 32 + (int32_t)((r >> 6) & 31u) - 16);
    }
}

static void txb_bias(int32_t *dst, int32_t n)
{
    for (int32_t i = 0; i < n; ++i)
        dst[i] = (int32_t)(txb_next() & 4095u) - 2048;
}

void txb_scales_of(const txb_shape *s, txb_scales *sc)
{
    const float u2 = TXB_SIGMA_U * TXB_SIGMA_U;
    const float rootE = txb_sqrtf((float)s->E), rootP = txb_sqrtf((float)s->P);
    const float rootHP = txb_sqrtf((float)(s->H * s->P));
    sc->proj = txb_scale_of(TXB_TARGET / (u2 * rootE));
    /* Q, K have spread ~TXB_TARGET; scores of spread 24 LSB = 1.5 at eps 1/16 */
    sc->scores = txb_scale_of(24.0f / (TXB_TARGET * TXB_TARGET * rootP));
    sc->av_u8 = txb_scale_of(1.0f / 255.0f);
    sc->av_s8 = txb_scale_of(1.0f / 256.0f);
    /* head outputs are averages of V rows: spread about half of V's */
    sc->out = txb_scale_of(TXB_TARGET / (0.5f * TXB_TARGET * TXB_SIGMA_U * rootHP));
    sc->xw = txb_scale_of(TXB_TARGET / (u2 * rootE));
    sc->scores_fw = txb_scale_of(24.0f / (TXB_TARGET * TXB_SIGMA_U * rootE));
}

void txb_synth_fill(const txb_shape *s, const txb_synth_buffers *b, tx_mhsa_weights *w)
{
    const int32_t HP = s->H * s->P;
    txb_state = 0x7478u; /* "tx": every image, every CPU starts here */
    txb_synth_int8(b->x, s->S * s->E);
    txb_synth_int8(b->wq, HP * s->E);
    txb_synth_int8(b->wk, HP * s->E);
    txb_synth_int8(b->wv, HP * s->E);
    txb_synth_int8(b->wo, s->E * HP);
    txb_bias(b->bq, HP);
    txb_bias(b->bk, HP);
    txb_bias(b->bv, HP);
    txb_bias(b->bo, s->E);
    txb_synth_int8(b->wf, s->H * s->E * s->E);
    txb_bias(b->bf, s->H * s->E);

    txb_scales sc;
    txb_scales_of(s, &sc);
    for (int32_t h = 0; h < s->H; ++h) {
        b->rq_xw[h] = txb_tinytx_requant(sc.xw);
        b->rq_scores_fw[h] = txb_tinytx_requant(sc.scores_fw);
    }
    const tx_softmax_params sm = txb_tinytx_softmax(TXB_SCORE_EPS);
    *w = (tx_mhsa_weights){
        .wq = b->wq, .wk = b->wk, .wv = b->wv, .wo = b->wo,
        .bq = b->bq, .bk = b->bk, .bv = b->bv, .bo = b->bo,
        .rq_q = txb_tinytx_requant(sc.proj),
        .rq_k = txb_tinytx_requant(sc.proj),
        .rq_v = txb_tinytx_requant(sc.proj),
        .rq_o = txb_tinytx_requant(sc.out),
        .attn = {
            .rq_scores = txb_tinytx_requant(sc.scores),
            .softmax = sm,
            .rq_av = txb_tinytx_requant(sc.av_u8),
        },
        .wf = b->wf, .bf = b->bf,
        .rq_xw = b->rq_xw, .rq_scores_fw = b->rq_scores_fw,
        .softmax_fw = sm,
    };
}
