/* An example of the generated layer table of templates/model_layers.c (codegen.cpp c_layer_table):
 * single-core layers, two GEMM variants. */
#define TX_MODEL_CLUSTER 0
#define TX_MODEL_GEMM_IMPLS \
    [TX_VARIANT_REF] = TX_GEMM_IMPL_REF, \
    [TX_VARIANT_OPT2X2] = TX_GEMM_IMPL_OPT2X2,
#define TX_MODEL_LAYER_ROWS \
    {{{TX_ATTN_STANDARD, TX_MHSA_HEADWISE, 0}, 0, TX_NORM_POST}, TX_VARIANT_REF, 0u, 32u, 64u, 448u}, \
    {{{TX_ATTN_FUSED, TX_MHSA_DEPTHFIRST, 2}, 8, TX_NORM_POST}, TX_VARIANT_OPT2X2, 32u, 0u, 64u, 448u},
