#include "timing.h"

namespace tinytx::agent::pulp {

Timing Timing::from_profile(const std::map<std::string, uint32_t> &cycles)
{
    Timing t;
    const std::pair<const char *, uint32_t *> keys[] = {
        {"load_use", &t.load_use},
        {"branch_taken", &t.branch_taken},
        {"jal", &t.jal},
        {"jalr", &t.jalr},
        {"cluster_mul", &t.mul},  // "mul" is the iss backend's key
        {"mulh", &t.mulh},
        {"mul_use", &t.mul_use},
        {"div_min", &t.div_min},
        {"div_max", &t.div_max},
        {"misaligned", &t.misaligned},
        {"cluster_cores", &t.cores},
        {"tcdm_banks", &t.tcdm_banks},
        {"l2_load_latency", &t.l2_load_latency},
        {"l2_store_latency", &t.l2_store_latency},
        {"periph_latency", &t.periph_latency},
        {"barrier_latency", &t.barrier_latency},
        {"boot_latency", &t.boot_latency},
        {"icache_l0_miss", &t.icache_l0_miss},
        {"icache_l1_miss", &t.icache_l1_miss},
        {"dma_setup", &t.dma_setup},
        {"dma_bytes_per_cycle", &t.dma_bytes_per_cycle},
        {"dma_row_overhead", &t.dma_row_overhead},
    };
    for (const auto &[key, field] : keys) {
        auto it = cycles.find(key);
        if (it != cycles.end()) *field = it->second;
    }
    if (t.cores < 1) t.cores = 1;
    if (t.cores > 16) t.cores = 16;
    if (t.tcdm_banks < 1) t.tcdm_banks = 1;
    if (t.dma_bytes_per_cycle < 1) t.dma_bytes_per_cycle = 1;
    if (t.div_max < t.div_min) t.div_max = t.div_min;
    return t;
}

}  // namespace tinytx::agent::pulp
