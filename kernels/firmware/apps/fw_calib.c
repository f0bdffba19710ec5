/* fw_calib (Cortex-M): the micro-benchmarks `tinytx-agent calibrate` fits a board profile's cycle
 * table and memory wait states to (board-agents/service/calibration.cpp holds the matching
 * instruction counts; docs/CYCLE_MODEL.md the method).
 *
 * Each benchmark is a counted loop whose body is 8 instructions of one class (or 8 accesses to
 * one buffer) followed by `subs` + `bne`. Measurement i of the mailbox's `runs` runs benchmark
 * (i / 2) mod TX_CALIB_COUNT with TX_CALIB_SHORT iterations when i is even and TX_CALIB_LONG when
 * it is odd: the difference of the pair is (LONG - SHORT) iterations of the body alone, the call
 * and harness overhead cancel. Memory benchmarks touch the arena's first 32 bytes (the agent says
 * which board region the arena stands for) or a 32-byte constant table in flash. */
#include <stdint.h>

#include "tinytx/firmware/arena.h"
#include "tinytx/firmware/bench.h"
#include "tinytx/firmware/console.h"
#include "tinytx/firmware/mailbox.h"

#define TX_CALIB_SHORT 16u
#define TX_CALIB_LONG 272u

#define TX_REP8(x) x x x x x x x x
#define TX_LOOP_END "subs %0, %0, #1\n\tbne 1b\n\t"

__attribute__((used)) static const uint32_t tx_calib_flash_table[8] = {1, 2, 3, 4, 5, 6, 7, 8};

typedef void (*tx_calib_fn)(uint32_t n, volatile uint32_t *buf);

__attribute__((noinline)) static void tx_calib_alu8(uint32_t n, volatile uint32_t *buf)
{
    uint32_t a = 1, b = 2;
    (void)buf;
    __asm__ volatile("1:\n\t" TX_REP8("adds %1, %1, %2\n\t") TX_LOOP_END : "+l"(n), "+l"(a) : "l"(b) : "cc");
}

__attribute__((noinline)) static void tx_calib_alu16(uint32_t n, volatile uint32_t *buf)
{
    uint32_t a = 1, b = 2;
    (void)buf;
    __asm__ volatile("1:\n\t" TX_REP8("adds %1, %1, %2\n\tadds %1, %1, %2\n\t") TX_LOOP_END
                     : "+l"(n), "+l"(a) : "l"(b) : "cc");
}

/* compare equal, then a branch to the next instruction that is never taken */
__attribute__((noinline)) static void tx_calib_branch_not_taken(uint32_t n, volatile uint32_t *buf)
{
    uint32_t a = 1;
    (void)buf;
    __asm__ volatile("1:\n\t" TX_REP8("cmp %1, %1\n\tbne 2f\n2:\n\t") TX_LOOP_END : "+l"(n), "+l"(a) : : "cc");
}

/* 8 x `insn` on a (in and out) and b (in): one instruction class per benchmark */
#define TX_CALIB_OP8(fn, insn, a0, b0)                                                               \
    __attribute__((noinline)) static void fn(uint32_t n, volatile uint32_t *buf)                     \
    {                                                                                               \
        uint32_t a = a0, b = b0;                                                                    \
        (void)buf;                                                                                  \
        __asm__ volatile("1:\n\t" TX_REP8(insn "\n\t") TX_LOOP_END : "+r"(n), "+r"(a) : "r"(b) : "cc"); \
    }
TX_CALIB_OP8(tx_calib_mul, "mul %1, %1, %2", 1, 3)
TX_CALIB_OP8(tx_calib_mac, "mla %1, %1, %2, %1", 1, 3)
TX_CALIB_OP8(tx_calib_div, "sdiv %1, %1, %2", 0x7FFFFFFF, 3)
TX_CALIB_OP8(tx_calib_dsp, "sxtb16 %1, %2", 1, 0x00FF0080)

