/* Examples of the values emit_c fills into its templates (network_sources.cpp, network_ends.cpp),
 * forced in with -include for emit_c.c_template.network_*: a toy model of one layer. Each test
 * defines one TX_EXAMPLE_ENDS_<ends> (CMakeLists.txt), the ends the parts of this folder choose. */
#define TX_FILL_MODEL example
#define TX_FILL_SCHEDULE 0123456789abcdef
#define TX_FILL_NAME example 0123456789abcdef
#define TX_FILL_LAYERS 1u
#define TX_FILL_SEQ_LEN 4u
#define TX_FILL_EMBED_DIM 8u
#define TX_FILL_IO_TEXT input: ... output: ...
#define TX_FILL_INPUT_TOKENS 4u
#define TX_FILL_INPUT_FEATURES 8u
#define TX_FILL_INPUT_COUNT 32u
#define TX_FILL_INPUT_SCALE 0.05f
#define TX_FILL_LAYERS_BYTES 32u
#define TX_FILL_WEIGHTS_BYTES 2048u
#define TX_FILL_ARENA_BYTES 256u
#define TX_FILL_STACK_WORDS not measured
#define TX_FILL_STACK_BYTES 0u
#define TX_FILL_SCRATCH_OFFSET 64u
#define TX_FILL_SCRATCH_BYTES 192u
#define TX_FILL_EXPECTED_CRC32 0x01234567u
#define TX_FILL_VARIANT 0
#define TX_FILL_VARIANT_NAME ref

#if TX_EXAMPLE_ENDS_head_rows_norm || TX_EXAMPLE_ENDS_head_pooled_norm
#define TX_FILL_OUTPUT_COUNT 3u
#define TX_FILL_OUTPUT_TYPE int32_t
#define TX_FILL_OUTPUT_BYTES 12u
#define TX_FILL_OUTPUT_SCALE 0.001f
#define TX_FILL_F32_OUTPUT y[TX_NETWORK_OUTPUT_COUNT]
#else
#define TX_FILL_OUTPUT_COUNT 32u
#define TX_FILL_OUTPUT_TYPE int8_t
#define TX_FILL_OUTPUT_BYTES 32u
#define TX_FILL_OUTPUT_SCALE 0.0625f
#define TX_FILL_F32_OUTPUT *y = (int8_t *)(arena + TX_MODEL_OUTPUT_OFFSET)
#endif

#if TX_EXAMPLE_ENDS_final_norm || TX_EXAMPLE_ENDS_head_rows_norm
#define TX_FILL_QUANTIZED_WHERE the embedding writes the input slot
#define TX_FILL_QUANTIZED_OFFSET TX_MODEL_ACT1_OFFSET
#else
#define TX_FILL_QUANTIZED_WHERE straight into the input slot
#define TX_FILL_QUANTIZED_OFFSET TX_MODEL_INPUT_OFFSET
#endif

#if TX_EXAMPLE_ENDS_head_rows_norm
#define TX_FILL_POOL TX_POOL_MEAN
#define TX_FILL_POOLED_ROWS z
#define TX_FILL_HEAD_BIAS tx_head_bh
#else
#define TX_FILL_POOL TX_POOL_FIRST
#define TX_FILL_POOLED_ROWS y
#define TX_FILL_HEAD_BIAS NULL
#endif
