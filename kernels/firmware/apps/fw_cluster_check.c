/* fw_cluster_check_<case> (gap9): the cluster MHSA on the golden case for every attention mode x
 * schedule x core count (1, 2, 4, 8), with the Xpulp micro-kernel, L2 -> L1 DMA and the event
 * unit; one line per run:
 *   CRC <config> 0x<crc32> <status> cycles=<n>
 * exit 0 only if every run returned TX_OK with the golden CRC. */
#include "cluster_run.h"
#include "console.h"
#include "golden_select.h"
#include "grid.h"
#include "startup.h"

int main(void)
{
    const tx_golden_case *gc = tx_fw_golden();
    const tx_mhsa_dims d = {gc->dims.S, gc->dims.E, gc->dims.H, gc->dims.P};
    tx_bench_init();
    tx_puts("CASE ");
    tx_puts(gc->name);
    tx_putc('\n');
    int failures = 0, runs = 0;
    static const int32_t cores[] = {1, 2, 4, 8};
    for (int mode = 0; mode < 2; ++mode)
        for (int sched = 0; sched < 3; ++sched)
            for (unsigned k = 0; k < sizeof cores / sizeof cores[0]; ++k) {
                const tx_fw_cluster_config c = {
                    {(tx_attn_mode)mode, (tx_mhsa_schedule)sched, tx_fw_tile_mid(d.S)}, cores[k]};
                const uint32_t want = mode == TX_ATTN_FUSED ? gc->mhsa_fw.crc : gc->mhsa.crc;
                tx_bench_result r;
                tx_fw_cluster_run(&d, &gc->w.mhsa, gc->x, &c, (uint32_t)runs, &r);
                char desc[64];
                tx_fw_cluster_describe(&c, desc, sizeof desc);
                tx_puts("CRC ");
                tx_puts(desc);
                tx_putc(' ');
                tx_put_hex32(r.crc);
                tx_putc(' ');
                tx_put_i32((int32_t)r.status);
                tx_puts(" cycles=");
                tx_put_u32((uint32_t)r.cycles);
                tx_putc('\n');
                if (r.status != TX_OK || r.crc != want) {
                    ++failures;
                    tx_puts("MISMATCH expected=");
                    tx_put_hex32(want);
                    tx_putc('\n');
                }
                ++runs;
            }
    tx_puts(failures ? "CLUSTER CHECK FAIL\n" : "CLUSTER CHECK PASS\n");
    return failures ? TX_FW_EXIT_FAIL : TX_FW_EXIT_OK;
}
