// Every GEMM variant against the reference on the sweep of gemm_sweep.c (host: the portable code
// of each variant; the firmware image fw_gemm_sweep runs the same sweep on the core's assembly).
#include <gtest/gtest.h>

#include "gemm_sweep.h"

TEST(GemmSweep, EveryVariantMatchesReference)
{
    for (int v = 0; v < TX_VARIANT_COUNT; ++v) {
        tx_gemm_sweep_case c{};
        const int cases = tx_gemm_sweep(tx_variant(v), &c);
        EXPECT_GT(cases, 0) << tx_variant_name(tx_variant(v)) << ": M=" << c.M << " N=" << c.N
                            << " K=" << c.K << " mode=" << c.mode << " flags=" << c.flags
                            << " index=" << c.index;
    }
}
