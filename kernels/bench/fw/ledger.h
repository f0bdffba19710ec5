/* The arena rule, one for every implementation: a tensor counts from the step that writes it to
 * the last step that reads it; a library call is one step and its scratch counts during it. The
 * arena of a composition is the largest sum of live bytes over its steps (weights, biases and
 * quantization constants are not arena: they live in flash). */
#ifndef TXB_LEDGER_H
#define TXB_LEDGER_H

#include <stddef.h>

typedef struct {
    size_t live;
    size_t peak;
} txb_ledger;

static inline void txb_ledger_alloc(txb_ledger *l, size_t bytes)
{
    l->live += bytes;
    if (l->live > l->peak)
        l->peak = l->live;
}

static inline void txb_ledger_free(txb_ledger *l, size_t bytes)
{
    l->live -= bytes;
}

#endif
