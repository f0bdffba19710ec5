/* One inference of the exported network on its calibration input: prints crc32=0x........ and
 * exits 0 when it is TX_NETWORK_EXPECTED_CRC32 (the tuner's host reference), 1 otherwise.
 *
 * Host build: a static arena, printf.
 * Firmware build (TX_NETWORK_FIRMWARE): the arena is the firmware's measurement arena and each
 * inference is measured by tx_bench_measure (between the tx_bench_begin/tx_bench_end markers,
 * recorded in tx_mailbox), tx_mailbox.runs times, as kernels/firmware/mailbox.h protocol v2 asks:
 * a tinytx board agent measures this image as it measures the tuner's own. */
#include "network.h"

static int8_t tx_output[TX_NETWORK_OUTPUT_BYTES] __attribute__((aligned(8)));

#if defined(TX_NETWORK_FIRMWARE)

#include "arena.h"
#include "bench.h"
#include "console.h"
#include "mailbox.h"

static tx_status tx_main_infer(void *arena)
{
    return tx_network_run(tx_network_calibration_input(), tx_output, arena);
}

int main(void)
{
    tx_bench_init();
    if (tx_fw_arena_size() < TX_NETWORK_ARENA_BYTES) {
        tx_puts("network: the firmware arena is smaller than TX_NETWORK_ARENA_BYTES\n");
        return 2;
    }
    const tx_bench_spec spec = {
        .config_id = 0,
        .config = TX_NETWORK_NAME,
        .layout_bytes = TX_NETWORK_ARENA_BYTES,
        .scratch_offset = TX_NETWORK_SCRATCH_OFFSET,
        .scratch_size = TX_NETWORK_SCRATCH_BYTES,
        .out = tx_output,
        .out_bytes = TX_NETWORK_OUTPUT_BYTES,
    };
    const uint32_t runs = tx_mailbox.runs ? tx_mailbox.runs : 1u;
    tx_bench_result r = {0};
    int failed = 0;
    for (uint32_t i = 0; i < runs; ++i) {
        tx_bench_arena_paint(TX_NETWORK_ARENA_BYTES);
        tx_bench_measure(&spec, tx_main_infer, tx_fw_arena(), &r);
        failed |= r.status != TX_OK || r.crc != TX_NETWORK_EXPECTED_CRC32;
    }
    tx_puts("crc32=");
    tx_put_hex32(r.crc);
    tx_putc('\n');
    if (failed) {
        tx_puts("network: FAILED, status ");
        tx_puts(tx_status_name(r.status));
        tx_puts(", expected crc32=");
        tx_put_hex32(TX_NETWORK_EXPECTED_CRC32);
        tx_putc('\n');
    }
    return failed ? 1 : 0;
}

#else

#include <stdio.h>

static uint8_t tx_arena[TX_NETWORK_ARENA_BYTES] __attribute__((aligned(8)));

int main(void)
{
    const tx_status st = tx_network_run(tx_network_calibration_input(), tx_output, tx_arena);
    if (st != TX_OK) {
        fprintf(stderr, "network: %s\n", tx_status_name(st));
        return 1;
    }
    const unsigned long crc = tx_crc32(tx_output, sizeof tx_output);
    printf("crc32=0x%08lx\n", crc);
    if (crc != TX_NETWORK_EXPECTED_CRC32) {
        fprintf(stderr, "network: FAILED, expected crc32=0x%08lx\n", (unsigned long)TX_NETWORK_EXPECTED_CRC32);
        return 1;
    }
    return 0;
}

#endif
