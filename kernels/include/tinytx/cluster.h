/* tinytx multi-core kernels: the same operators as kernels.h, split over the cores of a cluster
 * (GAP9: 8 RV32IMC + XpulpV2 cores sharing a 128 KiB L1) with L2 -> L1 DMA tiling. Bit-exact with
 * the single-core kernels for every core count (NUMERICS.md: tiling never changes the integers).
 *
 * The kernels reach the hardware through a tx_cluster: a fork-join entry point, a DMA and an L1
 * buffer. tx_cluster_sequential() runs the cores' shares one after the other on the caller and
 * copies with memcpy, so hosts and single-core targets run (and test) the same partitioning.
 * The GEMM is the Xpulp micro-kernel (packed 4 x int8 dot products, post-increment loads,
 * hardware loops) on targets built with TX_HAVE_XPULP, exact C stand-ins elsewhere. */
#ifndef TINYTX_CLUSTER_H
#define TINYTX_CLUSTER_H

#include "tinytx/kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* one core's share of a parallel section: core in 0..cores-1 */
typedef void (*tx_par_fn)(void *arg, int32_t core, int32_t cores);

typedef struct {
    int32_t cores;   /* 1..TX_CLUSTER_MAX_CORES */
    /* runs fn(arg, c, cores) on every core c and returns when all have returned */
    void (*fork_join)(int32_t cores, tx_par_fn fn, void *arg);
    /* copies rows x len bytes (row strides in bytes) into L1; returns a handle for dma_wait */
    uint32_t (*dma_start)(void *dst, const void *src, uint32_t len, uint32_t rows,
                          uint32_t src_stride, uint32_t dst_stride);
    void (*dma_wait)(uint32_t handle);
    void *l1;        /* L1 (TCDM) buffer the kernels tile into, any alignment */
    size_t l1_size;
} tx_cluster;

#define TX_CLUSTER_MAX_CORES 16

/* fork_join runs the shares in order on the caller, DMA is memcpy */
tx_cluster tx_cluster_sequential(int32_t cores, void *l1, size_t l1_size);

/* How the MHSA is split over the cores (both give the same integers, NUMERICS.md) */
typedef enum {
    TX_SPLIT_ROWS = 0,   /* today's scheme: per head, the cores split projection columns, query rows, output columns */
    TX_SPLIT_HEADS = 1,  /* each core computes whole heads (core c: heads c, c+cores, ...), then the cores split the output projection's columns */
} tx_cluster_split;

/* Multi-head self-attention on the cluster (standard or fused-weight attention; the layer-wise
 * schedule is computed head-wise, with the same integers; depth-first computes the scores in
 * tiles of tile_rows query rows).
 * TX_SPLIT_ROWS, head by head: per head the cores split the Q/K/V projection columns, then the
 * query rows (head-wise: each core's share whole; depth-first: tiles within the share), then the
 * output projection's columns (summed in int32 over the heads). A head's weights stream from L2
 * into L1 by DMA, double buffered (head h+1 arrives while head h computes).
 * TX_SPLIT_HEADS, heads in groups of min(cores, H): in a group every core computes one head whole
 * (projections, all S query rows: whole head-wise, tiles depth-first) into a shared S x H*P
 * buffer; a group's weights arrive by DMA, double buffered when there are several groups. Then
 * Wo arrives whole and the cores split the E output columns. Cores without a head idle.
 * l1_size: the L1 bytes the kernel needs (any alignment); 0 for bad arguments or an unknown
 * split. w may be NULL: the size then assumes every optional bias is present (an upper bound of
 * the size with any weights). x and out may live anywhere. Returns TX_ERR_BUFFER when
 * cl->l1_size is smaller than l1_size, TX_ERR_PARAM for an unknown split. */
size_t tx_mhsa_s8_cluster_l1_size(const tx_mhsa_config *cfg, tx_cluster_split split, const tx_mhsa_dims *d,
                                  int32_t cores, const tx_mhsa_weights *w);
tx_status tx_mhsa_s8_cluster(const tx_cluster *cl, const tx_mhsa_config *cfg, tx_cluster_split split,
                             const tx_mhsa_dims *d, const tx_mhsa_weights *w, const int8_t *x, int8_t *out);

/* A post-norm encoder layer on the cluster (as tx_encoder_s8): the MHSA above (split as asked),
 * then per row band the residual and LayerNorm, the FFN over hidden tiles of ffn_tile columns
 * (0 = one tile of F) with its weight tiles streamed into L1 by DMA, double buffered (the cores
 * split the tile's hidden columns for the first linear and i-GELU, then the E output columns for
 * the second, summed in int32), and the second residual and LayerNorm. ctx->scratch (any memory,
 * e.g. L2) holds what is not in L1, tx_encoder_s8_cluster_get_buffer_size bytes (the same for
 * both splits); ctx->variant is not used (the cluster GEMM is the Xpulp one). l1_size as for the
 * MHSA (w may be NULL: every optional bias assumed present). */
size_t tx_encoder_s8_cluster_get_buffer_size(const tx_encoder_config *cfg, const tx_encoder_dims *d);
size_t tx_encoder_s8_cluster_l1_size(const tx_encoder_config *cfg, tx_cluster_split split, const tx_encoder_dims *d,
                                     int32_t cores, const tx_encoder_weights *w);
tx_status tx_encoder_s8_cluster(const tx_cluster *cl, const tx_ctx *ctx, const tx_encoder_config *cfg,
                                tx_cluster_split split, const tx_encoder_dims *d, const tx_encoder_weights *w,
                                const int8_t *x, int8_t *out);

/* Linear layer on the cluster: x, w and bias are copied into cl->l1 by DMA when they fit it, else
 * read where they are; out is written where it is. The cores split the output columns (a head's
 * columns at a time for the head-major layouts) when there are enough for every core, else the
 * rows. Same result and layouts as tx_linear_s8. */
tx_status tx_linear_s8_cluster(const tx_cluster *cl, const tx_linear_params *params, int32_t S,
                               int32_t K, int32_t N, const int8_t *x, const int8_t *w,
                               const int32_t *bias, int8_t *out);

#ifdef __cplusplus
}
#endif
#endif /* TINYTX_CLUSTER_H */
