/* What the startup code promises the applications. */
#ifndef TX_FW_STARTUP_H
#define TX_FW_STARTUP_H

/* Exit codes of the images (the emulator's process status). main's return value is passed
 * through; these are the ones the startup code itself produces. */
#define TX_FW_EXIT_OK 0
#define TX_FW_EXIT_FAIL 1    /* a check failed (the applications' own verdict) */
#define TX_FW_EXIT_FAULT 3   /* CPU fault / trap */

/* Ends the program with exit status `code` (semihosting, or the platform's register on GAP9) */
void tx_fw_exit(int code) __attribute__((noreturn));

/* Cortex-M7: invalidate and enable the L1 instruction and data caches (cache_cortexm7.c) */
void tx_caches_enable(void);

#endif
