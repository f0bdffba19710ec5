/* One real multiplier, two encodings: tinytx's (mul, shift) with y = (acc * mul + 2^(shift-1)) >>
 * shift, and CMSIS-NN's TFLite (multiplier Q31, shift) with y = acc * multiplier / 2^31 * 2^shift.
 * Both come from the same normalised mantissa, so they represent exactly the same real value. */
#ifndef TXB_QUANT_H
#define TXB_QUANT_H

#include <stdint.h>

#include "tinytx/kernels.h"

typedef struct {
    int32_t mantissa;  /* in [2^30, 2^31) */
    int32_t exponent;  /* real = mantissa / 2^31 * 2^exponent */
} txb_scale;

txb_scale txb_scale_of(float real);
tx_requant txb_tinytx_requant(txb_scale s);
int32_t txb_cmsis_shift(txb_scale s);  /* the multiplier is s.mantissa */

/* The score scale of both stacks: int8 scores of 1/16, i.e. logits within +-8. */
#define TXB_SCORE_EPS (1.0f / 16.0f)

/* I-BERT constants of tinytx's softmax for input scale eps (docs/NUMERICS.md). */
tx_softmax_params txb_tinytx_softmax(float eps);

/* arm_softmax_s8's (mult, shift, diff_min) for input scale eps and beta 1, computed as TFLite
 * Micro's softmax Prepare does (5 integer bits of the scaled difference). */
typedef struct {
    int32_t mult, shift, diff_min;
} txb_cmsis_softmax;
txb_cmsis_softmax txb_cmsis_softmax_of(float eps);

float txb_sqrtf(float v);  /* Newton; the firmware has no libm */

#endif
