/* Architecture-independent helpers of the counter interface. */
#include "tinytx/firmware/cycles.h"

void tx_counters_diff(const tx_counters *a, const tx_counters *b, tx_counters *c)
{
#if defined(__arm__)
    /* DWT CYCCNT is 32 bits: the difference is taken modulo 2^32 */
    c->cycles = (uint32_t)(b->cycles - a->cycles);
#else
    c->cycles = b->cycles - a->cycles;
#endif
    c->instructions = b->instructions - a->instructions;
    c->ticks = b->ticks - a->ticks;
}
