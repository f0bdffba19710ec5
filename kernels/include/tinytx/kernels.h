/* tinytx int8 kernel library: the public C API.
 *
 * C11, freestanding, no heap. Every operator's exact integer semantics are in docs/NUMERICS.md;
 * the reference variant is the executable form of that text and every other variant must match
 * it bit for bit.
 *
 * Conventions
 *  - Activations and weights are int8, biases and accumulators int32. Weights are stored
 *    [out][in] ("nt"): out[m][n] = sum_k x[m][k] * w[n][k].
 *  - Every entry point takes a tx_ctx: the caller's scratch buffer (its size comes from the
 *    matching *_get_buffer_size function) and the kernel variant used for GEMM-shaped work.
 *  - Bad arguments return an error status before anything is written.
 */
#ifndef TINYTX_KERNELS_H
#define TINYTX_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    TX_OK = 0,
    TX_ERR_NULL = -1,      /* a required pointer is NULL */
    TX_ERR_DIM = -2,       /* zero, negative or mismatched dimensions */
    TX_ERR_BUFFER = -3,    /* scratch buffer smaller than *_get_buffer_size */
    TX_ERR_PARAM = -4,     /* quantization parameters or schedule knobs out of range */
    TX_ERR_VARIANT = -5,   /* unknown kernel variant */
} tx_status;

/* GEMM micro-kernel variants. All are available on every target (the DSP and Xpulp variants use
 * portable C stand-ins where the compiler does not target Armv7E-M / TX_HAVE_XPULP), all bit-exact. */
typedef enum {
    TX_VARIANT_REF = 0,    /* plain C oracle */
    TX_VARIANT_OPT2X2 = 1, /* portable, 2x2 output blocking */
    TX_VARIANT_OPT4X2 = 2, /* portable, 4x2 output blocking */
    TX_VARIANT_DSP = 3,    /* Cortex-M DSP: SXTB16 + SMLAD, 6-row blocks (see src/arm/gemm_dsp.c) */
    TX_VARIANT_RV32 = 4,   /* unrolled for RV32IMC */
    TX_VARIANT_XPULP = 5,  /* RV32 + XpulpV2 (GAP9): packed int8 dot products, hardware loops, 4x2 blocks
                            * (src/rv/gemm_xpulp.c; the GEMM of the cluster kernels, cluster.h) */
    TX_VARIANT_COUNT
} tx_variant;

const char *tx_variant_name(tx_variant v);
const char *tx_status_name(tx_status s);

typedef struct {
    void *scratch;         /* caller-owned scratch, any alignment (kernels align inside) */
    size_t scratch_size;   /* bytes available at scratch */
    tx_variant variant;
} tx_ctx;

/* y = clamp((acc * mul + 2^(shift-1)) >> shift, -128, 127), in 64 bits.
 * 0 <= mul <= INT32_MAX, 1 <= shift <= 62. Per-channel when ch_mul/ch_shift are set (linear only). */
typedef struct {
    int32_t mul;
    int32_t shift;
    const int32_t *ch_mul;   /* [N] or NULL */
    const int32_t *ch_shift; /* [N] or NULL */
} tx_requant;

/* I-BERT integer softmax constants for input scale eps (see NUMERICS.md). Output is uint8 in
 * 0..255 representing probability * 255. */
typedef struct {
    int32_t ln2; /* round(ln 2 / eps) */
    int32_t b;   /* round(1.353 / eps) */
    int32_t c;   /* round(0.344 / (0.3585 * eps^2)) */
} tx_softmax_params;

/* i-GELU constants for input scale eps, and the requantization of x * (one + L) to int8. */
typedef struct {
    int32_t b_q;  /* round(-1.769 / (eps / sqrt 2)), negative */
    int32_t one;  /* round(1 / (0.2888 * (eps / sqrt 2)^2)) */
    tx_requant rq;
} tx_gelu_params;

typedef struct {
    const int8_t *gamma;  /* [D] */
    const int32_t *beta;  /* [D], in the scale of z * gamma (z has 8 fractional bits) */
    tx_requant rq;
} tx_layernorm_params;

