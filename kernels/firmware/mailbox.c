/* The mailbox instance and the begin/end markers (protocol in mailbox.h). */
#include "tinytx/firmware/mailbox.h"

#include <stddef.h>

_Static_assert(offsetof(tx_mailbox_t, repeats) == 12, "mailbox layout");
_Static_assert(offsetof(tx_mailbox_t, seq) == 32, "mailbox layout");
_Static_assert(offsetof(tx_mailbox_t, cycles) == 40, "mailbox layout");
_Static_assert(offsetof(tx_mailbox_t, stack_peak) == 64, "mailbox layout");
_Static_assert(offsetof(tx_mailbox_t, config) == 80, "mailbox layout");
_Static_assert(offsetof(tx_mailbox_t, runs) == 144, "mailbox layout");
_Static_assert(offsetof(tx_mailbox_t, table_bytes) == 148, "mailbox layout");
_Static_assert(sizeof(tx_mailbox_t) == 152, "mailbox layout");

__attribute__((section(".tx_mailbox"), used, aligned(8))) volatile tx_mailbox_t tx_mailbox = {
    .magic = TX_MAILBOX_MAGIC,
    .version = TX_MAILBOX_VERSION,
    .size = sizeof(tx_mailbox_t),
    .repeats = 1,
    .runs = 1,
};

__attribute__((noinline, noipa, used)) void tx_bench_begin(void)
{
    __asm__ volatile("" ::: "memory");
}

__attribute__((noinline, noipa, used)) void tx_schedule_load(void)
{
    __asm__ volatile("" ::: "memory");
}

__attribute__((noinline, noipa, used)) void tx_bench_end(void)
{
    __asm__ volatile("" ::: "memory");
}

#ifdef TX_MAILBOX_ECHO
#include "semihosting.h"

/* Where no debugger can read the mailbox (GVSoC has no dependable gdbstub), every record is also
 * printed, as a line "TXMB " + the struct's bytes in hex, which the gvsoc backend decodes. It is
 * written past the console's line buffer, so a line the application has half printed stays whole. */
static void tx_mailbox_echo(void)
{
    static const char digits[] = "0123456789abcdef";
    static char line[5 + 2 * sizeof tx_mailbox + 2] = "TXMB ";
    const volatile uint8_t *p = (const volatile uint8_t *)&tx_mailbox;
    char *o = line + 5;
    for (size_t i = 0; i < sizeof tx_mailbox; ++i) {
        *o++ = digits[p[i] >> 4];
        *o++ = digits[p[i] & 15u];
    }
    *o++ = '\n';
    *o = '\0';
    tx_sh_write0(line);
}
#endif

__attribute__((noinline, noipa, used)) void tx_bench_done(void)
{
    __asm__ volatile("" ::: "memory");
#ifdef TX_MAILBOX_ECHO
    tx_mailbox_echo();
#endif
}
