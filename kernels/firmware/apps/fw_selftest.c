/* fw_selftest: checks the measurement machinery itself on each emulated machine.
 *  1. Instruction-count calibration: loops of known instruction count, measured with the
 *     counters. Differences of two loop lengths cancel the call overhead.
 *     Cortex-M (QEMU mps2, -icount shift=0): SysTick must advance one tick per 40 instructions.
 *     RV32 (QEMU virt, -icount shift=0): minstret and mcycle must both equal the instruction count;
 *     GAP9 (the pulp backend's cycle model): minstret is exact, mcycle counts at least one cycle
 *     per instruction.
 *  2. Cortex-M: the 64-bit SysTick extension across reloads (short reload period).
 *  3. The harness: stack painting sees a known stack frame, arena painting a known write,
 *     and writes past the declared layout are flagged.
 * Prints CAL/CHECK lines, exits 0 when every check passes. */
#include <stdint.h>

#include "startup.h"
#include "tinytx/firmware/arena.h"
#include "tinytx/firmware/bench.h"
#include "tinytx/firmware/console.h"
#include "tinytx/firmware/cycles.h"
#include "tinytx/firmware/mailbox.h"

static int tx_failures;

static void tx_check(const char *what, int ok)
{
    tx_puts(ok ? "CHECK ok   " : "CHECK FAIL ");
    tx_puts(what);
    tx_putc('\n');
    if (!ok)
        ++tx_failures;
}

/* 2 instructions per iteration */
__attribute__((noinline)) static void tx_loop2(uint32_t n)
{
#if defined(__arm__)
    __asm__ volatile("1: subs %0, %0, #1\n\t"
                     "bne 1b"
                     : "+r"(n)::"cc");
#else
    __asm__ volatile("1: addi %0, %0, -1\n\t"
                     "bnez %0, 1b"
                     : "+r"(n));
#endif
}

/* 5 instructions per iteration, two of them memory accesses */
__attribute__((noinline)) static void tx_loop5(uint32_t n)
{
    volatile uint32_t cell = 1;
    uint32_t t = 0, acc = 0;
#if defined(__arm__)
    __asm__ volatile("1: ldr %1, [%3]\n\t"
                     "add %2, %2, %1\n\t"
                     "str %2, [%3]\n\t"
                     "subs %0, %0, #1\n\t"
                     "bne 1b"
                     : "+r"(n), "+r"(t), "+r"(acc)
                     : "r"(&cell)
                     : "cc", "memory");
#else
    __asm__ volatile("1: lw %1, 0(%3)\n\t"
                     "add %2, %2, %1\n\t"
                     "sw %2, 0(%3)\n\t"
                     "addi %0, %0, -1\n\t"
                     "bnez %0, 1b"
                     : "+r"(n), "+r"(t), "+r"(acc)
                     : "r"(&cell)
                     : "memory");
#endif
}

typedef void (*tx_loop_fn)(uint32_t);

static void tx_measure_loop(tx_loop_fn f, uint32_t n, tx_counters *d)
{
    tx_counters a, b;
    tx_counters_read(&a);
    f(n);
    tx_counters_read(&b);
    tx_counters_diff(&a, &b, d);
}

__attribute__((unused)) static uint64_t tx_absdiff(uint64_t a, uint64_t b)
{
    return a > b ? a - b : b - a;
}

static void tx_calibrate(const char *name, tx_loop_fn f, uint32_t per_iter, uint32_t n1,
                         uint32_t n2)
{
    tx_counters d1, d2;
    tx_measure_loop(f, n1, &d1);
    tx_measure_loop(f, n2, &d2);
    const uint64_t insns = (uint64_t)per_iter * (n2 - n1);
    tx_puts("CAL loop=");
    tx_puts(name);
    tx_put_kv_u64("insns", insns);
    tx_put_kv_u64("ticks", d2.ticks - d1.ticks);
    tx_put_kv_u64("cycles", d2.cycles - d1.cycles);
    tx_put_kv_u64("instret", d2.instructions - d1.instructions);
    tx_put_kv_u64("overhead_ticks", d1.ticks - (uint64_t)per_iter * n1 /
#if defined(__arm__)
                                                  TX_QEMU_MPS2_INSNS_PER_TICK
#else
                                                  1u
#endif
    );
    /* instructions per tick, x1000 */
    uint64_t dt = d2.ticks - d1.ticks;
    tx_put_kv_u64("insns_per_tick_x1000", dt ? insns * 1000u / dt : 0);
    tx_putc('\n');
#if defined(__arm__)
    if (tx_counters_available() & TX_CNT_CYCLES) {
        /* a board: SysTick runs on the processor clock, as CYCCNT does */
        tx_check("systick ticks = DWT cycles", tx_absdiff(dt, d2.cycles - d1.cycles) <= 64u);
    } else {
        /* QEMU: +-2 ticks, the two reads land anywhere inside a 40-instruction tick */
        tx_check("systick = insns / 40 under icount shift=0",
                 tx_absdiff(dt * TX_QEMU_MPS2_INSNS_PER_TICK, insns) <=
                     2u * TX_QEMU_MPS2_INSNS_PER_TICK);
    }
#else
    tx_check("minstret counts every instruction exactly",
             d2.instructions - d1.instructions == insns);
#if defined(TX_HAVE_XPULP)
    tx_check("mcycle >= minstret under a cycle model", d2.cycles - d1.cycles >= insns);
#else
    tx_check("mcycle = minstret under icount", d2.cycles - d1.cycles == insns);
#endif
    tx_check("overhead of a counter read pair < 64 instructions",
             d1.instructions - (uint64_t)per_iter * n1 < 64u);
#endif
}

