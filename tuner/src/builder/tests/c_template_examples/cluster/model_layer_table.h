/* An example of the generated layer table of templates/model_layers.c (codegen.cpp c_layer_table):
 * a layer on an 8-core cluster, one on the fabric core. */
#define TX_MODEL_CLUSTER 1
#define TX_MODEL_CLUSTER_L1_BYTES 1024u
#define TX_MODEL_GEMM_IMPLS \
    [TX_VARIANT_RV32] = TX_GEMM_IMPL_RV32,
#define TX_MODEL_LAYER_ROWS \
    {{{TX_ATTN_STANDARD, TX_MHSA_HEADWISE, 0}, 0, TX_NORM_PRE}, TX_VARIANT_RV32, 0u, 32u, 64u, 448u, 8, TX_SPLIT_HEADS}, \
    {{{TX_ATTN_STANDARD, TX_MHSA_LAYERWISE, 0}, 0, TX_NORM_PRE}, TX_VARIANT_RV32, 32u, 0u, 64u, 448u, 0, TX_SPLIT_ROWS},
