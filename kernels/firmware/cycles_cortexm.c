/* Cortex-M counters: DWT CYCCNT and a 64-bit SysTick (see cycles.h). */
#include "tinytx/firmware/cycles.h"

#define TX_REG(a) (*(volatile uint32_t *)(uintptr_t)(a))

#define TX_DEMCR TX_REG(0xE000EDFCu)
#define TX_DEMCR_TRCENA (1u << 24)
#define TX_DWT_CTRL TX_REG(0xE0001000u)
#define TX_DWT_CYCCNT TX_REG(0xE0001004u)
#define TX_DWT_LAR TX_REG(0xE0001FB0u) /* Cortex-M7: the DWT is locked after reset */
#define TX_DWT_CTRL_CYCCNTENA (1u << 0)

#define TX_SYST_CSR TX_REG(0xE000E010u)
#define TX_SYST_RVR TX_REG(0xE000E014u)
#define TX_SYST_CVR TX_REG(0xE000E018u)
#define TX_SYST_CSR_ENABLE (1u << 0)
#define TX_SYST_CSR_TICKINT (1u << 1)
#define TX_SYST_CSR_CLKSOURCE (1u << 2) /* processor clock */
#define TX_ICSR TX_REG(0xE000ED04u)
#define TX_ICSR_PENDSTSET (1u << 26)
#define TX_SHPR3 TX_REG(0xE000ED20u)

static volatile uint64_t tx_systick_base; /* ticks counted by completed reloads */
static uint32_t tx_systick_period;        /* reload + 1 */
static unsigned tx_counters_flags;

void SysTick_Handler(void);
void SysTick_Handler(void)
{
    tx_systick_base += tx_systick_period;
}

void tx_counters_init(uint32_t systick_reload)
{
    if (systick_reload == 0 || systick_reload > 0xFFFFFFu)
        systick_reload = 0xFFFFFFu;

    /* DWT cycle counter */
    TX_DEMCR |= TX_DEMCR_TRCENA;
    TX_DWT_LAR = 0xC5ACCE55u;
    TX_DWT_CYCCNT = 0;
    TX_DWT_CTRL |= TX_DWT_CTRL_CYCCNTENA;

    /* SysTick: lowest priority, processor clock, interrupt on every reload */
    TX_SYST_CSR = 0;
    tx_systick_period = systick_reload + 1u;
    tx_systick_base = 0;
    TX_SHPR3 |= 0xFFu << 24;
    TX_SYST_RVR = systick_reload;
    TX_SYST_CVR = 0;
    TX_SYST_CSR = TX_SYST_CSR_CLKSOURCE | TX_SYST_CSR_TICKINT | TX_SYST_CSR_ENABLE;

    /* does CYCCNT run? (it reads 0 under QEMU) */
    uint32_t c0 = TX_DWT_CYCCNT;
    for (volatile int i = 0; i < 16; ++i) {
    }
    uint32_t c1 = TX_DWT_CYCCNT;
    tx_counters_flags = TX_CNT_TICKS | (c1 != c0 ? TX_CNT_CYCLES : 0u);
}

unsigned tx_counters_available(void)
{
    return tx_counters_flags;
}

static uint64_t tx_systick_read(void)
{
    uint32_t primask;
    __asm__ volatile("mrs %0, primask\n\tcpsid i" : "=r"(primask)::"memory");
    uint32_t v = TX_SYST_CVR;
    uint64_t base = tx_systick_base;
    if (TX_ICSR & TX_ICSR_PENDSTSET) {
        /* wrapped, interrupt not yet taken: count the reload here, re-read after the wrap */
        v = TX_SYST_CVR;
        base += tx_systick_period;
    }
    __asm__ volatile("msr primask, %0" ::"r"(primask) : "memory");
    return base + (uint64_t)(tx_systick_period - 1u - v);
}

void tx_counters_read(tx_counters *c)
{
    c->cycles = TX_DWT_CYCCNT;
    c->ticks = tx_systick_read();
    c->instructions = 0;
}
