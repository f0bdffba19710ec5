// tinytx::tuner::Pareto — non-dominated points over (latency cycles, energy uJ, memory peak
// bytes), all minimised, subject to a memory budget. Every figure says where it came from
// (measured | emulated | modeled) and fronts are computed per source: points of different sources
// are never compared with one another (ARCHITECTURE.md "Measurement").
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tinytx/platform/status.h"

namespace tinytx::tuner {

enum class Source { kMeasured, kEmulated, kModeled };
const char *source_name(Source s);                      // measured | emulated | modeled
std::optional<Source> parse_source(const std::string &s);

struct ParetoPoint {
    std::string candidate_id;   // e.g. the schedule hash
    double latency_cycles = 0;
    double energy_uj = 0;
    uint64_t peak_bytes = 0;
    Source source = Source::kModeled;
};

// a dominates b: no worse in all three objectives and better in at least one.
bool dominates(const ParetoPoint &a, const ParetoPoint &b);

// One source's front. Indices refer to the input vector given to pareto_front.
struct ParetoFront {
    Source source = Source::kModeled;
    std::vector<size_t> front;        // non-dominated, within budget; by latency, then energy, peak
    std::vector<size_t> dominated;    // within budget, dominated by some front point
    std::vector<size_t> over_budget;  // peak_bytes > budget: excluded from the comparison
};

// Front of points that must all share one source; a mix is refused (error names the first
// point whose source differs). budget_bytes = UINT64_MAX for no budget. Equal points (same three
// objectives) do not dominate each other: both stay on the front. O(n^2) worst case, a sort plus
// a sweep over the current front in practice.
platform::Result<ParetoFront> pareto_front(const std::vector<ParetoPoint> &points,
                                           uint64_t budget_bytes = UINT64_MAX);

// Splits by source and computes each front separately (indices refer to `points`).
std::map<Source, ParetoFront> pareto_fronts_by_source(const std::vector<ParetoPoint> &points,
                                                      uint64_t budget_bytes = UINT64_MAX);

} // namespace tinytx::tuner
