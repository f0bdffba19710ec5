/* Cortex-M7 L1 caches: invalidate and enable the instruction and data caches, as every
 * performance measurement on an STM32H7 assumes (without them code runs from flash and data from
 * AXI SRAM at bus speed). Called by the startup code before .data is copied, so no dirty line can
 * exist yet. QEMU treats the maintenance operations as no-ops and models no cache. */
#include <stdint.h>

#include "startup.h"

#define TX_REG(a) (*(volatile uint32_t *)(uintptr_t)(a))
#define TX_SCB_CCR TX_REG(0xE000ED14u)
#define TX_SCB_CCR_DC (1u << 16)
#define TX_SCB_CCR_IC (1u << 17)
#define TX_SCB_CCSIDR TX_REG(0xE000ED80u)
#define TX_SCB_CSSELR TX_REG(0xE000ED84u)
#define TX_SCB_ICIALLU TX_REG(0xE000EF50u)
#define TX_SCB_DCISW TX_REG(0xE000EF60u)

static inline void tx_barrier(void)
{
    __asm__ volatile("dsb\n\tisb" ::: "memory");
}

void tx_caches_enable(void)
{
    if (TX_SCB_CCR & TX_SCB_CCR_IC)
        return; /* already on (e.g. a debugger reset without power cycle) */

    tx_barrier();
    TX_SCB_ICIALLU = 0;
    tx_barrier();
    TX_SCB_CCR |= TX_SCB_CCR_IC;
    tx_barrier();

    /* L1 data cache geometry: CCSIDR of level 1, data */
    TX_SCB_CSSELR = 0;
    tx_barrier();
    const uint32_t ccsidr = TX_SCB_CCSIDR;
    const uint32_t sets = ((ccsidr >> 13) & 0x7FFFu) + 1u;
    const uint32_t ways = ((ccsidr >> 3) & 0x3FFu) + 1u;
    const uint32_t line_shift = (ccsidr & 0x7u) + 4u;
    const uint32_t way_shift = ways > 1u ? (uint32_t)__builtin_clz(ways - 1u) : 0u;
    for (uint32_t s = 0; s < sets; ++s) {
        for (uint32_t w = 0; w < ways; ++w)
            TX_SCB_DCISW = (s << line_shift) | (way_shift < 32u ? (w << way_shift) : 0u);
    }
    tx_barrier();
    TX_SCB_CCR |= TX_SCB_CCR_DC;
    tx_barrier();
}
