/* An example of the generated model.h of a specialized image (codegen.cpp gen_header), for
 * builder.c_templates_compile: two layers of a toy model. */
#ifndef TX_GEN_MODEL_H
#define TX_GEN_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "tinytx/kernels.h"

#define TX_MODEL_LAYERS 2u
#define TX_MODEL_S 4
#define TX_MODEL_E 8
#define TX_MODEL_H 2
#define TX_MODEL_P 4
#define TX_MODEL_F 16
#define TX_MODEL_ARENA_BYTES 512u
#define TX_MODEL_ACT_BYTES 32u
#define TX_MODEL_ACT0_OFFSET 0u
#define TX_MODEL_ACT1_OFFSET 32u
#define TX_MODEL_SCRATCH_OFFSET 64u
#define TX_MODEL_SCRATCH_BYTES 448u
#define TX_MODEL_INPUT_OFFSET 0u
#define TX_MODEL_OUTPUT_OFFSET 0u

extern const tx_encoder_dims tx_model_dims;
extern const tx_encoder_weights tx_model_weights[TX_MODEL_LAYERS];
extern const int8_t tx_model_input[TX_MODEL_ACT_BYTES];
#define TX_MODEL_CONFIG "example 0123456789abcdef"

#endif
