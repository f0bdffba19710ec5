/* The measurement harness (ARCHITECTURE.md "Measurement"): one call measures `repeats` runs of a
 * kernel invocation between the tx_bench_begin/tx_bench_end markers, with counters, stack and
 * arena painting, the output CRC, and publishes the record in the mailbox.
 *
 * Sequence per configuration (what the apps do):
 *   tx_bench_arena_paint(bytes)   paint the arena's first `bytes` (the layout plus a margin)
 *   copy the inputs into the arena
 *   tx_bench_measure(...)         paint the stack, begin, run xN, end, scan, CRC, mailbox
 */
#ifndef TX_FW_BENCH_H
#define TX_FW_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include "tinytx/firmware/cycles.h"
#include "tinytx/kernels.h"

typedef tx_status (*tx_bench_fn)(void *user);

typedef struct {
    uint32_t config_id;
    const char *config;     /* description for the mailbox (truncated to 63 characters) */
    size_t layout_bytes;    /* arena bytes the configuration may touch (inputs, outputs, scratch) */
    size_t scratch_offset;  /* where the kernel scratch starts in the arena */
    size_t scratch_size;
    const void *out;        /* CRC-32 of out[0 .. out_bytes) after the run */
    size_t out_bytes;
} tx_bench_spec;

typedef struct {
    tx_status status;
    uint32_t repeats;
    uint32_t flags;          /* TX_MB_F_* */
    uint64_t cycles;         /* per run (total / repeats) */
    uint64_t instructions;   /* per run: minstret, or SysTick ticks x 40 under QEMU, else 0 */
    uint64_t ticks;          /* per run */
    uint32_t stack_peak;     /* bytes */
    uint32_t arena_peak;     /* bytes from the arena start */
    uint32_t scratch_peak;   /* bytes from the scratch start */
    int scratch_overrun;     /* the run wrote past layout_bytes */
    uint32_t crc;
} tx_bench_result;

/* Starts the counters and measures the harness's own overhead (subtracted from every result). */
void tx_bench_init(void);

/* Paints the arena's first `bytes` plus a margin (to catch writes past the layout). */
void tx_bench_arena_paint(size_t bytes);

void tx_bench_measure(const tx_bench_spec *spec, tx_bench_fn fn, void *user, tx_bench_result *r);

#endif
