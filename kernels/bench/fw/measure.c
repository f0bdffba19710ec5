/* One benchmark run in the arena (see measure.h). */
#include "measure.h"

#include "tinytx/firmware/arena.h"
#include "tinytx/firmware/console.h"

typedef struct {
    txb_run_fn fn;
    void *user;
    const int8_t *in;
    int8_t *ws, *out;
} txb_job;

static tx_status txb_job_run(void *user)
{
    const txb_job *j = user;
    return j->fn(j->user, j->in, j->ws, j->out) == 0 ? TX_OK : TX_ERR_PARAM;
}

void txb_measure(const txb_run_spec *spec, const int8_t *input, txb_run_fn fn, void *user,
                 txb_run_result *res)
{
    tx_fw_layout l = {0};
    const size_t in_off = tx_fw_place(&l, spec->in_bytes);
    const size_t out_off = spec->in_place ? in_off : tx_fw_place(&l, spec->out_bytes);
    /* whole words: painting sees writes word by word */
    const size_t ws_off = tx_fw_place(&l, (spec->workspace_bytes + 7u) & ~(size_t)7u);
    *res = (txb_run_result){0, 0, 0};
    tx_bench_result r = {.status = TX_ERR_BUFFER};
    if (in_off != (size_t)-1 && out_off != (size_t)-1 && ws_off != (size_t)-1) {
        uint8_t *arena = tx_fw_arena();
        txb_job job = {fn, user, (const int8_t *)(arena + in_off), (int8_t *)(arena + ws_off),
                       (int8_t *)(arena + out_off)};
        const tx_bench_spec bs = {
            .config_id = 0,
            .config = spec->impl,
            .layout_bytes = l.used,
            .scratch_offset = ws_off,
            .scratch_size = spec->workspace_bytes,
            .out = job.out,
            .out_bytes = spec->out_bytes,
        };
        tx_bench_arena_paint(l.used);
        for (size_t i = 0; i < spec->in_bytes; ++i)
            ((int8_t *)(arena + in_off))[i] = input[i];
        tx_bench_measure(&bs, txb_job_run, &job, &r);
    } else {
        tx_puts("ERROR the run does not fit the arena\n");
    }
    res->ok = r.status == TX_OK && !r.scratch_overrun;
    res->crc = r.crc;
    res->cycles = r.cycles;

    tx_puts("VS");
    tx_put_kv_str("shape", spec->shape);
    tx_put_kv_str("impl", spec->impl);
    tx_put_kv_str("mode", spec->mode);
    tx_put_kv_str("sched", spec->sched);
    tx_put_kv_u32("T", (uint32_t)spec->tile_rows);
    tx_puts(" status=");
    tx_put_i32(res->ok ? 0 : (r.status != TX_OK ? (int32_t)r.status : -100));
    tx_puts(" crc=");
    tx_put_hex32(r.crc);
    tx_put_kv_u64("cycles", r.cycles);
    tx_put_kv_u32("arena", (uint32_t)spec->arena_rule);
    tx_put_kv_u32("touched", r.arena_peak);
    tx_put_kv_u32("workspace", (uint32_t)spec->workspace_bytes);
    tx_put_kv_u64("macs", spec->macs);
    tx_putc('\n');
}
