/* The template network.c takes in place of this file: input_embed.c with an embedding, else
 * input_copy.c. */
#if TX_EXAMPLE_ENDS_final_norm || TX_EXAMPLE_ENDS_head_rows_norm
#include "input_embed.c"
#else
#include "input_copy.c"
#endif
