/* fw_cluster_check_<case> (gap9): the cluster MHSA on the golden case for every split (rows,
 * heads) x attention mode x schedule x core count (1, 2, 4, 8), and the cluster encoder layer for
 * every split x mode x FFN tiling (untiled, F/4) on 1 and 8 cores, and the cluster linear layer
 * (the Q projection, HEAD layout: the golden `q`) on 1, 2, 4 and 8 cores, with the Xpulp
 * micro-kernel, L2 -> L1 DMA and the event unit; one line per run:
 *   CRC <config> 0x<crc32> <status> cycles=<n>
 * or, for a heads-split configuration that needs more L1 than the cluster has (e.g. head-wise
 * S x S scores on every core), not run:
 *   NOFIT <config> l1_need=<bytes> l1=<bytes>
 * exit 0 only if every run returned TX_OK with the golden CRC (the rows split fits every golden
 * case: not fitting is a failure there). */
#include "cluster_run.h"
#include "golden_select.h"
#include "grid.h"
#include "startup.h"
#include "tinytx/firmware/console.h"

/* one run, its CRC line; 1 when it failed */
static int tx_check_one(const tx_golden_case *gc, const tx_fw_cluster_config *c, uint32_t want, uint32_t id)
{
    char desc[64];
    tx_fw_cluster_describe(c, desc, sizeof desc);
    const size_t need = tx_fw_cluster_l1_need(&gc->dims, &gc->w, c), have = tx_fw_cluster_l1_free(c->cores);
    if (c->split == TX_SPLIT_HEADS && need > have) {
        tx_puts("NOFIT ");
        tx_puts(desc);
        tx_puts(" l1_need=");
        tx_put_u32((uint32_t)need);
        tx_puts(" l1=");
        tx_put_u32((uint32_t)have);
        tx_putc('\n');
        return 0;
    }
    tx_bench_result r;
    tx_fw_cluster_run(&gc->dims, &gc->w, gc->x, c, id, &r);
    tx_puts("CRC ");
    tx_puts(desc);
    tx_putc(' ');
    tx_put_hex32(r.crc);
    tx_putc(' ');
    tx_put_i32((int32_t)r.status);
    tx_puts(" cycles=");
    tx_put_u32((uint32_t)r.cycles);
    tx_putc('\n');
    if (r.status == TX_OK && r.crc == want)
        return 0;
    tx_puts("MISMATCH expected=");
    tx_put_hex32(want);
    tx_putc('\n');
    return 1;
}

int main(void)
{
    const tx_golden_case *gc = tx_fw_golden();
    const tx_encoder_dims d = gc->dims;
    tx_bench_init();
    tx_puts("CASE ");
    tx_puts(gc->name);
    tx_putc('\n');
    int failures = 0;
    uint32_t runs = 0;
    static const int32_t cores[] = {1, 2, 4, 8};
    static const tx_cluster_split splits[] = {TX_SPLIT_ROWS, TX_SPLIT_HEADS};
    for (unsigned s = 0; s < 2; ++s)
        for (int mode = 0; mode < 2; ++mode)
            for (int sched = 0; sched < 3; ++sched)
                for (unsigned k = 0; k < sizeof cores / sizeof cores[0]; ++k) {
                    const tx_fw_cluster_config c = {{(tx_attn_mode)mode, (tx_mhsa_schedule)sched, tx_fw_tile_mid(d.S)},
                                                    cores[k], splits[s], TX_FW_CLUSTER_MHSA, 0};
                    failures +=
                        tx_check_one(gc, &c, mode == TX_ATTN_FUSED ? gc->mhsa_fw.crc : gc->mhsa.crc, runs++);
                }
    for (unsigned s = 0; s < 2; ++s)
        for (int mode = 0; mode < 2; ++mode)
            for (int tiled = 0; tiled < 2; ++tiled)
                for (int32_t n = 1; n <= 8; n += 7) {
                    const tx_fw_cluster_config c = {{(tx_attn_mode)mode, TX_MHSA_DEPTHFIRST, tx_fw_tile_mid(d.S)},
                                                    n, splits[s], TX_FW_CLUSTER_ENCODER, tiled ? tx_fw_ffn_tile(d.F) : 0};
                    failures += tx_check_one(gc, &c, mode == TX_ATTN_FUSED ? gc->encoder_fw.crc : gc->encoder.crc,
                                             runs++);
                }
    const uint32_t q_crc = tx_crc32(gc->q, (size_t)d.S * (size_t)(d.H * d.P));
    for (unsigned k = 0; k < sizeof cores / sizeof cores[0]; ++k) {
        const tx_fw_cluster_config c = {{TX_ATTN_STANDARD, TX_MHSA_HEADWISE, 0}, cores[k], TX_SPLIT_ROWS,
                                        TX_FW_CLUSTER_LINEAR, 0};
        failures += tx_check_one(gc, &c, q_crc, runs++);
    }
    tx_puts(failures ? "CLUSTER CHECK FAIL\n" : "CLUSTER CHECK PASS\n");
    return failures ? TX_FW_EXIT_FAIL : TX_FW_EXIT_OK;
}
