/* GAP9 cluster counters on pulp-open: mcycle for cycles (wall-clock cycles of the core, also
 * while it sleeps in a barrier) and the PULP performance counter of instructions (GVSoC has no
 * minstret). Both are 32 bits there (no mcycleh); they are extended to 64 bits in software, which
 * holds while two reads are less than 2^32 cycles apart. */
#include "tinytx/firmware/cycles.h"

#include "pulp_open.h"

static uint32_t tx_last_cycles, tx_last_instr;
static uint64_t tx_cycles64, tx_instr64;

/* the cluster runtime turned every counter on (tx_gap9_cluster_init) */
void tx_counters_init(uint32_t systick_reload)
{
    (void)systick_reload;
}

unsigned tx_counters_available(void)
{
    return TX_CNT_CYCLES | TX_CNT_INSTRUCTIONS | TX_CNT_TICKS;
}

void tx_counters_read(tx_counters *c)
{
    uint32_t cyc, ins;
    __asm__ volatile("csrr %0, mcycle" : "=r"(cyc));
    __asm__ volatile("csrr %0, 0x781" : "=r"(ins)); /* 0x780 + TX_PO_PC_INSTR */
    tx_cycles64 += (uint32_t)(cyc - tx_last_cycles);
    tx_instr64 += (uint32_t)(ins - tx_last_instr);
    tx_last_cycles = cyc;
    tx_last_instr = ins;
    c->cycles = tx_cycles64;
    c->instructions = tx_instr64;
    c->ticks = tx_cycles64;
}
