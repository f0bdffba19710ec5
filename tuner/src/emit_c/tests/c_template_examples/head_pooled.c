/* What output_head.c takes in place of this file: head_pooled_norm.c with a final LayerNorm of the
 * pooled row, else nothing. */
#if TX_EXAMPLE_ENDS_head_pooled_norm
#include "head_pooled_norm.c"
#endif
