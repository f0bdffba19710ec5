/* fw_softmax_bench: first checks the attention softmax (the exp-table row kernel, the assembly
 * on Armv7E-M) against the per-element divide on the target itself, over the hard rows of
 * kernels/tests/softmax_edges.h ("SOFTMAX CHECK ok"); then measures cycles per score, rows of
 * S = 4, 16, 32, 64, 66, 81, 128 int8 scores at two score scales, with the output CRC of each (a kernel
 * change must keep them). Exit status 0 when the check passed and every run returned TX_OK. */
#include <stdint.h>

#include "common/internal.h"
#include "softmax_edges.h"
#include "tinytx/firmware/arena.h"
#include "tinytx/firmware/bench.h"
#include "tinytx/firmware/console.h"

#define TX_SMB_ROWS 8
#ifndef TX_SMB_TABLE_T
#define TX_SMB_TABLE_T tx_softmax_table
#endif

typedef struct {
    const tx_softmax_params *p;
    int32_t S;
    int8_t *scores;  /* TX_SMB_ROWS x S, rewritten before every run (softmax works in place) */
    const int8_t *src;
    uint32_t *tmp;
    TX_SMB_TABLE_T *lut;
} tx_smb_job;

static tx_status tx_smb_run(void *user)
{
    tx_smb_job *j = user;
    const size_t n = (size_t)TX_SMB_ROWS * (size_t)j->S;
    for (size_t i = 0; i < n; ++i)
        j->scores[i] = j->src[i];
    tx_softmax_rows_lut(j->lut, TX_SMB_ROWS, j->S, j->scores, (uint8_t *)j->scores, j->tmp);
    return TX_OK;
}

static tx_status tx_smb_copy(void *user)
{
    tx_smb_job *j = user;
    const size_t n = (size_t)TX_SMB_ROWS * (size_t)j->S;
    for (size_t i = 0; i < n; ++i)
        j->scores[i] = j->src[i];
    return TX_OK;
}

/* every edge row: table path == direct path (tx_softmax_rows, a divide per element) */
static int tx_smb_check(uint8_t *a)
{
    int8_t *x = (int8_t *)a, *y = (int8_t *)(a + 256);
    uint8_t *want = a + 512;
    uint32_t *tmp = (uint32_t *)(void *)(a + 1024);
    tx_softmax_table *lut = (tx_softmax_table *)(void *)(a + 2048);
    uint32_t rows = 0, bad = 0;
    for (int pi = 0; pi < TX_SM_EDGE_NPARAMS; ++pi) {
        const tx_softmax_params *p = &tx_sm_edge_params[pi];
        tx_softmax_lut(p, lut);
        for (int li = 0; li < TX_SM_EDGE_NLENGTHS; ++li) {
            const int32_t n = tx_sm_edge_lengths[li];
            if (tx_softmax_check(p, n) != TX_OK)
                continue;
            tx_sm_edge_iter it = {0, 0, 0};
            while (tx_sm_edge_next(&it, p, n, x)) {
                tx_softmax_rows(p, 1, n, x, want, tmp);
                for (int32_t j = 0; j < n; ++j)
                    y[j] = x[j];
                tx_softmax_rows_lut(lut, 1, n, y, (uint8_t *)y, tmp);
                for (int32_t j = 0; j < n; ++j)
                    bad += (uint8_t)y[j] != want[j];
                ++rows;
            }
        }
    }
    tx_puts(bad ? "SOFTMAX CHECK FAIL" : "SOFTMAX CHECK ok");
    tx_put_kv_u32("rows", rows);
    tx_put_kv_u32("wrong", bad);
    tx_putc('\n');
    return bad != 0 || rows < 1000;
}

int main(void)
{
    /* eps = 1/16 (scores within +-8) and eps = 1/50 (+-2.5): NUMERICS.md's constants */
    static const tx_softmax_params prm[2] = {{11, 22, 246}, {35, 68, 2399}};
    static const int32_t sizes[] = {4, 16, 32, 64, 66, 81, 128};
    uint8_t *a = tx_fw_arena();
    int8_t *src = (int8_t *)a;
    int8_t *scores = (int8_t *)(a + 2048);
    uint32_t *tmp = (uint32_t *)(void *)(a + 4096);
    TX_SMB_TABLE_T *lut = (TX_SMB_TABLE_T *)(void *)(a + 4096 + 1024);
    uint32_t seed = 12345u;
    for (int i = 0; i < TX_SMB_ROWS * 128; ++i) {
        seed = seed * 1664525u + 1013904223u;
        src[i] = (int8_t)((int32_t)(seed >> 24) % 97 - 48); /* spread like requantized scores */
    }
    int failed = tx_smb_check(a + 8192);
    tx_bench_init();
    for (int pi = 0; pi < 2; ++pi) {
        tx_softmax_lut(&prm[pi], lut);
        for (unsigned si = 0; si < sizeof sizes / sizeof sizes[0]; ++si) {
            tx_smb_job job = {&prm[pi], sizes[si], scores, src, tmp, lut};
            tx_bench_spec spec = {0};
            spec.config = "softmax";
            spec.layout_bytes = 8192;
            spec.out = scores;
            spec.out_bytes = (size_t)TX_SMB_ROWS * (size_t)sizes[si];
            tx_bench_result copy, r;
            tx_bench_measure(&spec, tx_smb_copy, &job, &copy);
            tx_bench_measure(&spec, tx_smb_run, &job, &r);
            failed |= r.status != TX_OK;
            const uint64_t cyc = r.cycles - copy.cycles;
            const uint32_t scores_n = (uint32_t)spec.out_bytes;
            tx_puts("softmax eps#");
            tx_put_u32((uint32_t)pi);
            tx_puts(" S=");
            tx_put_u32((uint32_t)sizes[si]);
            tx_puts(" cycles=");
            tx_put_u32((uint32_t)cyc);
            tx_puts(" per_score_x100=");
            tx_put_u32((uint32_t)(cyc * 100u / scores_n));
            tx_puts(" crc=");
            tx_put_hex32(r.crc);
            tx_putc('\n');
        }
    }
    return failed;
}
