/* The measurement mailbox: one struct at the symbol `tx_mailbox`, in its own section
 * (.tx_mailbox, first in RAM data), through which a debugger-driven host (QEMU gdbstub, OpenOCD)
 * and the firmware exchange one measurement at a time.
 *
 * Protocol (version 3; images of versions 2 and 3 are both measured by the agents)
 *  - The image initialises the mailbox from its load image: magic, version, size, repeats = 1.
 *  - In: `repeats` (runs per measurement, 0 means 1) may be written by the host while the core is
 *    halted at `main` or at `tx_bench_begin`; it is read at the start of every measurement.
 *  - The firmware sets `state` = RUNNING and `config_id`/`config` before a measurement, calls
 *    tx_bench_begin() right before the first run and tx_bench_end() right after the last one, then
 *    fills the results and sets `state` = DONE (or FAILED) and increments `seq`. A host that
 *    breakpoints tx_bench_done (or polls `seq`) reads a complete record.
 *  - Counters are totals over `repeats` runs. `flags` says which are valid (TX_MB_F_*).
 *  - tx_bench_done() is called once the record is complete (version 2): a host reads the mailbox
 *    there. Images made for the board agent (fw_agent_*) perform `runs` measurements of
 *    `repeats` runs each (the agent writes both before the image starts; 0 means 1).
 *  - Schedule-as-data images (version 3): `table_bytes` is the size of the layer table
 *    `tx_schedule_table` (schedule_table.h) the image holds in RAM, 0 in every other image.
 *    Before each measurement such an image calls tx_schedule_load(); the host, halted there,
 *    writes the next schedule's table at the symbol `tx_schedule_table`, so one load of the
 *    image measures many schedules (the agent writes the table of measurement i before it).
 * Field offsets are fixed (static asserts in mailbox.c); hosts read them little-endian. */
#ifndef TX_FW_MAILBOX_H
#define TX_FW_MAILBOX_H

#include <stdint.h>

#define TX_MAILBOX_MAGIC 0x424D5854u /* "TXMB" in memory */
#define TX_MAILBOX_VERSION 3u
#define TX_MAILBOX_CONFIG_LEN 64

enum {
    TX_MB_IDLE = 0,
    TX_MB_RUNNING = 1,
    TX_MB_DONE = 2,
    TX_MB_FAILED = 3, /* status != TX_OK, or the stack overflowed its region */
};

enum {
    TX_MB_F_CYCLES = 1u << 0,       /* cycles measured by a running cycle counter */
    TX_MB_F_INSTRUCTIONS = 1u << 1, /* instructions counted by the core (minstret) */
    TX_MB_F_INSN_FROM_TICKS = 1u << 2, /* instructions = ticks * 40 (QEMU mps2, icount shift 0) */
    TX_MB_F_STACK_OVERFLOW = 1u << 3,  /* the deepest painted stack word was touched */
};

typedef struct {
    uint32_t magic;        /*  0 */
    uint32_t version;      /*  4 */
    uint32_t size;         /*  8 sizeof(tx_mailbox_t) */
    uint32_t repeats;      /* 12 in: runs per measurement (0 = 1) */
    uint32_t config_id;    /* 16 out: index of the configuration measured */
    int32_t status;        /* 20 out: tx_status of the last run */
    uint32_t state;        /* 24 TX_MB_* */
    uint32_t flags;        /* 28 TX_MB_F_* */
    uint32_t seq;          /* 32 completed measurements since reset */
    uint32_t crc32;        /* 36 CRC-32 of the output of the last run */
    uint64_t cycles;       /* 40 total over `repeats` */
    uint64_t instructions; /* 48 total over `repeats` */
    uint64_t ticks;        /* 56 raw second counter (SysTick / mcycle), total */
    uint32_t stack_peak;   /* 64 bytes of stack used below the harness's stack pointer */
    uint32_t arena_peak;   /* 68 bytes of the arena touched, from its start (inputs included) */
    uint32_t scratch_size; /* 72 bytes of scratch given to the kernel */
    uint32_t scratch_peak; /* 76 bytes of the scratch touched */
    char config[TX_MAILBOX_CONFIG_LEN]; /* 80 human-readable description, NUL-terminated */
    uint32_t runs;         /* 144 in: measurements an agent image performs (0 = 1) */
    uint32_t table_bytes;  /* 148 out: sizeof tx_schedule_table (schedule-as-data images), else 0 */
} tx_mailbox_t;

extern volatile tx_mailbox_t tx_mailbox;

/* Markers: empty, never inlined nor folded into one another (noipa); a debugger sets
 * breakpoints on them. */
void tx_bench_begin(void);
void tx_bench_end(void);
void tx_bench_done(void); /* the record is complete */
void tx_schedule_load(void); /* schedule-as-data images: the host writes the next layer table here */

#endif
