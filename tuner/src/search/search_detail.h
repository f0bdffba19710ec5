// Private helpers shared by the search strategies (one strategy per file in this folder).
#pragma once

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "tinytx/tuner/search.h"

namespace tinytx::tuner::search_detail {

// How many points a strategy proposes: the whole space, or the budget when it is smaller.
inline uint64_t limit_of(uint64_t size, uint64_t budget) { return budget == 0 ? size : std::min(size, budget); }

inline uint64_t uniform(std::mt19937_64 &rng, uint64_t n)   // [0, n), n >= 1
{
    return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng);
}

inline double unit(std::mt19937_64 &rng) { return std::uniform_real_distribution<double>(0.0, 1.0)(rng); }

// Fast non-dominated sort: front number per point (failed points after every other front).
std::vector<size_t> nondominated_ranks(const std::vector<Objectives> &v);

// Crowding distance of each member of one front (NSGA-II's diversity measure).
void crowding(const std::vector<Objectives> &v, const std::vector<size_t> &members,
              std::vector<double> &out);

} // namespace tinytx::tuner::search_detail
