/* fw_gap9_calib (gap9): micro-benchmarks of the cluster's timing, one figure per line
 *   CALIB <name> cycles=<core 0's mcycle over the benchmark>
 * run unchanged on GVSoC and on the pulp backend; the calibration test
 * (board-agents/backends/gvsoc/tests) holds the two within the bands docs/GAP9.md lists.
 * Each one isolates one cost: taken branches and hardware loops, loads from L2, load-use stalls
 * in L1, TCDM bank conflicts, barriers (fork-joins), DMA bandwidth, and instruction-cache misses
 * (straight-line code larger than the L0 and the shared L1 icache, cold and warm). */
#include "tinytx/firmware/cluster_gap9.h"
#include "startup.h"
#include "tinytx/firmware/console.h"
#include "xpulp.h"

#define TX_ITER 256

static inline uint32_t tx_mcycle(void)
{
    uint32_t v;
    __asm__ volatile("csrr %0, mcycle" : "=r"(v));
    return v;
}

static uint32_t tx_ld_stall_before;
static inline uint32_t tx_ld_stalls(void)
{
    uint32_t v;
    __asm__ volatile("csrr %0, 0x782" : "=r"(v));
    return v;
}

static void tx_report(const char *name, uint32_t cycles)
{
    tx_puts("CALIB ");
    tx_puts(name);
    tx_puts(" cycles=");
    tx_put_u64(cycles);
    tx_puts(" ld_stall=");
    tx_put_u64(tx_ld_stalls() - tx_ld_stall_before);
    tx_putc('\n');
    tx_ld_stall_before = tx_ld_stalls();
}


static volatile int32_t tx_l2_words[64];
static volatile int32_t tx_gemm_sink;
static int32_t *tx_l1_words; /* 8 x 256 words of the kernels' L1 buffer */

/* 256 taken branches of a counted loop */
static uint32_t tx_bench_branches(void)
{
    const uint32_t t0 = tx_mcycle();
    uint32_t n = TX_ITER;
    __asm__ volatile("1: addi %0, %0, -1\n bnez %0, 1b" : "+r"(n));
    return tx_mcycle() - t0;
}

/* 8 x 256 loads from L2, none used right away */
static uint32_t tx_bench_l2_loads(void)
{
    const uint32_t t0 = tx_mcycle();
    uint32_t n = TX_ITER, a, b;
    const volatile int32_t *p = tx_l2_words;
    __asm__ volatile("1: lw %1, 0(%3)\n lw %2, 4(%3)\n lw %1, 8(%3)\n lw %2, 12(%3)\n"
                     "lw %1, 16(%3)\n lw %2, 20(%3)\n lw %1, 24(%3)\n lw %2, 28(%3)\n"
                     "addi %0, %0, -1\n bnez %0, 1b"
                     : "+r"(n), "=&r"(a), "=&r"(b)
                     : "r"(p)
                     : "memory");
    return tx_mcycle() - t0;
}

/* 8 x 256 loads from L2, each used by the next instruction */
static uint32_t tx_bench_l2_load_use(void)
{
    const uint32_t t0 = tx_mcycle();
    uint32_t n = TX_ITER, a = 0;
    const volatile int32_t *p = tx_l2_words;
    __asm__ volatile("1: lw %1, 0(%2)\n add %1, %1, %1\n lw %1, 4(%2)\n add %1, %1, %1\n"
                     "lw %1, 8(%2)\n add %1, %1, %1\n lw %1, 12(%2)\n add %1, %1, %1\n"
                     "lw %1, 16(%2)\n add %1, %1, %1\n lw %1, 20(%2)\n add %1, %1, %1\n"
                     "lw %1, 24(%2)\n add %1, %1, %1\n lw %1, 28(%2)\n add %1, %1, %1\n"
                     "addi %0, %0, -1\n bnez %0, 1b"
                     : "+&r"(n), "+&r"(a)
                     : "r"(p)
                     : "memory");
    return tx_mcycle() - t0;
}

/* 256 trips of: `op`, 4 instructions each, the loop counter in %0, a scratch pointer to L1 in %1 */
#define TX_LOOP(name, body)                                                                   \
    static uint32_t name(void)                                                                \
    {                                                                                         \
        uint32_t n = TX_ITER, a = 3, b = 5;                                                   \
        int8_t *p = (int8_t *)tx_l1_words;                                                    \
        const uint32_t t0 = tx_mcycle();                                                      \
        __asm__ volatile("1: " body "\n addi %0, %0, -1\n bnez %0, 1b"                        \
                         : "+&r"(n), "+&r"(p), "+&r"(a), "+&r"(b)                               \
                         :                                                                    \
                         : "memory");                                                         \
        return tx_mcycle() - t0;                                                              \
    }
