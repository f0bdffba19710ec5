/* Stack and arena painting (see paint.h). */
#include "paint.h"

extern uint32_t __stack_bottom[];

/* Bytes left unpainted just below the stack pointer of tx_stack_paint: its own frame and
 * anything an interrupt could push in between. */
#define TX_STACK_GUARD 64u

void tx_paint(void *base, size_t bytes)
{
    volatile uint32_t *p = base;
    for (size_t i = 0; i < bytes / 4u; ++i)
        p[i] = TX_PAINT_WORD;
}

size_t tx_paint_high_water(const void *base, size_t bytes)
{
    const volatile uint32_t *p = base;
    size_t n = bytes / 4u;
    while (n > 0 && p[n - 1] == TX_PAINT_WORD)
        --n;
    return n * 4u;
}

size_t tx_paint_low_water(const void *base, size_t bytes)
{
    const volatile uint32_t *p = base;
    size_t n = bytes / 4u, i = 0;
    while (i < n && p[i] == TX_PAINT_WORD)
        ++i;
    return (n - i) * 4u;
}

static inline uintptr_t tx_sp(void)
{
    uintptr_t sp;
#if defined(__arm__)
    __asm__ volatile("mov %0, sp" : "=r"(sp));
#elif defined(__riscv)
    __asm__ volatile("mv %0, sp" : "=r"(sp));
#else
#error "unknown architecture"
#endif
    return sp;
}

__attribute__((noinline)) uintptr_t tx_stack_paint(void)
{
    uintptr_t sp = tx_sp();
    uintptr_t end = (sp - TX_STACK_GUARD) & ~(uintptr_t)3u;
    uintptr_t bottom = (uintptr_t)__stack_bottom;
    if (end > bottom)
        tx_paint(__stack_bottom, end - bottom);
    return end;
}

size_t tx_stack_used(uintptr_t sp, int *overflow)
{
    uintptr_t bottom = (uintptr_t)__stack_bottom;
    size_t painted = sp > bottom ? sp - bottom : 0;
    size_t used = tx_paint_low_water(__stack_bottom, painted);
    if (overflow)
        *overflow = painted > 0 && __stack_bottom[0] != TX_PAINT_WORD;
    /* measured from the painter's stack pointer, which is the harness's to within its frame */
    return used ? used + TX_STACK_GUARD : 0;
}
