/* The schedule-as-data image of a model (the Builder's build_schedule_data, schedule_data.h).
 * Protocol: tinytx/firmware/mailbox.h v3: tx_mailbox.runs measurements, each of the schedule
 * the host wrote into tx_schedule_table at tx_schedule_load(); tables that do not fit the image
 * are measured as TX_ERR_PARAM.
 * A template (ARCHITECTURE.md "Generated C"): model.h is generated with the image; besides the
 * model's constants and declarations it defines TX_MODEL_GEMM_IMPLS (the tx_gemm_table entries
 * of the image's kernels), TX_MODEL_NORM (the model's tx_norm) and TX_MODEL_CONFIG (its name);
 * codegen writes model_job.c in place of its #include. */
#include "tinytx/firmware/arena.h"
#include "tinytx/firmware/bench.h"
#include "tinytx/firmware/console.h"
#include "tinytx/firmware/mailbox.h"
#include "model.h"
#include "tinytx/firmware/schedule_table.h"

#include "tinytx/gemm_table.h"

const tx_gemm_impl tx_gemm_table[TX_VARIANT_COUNT] = {
    TX_MODEL_GEMM_IMPLS
};

typedef struct {
    tx_schedule_head head;
    tx_schedule_layer layer[TX_MODEL_LAYERS];
} tx_model_schedule;

/* written by the host (in .bss: zero, i.e. no table, until it is) */
tx_model_schedule tx_schedule_table __attribute__((aligned(8), used));

static int tx_model_within(uint32_t offset, uint32_t bytes, uint32_t arena)
{
    return offset <= arena && bytes <= arena - offset;
}

static int tx_model_table_ok(const tx_model_schedule *t)
{
    const tx_schedule_head *h = &t->head;
    if (h->magic != TX_SCHEDULE_TABLE_MAGIC || h->layers != TX_MODEL_LAYERS || h->arena_bytes > tx_fw_arena_size())
        return 0;
    if (!tx_model_within(h->input_offset, TX_MODEL_ACT_BYTES, h->arena_bytes) ||
        !tx_model_within(h->output_offset, TX_MODEL_ACT_BYTES, h->arena_bytes) ||
        !tx_model_within(h->scratch_offset, h->scratch_bytes, h->arena_bytes))
        return 0;
    for (uint32_t i = 0; i < TX_MODEL_LAYERS; ++i) {
        const tx_schedule_layer *l = &t->layer[i];
        if (l->variant < 0 || l->variant >= TX_VARIANT_COUNT || !tx_gemm_table[l->variant].full)
            return 0;
        if (!tx_model_within(l->x_offset, TX_MODEL_ACT_BYTES, h->arena_bytes) ||
            !tx_model_within(l->out_offset, TX_MODEL_ACT_BYTES, h->arena_bytes) ||
            !tx_model_within(l->scratch_offset, l->scratch_size, h->arena_bytes))
            return 0;
    }
    return 1;
}

#define TX_MODEL_INPUT_AT tx_schedule_table.head.input_offset
#include "model_job.c"

/* one inference: every layer as the table says */
static tx_status tx_model_run(void *user)
{
    tx_model_job *j = user;
    if (j->calls++ != 0) /* repeats: the ping-pong overwrote the input */
        tx_model_copy_input(j->arena);
    for (uint32_t i = 0; i < TX_MODEL_LAYERS; ++i) {
        const tx_schedule_layer *l = &tx_schedule_table.layer[i];
        const tx_encoder_config cfg = {{(tx_attn_mode)l->mode, (tx_mhsa_schedule)l->schedule, l->tile_rows},
                                       l->ffn_tile, TX_MODEL_NORM};
        const tx_ctx ctx = {j->arena + l->scratch_offset, l->scratch_size, (tx_variant)l->variant};
        const tx_status st = tx_encoder_s8(&ctx, &cfg, &tx_model_dims, &tx_model_weights[i],
                                           (const int8_t *)(j->arena + l->x_offset), (int8_t *)(j->arena + l->out_offset));
        if (st != TX_OK)
            return st;
    }
    return TX_OK;
}

static tx_status tx_model_bad_table(void *user)
{
    (void)user;
    return TX_ERR_PARAM;
}

int main(void)
{
    tx_bench_init();
    tx_mailbox.table_bytes = sizeof tx_schedule_table;
    uint8_t *arena = tx_fw_arena();
    const uint32_t runs = tx_mailbox.runs ? tx_mailbox.runs : 1u;
    int failed = 0;
    for (uint32_t i = 0; i < runs; ++i) {
        tx_schedule_load();
        const tx_schedule_head *h = &tx_schedule_table.head;
        const int ok = tx_model_table_ok(&tx_schedule_table);
        const tx_bench_spec spec = {
            .config_id = h->config_id,
            .config = TX_MODEL_CONFIG,
            .layout_bytes = ok ? h->arena_bytes : 0u,
            .scratch_offset = ok ? h->scratch_offset : 0u,
            .scratch_size = ok ? h->scratch_bytes : 0u,
            .out = ok ? arena + h->output_offset : 0,
            .out_bytes = TX_MODEL_ACT_BYTES,
        };
        tx_model_job job = {arena, 0};
        tx_bench_result r;
        tx_bench_arena_paint(spec.layout_bytes);
        if (ok)
            tx_model_copy_input(arena);
        tx_bench_measure(&spec, ok ? tx_model_run : tx_model_bad_table, &job, &r);
        failed |= r.status != TX_OK;
    }
    tx_puts(failed ? "model image: a run failed\n" : "model image: done\n");
    return failed ? 1 : 0;
}
