/* Cortex-M semihosting trap: BKPT 0xAB, operation in r0, argument in r1, result in r0. */
#include "semihosting.h"

uintptr_t tx_sh_trap(uintptr_t op, uintptr_t arg)
{
    register uintptr_t r0 __asm__("r0") = op;
    register uintptr_t r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}
