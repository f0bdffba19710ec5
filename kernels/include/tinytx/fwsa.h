/* Host-side (double precision) support for Fused-Weight Self-Attention: derive the fused weights
 * W_h = Wq_h^T Wk_h, their bias and requantizations from the int8 projections, and measure how
 * far the fused path's numerics are from the standard path. Not part of the firmware. */
#ifndef TINYTX_FWSA_H
#define TINYTX_FWSA_H

#include "tinytx/kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* (mul, shift) for a real multiplier r > 0 (NUMERICS.md); TX_ERR_PARAM if it is out of range */
tx_status tx_quantize_multiplier(double r, int32_t *mul, int32_t *shift);

typedef struct {
    tx_mhsa_dims dims;
    const int8_t *wq, *wk;     /* [H*P][E] */
    const int32_t *bq;         /* [H*P] or NULL */
    double s_x, s_wq, s_wk;    /* scales of X, Wq, Wk */
    double s_sc;               /* score scale of the standard path (1/sqrt(P) folded into scores) */
    const int8_t *x_calib;     /* [calib_rows][E] calibration input for the X.W_h range */
    int32_t calib_rows;
} tx_fwsa_input;

typedef struct {
    int8_t *wf;                /* [H][E][E] */
    int32_t *bf;               /* [H][E] */
    tx_requant *rq_xw;         /* [H] */
    tx_requant *rq_scores_fw;  /* [H] */
} tx_fwsa_output;

tx_status tx_fwsa_derive(const tx_fwsa_input *in, const tx_fwsa_output *out);

typedef struct {
    int32_t max_abs_score_lsb;   /* |fused score - standard score|, in score LSBs */
    double mean_abs_score_lsb;
    double max_abs_prob;         /* |fused - standard| softmax probability, in [0, 1] */
    double mean_abs_prob;
    int64_t rows;                /* softmax rows compared (H * S) */
} tx_fwsa_deviation;

/* Scores and probabilities of both attention modes on input x [S][E], compared per head. */
tx_status tx_fwsa_deviation_measure(const tx_mhsa_dims *d, const tx_mhsa_weights *w,
                                    const int8_t *x, tx_fwsa_deviation *dev);

#ifdef __cplusplus
}
#endif
#endif
