/* The template output_head.c takes in place of this file: head_rows_norm.c with a final LayerNorm
 * before mean pooling, else head_rows_as_is.c. */
#if TX_EXAMPLE_ENDS_head_rows_norm
#include "head_rows_norm.c"
#else
#include "head_rows_as_is.c"
#endif