#if defined(__arm__)
static void tx_systick_wrap_test(void)
{
    /* reload period 65536 ticks (2.6 M instructions): a 6 M-instruction loop crosses it twice */
    tx_counters_init(0xFFFFu);
    tx_counters d1, d2;
    const uint32_t n1 = 100000u, n2 = 3100000u;
    tx_measure_loop(tx_loop2, n1, &d1);
    tx_measure_loop(tx_loop2, n2, &d2);
    const uint64_t insns = 2ull * (n2 - n1), dt = d2.ticks - d1.ticks;
    tx_puts("CAL loop=wrap65536");
    tx_put_kv_u64("insns", insns);
    tx_put_kv_u64("ticks", dt);
    tx_putc('\n');
    tx_check("systick 64-bit extension across reloads",
             tx_absdiff(dt * TX_QEMU_MPS2_INSNS_PER_TICK, insns) <= 4u * TX_QEMU_MPS2_INSNS_PER_TICK);
    tx_counters_init(0);
}
#endif

/* ---- harness checks */
#define TX_STACK_PROBE 1000u

__attribute__((noinline)) static tx_status tx_stack_probe(void *user)
{
    volatile uint8_t buf[TX_STACK_PROBE];
    for (unsigned i = 0; i < TX_STACK_PROBE; ++i)
        buf[i] = (uint8_t)i;
    *(volatile uint32_t *)user = buf[TX_STACK_PROBE - 1];
    return TX_OK;
}

typedef struct {
    uint8_t *p;
    uint32_t n;
} tx_fill;

static tx_status tx_arena_probe(void *user)
{
    tx_fill *f = user;
    for (uint32_t i = 0; i < f->n; ++i)
        f->p[i] = (uint8_t)(i * 7u + 1u);
    return TX_OK;
}

static void tx_harness_test(void)
{
    tx_bench_result r;
    volatile uint32_t sink = 0;
    tx_bench_spec spec = {.config_id = 1, .config = "selftest stack", .layout_bytes = 0};
    uint32_t seq0 = tx_mailbox.seq;

    tx_bench_arena_paint(0);
    tx_bench_measure(&spec, tx_stack_probe, (void *)&sink, &r);
    tx_puts("HARNESS stack");
    tx_put_kv_u32("stack_peak", r.stack_peak);
    tx_put_kv_u64("insns", r.instructions);
    tx_putc('\n');
    tx_check("stack painting sees a 1000-byte frame",
             r.stack_peak >= TX_STACK_PROBE && r.stack_peak <= TX_STACK_PROBE + 160u);

    uint8_t *arena = tx_fw_arena();
    tx_fill f = {arena, 1000u};
    spec = (tx_bench_spec){.config_id = 2, .config = "selftest arena", .layout_bytes = 1000u,
                           .scratch_offset = 200u, .scratch_size = 800u, .out = arena,
                           .out_bytes = 1000u};
    tx_bench_arena_paint(1000u);
    tx_bench_measure(&spec, tx_arena_probe, &f, &r);
    tx_puts("HARNESS arena");
    tx_put_kv_u32("arena_peak", r.arena_peak);
    tx_put_kv_u32("scratch_peak", r.scratch_peak);
    tx_put_kv_u64("insns", r.instructions);
    tx_putc('\n');
    tx_check("arena painting sees a 1000-byte write", r.arena_peak == 1000u && r.scratch_peak == 800u);
    tx_check("no overrun flagged inside the layout", !r.scratch_overrun);
    tx_check("mailbox record complete",
             tx_mailbox.state == TX_MB_DONE && tx_mailbox.seq == seq0 + 2u &&
                 tx_mailbox.arena_peak == 1000u && tx_mailbox.config_id == 2u &&
                 tx_mailbox.magic == TX_MAILBOX_MAGIC);

    spec.layout_bytes = 512u;
    tx_bench_arena_paint(512u);
    tx_bench_measure(&spec, tx_arena_probe, &f, &r);
    tx_check("writes past the declared layout are flagged",
             r.scratch_overrun && tx_mailbox.state == TX_MB_FAILED);
}

int main(void)
{
    tx_bench_init();
    unsigned avail = tx_counters_available();
    tx_puts("SELFTEST");
#if defined(__arm__)
    tx_puts(" arch=arm");
#else
    tx_puts(" arch=rv32");
#endif
    tx_put_kv_u32("cycles_counter", (avail & TX_CNT_CYCLES) != 0);
    tx_put_kv_u32("instret_counter", (avail & TX_CNT_INSTRUCTIONS) != 0);
    tx_put_kv_u32("arena_bytes", (uint32_t)tx_fw_arena_size());
    tx_putc('\n');

    tx_calibrate("subs_bne", tx_loop2, 2u, 10000u, 1010000u);
    tx_calibrate("ldr_add_str", tx_loop5, 5u, 10000u, 410000u);
#if defined(__arm__)
    if (!(avail & TX_CNT_CYCLES))
        tx_systick_wrap_test();
#endif
    tx_harness_test();

    tx_puts(tx_failures ? "SELFTEST FAIL failures=" : "SELFTEST PASS failures=");
    tx_put_u32((uint32_t)tx_failures);
    tx_putc('\n');
    return tx_failures ? TX_FW_EXIT_FAIL : TX_FW_EXIT_OK;
}
