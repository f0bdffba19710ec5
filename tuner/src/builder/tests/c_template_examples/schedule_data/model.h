/* An example of the generated model.h of a schedule-as-data image (schedule_data_codegen.cpp
 * gen_header), for builder.c_templates_compile. */
#ifndef TX_GEN_MODEL_H
#define TX_GEN_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "tinytx/kernels.h"

#define TX_MODEL_LAYERS 2u
#define TX_MODEL_ACT_BYTES 32u
#define TX_MODEL_NORM TX_NORM_POST
#define TX_MODEL_CONFIG "example schedule-as-data"
#define TX_MODEL_GEMM_IMPLS \
    [TX_VARIANT_REF] = TX_GEMM_IMPL_REF, \
    [TX_VARIANT_DSP] = TX_GEMM_IMPL_DSP,

extern const tx_encoder_dims tx_model_dims;
extern const tx_encoder_weights tx_model_weights[TX_MODEL_LAYERS];
extern const int8_t tx_model_input[TX_MODEL_ACT_BYTES];

#endif
