/* fw_exit_code: returns 42 from main. CTest expects the emulator to exit with status 42, which
 * proves that a firmware's verdict reaches the host through semihosting (SYS_EXIT_EXTENDED). */
#include "tinytx/firmware/console.h"

int main(void)
{
    tx_puts("exit code test: returning 42\n");
    return 42;
}