/* y = clamp((a * mul_a + b * mul_b + 2^(shift-1)) >> shift) in 64 bits */
typedef struct {
    int32_t mul_a;
    int32_t mul_b;
    int32_t shift;
} tx_add_params;

/* ---------------------------------------------------------------- utilities */
uint32_t tx_crc32(const void *data, size_t n);             /* IEEE 802.3 (zlib) CRC-32 */
uint32_t tx_crc32_update(uint32_t crc, const void *data, size_t n);
int8_t tx_requant_scalar(int32_t acc, int32_t mul, int32_t shift);
tx_status tx_requant_check(const tx_requant *rq);

/* ---------------------------------------------------------------- linear */
typedef enum {
    TX_LAYOUT_ROW = 0,    /* out[s][n], row stride N */
    TX_LAYOUT_HEAD = 1,   /* n = h*P + p -> out[h][s][p] */
    TX_LAYOUT_HEAD_T = 2, /* n = h*P + p -> out[h][p][s] (V, so that A.V is again row x row) */
} tx_layout;

typedef struct {
    tx_requant rq;
    tx_layout layout;
    int32_t heads;        /* H for the head layouts (N = H*P); ignored for ROW */
} tx_linear_params;

/* out = requant(x[S][K] . w[N][K]^T + bias[N]), written in params->layout. bias may be NULL. */
size_t tx_linear_s8_get_buffer_size(tx_variant v, int32_t S, int32_t K, int32_t N);
tx_status tx_linear_s8(const tx_ctx *ctx, const tx_linear_params *params, int32_t S, int32_t K,
                       int32_t N, const int8_t *x, const int8_t *w, const int32_t *bias, int8_t *out);

/* acc[s][n] += x[s][k] . w[n][k]^T with explicit strides (weight rows of a wider matrix, e.g. one
 * head's slice of W_o or one tile of W_2). No requantization: the caller finishes with
 * tx_requant_s32_s8. Used where a sum is split over heads or hidden tiles. */
size_t tx_linear_acc_s32_get_buffer_size(tx_variant v, int32_t S, int32_t K, int32_t N);
tx_status tx_linear_acc_s32(const tx_ctx *ctx, int32_t S, int32_t K, int32_t N, const int8_t *x,
                            int32_t ldx, const int8_t *w, int32_t ldw, int32_t *acc);

/* out[s][n] = requant(acc[s][n] + bias[n]); bias may be NULL. */
tx_status tx_requant_s32_s8(const tx_ctx *ctx, const tx_requant *rq, int32_t S, int32_t N,
                            const int32_t *acc, const int32_t *bias, int8_t *out);

/* ---------------------------------------------------------------- nonlinear operators */
/* rows x n int8 -> uint8 probabilities, per row. in and out may alias. */
size_t tx_softmax_s8_get_buffer_size(int32_t n);
tx_status tx_softmax_s8(const tx_ctx *ctx, const tx_softmax_params *params, int32_t rows, int32_t n,
                        const int8_t *in, uint8_t *out);
/* elementwise, in and out may alias */
tx_status tx_gelu_s8(const tx_ctx *ctx, const tx_gelu_params *params, int32_t n, const int8_t *in,
                     int8_t *out);
/* rows x D, normalized per row; in and out may alias */
tx_status tx_layernorm_s8(const tx_ctx *ctx, const tx_layernorm_params *params, int32_t rows,
                          int32_t D, const int8_t *in, int8_t *out);
/* elementwise residual add; out may alias a or b */
tx_status tx_add_s8(const tx_ctx *ctx, const tx_add_params *params, int32_t n, const int8_t *a,
                    const int8_t *b, int8_t *out);

/* ---------------------------------------------------------------- the network's two ends */
/* The input embedding (NUMERICS.md "Input embedding"): out[S][E] = requant(u[S_in][F] . w^T + bias),
 * after an optional CLS row (S = S_in + 1), plus an optional positional term pos[S][E]. */
typedef struct {
    const int8_t *w;       /* [E][F] */
    const int32_t *bias;   /* [E] or NULL */
    tx_requant rq;
    const int8_t *cls;     /* [E] in the embedding's scale, or NULL */
    const int8_t *pos;     /* [S][E], or NULL */
    tx_add_params add_pos; /* embedding (a) + pos (b); ignored without pos */
} tx_embed_params;

