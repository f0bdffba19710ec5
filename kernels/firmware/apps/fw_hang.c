/* fw_hang: enters the measured window and never leaves it. The board agent must stop it at the
 * deadline, report TIMEOUT and keep serving. */
#include "tinytx/firmware/mailbox.h"

int main(void)
{
    tx_bench_begin();
    for (;;)
        __asm__ volatile("" ::: "memory");
}
