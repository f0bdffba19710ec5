/* Performance counters of the running core, read around a measured region.
 *
 * Cortex-M: `cycles` is DWT CYCCNT (32 bits, extended to 64 in software between reads is NOT
 * attempted: one measured region must stay under 2^32 cycles, 8.9 s at 480 MHz); `ticks` is
 * SysTick on the processor clock, extended to 64 bits by counting reloads in its interrupt.
 * On a board ticks == cycles. Under QEMU, DWT is not emulated (CYCCNT stays 0) and SysTick runs
 * from the emulated 25 MHz clock: with -icount shift=0 one instruction is 1 ns, so one tick is
 * TX_QEMU_MPS2_INSNS_PER_TICK (40) instructions (calibrated by fw_selftest on both machines).
 * RV32: `cycles` is mcycle, `instructions` is minstret, `ticks` is mcycle; under QEMU with
 * -icount shift=0 both count retired instructions exactly (fw_selftest checks this too). */
#ifndef TX_FW_CYCLES_H
#define TX_FW_CYCLES_H

#include <stdint.h>

typedef struct {
    uint64_t cycles;       /* core clock cycles; 0 where the core has no running cycle counter */
    uint64_t instructions; /* retired instructions where the core counts them, else 0 */
    uint64_t ticks;        /* the second counter (SysTick / mcycle) */
} tx_counters;

/* what tx_counters_available() reports */
enum {
    TX_CNT_CYCLES = 1u << 0,       /* `cycles` counts */
    TX_CNT_INSTRUCTIONS = 1u << 1, /* `instructions` counts (a hardware retired-instruction counter) */
    TX_CNT_TICKS = 1u << 2,        /* `ticks` counts */
};

/* SysTick ticks of the QEMU mps2 boards (25 MHz) per instruction at -icount shift=0 */
#define TX_QEMU_MPS2_INSNS_PER_TICK 40u

/* Starts the counters. systick_reload: SysTick reload value (0 = the maximum, 0xFFFFFF); a
 * small value makes the reload interrupt frequent, which the self-test uses to test the 64-bit
 * extension. Ignored on RV32. */
void tx_counters_init(uint32_t systick_reload);
unsigned tx_counters_available(void);
void tx_counters_read(tx_counters *c);

/* c = b - a, field by field */
void tx_counters_diff(const tx_counters *a, const tx_counters *b, tx_counters *c);

#endif
