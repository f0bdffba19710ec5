/* The sequential cluster: each core's share runs on the caller in turn, DMA is memcpy. Hosts and
 * single-core targets run the cluster kernels' exact partitioning with it. */
#include "tinytx/cluster.h"

static void tx_seq_fork_join(int32_t cores, tx_par_fn fn, void *arg)
{
    for (int32_t c = 0; c < cores; ++c)
        fn(arg, c, cores);
}

static uint32_t tx_seq_dma_start(void *dst, const void *src, uint32_t len, uint32_t rows,
                                 uint32_t src_stride, uint32_t dst_stride)
{
    for (uint32_t r = 0; r < rows; ++r)
        __builtin_memcpy((uint8_t *)dst + (size_t)r * dst_stride, (const uint8_t *)src + (size_t)r * src_stride, len);
    return 0;
}

static void tx_seq_dma_wait(uint32_t handle)
{
    (void)handle;
}

tx_cluster tx_cluster_sequential(int32_t cores, void *l1, size_t l1_size)
{
    tx_cluster c = {cores, tx_seq_fork_join, tx_seq_dma_start, tx_seq_dma_wait, l1, l1_size};
    return c;
}
