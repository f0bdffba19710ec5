/* The agent image of one schedule of one model (the Builder's specialized image).
 * Protocol: tinytx/firmware/mailbox.h v2 (as apps/fw_agent.c): tx_mailbox.runs measurements
 * of tx_mailbox.repeats runs each; every run executes all layers in sequence.
 * A template (ARCHITECTURE.md "Generated C"): model.h is generated with the image, and codegen
 * writes model_layers.c and model_job.c in place of their #include. */
#include "tinytx/firmware/arena.h"
#include "tinytx/firmware/bench.h"
#include "tinytx/firmware/console.h"
#include "tinytx/firmware/mailbox.h"
#include "model.h"

#include "model_layers.c"

#define TX_MODEL_INPUT_AT TX_MODEL_INPUT_OFFSET
#include "model_job.c"

static tx_status tx_model_run(void *user)
{
    tx_model_job *j = user;
    if (j->calls++ != 0) /* repeats: the ping-pong overwrote the input */
        tx_model_copy_input(j->arena);
    return tx_model_layers_run(j->arena);
}

int main(void)
{
    tx_bench_init();
    if (tx_fw_arena_size() < TX_MODEL_ARENA_BYTES) {
        tx_puts("model image: arena too small\n");
        return 2;
    }
    uint8_t *arena = tx_fw_arena();
    const tx_bench_spec spec = {
        .config_id = 0,
        .config = TX_MODEL_CONFIG,
        .layout_bytes = TX_MODEL_ARENA_BYTES,
        .scratch_offset = TX_MODEL_SCRATCH_OFFSET,
        .scratch_size = TX_MODEL_SCRATCH_BYTES,
        .out = arena + TX_MODEL_OUTPUT_OFFSET,
        .out_bytes = TX_MODEL_ACT_BYTES,
    };
    const uint32_t runs = tx_mailbox.runs ? tx_mailbox.runs : 1u;
    int failed = 0;
    for (uint32_t i = 0; i < runs; ++i) {
        tx_model_job job = {arena, 0};
        tx_bench_result r;
        tx_bench_arena_paint(TX_MODEL_ARENA_BYTES);
        tx_model_copy_input(arena);
        tx_bench_measure(&spec, tx_model_run, &job, &r);
        failed |= r.status != TX_OK;
    }
    tx_puts(failed ? "model image: a run failed\n" : "model image: done\n");
    return failed ? 1 : 0;
}
