/* RV32 machine-mode trap: no interrupt is enabled, so any trap is a fault; report and exit. */
#include <stdint.h>

#include "startup.h"
#include "tinytx/firmware/console.h"

void tx_trap_handler(uint32_t mcause, uint32_t mepc, uint32_t mtval);

void tx_trap_handler(uint32_t mcause, uint32_t mepc, uint32_t mtval)
{
    tx_flush();
    tx_puts("FAULT mcause=");
    tx_put_hex32(mcause);
    tx_puts(" mepc=");
    tx_put_hex32(mepc);
    tx_puts(" mtval=");
    tx_put_hex32(mtval);
    tx_putc('\n');
    tx_fw_exit(TX_FW_EXIT_FAULT);
}
