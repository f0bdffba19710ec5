#include "tinytx/tuner/pareto.h"

#include <algorithm>
#include <numeric>

namespace tinytx::tuner {

const char *source_name(Source s)
{
    switch (s) {
    case Source::kMeasured: return "measured";
    case Source::kEmulated: return "emulated";
    case Source::kModeled: return "modeled";
    }
    return "unknown";
}

std::optional<Source> parse_source(const std::string &s)
{
    if (s == "measured") return Source::kMeasured;
    if (s == "emulated") return Source::kEmulated;
    if (s == "modeled") return Source::kModeled;
    return std::nullopt;
}

bool dominates(const ParetoPoint &a, const ParetoPoint &b)
{
    const bool no_worse = a.latency_cycles <= b.latency_cycles && a.energy_uj <= b.energy_uj &&
                          a.peak_bytes <= b.peak_bytes;
    const bool better = a.latency_cycles < b.latency_cycles || a.energy_uj < b.energy_uj ||
                        a.peak_bytes < b.peak_bytes;
    return no_worse && better;
}

platform::Result<ParetoFront> pareto_front(const std::vector<ParetoPoint> &points, uint64_t budget_bytes)
{
    ParetoFront f;
    if (!points.empty())
        f.source = points[0].source;
    for (size_t i = 0; i < points.size(); ++i)
        if (points[i].source != f.source)
            return platform::Status::invalid_argument("points[" + std::to_string(i) + "].source: " +
                                                      source_name(points[i].source) + " mixed with " +
                                                      source_name(f.source) + " points; compute one front per source");
    std::vector<size_t> idx;
    for (size_t i = 0; i < points.size(); ++i)
        (points[i].peak_bytes > budget_bytes ? f.over_budget : idx).push_back(i);
    // Lexicographic order: a point can only be dominated by one before it, so one sweep against
    // the front found so far decides it.
    std::sort(idx.begin(), idx.end(), [&](size_t a, size_t b) {
        const auto &p = points[a], &q = points[b];
        if (p.latency_cycles != q.latency_cycles) return p.latency_cycles < q.latency_cycles;
        if (p.energy_uj != q.energy_uj) return p.energy_uj < q.energy_uj;
        if (p.peak_bytes != q.peak_bytes) return p.peak_bytes < q.peak_bytes;
        return a < b;
    });
    for (size_t i : idx) {
        bool dom = false;
        for (size_t j : f.front)
            if (dominates(points[j], points[i])) {
                dom = true;
                break;
            }
        (dom ? f.dominated : f.front).push_back(i);
    }
    std::sort(f.dominated.begin(), f.dominated.end());
    return f;
}

std::map<Source, ParetoFront> pareto_fronts_by_source(const std::vector<ParetoPoint> &points,
                                                      uint64_t budget_bytes)
{
    std::map<Source, std::vector<size_t>> groups;
    for (size_t i = 0; i < points.size(); ++i)
        groups[points[i].source].push_back(i);
    std::map<Source, ParetoFront> out;
    for (const auto &[src, ids] : groups) {
        std::vector<ParetoPoint> sub;
        for (size_t i : ids)
            sub.push_back(points[i]);
        ParetoFront f = *pareto_front(sub, budget_bytes);
        for (auto *v : {&f.front, &f.dominated, &f.over_budget})
            for (auto &i : *v)
                i = ids[i];
        out[src] = std::move(f);
    }
    return out;
}

} // namespace tinytx::tuner