size_t tx_embed_s8_get_buffer_size(tx_variant v, int32_t S_in, int32_t F, int32_t E);
/* out must not alias u */
tx_status tx_embed_s8(const tx_ctx *ctx, const tx_embed_params *params, int32_t S_in, int32_t F,
                      int32_t E, const int8_t *u, int8_t *out);

/* Pooling over tokens, int8 [S][E] -> int8 [E] in the same scale (NUMERICS.md "Pooling"). */
typedef enum {
    TX_POOL_MEAN = 0,  /* the mean, ties rounded up */
    TX_POOL_FIRST = 1, /* row 0: the CLS token */
    TX_POOL_LAST = 2,  /* row S-1 */
} tx_pool_mode;
tx_status tx_pool_s8(const tx_ctx *ctx, tx_pool_mode mode, int32_t S, int32_t E, const int8_t *x,
                     int8_t *out);

/* out[s][n] = bias[n] + x[s][k] . w[n][k]^T in int32, no requantization (the head's logits,
 * NUMERICS.md "Head"). bias may be NULL. */
size_t tx_linear_s32_get_buffer_size(tx_variant v, int32_t S, int32_t K, int32_t N);
tx_status tx_linear_s32(const tx_ctx *ctx, int32_t S, int32_t K, int32_t N, const int8_t *x,
                        const int8_t *w, const int32_t *bias, int32_t *out);

/* ---------------------------------------------------------------- attention, one head, one tile */
typedef struct {
    tx_requant rq_scores;     /* q.k accumulator -> int8 score (1/sqrt(d) folded in) */
    tx_softmax_params softmax;
    tx_requant rq_av;         /* probs(uint8).v accumulator -> int8 */
} tx_attention_params;

/* For T query rows: scores[T][S] = requant(q[T][D] . k[S][D]^T), integer softmax per row,
 * out[t][p] = requant(probs[t][:] . vt[p][:]) for p < P, written at out + t*out_stride.
 * T == S is the head-wise schedule; T < S is one depth-first tile: only T x S scores exist.
 * Standard attention: q = Q_h rows, k = K_h (ldk = P), D = P.
 * Fused-weight attention: q = requant(X_t . W_h^T + b_h) rows (D = E), k = X itself (ldk = E). */
size_t tx_attention_head_s8_get_buffer_size(tx_variant v, int32_t T, int32_t S, int32_t D);
tx_status tx_attention_head_s8(const tx_ctx *ctx, const tx_attention_params *params, int32_t T,
                               int32_t S, int32_t D, int32_t P, const int8_t *q, int32_t ldq,
                               const int8_t *k, int32_t ldk, const int8_t *vt, int8_t *out,
                               int32_t out_stride);

/* ---------------------------------------------------------------- multi-head self-attention */
typedef enum { TX_ATTN_STANDARD = 0, TX_ATTN_FUSED = 1 } tx_attn_mode;
typedef enum {
    TX_MHSA_LAYERWISE = 0,  /* Q, K, V of all heads, then all H score maps live at once */
    TX_MHSA_HEADWISE = 1,   /* one head at a time, its S x S map whole */
    TX_MHSA_DEPTHFIRST = 2, /* one head at a time, tiles of T query rows: T x S scores only;
                             * T = 1 is the memory-minimal schedule: where they are a large
                             * share of its scratch it also widens one GEMM row at a time and,
                             * on small layers, drops the softmax exp table
                             * (tx_mhsa_s8_plan_info) */
} tx_mhsa_schedule;

typedef struct {
    tx_attn_mode mode;
    tx_mhsa_schedule schedule;
    int32_t tile_rows;       /* T for DEPTHFIRST, 1..S; ignored otherwise */
} tx_mhsa_config;

