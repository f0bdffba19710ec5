/* GAP9 cluster runtime on the pulp-open peripherals (pulp_open.h): fork-join over hardware
 * barrier 0 of the event unit, L2 -> L1 copies on the cluster DMA (mchan), the free L1 as the
 * kernels' buffer. See tinytx/firmware/cluster_gap9.h. */
#include "tinytx/firmware/cluster_gap9.h"

#include "pulp_open.h"

#define TX_REG(addr) (*(volatile uint32_t *)(uintptr_t)(addr))
#define TX_ALL_CORES ((1u << TX_PO_CLUSTER_CORES) - 1u)

extern uint8_t __l1_start[], __l1_end[];

/* what core 0 forks: read by the workers between the two barriers of a fork-join */
static struct {
    tx_par_fn fn;
    void *arg;
    int32_t cores;
} volatile tx_fork;
static volatile uint32_t tx_barrier_ready; /* .bss, cleared by the FC before the cluster starts */

static inline uint32_t tx_core_id(void)
{
    uint32_t v;
    __asm__ volatile("csrr %0, mhartid" : "=r"(v));
    return v & 0x1fu;
}

/* every cluster core arrives, sleeps until the last one has, and leaves */
static inline void tx_barrier(void)
{
    (void)TX_REG(TX_PO_EU_BARRIER_WAIT(0));
}

void tx_gap9_cluster_init(void)
{
    TX_REG(TX_PO_EU_MASK_OR) = 1u << TX_PO_EU_BARRIER_EVENT;
    /* every core counts every event in its PULP counters (cycles_gap9.c, the benches) */
    __asm__ volatile("csrw " TX_PO_STR(TX_PO_CSR_PCER) ", %0" ::"r"(0xFFFFFFFFu));
    __asm__ volatile("csrw " TX_PO_STR(TX_PO_CSR_PCMR) ", %0" ::"r"(1u));
    if (tx_core_id() == 0) {
        TX_REG(TX_PO_EU_BARRIER_TRIGGER_MASK(0)) = TX_ALL_CORES;
        TX_REG(TX_PO_EU_BARRIER_TARGET_MASK(0)) = TX_ALL_CORES;
        tx_barrier_ready = 1;
    } else {
        while (!tx_barrier_ready) {
        }
    }
}

void tx_gap9_worker(void)
{
    const int32_t id = (int32_t)tx_core_id();
    for (;;) {
        tx_barrier(); /* sleeps until core 0 forks */
        const int32_t cores = tx_fork.cores;
        if (id < cores)
            tx_fork.fn(tx_fork.arg, id, cores);
        tx_barrier();
    }
}

/* every core passes both barriers; the cores beyond the team only skip the share */
static void tx_gap9_fork_join(int32_t cores, tx_par_fn fn, void *arg)
{
    if (cores <= 1) {
        fn(arg, 0, 1);
        return;
    }
    tx_fork.fn = fn;
    tx_fork.arg = arg;
    tx_fork.cores = cores;
    tx_barrier();
    fn(arg, 0, cores);
    tx_barrier();
}

/* The kernels wait only for the last transfer of a group (tinytx/cluster.h), and mchan completes
 * one core's transfers in order; so a wait frees every id whose transfer is complete, which the
 * waited one and all older ones are (16 ids in all: an id never freed would stall a later CMD
 * read). Nothing is kept in memory: STATUS has the busy (0..15) and allocated (16..31) bits. */
static void tx_gap9_dma_wait(uint32_t tid)
{
    uint32_t status;
    while ((status = TX_REG(TX_PO_DMA_STATUS)) & (1u << tid)) {
    }
    TX_REG(TX_PO_DMA_STATUS) = (status >> 16) & ~status & 0xFFFFu;
}

/* one mchan transfer L2 -> L1; rows > 1: rows of len bytes src_stride apart in L2, packed in L1 */
static uint32_t tx_gap9_dma_push(void *dst, const void *src, uint32_t len, uint32_t rows, uint32_t src_stride)
{
    const uint32_t tid = TX_REG(TX_PO_DMA_CMD);
    const uint32_t two_d = rows > 1 ? TX_PO_DMA_2D_EXT : 0u;
    TX_REG(TX_PO_DMA_CMD) = (len * rows) | TX_PO_DMA_EXT2LOC | TX_PO_DMA_INC | two_d;
    TX_REG(TX_PO_DMA_CMD) = (uint32_t)(uintptr_t)dst;
    TX_REG(TX_PO_DMA_CMD) = (uint32_t)(uintptr_t)src;
    if (two_d) {
        TX_REG(TX_PO_DMA_CMD) = len;
        TX_REG(TX_PO_DMA_CMD) = src_stride;
    }
    return tid;
}

static uint32_t tx_gap9_dma_start(void *dst, const void *src, uint32_t len, uint32_t rows,
                                  uint32_t src_stride, uint32_t dst_stride);

/* what one mchan command cannot do: split into commands, all but the last waited for here, so
 * the handle is one id (out of line: the kernels' transfers never come here, and the fast path
 * stays short for core 0's instruction cache between the parallel sections) */
static __attribute__((noinline)) uint32_t tx_gap9_dma_split(void *dst, const void *src, uint32_t len,
                                                           uint32_t rows, uint32_t src_stride,
                                                           uint32_t dst_stride)
{
    if (rows <= 1) {
        uint32_t done = 0, step = TX_PO_DMA_LEN_MAX & ~7u;
        for (; len - done > step; done += step)
            tx_gap9_dma_wait(tx_gap9_dma_push((uint8_t *)dst + done, (const uint8_t *)src + done, step, 1, 0));
        return tx_gap9_dma_push((uint8_t *)dst + done, (const uint8_t *)src + done, len - done, 1, 0);
    }
    for (uint32_t r = 0; r + 1 < rows; ++r)
        tx_gap9_dma_wait(tx_gap9_dma_start((uint8_t *)dst + (size_t)r * dst_stride,
                                           (const uint8_t *)src + (size_t)r * src_stride, len, 1, 0, 0));
    return tx_gap9_dma_start((uint8_t *)dst + (size_t)(rows - 1) * dst_stride,
                             (const uint8_t *)src + (size_t)(rows - 1) * src_stride, len, 1, 0, 0);
}

/* The kernels' transfers are one mchan command each (L1 side packed, under 128 KiB) */
static uint32_t tx_gap9_dma_start(void *dst, const void *src, uint32_t len, uint32_t rows,
                                  uint32_t src_stride, uint32_t dst_stride)
{
    if ((rows <= 1 || dst_stride == len) && (rows <= 1 ? len : len * rows) <= TX_PO_DMA_LEN_MAX)
        return tx_gap9_dma_push(dst, src, len, rows, src_stride);
    return tx_gap9_dma_split(dst, src, len, rows, src_stride, dst_stride);
}

tx_cluster tx_gap9_cluster(int32_t cores)
{
    tx_cluster c = {cores, tx_gap9_fork_join, tx_gap9_dma_start, tx_gap9_dma_wait, __l1_start,
                    (size_t)(__l1_end - __l1_start)};
    return c;
}
