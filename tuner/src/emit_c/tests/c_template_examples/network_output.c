/* The template network.c takes in place of this file, after the ends the test chose. */
#if TX_EXAMPLE_ENDS_plain
#include "output_copy.c"
#elif TX_EXAMPLE_ENDS_final_norm
#include "output_final_norm.c"
#else
#include "output_head.c"
#endif
