/* Cortex-M startup: vector table, reset handler (enable the FPU, on Cortex-M7 the L1 caches,
 * copy the mailbox, .data and the weights a schedule puts in RAM, zero .bss, call main, exit
 * through semihosting with main's return value), fault handlers that report and exit with
 * TX_FW_EXIT_FAULT. */
#include <stdint.h>

#include "semihosting.h"
#include "startup.h"
#include "tinytx/firmware/console.h"

extern uint32_t __stack_top[];
extern uint32_t _sidata[], _sdata[], _edata[];     /* .data: load address, run range */
extern uint32_t _simailbox[], _smailbox[], _emailbox[];
extern uint32_t _sbss[], _ebss[];
extern uint32_t __tx_weights_load[], __tx_weights_start[], __tx_weights_end[]; /* weights in RAM */
extern uint32_t __isr_vector_start[];

int main(void);
void Reset_Handler(void);
void tx_fault_handler(void);
void SysTick_Handler(void);

#define TX_REG(a) (*(volatile uint32_t *)(uintptr_t)(a))
#define TX_SCB_VTOR TX_REG(0xE000ED08u)
#define TX_SCB_CPACR TX_REG(0xE000ED88u)
#define TX_SCB_CFSR TX_REG(0xE000ED28u)
#define TX_SCB_HFSR TX_REG(0xE000ED2Cu)

static void tx_copy_words(uint32_t *dst, const uint32_t *src, const uint32_t *end)
{
    if (dst == src)
        return;
    while (dst < end)
        *dst++ = *src++;
}

void Reset_Handler(void)
{
    /* FPU: full access to CP10 and CP11, before any floating-point instruction */
#if defined(__ARM_FP)
    TX_SCB_CPACR |= (0xFu << 20);
    __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
    TX_SCB_VTOR = (uint32_t)(uintptr_t)__isr_vector_start;
#if defined(TX_FW_CACHES)
    tx_caches_enable();
#endif
    tx_copy_words(_smailbox, _simailbox, _emailbox);
    tx_copy_words(_sdata, _sidata, _edata);
    tx_copy_words(__tx_weights_start, __tx_weights_load, __tx_weights_end);
    for (uint32_t *p = _sbss; p < _ebss; ++p)
        *p = 0;
    __asm__ volatile("dsb\n\tisb" ::: "memory");
    tx_sh_exit(main());
}

void tx_fault_handler(void)
{
    uint32_t ipsr;
    __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
    tx_flush();
    tx_puts("FAULT exception=");
    tx_put_u32(ipsr & 0x1FFu);
    tx_puts(" cfsr=");
    tx_put_hex32(TX_SCB_CFSR);
    tx_puts(" hfsr=");
    tx_put_hex32(TX_SCB_HFSR);
    tx_putc('\n');
    tx_sh_exit(TX_FW_EXIT_FAULT);
}

static void tx_unused_handler(void)
{
    tx_fault_handler();
}

/* SysTick_Handler lives in cycles_cortexm.c; the weak default here keeps images that do not
 * link it valid. */
__attribute__((weak)) void SysTick_Handler(void)
{
}

typedef void (*tx_vector)(void);

/* 16 system exceptions + the first 16 external interrupts (none is enabled) */
__attribute__((section(".isr_vector"), used)) const tx_vector tx_vector_table[32] = {
    (tx_vector)(uintptr_t)__stack_top,
    Reset_Handler,
    tx_fault_handler,   /* NMI */
    tx_fault_handler,   /* HardFault */
    tx_fault_handler,   /* MemManage */
    tx_fault_handler,   /* BusFault */
    tx_fault_handler,   /* UsageFault */
    0, 0, 0, 0,
    tx_unused_handler,  /* SVCall */
    tx_unused_handler,  /* DebugMonitor */
    0,
    tx_unused_handler,  /* PendSV */
    SysTick_Handler,
    tx_unused_handler, tx_unused_handler, tx_unused_handler, tx_unused_handler,
    tx_unused_handler, tx_unused_handler, tx_unused_handler, tx_unused_handler,
    tx_unused_handler, tx_unused_handler, tx_unused_handler, tx_unused_handler,
    tx_unused_handler, tx_unused_handler, tx_unused_handler, tx_unused_handler,
};
