/* fw_check_<case>: every MHSA schedule x attention mode x GEMM variant of this CPU, and the
 * encoder layer, on one golden case; one line per run:
 *   CRC <op> <mode> <schedule> <T> <variant> 0x<crc32> <status> [ffn_tile=<n>]
 * compared on the device with the golden CRCs; exit 0 only if every run returned TX_OK with the
 * golden CRC. kernels/firmware/tools/check_crc.py checks the same lines against the golden JSON. */
#include "golden_select.h"
#include "grid.h"
#include "run.h"
#include "startup.h"
#include "tinytx/firmware/console.h"

#define TX_FW_MAX_CONFIGS 96

static tx_fw_config tx_configs[TX_FW_MAX_CONFIGS];

int main(void)
{
    const tx_golden_case *gc = tx_fw_golden();
    const tx_encoder_dims *d = &gc->dims;
    tx_bench_init();

    tx_fw_put_case(gc);
    tx_puts("GENERATOR ");
    tx_puts(gc->generator ? gc->generator : "?");
    tx_putc('\n');
    tx_fw_put_build();

    const int n = tx_fw_grid(TX_FW_GRID_CHECK, d, tx_configs, TX_FW_MAX_CONFIGS);
    if (n > TX_FW_MAX_CONFIGS) {
        tx_puts("ERROR grid larger than TX_FW_MAX_CONFIGS\n");
        return TX_FW_EXIT_FAIL;
    }
    int failures = 0;
    for (int i = 0; i < n; ++i) {
        const tx_fw_config *c = &tx_configs[i];
        tx_fw_outcome o;
        tx_fw_run(gc, c, (uint32_t)i, &o);
        const int ok = o.fits && o.r.status == TX_OK && o.r.crc == o.expected_crc &&
                       !o.r.scratch_overrun;
        tx_puts("CRC ");
        tx_fw_put_config(c);
        tx_putc(' ');
        tx_put_hex32(o.r.crc);
        tx_putc(' ');
        tx_put_i32((int32_t)o.r.status);
        if (c->op == TX_FW_OP_ENCODER || c->op == TX_FW_OP_ENCODER_PRE) {
            tx_puts(" ffn_tile=");
            tx_put_i32(c->ffn_tile);
        }
        tx_putc('\n');
        if (!ok) {
            ++failures;
            tx_puts("MISMATCH ");
            tx_fw_put_config(c);
            tx_puts(" expected=");
            tx_put_hex32(o.expected_crc);
            tx_puts(" got=");
            tx_put_hex32(o.r.crc);
            tx_puts(" status=");
            tx_puts(tx_status_name(o.r.status));
            if (!o.fits)
                tx_puts(" (does not fit in the arena)");
            if (o.r.scratch_overrun)
                tx_puts(" (wrote past its scratch buffer)");
            tx_putc('\n');
        }
    }
    tx_puts(failures ? "RESULT FAIL" : "RESULT PASS");
    tx_put_kv_u32("runs", (uint32_t)n);
    tx_put_kv_u32("failures", (uint32_t)failures);
    tx_putc('\n');
    return failures ? TX_FW_EXIT_FAIL : TX_FW_EXIT_OK;
}
