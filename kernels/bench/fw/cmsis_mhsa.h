/* The same int8 MHSA composed from CMSIS-NN functions, two ways (README.md):
 *  B1  what Deeploy's Cortex-M templates generate: Q, K, V projections of all heads
 *      (arm_fully_connected_s8), transposes to head-major (arm_transpose_s8), the whole H x S x S
 *      score map, arm_softmax_s8 into a new tensor, A.V, transpose back, output projection;
 *  B2  best effort per head: one S x S map live (softmax in place), the head outputs
 *      concatenated as int8 [S][H*P], one output projection.
 * Every run function takes a workspace of txb_bN_workspace() bytes (one buffer per tensor, never
 * reused: the layout does not change the cycles); txb_bN_arena() is the arena by the ledger rule. */
#ifndef TXB_CMSIS_MHSA_H
#define TXB_CMSIS_MHSA_H

#include <stddef.h>
#include <stdint.h>

#include "quant.h"
#include "synth.h"

typedef struct {
    int32_t mult, shift;
} txb_cmsis_rq;

typedef struct {
    txb_shape shape;
    const txb_synth_buffers *w;
    txb_cmsis_rq proj, scores, av, out;
    txb_cmsis_softmax softmax;
} txb_cmsis_layer;

void txb_cmsis_layer_of(const txb_shape *s, const txb_synth_buffers *w, txb_cmsis_layer *l);

size_t txb_b1_workspace(const txb_shape *s);
size_t txb_b1_arena(const txb_shape *s);
int txb_b1_run(const txb_cmsis_layer *l, const int8_t *x, int8_t *ws, int8_t *out);

size_t txb_b2_workspace(const txb_shape *s);
size_t txb_b2_arena(const txb_shape *s);
int txb_b2_run(const txb_cmsis_layer *l, const int8_t *x, int8_t *ws, int8_t *out);

/* out[rows][N] = requant(in[rows][K] . w[N][K]^T + bias) through arm_fully_connected_s8
 * (in_offset: minus the input zero point, as CMSIS-NN takes it; no scratch on DSP cores) */
int txb_cmsis_fc(const int8_t *in, int32_t rows, int32_t K, int32_t in_offset, const int8_t *w,
                 const int32_t *bias, int32_t N, txb_cmsis_rq rq, int8_t *out);

#endif
