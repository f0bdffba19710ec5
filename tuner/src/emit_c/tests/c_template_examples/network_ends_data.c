/* An example of ends_data (network_ends.cpp), the part network.c takes: the data of the ends the
 * test chose. */
#if TX_EXAMPLE_ENDS_final_norm || TX_EXAMPLE_ENDS_head_rows_norm
static const int8_t tx_prelude_we[64] = {1};
static const tx_embed_params tx_prelude = {tx_prelude_we, NULL, {1073741824, 39, NULL, NULL}, NULL, NULL, {0, 0, 0}};
#endif
#if !TX_EXAMPLE_ENDS_plain
static const int8_t tx_final_norm_gamma[8] = {1, 1, 1, 1, 1, 1, 1, 1};
static const int32_t tx_final_norm_beta[8] = {0};
static const tx_layernorm_params tx_final_norm = {tx_final_norm_gamma, tx_final_norm_beta, {1073741824, 41, NULL, NULL}};
#endif
#if TX_EXAMPLE_ENDS_head_rows_norm || TX_EXAMPLE_ENDS_head_pooled_norm
static const int8_t tx_head_wh[24] = {1};
#endif
#if TX_EXAMPLE_ENDS_head_rows_norm
static const int32_t tx_head_bh[3] = {0};
#endif
