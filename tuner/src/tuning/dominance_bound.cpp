// DominanceBound (dominance_bound.h).
#include "dominance_bound.h"

#include <algorithm>

namespace tinytx::tuner {

void DominanceBound::add(uint64_t arena_bytes, uint64_t cycles)
{
    std::lock_guard lk(mu_);
    auto [it, fresh] = fewest_.try_emplace(arena_bytes, cycles);
    if (!fresh)
        it->second = std::min(it->second, cycles);
}

std::optional<uint64_t> DominanceBound::at(uint64_t arena_bytes) const
{
    std::lock_guard lk(mu_);
    std::optional<uint64_t> best;
    for (auto it = fewest_.begin(); it != fewest_.end() && it->first <= arena_bytes; ++it)
        best = std::min(best.value_or(it->second), it->second);
    return best;
}

}  // namespace tinytx::tuner
