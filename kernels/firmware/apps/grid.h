/* The configuration grid the check and bench images walk: every MHSA schedule (layer-wise,
 * head-wise, depth-first with T in {1, ~sqrt(S), S-1}) x attention mode x GEMM variant, the
 * encoder layer (untiled and FFN-tiled; the check grid adds the pre-norm layer, FFN-tiled) and a
 * standalone linear layer. */
#ifndef TX_FW_GRID_H
#define TX_FW_GRID_H

#include "tinytx/kernels.h"

/* ENCODER is the post-norm layer, ENCODER_PRE the pre-norm one; ENDS the network's two ends: the
 * input embedding with a CLS token and the positional term, the head's int32 logits of the mean
 * pooling of the encoder's golden output, and those of the final LayerNorm of the pre-norm layer's
 * CLS row (output: the two logits, then the embedding) */
typedef enum {
    TX_FW_OP_MHSA = 0,
    TX_FW_OP_ENCODER = 1,
    TX_FW_OP_LINEAR = 2,
    TX_FW_OP_ENCODER_PRE = 3,
    TX_FW_OP_ENDS = 4
} tx_fw_op;

typedef struct {
    tx_fw_op op;
    tx_attn_mode mode;
    tx_mhsa_schedule sched;
    int32_t tile_rows;  /* T: the depth-first tile; S for layer-wise and head-wise */
    int32_t ffn_tile;   /* encoder: hidden columns per FFN tile, 0 = untiled */
    tx_variant variant;
} tx_fw_config;

/* The GEMM variants of this CPU, the fast one last. */
int tx_fw_variants(const tx_variant **list);

enum {
    TX_FW_GRID_CHECK = 0, /* ref on one schedule per mode; the encoder with the fast variant only;
                           * the ends with every variant */
    TX_FW_GRID_BENCH = 1, /* every variant everywhere, plus the linear layer */
};

/* Fills up to `max` configurations for the case's dimensions, returns how many. */
int tx_fw_grid(int kind, const tx_encoder_dims *d, tx_fw_config *out, int max);

int32_t tx_fw_tile_mid(int32_t S);       /* the middle depth-first tile: round(sqrt(S)) */
int32_t tx_fw_ffn_tile(int32_t F);       /* the FFN tile of the tiled encoder: ceil(F / 4) */

const char *tx_fw_op_name(tx_fw_op op);
const char *tx_fw_mode_name(tx_attn_mode m);   /* std / fused */
const char *tx_fw_sched_name(tx_mhsa_schedule s); /* layerwise / headwise / depthfirst */

#endif
