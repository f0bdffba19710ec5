/* fw_fault: executes an undefined instruction. CTest expects the fault handler's report and
 * exit status 3 (TX_FW_EXIT_FAULT): a crashing kernel must fail its test, not hang it. */
#include "tinytx/firmware/console.h"

int main(void)
{
    tx_puts("fault test: executing an undefined instruction\n");
#if defined(__arm__)
    __asm__ volatile("udf #0");
#else
    __asm__ volatile("unimp");
#endif
    tx_puts("fault test: still running (fault not taken)\n");
    return 0;
}
