/* One golden test case: inputs, weights, quantization parameters and every expected tensor,
 * produced by the independent golden model (kernels/golden/gen_golden.py) as a C source file.
 * Host tests and firmware images both link these files; neither computes expected values. */
#ifndef TINYTX_GOLDEN_CASE_H
#define TINYTX_GOLDEN_CASE_H

#include "tinytx/kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    const int8_t *out;      /* [S][E] */
    uint32_t crc;           /* CRC-32 of out */
} tx_golden_output;

typedef struct {
    const char *name;       /* e.g. "eegformer" */
    const char *generator;  /* stamp: generator name, version and numpy version */
    tx_encoder_dims dims;   /* S, E, H, P, F */
    const int8_t *x;        /* [S][E] input */
    tx_encoder_weights w;   /* everything, including the fused-weight attention weights */

    /* intermediates of the standard path */
    const int8_t *q;        /* [H][S][P] */
    const int8_t *k;        /* [H][S][P] */
    const int8_t *vt;       /* [H][P][S] */
    const int8_t *scores;   /* [H][S][S] */
    const uint8_t *probs;   /* [H][S][S] */
    const int8_t *attn;     /* [S][H*P] */
    tx_golden_output mhsa;  /* standard MHSA output */
    const int8_t *r1, *n1;  /* [S][E] */
    const int8_t *hidden_pre; /* [S][F] linear1 output before GELU */
    const int8_t *hidden;   /* [S][F] after GELU */
    const int8_t *ffn;      /* [S][E] */
    const int8_t *r2;       /* [S][E] */
    tx_golden_output encoder; /* standard encoder output */

    /* fused-weight path */
    const int8_t *xw;         /* [H][S][E] */
    const int8_t *scores_fw;  /* [H][S][S] */
    const uint8_t *probs_fw;  /* [H][S][S] */
    const int8_t *attn_fw;    /* [S][H*P] */
    tx_golden_output mhsa_fw;
    tx_golden_output encoder_fw;

    /* the pre-norm layer (NUMERICS.md) on the same parameters, standard and fused-weight */
    tx_golden_output encoder_pre;
    tx_golden_output encoder_pre_fw;

    /* what the FWSA derivation starts from (float scales of the int8 tensors) */
    double s_x, s_wq, s_wk, s_sc;

    /* a per-channel linear check: y = linear(x, wq, bq) with per-channel requant, ROW layout */
    tx_requant rq_q_per_channel;
    const int8_t *q_per_channel; /* [S][H*P] */

    /* the prelude and the head around the layer (NUMERICS.md "Input embedding", "Pooling", "Head") */
    int32_t features, classes;
    const int8_t *u;              /* [S][features] int8 input features */
    tx_embed_params embed;        /* cls NULL; pos [S][E] */
    const int8_t *embed_out;      /* [S][E]: embedding of u, plus pos */
    const int8_t *cls;            /* [E] */
    const int8_t *embed_cls_out;  /* [S][E]: the CLS row, the embedding of u's first S-1 rows, plus pos */
    const int8_t *pool[3];        /* [E] per tx_pool_mode, of the encoder output */
    const int8_t *head_w;         /* [classes][E] */
    const int32_t *head_b;        /* [classes] */
    const int32_t *logits;        /* [classes]: the head on pool[TX_POOL_MEAN] */
    /* a pre-norm stack's final LayerNorm (NUMERICS.md "Final LayerNorm") on encoder_pre.out */
    tx_layernorm_params final_norm;
    const int8_t *final_out;      /* [S][E] */
    const int32_t *logits_final;  /* [classes]: the head on final_out's first (CLS) row */
    uint32_t ends_crc;            /* CRC-32 of logits, logits_final (little-endian) then embed_cls_out: the
                                   * firmware's "ends" check */
} tx_golden_case;

/* All generated cases, in one table (kernels/golden/ emits golden_index.c). */
extern const tx_golden_case *const tx_golden_cases[];
extern const int tx_golden_case_count;

#ifdef __cplusplus
}
#endif
#endif