typedef struct {
    /* standard projections, [H*P][E] (wq, wk, wv) and [E][H*P] (wo); biases may be NULL */
    const int8_t *wq, *wk, *wv, *wo;
    const int32_t *bq, *bk, *bv, *bo;
    tx_requant rq_q, rq_k, rq_v, rq_o;
    tx_attention_params attn;       /* standard: scores from Q.K */
    /* fused-weight attention (used when mode == TX_ATTN_FUSED): per head W_h [E][E] (nt: out e2,
     * in e1), b_h [E], and per-head requantizations of X.W_h and of the scores. V and O as above. */
    const int8_t *wf;               /* [H][E][E] */
    const int32_t *bf;              /* [H][E] */
    const tx_requant *rq_xw;        /* [H] */
    const tx_requant *rq_scores_fw; /* [H] */
    tx_softmax_params softmax_fw;
} tx_mhsa_weights;

typedef struct {
    int32_t S, E, H, P;
} tx_mhsa_dims;

/* How the head-wise and depth-first schedules finish: the head outputs kept as int8 [S][H*P] and
 * projected once (as the layer-wise schedule does), or the output projection summed head by head
 * into int32 [S][E]. Both compute the same integers; tx_mhsa_s8 takes whichever needs the smaller
 * buffer for the shape (always CONCAT_S8 when H = 1, and for the layer-wise schedule). */
typedef enum { TX_MHSA_OUT_CONCAT_S8 = 0, TX_MHSA_OUT_ACC_S32 = 1 } tx_mhsa_out_stage;
/* What tx_mhsa_s8 will do for a configuration (for cost models; the integers never change) */
typedef struct {
    tx_mhsa_out_stage out_stage;
    int32_t exp_table; /* 1: the softmax exps come from a 256-entry table; 0: computed per score */
    int32_t gemm_rows; /* rows per GEMM block of the dsp variant: 6, or 1 (memory-minimal) */
} tx_mhsa_plan_info;
void tx_mhsa_s8_plan_info(const tx_mhsa_config *cfg, const tx_mhsa_dims *d, tx_variant v,
                          tx_mhsa_plan_info *info);

size_t tx_mhsa_s8_get_buffer_size(const tx_mhsa_config *cfg, const tx_mhsa_dims *d, tx_variant v);
/* out may alias x: every schedule writes out only after its last read of x */
tx_status tx_mhsa_s8(const tx_ctx *ctx, const tx_mhsa_config *cfg, const tx_mhsa_dims *d,
                     const tx_mhsa_weights *w, const int8_t *x, int8_t *out);

/* ---------------------------------------------------------------- encoder layer */
/* Where the LayerNorms sit (NUMERICS.md "Encoder layer"): post-norm (BERT, the paper's models)
 * normalizes after each residual add; pre-norm (ViT, KWT, nn.TransformerEncoderLayer with
 * norm_first=True) normalizes each sublayer's input and ends the layer with the add. */
typedef enum { TX_NORM_POST = 0, TX_NORM_PRE = 1 } tx_norm_position;

typedef struct {
    tx_mhsa_weights mhsa;
    tx_add_params add1;              /* x + mhsa(x), or x + mhsa(ln1(x)) */
    tx_layernorm_params ln1;
    const int8_t *w1;  const int32_t *b1;  tx_requant rq1;  /* [F][E] */
    tx_gelu_params gelu;
    const int8_t *w2;  const int32_t *b2;  tx_requant rq2;  /* [E][F] */
    tx_add_params add2;              /* ln1 + ffn, or r1 + ffn(ln2(r1)) */
    tx_layernorm_params ln2;
} tx_encoder_weights;

typedef struct {
    tx_mhsa_config mhsa;
    int32_t ffn_tile;   /* hidden columns per FFN tile, 1..F; 0 or F = untiled */
    tx_norm_position norm;
} tx_encoder_config;

typedef struct {
    int32_t S, E, H, P, F;
} tx_encoder_dims;

size_t tx_encoder_s8_get_buffer_size(const tx_encoder_config *cfg, const tx_encoder_dims *d,
                                     tx_variant v);
tx_status tx_encoder_s8(const tx_ctx *ctx, const tx_encoder_config *cfg, const tx_encoder_dims *d,
                        const tx_encoder_weights *w, const int8_t *x, int8_t *out);

#ifdef __cplusplus
}
#endif
#endif /* TINYTX_KERNELS_H */
