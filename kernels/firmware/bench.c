/* The measurement harness (see bench.h). */
#include "tinytx/firmware/bench.h"

#include "paint.h"
#include "tinytx/firmware/arena.h"
#include "tinytx/firmware/mailbox.h"

/* painted past the layout to catch writes beyond what the configuration declared */
#define TX_ARENA_MARGIN 1024u

static tx_counters tx_bench_overhead;
static size_t tx_bench_painted;

static tx_status tx_bench_nop(void *user)
{
    (void)user;
    return TX_OK;
}

static void tx_bench_window(tx_bench_fn fn, void *user, uint32_t repeats, tx_counters *d,
                            tx_status *st)
{
    tx_counters a, b;
    tx_status s = TX_OK;
    tx_bench_begin();
    tx_counters_read(&a);
    for (uint32_t i = 0; i < repeats && s == TX_OK; ++i)
        s = fn(user);
    tx_counters_read(&b);
    tx_bench_end();
    tx_counters_diff(&a, &b, d);
    *st = s;
}

void tx_bench_init(void)
{
    tx_counters_init(0);
    tx_status st;
    tx_bench_window(tx_bench_nop, 0, 1, &tx_bench_overhead, &st);
}

void tx_bench_arena_paint(size_t bytes)
{
    size_t n = (bytes + TX_ARENA_MARGIN + 3u) & ~(size_t)3u;
    size_t cap = tx_fw_arena_size() & ~(size_t)3u;
    tx_bench_painted = n < cap ? n : cap;
    tx_paint(tx_fw_arena(), tx_bench_painted);
}

static uint64_t tx_sub_sat(uint64_t a, uint64_t b)
{
    return a > b ? a - b : 0;
}

static void tx_copy_config(const char *s)
{
    unsigned i = 0;
    if (s) {
        for (; s[i] && i < TX_MAILBOX_CONFIG_LEN - 1; ++i)
            tx_mailbox.config[i] = s[i];
    }
    tx_mailbox.config[i] = '\0';
}

void tx_bench_measure(const tx_bench_spec *spec, tx_bench_fn fn, void *user, tx_bench_result *r)
{
    uint32_t repeats = tx_mailbox.repeats ? tx_mailbox.repeats : 1u;
    tx_mailbox.state = TX_MB_RUNNING;
    tx_mailbox.config_id = spec->config_id;
    tx_copy_config(spec->config);

    tx_counters d;
    tx_status st;
    uintptr_t sp = tx_stack_paint();
    tx_bench_window(fn, user, repeats, &d, &st);
    int overflow = 0;
    size_t stack = tx_stack_used(sp, &overflow);
    size_t arena = tx_paint_high_water(tx_fw_arena(), tx_bench_painted);

    unsigned avail = tx_counters_available();
    uint32_t flags = overflow ? TX_MB_F_STACK_OVERFLOW : 0u;
    d.cycles = tx_sub_sat(d.cycles, tx_bench_overhead.cycles);
    d.ticks = tx_sub_sat(d.ticks, tx_bench_overhead.ticks);
    d.instructions = tx_sub_sat(d.instructions, tx_bench_overhead.instructions);
    uint64_t insns = 0;
    if (avail & TX_CNT_CYCLES)
        flags |= TX_MB_F_CYCLES;
    if (avail & TX_CNT_INSTRUCTIONS) {
        flags |= TX_MB_F_INSTRUCTIONS;
        insns = d.instructions;
    } else if (!(avail & TX_CNT_CYCLES)) {
        /* a Cortex-M without a running DWT: QEMU; see cycles.h */
        flags |= TX_MB_F_INSN_FROM_TICKS;
        insns = d.ticks * TX_QEMU_MPS2_INSNS_PER_TICK;
    }

    r->status = st;
    r->repeats = repeats;
    r->flags = flags;
    r->cycles = d.cycles / repeats;
    r->ticks = d.ticks / repeats;
    r->instructions = insns / repeats;
    r->stack_peak = (uint32_t)stack;
    r->arena_peak = (uint32_t)arena;
    r->scratch_peak = arena > spec->scratch_offset ? (uint32_t)(arena - spec->scratch_offset) : 0u;
    r->scratch_overrun = arena > spec->layout_bytes;
    r->crc = spec->out ? tx_crc32(spec->out, spec->out_bytes) : 0u;

    tx_mailbox.status = st;
    tx_mailbox.flags = flags;
    tx_mailbox.crc32 = r->crc;
    tx_mailbox.cycles = d.cycles;
    tx_mailbox.instructions = insns;
    tx_mailbox.ticks = d.ticks;
    tx_mailbox.stack_peak = r->stack_peak;
    tx_mailbox.arena_peak = r->arena_peak;
    tx_mailbox.scratch_size = (uint32_t)spec->scratch_size;
    tx_mailbox.scratch_peak = r->scratch_peak;
    tx_mailbox.state = (st == TX_OK && !overflow && !r->scratch_overrun) ? TX_MB_DONE : TX_MB_FAILED;
    tx_mailbox.seq = tx_mailbox.seq + 1u;
    tx_bench_done();
}
