/* One benchmark run in the arena: input, output and a workspace placed by the harness's bump
 * layout, the input copied in, the run measured by tx_bench_measure (one mailbox record, one
 * emulator window), and one parsable VS line on the console:
 *   VS shape=.. impl=.. mode=.. sched=.. T=.. status=.. crc=0x.. cycles=.. arena=.. touched=..
 *      workspace=.. macs=..
 * `arena` is the ledger rule's figure (ledger.h), `touched` what painting saw written. */
#ifndef TXB_MEASURE_H
#define TXB_MEASURE_H

#include <stddef.h>
#include <stdint.h>

#include "tinytx/firmware/bench.h"

typedef struct {
    const char *shape;   /* the shape's (or operator's) name */
    const char *impl;    /* cmsis-b1, cmsis-b2, tinytx, ... */
    const char *mode;    /* std, fused, - */
    const char *sched;   /* layerwise, headwise, depthfirst, - */
    int32_t tile_rows;
    size_t in_bytes, out_bytes, workspace_bytes;
    size_t arena_rule;   /* bytes by the ledger rule */
    uint64_t macs;       /* multiply-accumulates of the layer (0: not a MAC figure) */
    int in_place;        /* the output overwrites the input (tx_mhsa_s8 allows out == x) */
} txb_run_spec;

/* fn(user, in, workspace, out) returns 0 when fine */
typedef int (*txb_run_fn)(void *user, const int8_t *in, int8_t *ws, int8_t *out);

typedef struct {
    int ok;
    uint32_t crc;
    uint64_t cycles;
} txb_run_result;

void txb_measure(const txb_run_spec *spec, const int8_t *input, txb_run_fn fn, void *user,
                 txb_run_result *res);

#endif
