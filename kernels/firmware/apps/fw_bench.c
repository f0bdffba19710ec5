/* fw_bench_<case>: the whole grid (every GEMM variant on every schedule, both attention modes,
 * the encoder untiled and FFN-tiled, and the standalone linear layer), each run measured by the
 * harness; one parsable line per run:
 *   BENCH case=.. op=.. mode=.. sched=.. T=.. ffn_tile=.. variant=.. status=.. crc=0x.. crc_ok=..
 *         ticks=.. insns=.. cycles=.. arena_peak=.. scratch_size=.. scratch_peak=.. stack_peak=..
 *         flags=..
 * insns: SysTick ticks x 40 under QEMU -icount shift=0 (flags bit 2), minstret on RV32 (bit 1).
 * kernels/firmware/tools/bench.py runs the images and tabulates the lines. */
#include "golden_select.h"
#include "grid.h"
#include "run.h"
#include "startup.h"
#include "tinytx/firmware/console.h"

#define TX_FW_MAX_CONFIGS 128

static tx_fw_config tx_configs[TX_FW_MAX_CONFIGS];

int main(void)
{
    const tx_golden_case *gc = tx_fw_golden();
    const tx_encoder_dims *d = &gc->dims;
    tx_bench_init();

    tx_fw_put_case(gc);
    tx_fw_put_build();

    const int n = tx_fw_grid(TX_FW_GRID_BENCH, d, tx_configs, TX_FW_MAX_CONFIGS);
    if (n > TX_FW_MAX_CONFIGS) {
        tx_puts("ERROR grid larger than TX_FW_MAX_CONFIGS\n");
        return TX_FW_EXIT_FAIL;
    }
    int failures = 0;
    for (int i = 0; i < n; ++i) {
        const tx_fw_config *c = &tx_configs[i];
        tx_fw_outcome o;
        tx_fw_run(gc, c, (uint32_t)i, &o);
        const int crc_ok = o.r.crc == o.expected_crc;
        if (!o.fits || o.r.status != TX_OK || !crc_ok || o.r.scratch_overrun)
            ++failures;
        tx_puts("BENCH");
        tx_put_kv_str("case", gc->name);
        tx_put_kv_str("op", tx_fw_op_name(c->op));
        tx_put_kv_str("mode", tx_fw_mode_name(c->mode));
        tx_put_kv_str("sched", c->op == TX_FW_OP_LINEAR ? "-" : tx_fw_sched_name(c->sched));
        tx_put_kv_u32("T", (uint32_t)c->tile_rows);
        tx_put_kv_u32("ffn_tile", (uint32_t)c->ffn_tile);
        tx_put_kv_str("variant", tx_variant_name(c->variant));
        tx_puts(" status=");
        tx_put_i32((int32_t)o.r.status);
        tx_puts(" crc=");
        tx_put_hex32(o.r.crc);
        tx_put_kv_u32("crc_ok", (uint32_t)crc_ok);
        tx_put_kv_u64("ticks", o.r.ticks);
        tx_put_kv_u64("insns", o.r.instructions);
        tx_put_kv_u64("cycles", o.r.cycles);
        tx_put_kv_u32("arena_peak", o.r.arena_peak);
        tx_put_kv_u32("scratch_size", (uint32_t)o.scratch_size);
        tx_put_kv_u32("scratch_peak", o.r.scratch_peak);
        tx_put_kv_u32("stack_peak", o.r.stack_peak);
        tx_put_kv_u32("overrun", (uint32_t)o.r.scratch_overrun);
        tx_put_kv_u32("flags", o.r.flags);
        tx_put_kv_u32("repeats", o.r.repeats);
        tx_putc('\n');
    }
    tx_puts(failures ? "RESULT FAIL" : "RESULT PASS");
    tx_put_kv_u32("runs", (uint32_t)n);
    tx_put_kv_u32("failures", (uint32_t)failures);
    tx_putc('\n');
    return failures ? TX_FW_EXIT_FAIL : TX_FW_EXIT_OK;
}
