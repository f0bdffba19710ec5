/* GAP9 on pulp-open: the end of the simulation is a write to the SoC's CORESTATUS register
 * (GVSoC and the pulp backend both stop there with the status; semihosting's exit carries only
 * 0 or 1 on GVSoC). */
#include <stdint.h>

#include "pulp_open.h"
#include "startup.h"
#include "tinytx/firmware/console.h"

void tx_fw_exit(int code)
{
    tx_flush();
    *(volatile uint32_t *)(uintptr_t)TX_PO_CORESTATUS = 0x80000000u | (uint32_t)code;
    for (;;) {
    }
}
