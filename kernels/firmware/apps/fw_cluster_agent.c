/* fw_cluster_agent_<case> (gap9): the image a board agent measures on the pulp backend: the
 * cluster MHSA (standard attention, depth-first, T = round(sqrt(S))) on 8 cores, tx_mailbox.runs
 * times (the same configuration as fw_agent_<case>, so the output CRCs agree). Exit status 0 when
 * every run returned TX_OK. */
#include "cluster_run.h"
#include "golden_select.h"
#include "grid.h"
#include "tinytx/firmware/console.h"
#include "tinytx/firmware/mailbox.h"

int main(void)
{
    const tx_golden_case *gc = tx_fw_golden();
    const tx_fw_cluster_config c = {{TX_ATTN_STANDARD, TX_MHSA_DEPTHFIRST, tx_fw_tile_mid(gc->dims.S)}, 8, TX_SPLIT_ROWS, TX_FW_CLUSTER_MHSA, 0};
    tx_bench_init();
    const uint32_t runs = tx_mailbox.runs ? tx_mailbox.runs : 1u;
    int failed = 0;
    for (uint32_t i = 0; i < runs; ++i) {
        tx_bench_result r;
        tx_fw_cluster_run(&gc->dims, &gc->w, gc->x, &c, 0, &r);
        failed |= r.status != TX_OK;
    }
    tx_puts(failed ? "agent image: a run failed\n" : "agent image: done\n");
    return failed ? 1 : 0;
}
