/* fw_gap9_attention (gap9): the acceptance figures of the cluster kernels. The attention layer
 * S=32, E=64, H=16, P=64 (Q, K, V, O projections + scores + A.V: 10.49 M MACs; the 2021 GAP8
 * measurement: 929,130 cycles on 8 cores, 11.3 MAC/cycle) with synthetic int8 weights, head-wise,
 * on 1 and 8 cores of the cluster simulator, for both splits (rows: the cores share each head;
 * heads: each core whole heads); the single-core library kernel (rv32 variant) gives the
 * expected output. Prints
 *   CORES <n> split=<rows|heads> cycles=<c> mac_per_cycle=<x.xx> crc=0x<crc>
 *   CORES <n> split=heads l1_need=<bytes> l1=<bytes> DOES NOT FIT      (not run)
 *     CORE <i> instr=.. ld_stall=.. imiss=.. tcdm_cont=..   (each core's PULP counters over the run)
 *   SPEEDUP 8/1 (rows) = <x.xx>
 *   TARGET MET|NOT MET (rows split, 8 cores: >= 11.3 MAC/cycle, the 2021 GAP8 silicon figure, and
 *   >= 7x 1 core)
 *   CHECK PASS|FAIL (every run that fits bit-exact with the reference): the exit status
 * The same image runs on GVSoC and on the pulp backend; figures are emulated (the simulator's
 * cycle model), not measured on a board. */
#include "tinytx/firmware/cluster_gap9.h"
#include "cluster_run.h"
#include "startup.h"
#include "tinytx/firmware/arena.h"
#include "tinytx/firmware/bench.h"
#include "tinytx/firmware/console.h"

#define TX_S 32
#define TX_E 64
#define TX_H 16
#define TX_P 64
#define TX_HP (TX_H * TX_P)

static int8_t tx_x[TX_S * TX_E];
static int8_t tx_wq[TX_HP * TX_E], tx_wk[TX_HP * TX_E], tx_wv[TX_HP * TX_E], tx_wo[TX_E * TX_HP];
static int32_t tx_bq[TX_HP], tx_bk[TX_HP], tx_bv[TX_HP], tx_bo[TX_E];

/* xorshift32: the same synthetic data on every run */
static uint32_t tx_rng_state = 0x2545F491u;
static uint32_t tx_rng(void)
{
    uint32_t v = tx_rng_state;
    v ^= v << 13;
    v ^= v >> 17;
    v ^= v << 5;
    return tx_rng_state = v;
}

static void tx_fill(int8_t *p, size_t n, uint32_t range)
{
    for (size_t i = 0; i < n; ++i)
        p[i] = (int8_t)((int32_t)(tx_rng() % (2u * range)) - (int32_t)range);
}

static void tx_fill_bias(int32_t *p, size_t n)
{
    for (size_t i = 0; i < n; ++i)
        p[i] = (int32_t)(tx_rng() % 2048u) - 1024;
}

static void tx_put_fixed2(uint64_t v100)
{
    tx_put_u64(v100 / 100u);
    tx_putc('.');
    tx_putc((char)('0' + (v100 / 10u) % 10u));
    tx_putc((char)('0' + v100 % 10u));
}

/* every core's PULP counters (instructions, load stalls, icache-miss cycles, TCDM contention) */
typedef struct {
    uint32_t v[4];
} tx_core_counters;
static tx_core_counters tx_snap[2][8];

static void tx_snapshot(void *arg, int32_t core, int32_t cores)
{
    (void)cores;
    uint32_t *v = ((tx_core_counters *)arg)[core].v;
    __asm__ volatile("csrr %0, 0x781\n csrr %1, 0x782\n csrr %2, 0x784\n csrr %3, 0x790"
                     : "=r"(v[0]), "=r"(v[1]), "=r"(v[2]), "=r"(v[3]));
}

static void tx_put_core_counters(void)
{
    static const char *const names[4] = {" instr=", " ld_stall=", " imiss=", " tcdm_cont="};
    for (int c = 0; c < 8; ++c) {
        tx_puts("  CORE ");
        tx_put_i32(c);
        for (int i = 0; i < 4; ++i) {
            tx_puts(names[i]);
            tx_put_u64(tx_snap[1][c].v[i] - tx_snap[0][c].v[i]);
        }
        tx_putc('\n');
    }
}

typedef struct {
    tx_ctx ctx;
    const tx_mhsa_config *cfg;
    const tx_mhsa_dims *d;
    const tx_mhsa_weights *w;
    const int8_t *x;
    int8_t *out;
} tx_ref_job;

static tx_status tx_ref_run(void *user)
{
    tx_ref_job *j = (tx_ref_job *)user;
    return tx_mhsa_s8(&j->ctx, j->cfg, j->d, j->w, j->x, j->out);
}

