/* RV32 counters: mcycle and minstret, 64 bits read as hi/lo/hi (see cycles.h). */
#include "tinytx/firmware/cycles.h"

#define TX_READ_CSR64(lo_csr, hi_csr, out)                                         \
    do {                                                                           \
        uint32_t hi0, lo, hi1;                                                     \
        do {                                                                       \
            __asm__ volatile("csrr %0, " #hi_csr : "=r"(hi0));                     \
            __asm__ volatile("csrr %0, " #lo_csr : "=r"(lo));                      \
            __asm__ volatile("csrr %0, " #hi_csr : "=r"(hi1));                     \
        } while (hi0 != hi1);                                                      \
        (out) = ((uint64_t)hi1 << 32) | lo;                                        \
    } while (0)

void tx_counters_init(uint32_t systick_reload)
{
    (void)systick_reload;
    /* mcountinhibit (priv. spec 1.11) = 0: cycle and instret count; harmless where absent
     * only if the CSR exists, so it is left at its reset value (0) instead of written. */
}

unsigned tx_counters_available(void)
{
    return TX_CNT_CYCLES | TX_CNT_INSTRUCTIONS | TX_CNT_TICKS;
}

void tx_counters_read(tx_counters *c)
{
    uint64_t cyc, ins;
    TX_READ_CSR64(mcycle, mcycleh, cyc);
    TX_READ_CSR64(minstret, minstreth, ins);
    c->cycles = cyc;
    c->instructions = ins;
    c->ticks = cyc;
}
