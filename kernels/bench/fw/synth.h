/* The synthetic int8 MHSA layer of one shape, shared by the tinytx and the CMSIS-NN runs: the
 * same input, weights and biases, and requantizations derived from the same real multipliers
 * (see quant.h), so both stacks compute the same layer up to their own rounding and softmax. */
#ifndef TXB_SYNTH_H
#define TXB_SYNTH_H

#include <stdint.h>

#include "quant.h"
#include "tinytx/kernels.h"

/* Weights and biases live in flash on a board. The images put them in the emulator memory that
 * stands for flash (.rodata in SSRAM1, docs/CYCLE_MODEL.md), so the iss charges the profile's
 * flash wait states on every load of them, CMSIS-NN's and tinytx's alike. They are written once
 * at start-up (txb_synth_fill), which only an emulator allows: its SSRAM1 is RAM. */
#define TXB_FLASH __attribute__((section(".rodata.txb_flash")))

typedef struct {
    const char *name;
    int32_t S, E, P, H;
} txb_shape;

/* Buffers the caller owns (sizes in the comments), filled by txb_synth_fill. */
typedef struct {
    int8_t *x;                 /* [S][E] */
    int8_t *wq, *wk, *wv;      /* [H*P][E] */
    int8_t *wo;                /* [E][H*P] */
    int32_t *bq, *bk, *bv;     /* [H*P] */
    int32_t *bo;               /* [E] */
    int8_t *wf;                /* [H][E][E] fused-weight attention (random, see README) */
    int32_t *bf;               /* [H][E] */
    tx_requant *rq_xw;         /* [H] */
    tx_requant *rq_scores_fw;  /* [H] */
} txb_synth_buffers;

/* The real multipliers of every stage, the one source of both stacks' parameters. */
typedef struct {
    txb_scale proj;       /* x . Wq/Wk/Wv -> Q, K, V */
    txb_scale scores;     /* Q . K -> int8 scores of scale txb_score_eps (1/sqrt(P) folded in) */
    txb_scale av_u8;      /* uint8 probabilities (tinytx: 255 = 1) . V -> int8 */
    txb_scale av_s8;      /* int8 probabilities (CMSIS-NN: q + 128 = 256 p) . V -> int8 */
    txb_scale out;        /* concat . Wo -> out */
    txb_scale xw;         /* fused: x . W_h */
    txb_scale scores_fw;  /* fused: (x W_h) . x -> scores */
} txb_scales;

void txb_scales_of(const txb_shape *s, txb_scales *sc);

/* Fills the buffers deterministically (a fixed-seed generator; the same bytes on every CPU) and
 * the tinytx weight record that points into them. */
void txb_synth_fill(const txb_shape *s, const txb_synth_buffers *b, tx_mhsa_weights *w);

/* n int8 values uniform in [-64, 63] from the shared generator (for the standalone operators) */
void txb_synth_int8(int8_t *dst, int32_t n);

/* n int8 attention scores spread like the MHSA's (std ~21 LSB), for the standalone softmax */
void txb_synth_scores(int8_t *dst, int32_t n);

#endif
