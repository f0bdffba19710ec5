// The arena's placement and the weights' region in the cost model (cost_model.h,
// docs/CYCLE_MODEL.md): the coefficients are fitted with the arena where the board's images put it
// and the weights in flash; another RAM-like region changes every arena access by the difference of
// the two regions' wait states, and every weight load by its region's load wait less the flash's.
#include "tinytx/tuner/cost_model.h"

namespace tinytx::tuner {

double CostModel::placement_cycles(const CostFeatures &f, const std::string &placement) const {
    if (placement.empty() || placement == default_arena) return 0;
    const auto to = region_waits.find(placement), from = region_waits.find(default_arena);
    if (to == region_waits.end() || from == region_waits.end()) return 0;
    double loads = 0, stores = 0;
    for (size_t i = 0; i < kNumCostFeatures; ++i) {
        loads += f[i] * arena_rates.loads[i];
        stores += f[i] * arena_rates.stores[i];
    }
    return loads * (to->second.load - from->second.load) + stores * (to->second.store - from->second.store);
}

double CostModel::weights_cycles(const CostFeatures &f, const std::string &weights) const {
    if (weights.empty() || !flash_load_wait) return 0;
    const auto to = region_waits.find(weights);
    if (to == region_waits.end()) return 0;
    double loads = 0;
    for (size_t i = 0; i < kNumCostFeatures; ++i) loads += f[i] * weight_rates[i];
    return loads * (to->second.load - *flash_load_wait);
}

double CostModel::predict_cycles(const CostFeatures &f, const std::string &placement, const std::string &weights) const {
    return predict_cycles(f) + placement_cycles(f, placement) + weights_cycles(f, weights);
}

} // namespace tinytx::tuner