/* mulh then its use; mulh alone */
TX_LOOP(tx_bench_mulh_use, "mulh %2, %2, %3\n add %2, %2, %3\n mulh %3, %3, %2\n add %3, %3, %2")
TX_LOOP(tx_bench_mulh, "mulh %2, %3, %3\n add %3, %3, %3\n mulh %2, %3, %3\n add %3, %3, %3")
/* mul, p.mac and pv.sdotsp.b, each result read by the next instruction */
TX_LOOP(tx_bench_mul_use, "mul %2, %2, %3\n add %3, %3, %2\n mul %2, %2, %3\n add %3, %3, %2")
TX_LOOP(tx_bench_mul, "mul %2, %3, %3\n add %3, %3, %3\n mul %2, %3, %3\n add %3, %3, %3")
TX_LOOP(tx_bench_mac_use, ".insn r 0x33, 0, 0x21, %2, %2, %3\n add %3, %3, %2\n .insn r 0x33, 0, 0x21, %2, %2, %3\n add %3, %3, %2")
TX_LOOP(tx_bench_sdot_use, ".insn r 0x57, 1, 0x5C, %2, %2, %3\n add %3, %3, %2\n .insn r 0x57, 1, 0x5C, %2, %2, %3\n add %3, %3, %2")
/* divu of a 3-bit quotient */
TX_LOOP(tx_bench_divu, "li %2, 77\n divu %2, %2, %3\n li %2, 77\n divu %2, %2, %3")
/* byte loads then their use, as a store's data, as a branch operand */
TX_LOOP(tx_bench_lbu_use, "lbu %2, 0(%1)\n add %3, %3, %2\n lbu %2, 1(%1)\n add %3, %3, %2")
TX_LOOP(tx_bench_load_store, "lw %2, 0(%1)\n sw %2, 8(%1)\n lw %2, 4(%1)\n sw %2, 12(%1)")
TX_LOOP(tx_bench_load_branch, "lw %2, 0(%1)\n bnez %2, 2f\n2: lw %2, 4(%1)\n beqz %2, 3f\n3:")
/* post-increment loads and stores on one pointer, back to back (p.lbu rd, 1(p!); p.sb v, 1(p!)) */
TX_LOOP(tx_bench_post_load, ".insn i 0x0B, 4, %2, %1, 1\n .insn i 0x0B, 4, %3, %1, 1\n .insn i 0x0B, 4, %2, %1, -1\n .insn i 0x0B, 4, %3, %1, -1")
TX_LOOP(tx_bench_post_store, ".insn s 0x2B, 0, %2, 1(%1)\n .insn s 0x2B, 0, %3, 1(%1)\n .insn s 0x2B, 0, %2, -1(%1)\n .insn s 0x2B, 0, %3, -1(%1)")

/* calls and returns; branches not taken; a hardware loop of 4 trips of 2 instructions set up 256
 * times (lp.setup, count 4, body up to +8 bytes) */
__attribute__((noinline)) static void tx_leaf(void)
{
    __asm__ volatile("");
}
static uint32_t tx_bench_calls(void)
{
    const uint32_t t0 = tx_mcycle();
    for (int i = 0; i < TX_ITER; ++i)
        tx_leaf();
    return tx_mcycle() - t0;
}
TX_LOOP(tx_bench_not_taken, "beqz %0, 2f\n beqz %0, 2f\n beqz %0, 2f\n beqz %0, 2f\n2:")
TX_LOOP(tx_bench_hwloop_short, "li %3, 4\n .insn i 0x7B, 4, x0, %3, 4\n addi %2, %2, 1\n addi %2, %2, 1")

/* 8 x 256 stores to L2 */
static uint32_t tx_bench_l2_stores(void)
{
    const uint32_t t0 = tx_mcycle();
    uint32_t n = TX_ITER;
    volatile int32_t *p = tx_l2_words;
    __asm__ volatile("1: sw %0, 0(%1)\n sw %0, 4(%1)\n sw %0, 8(%1)\n sw %0, 12(%1)\n"
                     "sw %0, 16(%1)\n sw %0, 20(%1)\n sw %0, 24(%1)\n sw %0, 28(%1)\n"
                     "addi %0, %0, -1\n bnez %0, 1b"
                     : "+r"(n)
                     : "r"(p)
                     : "memory");
    return tx_mcycle() - t0;
}

