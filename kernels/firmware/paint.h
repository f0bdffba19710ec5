/* Memory painting: fill a region with a known word pattern before a run, find how far the run
 * wrote into it afterwards. Word granularity: a touched word is missed only if it was written
 * with the pattern itself (probability 2^-32 per word); peaks are rounded up to 4 bytes. */
#ifndef TX_FW_PAINT_H
#define TX_FW_PAINT_H

#include <stddef.h>
#include <stdint.h>

#define TX_PAINT_WORD 0xC5A3E1F7u

/* region [base, base + bytes); base 4-byte aligned, bytes a multiple of 4 */
void tx_paint(void *base, size_t bytes);
/* bytes from `base` up to and including the last touched word (0 if none) */
size_t tx_paint_high_water(const void *base, size_t bytes);
/* bytes from the first touched word up to `base + bytes` (0 if none): for downward stacks */
size_t tx_paint_low_water(const void *base, size_t bytes);

/* The stack region (linker symbols __stack_bottom .. __stack_top). tx_stack_paint paints from the
 * bottom up to a little below the caller's stack pointer and returns that pointer; after the run
 * tx_stack_used(end) returns the bytes used below the painter's stack pointer (the harness's, to
 * within a few bytes of its own frame), and *overflow whether the bottom word was touched. */
uintptr_t tx_stack_paint(void);
size_t tx_stack_used(uintptr_t sp, int *overflow);

#endif
