/* The mailbox instance and the begin/end markers (protocol in mailbox.h). */
#include "mailbox.h"

#include <stddef.h>

_Static_assert(offsetof(tx_mailbox_t, repeats) == 12, "mailbox layout");
_Static_assert(offsetof(tx_mailbox_t, seq) == 32, "mailbox layout");
_Static_assert(offsetof(tx_mailbox_t, cycles) == 40, "mailbox layout");
_Static_assert(offsetof(tx_mailbox_t, stack_peak) == 64, "mailbox layout");
_Static_assert(offsetof(tx_mailbox_t, config) == 80, "mailbox layout");
_Static_assert(offsetof(tx_mailbox_t, runs) == 144, "mailbox layout");
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

__attribute__((noinline, noipa, used)) void tx_bench_end(void)
{
    __asm__ volatile("" ::: "memory");
}

__attribute__((noinline, noipa, used)) void tx_bench_done(void)
{
    __asm__ volatile("" ::: "memory");
}