/* 256 reads of the DMA status register (the per-core peripheral alias) */
static uint32_t tx_bench_periph_reads(void)
{
    const uint32_t t0 = tx_mcycle();
    uint32_t n = TX_ITER, a;
    __asm__ volatile("1: lw %1, 0(%2)\n addi %0, %0, -1\n bnez %0, 1b"
                     : "+r"(n), "=&r"(a)
                     : "r"(0x10204404u)
                     : "memory");
    return tx_mcycle() - t0;
}

/* 8 x 256 loads from L1, each used by the next instruction */
static uint32_t tx_bench_load_use(void)
{
    const uint32_t t0 = tx_mcycle();
    uint32_t n = TX_ITER, a = 0;
    const int32_t *p = tx_l1_words;
    __asm__ volatile("1: lw %1, 0(%2)\n add %1, %1, %1\n lw %1, 4(%2)\n add %1, %1, %1\n"
                     "lw %1, 8(%2)\n add %1, %1, %1\n lw %1, 12(%2)\n add %1, %1, %1\n"
                     "lw %1, 16(%2)\n add %1, %1, %1\n lw %1, 20(%2)\n add %1, %1, %1\n"
                     "lw %1, 24(%2)\n add %1, %1, %1\n lw %1, 28(%2)\n add %1, %1, %1\n"
                     "addi %0, %0, -1\n bnez %0, 1b"
                     : "+r"(n), "+r"(a)
                     : "r"(p)
                     : "memory");
    return tx_mcycle() - t0;
}

/* the Xpulp GEMM's 4 x 2 block over K = 256 (64 trips of its hardware loop), operands in L1 */
static uint32_t tx_bench_gemm_block(void)
{
    const int8_t *a = (const int8_t *)tx_l1_words, *b = a + 1024 + 256;
    const uint32_t t0 = tx_mcycle();
    const tx_xp_acc acc = tx_xp_block4x2(a, 256, b, 256, 64, TX_XP_SIGNED, (tx_xp_acc){0, 0, 0, 0, 0, 0, 0, 0});
    const uint32_t t1 = tx_mcycle();
    tx_gemm_sink = acc.c0 + acc.c7;
    return t1 - t0;
}

/* every core reads 256 words of L1, 64 bytes apart (16 banks: always the same bank), starting in
 * its own bank or all in bank 0. The share starts on an icache line: its cold fetches (the
 * figure includes them) then do not depend on where the link puts it. */
static volatile uint32_t tx_tcdm_same_bank;
__attribute__((aligned(16))) static void tx_tcdm_share(void *arg, int32_t core, int32_t cores)
{
    (void)arg;
    (void)cores;
    const int32_t *p = tx_l1_words + (tx_tcdm_same_bank ? 0 : core);
    uint32_t n = TX_ITER / 4, a, b;
    __asm__ volatile("1: lw %1, 0(%3)\n add %3, %3, %4\n lw %2, 0(%3)\n add %3, %3, %4\n"
                     "lw %1, 0(%3)\n add %3, %3, %4\n lw %2, 0(%3)\n add %3, %3, %4\n"
                     "addi %0, %0, -1\n bnez %0, 1b"
                     : "+&r"(n), "=&r"(a), "=&r"(b), "+&r"(p)
                     : "r"(64)
                     : "memory");
}

static uint32_t tx_bench_tcdm(const tx_cluster *cl, uint32_t same_bank)
{
    tx_tcdm_same_bank = same_bank;
    const uint32_t t0 = tx_mcycle();
    cl->fork_join(8, tx_tcdm_share, 0);
    return tx_mcycle() - t0;
}

static void tx_empty_share(void *arg, int32_t core, int32_t cores)
{
    (void)arg;
    (void)core;
    (void)cores;
}

/* 32 fork-joins of nothing on 8 cores: 64 barriers */
static uint32_t tx_bench_forks(const tx_cluster *cl)
{
    const uint32_t t0 = tx_mcycle();
    for (int i = 0; i < 32; ++i)
        cl->fork_join(8, tx_empty_share, 0);
    return tx_mcycle() - t0;
}

static uint8_t tx_dma_src[16384];

static uint32_t tx_bench_dma(const tx_cluster *cl, uint32_t rows, uint32_t len)
{
    uint32_t t = 0;
    for (int warm = 0; warm < 2; ++warm) { /* the second time, with the runtime's code in the icache */
        const uint32_t t0 = tx_mcycle();
        cl->dma_wait(cl->dma_start(cl->l1, tx_dma_src, len, rows, 128, len));
        t = tx_mcycle() - t0;
    }
    return t;
}

/* straight-line code: 512 and 2048 four-byte instructions (2 KiB: over the L0s, under the shared
 * L1; 8 KiB: over both) */