int main(void)
{
    tx_fill(tx_x, sizeof tx_x, 64);
    tx_fill(tx_wq, sizeof tx_wq, 16);
    tx_fill(tx_wk, sizeof tx_wk, 16);
    tx_fill(tx_wv, sizeof tx_wv, 16);
    tx_fill(tx_wo, sizeof tx_wo, 16);
    tx_fill_bias(tx_bq, TX_HP);
    tx_fill_bias(tx_bk, TX_HP);
    tx_fill_bias(tx_bv, TX_HP);
    tx_fill_bias(tx_bo, TX_E);
    const tx_mhsa_dims d = {TX_S, TX_E, TX_H, TX_P};
    const tx_requant proj = {1 << 30, 37, 0, 0}; /* acc / 128 */
    tx_encoder_weights ew = {0};
    tx_mhsa_weights w = {0};
    w.wq = tx_wq;
    w.wk = tx_wk;
    w.wv = tx_wv;
    w.wo = tx_wo;
    w.bq = tx_bq;
    w.bk = tx_bk;
    w.bv = tx_bv;
    w.bo = tx_bo;
    w.rq_q = w.rq_k = w.rq_v = proj;
    w.rq_o = (tx_requant){1 << 30, 41, 0, 0};
    w.attn.rq_scores = (tx_requant){1 << 30, 40, 0, 0};
    w.attn.softmax = (tx_softmax_params){14, 27, 384};
    w.attn.rq_av = (tx_requant){1 << 30, 38, 0, 0};
    const uint64_t macs = 4ull * TX_S * TX_E * TX_P * TX_H + 2ull * TX_S * TX_S * TX_P * TX_H;

    tx_bench_init();
    tx_puts("ATTENTION S=32 E=64 H=16 P=64 MACS=");
    tx_put_u64(macs);
    tx_putc('\n');

    /* expected output: the single-core library kernel, head-wise, rv32 variant */
    const tx_mhsa_config ref_cfg = {TX_ATTN_STANDARD, TX_MHSA_HEADWISE, 0};
    const size_t need = tx_mhsa_s8_get_buffer_size(&ref_cfg, &d, TX_VARIANT_RV32);
    tx_fw_layout l = {0};
    const size_t out_off = tx_fw_place(&l, sizeof tx_x);
    const size_t s_off = tx_fw_place(&l, need);
    uint8_t *arena = tx_fw_arena();
    tx_ref_job ref = {{arena + s_off, need, TX_VARIANT_RV32}, &ref_cfg, &d, &w, tx_x, (int8_t *)(arena + out_off)};
    const tx_bench_spec spec = {0, "mhsa std headwise rv32 (reference)", l.used, s_off, need,
                                arena + out_off, sizeof tx_x};
    tx_bench_result rr;
    tx_bench_arena_paint(l.used);
    tx_bench_measure(&spec, tx_ref_run, &ref, &rr);
    tx_puts("REFERENCE cycles=");
    tx_put_u64(rr.cycles);
    tx_puts(" crc=");
    tx_put_hex32(rr.crc);
    tx_putc('\n');

    uint64_t cycles[2] = {0, 0};
    int exact = rr.status == TX_OK;
    static const int32_t cores[2] = {1, 8};
    static const tx_cluster_split splits[2] = {TX_SPLIT_ROWS, TX_SPLIT_HEADS};
    for (int k = 0; k < 4; ++k) {
        const int i = k & 1;
        const tx_cluster_split split = splits[k >> 1];
        const tx_fw_cluster_config c = {{TX_ATTN_STANDARD, TX_MHSA_HEADWISE, 0}, cores[i], split, TX_FW_CLUSTER_MHSA, 0};
        const tx_encoder_dims ed = {TX_S, TX_E, TX_H, TX_P, 1};
        tx_puts("CORES ");
        tx_put_i32(cores[i]);
        tx_puts(split == TX_SPLIT_HEADS ? " split=heads" : " split=rows");
        /* a split that does not fit the free L1 is reported, not run */
        ew.mhsa = w;
        const size_t l1_need = tx_fw_cluster_l1_need(&ed, &ew, &c);
        const size_t l1_have = tx_fw_cluster_l1_free(cores[i]);
        if (l1_need > l1_have) {
            tx_puts(" l1_need=");
            tx_put_u64(l1_need);
            tx_puts(" l1=");
            tx_put_u64(l1_have);
            tx_puts(" DOES NOT FIT\n");
            exact &= split != TX_SPLIT_ROWS;
            continue;
        }
        tx_bench_result r;
        const tx_cluster all = tx_gap9_cluster(8);
        all.fork_join(8, tx_snapshot, tx_snap[0]);
        tx_fw_cluster_run(&ed, &ew, tx_x, &c, (uint32_t)(k + 1), &r);
        all.fork_join(8, tx_snapshot, tx_snap[1]);
        if (split == TX_SPLIT_ROWS)
            cycles[i] = r.cycles;
        exact &= r.status == TX_OK && r.crc == rr.crc;
        tx_puts(" cycles=");
        tx_put_u64(r.cycles);
        tx_puts(" mac_per_cycle=");
        tx_put_fixed2(r.cycles ? macs * 100u / r.cycles : 0);
        tx_puts(" crc=");
        tx_put_hex32(r.crc);
        tx_puts(r.status == TX_OK ? "" : " status=error");
        tx_putc('\n');
        tx_put_core_counters();
    }
    const uint64_t speedup100 = cycles[1] ? cycles[0] * 100u / cycles[1] : 0;
    const uint64_t mpc100 = cycles[1] ? macs * 100u / cycles[1] : 0;
    tx_puts("SPEEDUP 8/1 (rows) = ");
    tx_put_fixed2(speedup100);
    tx_putc('\n');
    tx_puts(mpc100 >= 1130u && speedup100 >= 700u ? "TARGET MET" : "TARGET NOT MET");
    tx_puts(" (rows split, 8 cores: >= 11.3 MAC/cycle and >= 7x 1 core)\n");
    tx_puts(exact ? "CHECK PASS" : "CHECK FAIL");
    tx_puts(" (every run bit-exact with the reference)\n");
    return exact ? TX_FW_EXIT_OK : TX_FW_EXIT_FAIL;
}
