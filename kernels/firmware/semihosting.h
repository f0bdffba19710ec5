/* Semihosting: console output and exit code through the debugger or the emulator.
 *
 * The same calls work under QEMU (-semihosting-config enable=on,target=native) and under a
 * debugger that implements semihosting (OpenOCD "arm semihosting enable"). Without either, the
 * trap instruction faults (Cortex-M: BKPT escalates to HardFault), so images that must run
 * stand-alone on a board should not print. */
#ifndef TX_FW_SEMIHOSTING_H
#define TX_FW_SEMIHOSTING_H

#include <stdint.h>

enum {
    TX_SH_SYS_WRITEC = 0x03,
    TX_SH_SYS_WRITE0 = 0x04,
    TX_SH_SYS_EXIT = 0x18,
    TX_SH_SYS_EXIT_EXTENDED = 0x20,
};

/* ADP_Stopped_ApplicationExit: the reason code of a normal exit */
#define TX_SH_ADP_APPLICATION_EXIT 0x20026u

/* One semihosting request: op in r0/a0, argument (usually a pointer to a parameter block) in
 * r1/a1; returns r0/a0. Implemented per architecture (semihosting_trap_*.{c,S}). */
uintptr_t tx_sh_trap(uintptr_t op, uintptr_t arg);

/* NUL-terminated string to the host console */
void tx_sh_write0(const char *s);

/* Terminates the program; the emulator's process exit status becomes `code` (0..255). */
__attribute__((noreturn)) void tx_sh_exit(int code);

#endif
