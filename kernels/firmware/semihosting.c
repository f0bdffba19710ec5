/* Semihosting requests shared by every architecture (the trap itself is per architecture). */
#include "semihosting.h"

void tx_sh_write0(const char *s)
{
    tx_sh_trap(TX_SH_SYS_WRITE0, (uintptr_t)s);
}

void tx_sh_exit(int code)
{
    /* SYS_EXIT_EXTENDED carries the status on 32-bit targets, where plain SYS_EXIT only tells
     * "application exit" (status 0) from any other reason (status 1). */
    static volatile uintptr_t block[2];
    block[0] = TX_SH_ADP_APPLICATION_EXIT;
    block[1] = (uintptr_t)code;
    tx_sh_trap(TX_SH_SYS_EXIT_EXTENDED, (uintptr_t)block);
    /* Host without the extension: fall back to SYS_EXIT (0 -> success, anything else -> 1). */
    tx_sh_trap(TX_SH_SYS_EXIT, code == 0 ? TX_SH_ADP_APPLICATION_EXIT : 0x20023u /* RunTimeErrorUnknown */);
    for (;;) {
    }
}
