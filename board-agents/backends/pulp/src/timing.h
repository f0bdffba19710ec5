// The cycle model of the PULP cluster: RI5CY pipeline costs plus the cluster's memory system, as
// GVSoC's pulp-open models them (calibrated on fw_gap9_calib's micro-benchmarks: docs/GAP9.md).
// Every figure can be overridden by a key of the board profile's cycle_model.cycles
// (board-agents/boards/gap9.json); the defaults are the GAP9 profile's.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace tinytx::agent::pulp {

struct Timing {
    // core pipeline (CV32E40P user manual, "Pipeline details")
    uint32_t load_use = 1;        // stall when the next instruction reads a loaded register
    uint32_t branch_taken = 3;    // total cycles of a taken conditional branch
    uint32_t jal = 2;             // total cycles of jal
    uint32_t jalr = 2;            // total cycles of jalr
    uint32_t mul = 2;             // total cycles of mul (GVSoC's RI5CY; p.mac and the dot products: 1)
    uint32_t mulh = 5;            // total cycles of mulh / mulhsu / mulhu
    uint32_t mul_use = 1;         // stall when the next instruction reads a mul or mulh result
    uint32_t div_min = 3;         // div/rem: 3 cycles plus one per leading zero of the divisor, at most div_max
    uint32_t div_max = 35;
    uint32_t misaligned = 1;      // extra cycle of a word/half access that crosses a word
    // cluster memory system
    uint32_t cores = 8;
    uint32_t tcdm_banks = 16;     // word-interleaved L1 banks, one access per bank and cycle
    uint32_t l2_load_latency = 14;  // extra cycles of a load a cluster core issues to L2
    uint32_t l2_store_latency = 14; // extra cycles of a store a cluster core issues to L2
    uint32_t periph_latency = 0;  // extra cycles of a cluster core's access to a peripheral register
    uint32_t barrier_latency = 8; // cycles from the last arrival to the release of every core
    uint32_t boot_latency = 0;    // cycles from the FC's fetch enable to a cluster core's first fetch
    uint32_t icache_l0_miss = 2;  // extra cycles of a fetch missing the core's L0 icache, hitting L1
    uint32_t icache_l1_miss = 18; // extra cycles of a fetch missing both (a refill from L2)
    uint32_t dma_setup = 8;       // cycles before a transfer's first byte moves
    uint32_t dma_bytes_per_cycle = 8;
    uint32_t dma_row_overhead = 0;  // extra cycles per row of a 2-D transfer

    // keys: load_use, branch_taken, jal, jalr, cluster_mul, mulh, mul_use, div_min, div_max, misaligned,
    // cluster_cores, tcdm_banks, l2_load_latency, l2_store_latency, periph_latency, barrier_latency, boot_latency,
    // icache_l0_miss, icache_l1_miss, dma_setup, dma_bytes_per_cycle, dma_row_overhead (unknown
    // keys belong to other backends)
    static Timing from_profile(const std::map<std::string, uint32_t> &cycles);
};

}  // namespace tinytx::agent::pulp
