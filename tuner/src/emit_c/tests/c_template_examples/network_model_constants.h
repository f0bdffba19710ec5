/* An example of c_model_constants (codegen.cpp), the part network_model.h takes: the toy model of
 * fill_values.h. */
#include <stddef.h>
#include <stdint.h>

#include "tinytx/kernels.h"

#define TX_MODEL_LAYERS 1u
#define TX_MODEL_S 4
#define TX_MODEL_E 8
#define TX_MODEL_H 2
#define TX_MODEL_P 4
#define TX_MODEL_F 16
#define TX_MODEL_ARENA_BYTES 256u
#define TX_MODEL_ACT_BYTES 32u
#define TX_MODEL_ACT0_OFFSET 0u
#define TX_MODEL_ACT1_OFFSET 32u
#define TX_MODEL_SCRATCH_OFFSET 64u
#define TX_MODEL_SCRATCH_BYTES 192u
#define TX_MODEL_INPUT_OFFSET 0u
#define TX_MODEL_OUTPUT_OFFSET 32u

extern const tx_encoder_dims tx_model_dims;
extern const tx_encoder_weights tx_model_weights[TX_MODEL_LAYERS];
extern const int8_t tx_model_input[TX_MODEL_ACT_BYTES];