/* two loads of four registers from the arena */
__attribute__((noinline)) static void tx_calib_load_multiple(uint32_t n, volatile uint32_t *buf)
{
    __asm__ volatile("1:\n\tldm %1, {r4, r5, r6, r12}\n\tldm %1, {r4, r5, r6, r12}\n\t" TX_LOOP_END
                     : "+r"(n) : "r"(buf) : "r4", "r5", "r6", "r12", "cc", "memory");
}

#define TX_LDR8 "ldr %1, [%2]\n\tldr %1, [%2, #4]\n\tldr %1, [%2, #8]\n\tldr %1, [%2, #12]\n\t" \
                "ldr %1, [%2, #16]\n\tldr %1, [%2, #20]\n\tldr %1, [%2, #24]\n\tldr %1, [%2, #28]\n\t"

__attribute__((noinline)) static void tx_calib_load(uint32_t n, volatile uint32_t *buf)
{
    uint32_t v;
    __asm__ volatile("1:\n\t" TX_LDR8 TX_LOOP_END : "+r"(n), "=&r"(v) : "r"(buf) : "cc", "memory");
    (void)v;
}

__attribute__((noinline)) static void tx_calib_store(uint32_t n, volatile uint32_t *buf)
{
    const uint32_t v = 5;
    __asm__ volatile("1:\n\tstr %1, [%2]\n\tstr %1, [%2, #4]\n\tstr %1, [%2, #8]\n\tstr %1, [%2, #12]\n\t"
                     "str %1, [%2, #16]\n\tstr %1, [%2, #20]\n\tstr %1, [%2, #24]\n\tstr %1, [%2, #28]\n\t" TX_LOOP_END
                     : "+r"(n) : "r"(v), "r"(buf) : "cc", "memory");
}

__attribute__((noinline)) static void tx_calib_flash_load(uint32_t n, volatile uint32_t *buf)
{
    uint32_t v;
    (void)buf;
    __asm__ volatile("1:\n\t" TX_LDR8 TX_LOOP_END : "+r"(n), "=&r"(v) : "r"(tx_calib_flash_table) : "cc", "memory");
    (void)v;
}

/* the order calibration.cpp's table follows */
static const struct {
    const char *name;
    tx_calib_fn fn;
} tx_calib_benchmarks[] = {
    {"alu8", tx_calib_alu8},       {"alu16", tx_calib_alu16}, {"branch_not_taken", tx_calib_branch_not_taken},
    {"mul", tx_calib_mul},         {"mac", tx_calib_mac},     {"div", tx_calib_div},
    {"dsp", tx_calib_dsp},         {"load_multiple", tx_calib_load_multiple},
    {"load", tx_calib_load},       {"store", tx_calib_store}, {"flash_load", tx_calib_flash_load},
};
#define TX_CALIB_COUNT (sizeof tx_calib_benchmarks / sizeof tx_calib_benchmarks[0])

typedef struct {
    tx_calib_fn fn;
    uint32_t n;
    volatile uint32_t *buf;
} tx_calib_call;

static tx_status tx_calib_run(void *user)
{
    const tx_calib_call *c = (const tx_calib_call *)user;
    c->fn(c->n, c->buf);
    return TX_OK;
}

int main(void)
{
    volatile uint32_t *buf = (volatile uint32_t *)tx_fw_arena();
    tx_bench_init();
    const uint32_t runs = tx_mailbox.runs ? tx_mailbox.runs : 1u;
    for (uint32_t i = 0; i < runs; ++i) {
        const uint32_t b = (i / 2) % TX_CALIB_COUNT;
        const tx_calib_call call = {tx_calib_benchmarks[b].fn, (i & 1) ? TX_CALIB_LONG : TX_CALIB_SHORT, buf};
        /* no output: the benchmarks compute nothing (a CRC would differ between them) */
        const tx_bench_spec spec = {.config_id = i, .config = tx_calib_benchmarks[b].name, .layout_bytes = 32};
        tx_bench_result r;
        tx_bench_arena_paint(32);
        tx_bench_measure(&spec, tx_calib_run, (void *)&call, &r);
    }
    tx_puts("calibration image: done\n");
    return 0;
}