__attribute__((noinline)) static void tx_code_2k(void)
{
    __asm__ volatile(".option push\n.option norvc\n.rept 512\naddi t0, t0, 1\n.endr\n.option pop" ::: "t0");
}

__attribute__((noinline)) static void tx_code_8k(void)
{
    __asm__ volatile(".option push\n.option norvc\n.rept 2048\naddi t0, t0, 1\n.endr\n.option pop" ::: "t0");
}

/* a loop whose body is `insns` four-byte instructions, 16 trips: 1 KiB (over an L0: every trip
 * misses L0 and hits the shared L1) and 256 B (fits an L0) */
#define TX_CODE_LOOP(name, insns)                                                             \
    __attribute__((noinline)) static uint32_t name(void)                                      \
    {                                                                                         \
        uint32_t n = 16;                                                                      \
        const uint32_t t0 = tx_mcycle();                                                      \
        __asm__ volatile(".option push\n.option norvc\n1:\n.rept " #insns                     \
                         "\naddi t0, t0, 1\n.endr\naddi %0, %0, -1\nbnez %0, 1b\n.option pop"   \
                         : "+&r"(n)                                                            \
                         :                                                                    \
                         : "t0");                                                             \
        return tx_mcycle() - t0;                                                              \
    }
TX_CODE_LOOP(tx_bench_loop_1k, 254)
TX_CODE_LOOP(tx_bench_loop_256, 62)

static uint32_t tx_bench_code(void (*fn)(void))
{
    const uint32_t t0 = tx_mcycle();
    fn();
    return tx_mcycle() - t0;
}

int main(void)
{
    const tx_cluster cl = tx_gap9_cluster(8);
    tx_l1_words = (int32_t *)cl.l1;
    tx_ld_stall_before = tx_ld_stalls();
    tx_report("branches_256", tx_bench_branches());
    tx_report("l2_loads_2048", tx_bench_l2_loads());
    tx_report("l2_load_use_2048", tx_bench_l2_load_use());
    tx_report("l1_load_use_2048", tx_bench_load_use());
    tx_report("l2_stores_2048", tx_bench_l2_stores());
    tx_report("mulh_use_512", tx_bench_mulh_use());
    tx_report("mulh_512", tx_bench_mulh());
    tx_report("divu_512", tx_bench_divu());
    tx_report("mul_use_512", tx_bench_mul_use());
    tx_report("mul_512", tx_bench_mul());
    tx_report("mac_use_512", tx_bench_mac_use());
    tx_report("sdot_use_512", tx_bench_sdot_use());
    tx_report("lbu_use_512", tx_bench_lbu_use());
    tx_report("calls_256", tx_bench_calls());
    tx_report("not_taken_1024", tx_bench_not_taken());
    tx_report("hwloop_4x2_256", tx_bench_hwloop_short());
    tx_report("load_store_data_512", tx_bench_load_store());
    tx_report("load_branch_512", tx_bench_load_branch());
    tx_report("post_inc_loads_1024", tx_bench_post_load());
    tx_report("post_inc_stores_1024", tx_bench_post_store());
    tx_report("periph_reads_256", tx_bench_periph_reads());
    tx_report("tcdm_own_banks_8x256", tx_bench_tcdm(&cl, 0));
    tx_report("tcdm_one_bank_8x256", tx_bench_tcdm(&cl, 1));
    tx_report("fork_join_32", tx_bench_forks(&cl));
    tx_report("dma_16k", tx_bench_dma(&cl, 1, 16384));
    tx_report("dma_64", tx_bench_dma(&cl, 1, 64));
    tx_report("dma_1k", tx_bench_dma(&cl, 1, 1024));
    tx_report("dma_2d_256x64", tx_bench_dma(&cl, 256, 64));
    tx_report("dma_2d_8x16", tx_bench_dma(&cl, 8, 16));
    tx_report("gemm_block_4x2_k256", tx_bench_gemm_block());
    tx_report("gemm_block_4x2_k256_again", tx_bench_gemm_block());
    tx_report("loop_1k_x16", tx_bench_loop_1k());
    tx_report("loop_256_x16", tx_bench_loop_256());
    /* cold then again, back to back: no other code between them evicts lines */
    uint32_t first = tx_bench_code(tx_code_2k), again = tx_bench_code(tx_code_2k);
    tx_report("code_2k_cold", first);
    tx_report("code_2k_warm", again);
    first = tx_bench_code(tx_code_8k);
    again = tx_bench_code(tx_code_8k);
    tx_report("code_8k_cold", first);
    tx_report("code_8k_again", again);
    tx_puts("CALIB DONE\n");
    return TX_FW_EXIT_OK;
}
