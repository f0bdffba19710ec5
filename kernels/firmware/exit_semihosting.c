/* The end of the program where the emulator answers semihosting (QEMU, the iss backend). */
#include "semihosting.h"
#include "startup.h"

void tx_fw_exit(int code)
{
    tx_sh_exit(code);
    for (;;) {
    }
}
