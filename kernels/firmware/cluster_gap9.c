/* GAP9 cluster runtime: event unit and DMA registers (see cluster_gap9.h). */
#include "cluster_gap9.h"

#define TX_CL_BASE 0x10200000u
#define TX_CL_REG(off) (*(volatile uint32_t *)(TX_CL_BASE + (off)))
#define TX_CL_CORE_ID TX_CL_REG(0x00)
#define TX_CL_TEAM TX_CL_REG(0x08)
#define TX_CL_FORK_ARG TX_CL_REG(0x0C)
#define TX_CL_FORK TX_CL_REG(0x10)
#define TX_CL_BARRIER TX_CL_REG(0x14)
#define TX_DMA_SRC TX_CL_REG(0x100)
#define TX_DMA_DST TX_CL_REG(0x104)
#define TX_DMA_LEN TX_CL_REG(0x108)
#define TX_DMA_ROWS TX_CL_REG(0x10C)
#define TX_DMA_SRC_STRIDE TX_CL_REG(0x110)
#define TX_DMA_DST_STRIDE TX_CL_REG(0x114)
#define TX_DMA_START TX_CL_REG(0x118)
#define TX_DMA_WAIT TX_CL_REG(0x11C)

extern uint8_t __l1_start[], __l1_end[];

void tx_gap9_worker(void)
{
    const int32_t id = (int32_t)TX_CL_CORE_ID;
    for (;;) {
        /* sleeps in the event unit until core 0 forks a team that includes this core */
        const tx_par_fn fn = (tx_par_fn)(uintptr_t)TX_CL_FORK;
        void *arg = (void *)(uintptr_t)TX_CL_FORK_ARG;
        const int32_t cores = (int32_t)TX_CL_TEAM;
        fn(arg, id, cores);
        (void)TX_CL_BARRIER;
    }
}

static void tx_gap9_fork_join(int32_t cores, tx_par_fn fn, void *arg)
{
    TX_CL_TEAM = (uint32_t)cores;
    if (cores > 1) {
        TX_CL_FORK_ARG = (uint32_t)(uintptr_t)arg;
        TX_CL_FORK = (uint32_t)(uintptr_t)fn;
    }
    fn(arg, 0, cores);
    if (cores > 1)
        (void)TX_CL_BARRIER;
}

static uint32_t tx_gap9_dma_start(void *dst, const void *src, uint32_t len, uint32_t rows,
                                  uint32_t src_stride, uint32_t dst_stride)
{
    TX_DMA_SRC = (uint32_t)(uintptr_t)src;
    TX_DMA_DST = (uint32_t)(uintptr_t)dst;
    TX_DMA_LEN = len;
    TX_DMA_ROWS = rows;
    TX_DMA_SRC_STRIDE = src_stride;
    TX_DMA_DST_STRIDE = dst_stride;
    return TX_DMA_START;
}

static void tx_gap9_dma_wait(uint32_t handle)
{
    TX_DMA_WAIT = handle;
}

tx_cluster tx_gap9_cluster(int32_t cores)
{
    tx_cluster c = {cores, tx_gap9_fork_join, tx_gap9_dma_start, tx_gap9_dma_wait, __l1_start,
                    (size_t)(__l1_end - __l1_start)};
    return c;
}
