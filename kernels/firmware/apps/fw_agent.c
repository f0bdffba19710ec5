/* fw_agent_<case>: the image a board agent measures. One configuration of the case (the MHSA
 * under depth-first tiling, T = round(sqrt(S)), standard attention, the CPU's fast variant),
 * measured tx_mailbox.runs times, tx_mailbox.repeats runs each; the agent reads every record at
 * tx_bench_done. The tuner's generated images follow the same protocol. Exit status 0 when every
 * run returned TX_OK. */
#include "golden_select.h"
#include "run.h"
#include "tinytx/firmware/console.h"
#include "tinytx/firmware/mailbox.h"

int main(void)
{
    const tx_golden_case *gc = tx_fw_golden();
    const tx_fw_config c = {
        .op = TX_FW_OP_MHSA,
        .mode = TX_ATTN_STANDARD,
        .sched = TX_MHSA_DEPTHFIRST,
        .tile_rows = tx_fw_tile_mid(gc->dims.S),
#if defined(__riscv)
        .variant = TX_VARIANT_OPT4X2,
#else
        .variant = TX_VARIANT_DSP,
#endif
    };
    tx_bench_init();
    const uint32_t runs = tx_mailbox.runs ? tx_mailbox.runs : 1u;
    int failed = 0;
    for (uint32_t i = 0; i < runs; ++i) {
        tx_fw_outcome o;
        tx_fw_run(gc, &c, 0, &o);
        failed |= o.r.status != TX_OK;
    }
    tx_puts(failed ? "agent image: a run failed\n" : "agent image: done\n");
    return failed ? 1 : 0;
}
