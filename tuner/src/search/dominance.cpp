// Pareto dominance over Objectives, non-dominated sorting and crowding (NSGA-II).
#include "tinytx/tuner/search.h"

#include <cmath>
#include <limits>
#include <numeric>

#include "search_detail.h"
#include "tinytx/tuner/pareto.h"

namespace tinytx::tuner {

namespace {

ParetoPoint as_point(const Objectives &o)
{
    ParetoPoint p;
    p.latency_cycles = o.latency_cycles;
    p.energy_uj = o.energy_uj;
    p.peak_bytes = o.memory_bytes <= 0 ? 0 : static_cast<uint64_t>(std::llround(o.memory_bytes));
    return p;
}

} // namespace

bool dominates(const Objectives &a, const Objectives &b)
{
    if (a.failed) return false;
    if (b.failed) return true;
    return dominates(as_point(a), as_point(b));
}

namespace search_detail {

// Fast non-dominated sort: front number per point (failed points after every other front).
std::vector<size_t> nondominated_ranks(const std::vector<Objectives> &v)
{
    const size_t n = v.size();
    std::vector<size_t> rank(n, 0), count(n, 0);
    std::vector<std::vector<size_t>> dominated_by(n);
    std::vector<size_t> current;
    for (size_t i = 0; i < n; ++i) {
        if (v[i].failed) continue;
        for (size_t j = 0; j < n; ++j) {
            if (i == j || v[j].failed) continue;
            if (dominates(v[i], v[j])) dominated_by[i].push_back(j);
            else if (dominates(v[j], v[i])) ++count[i];
        }
        if (count[i] == 0) current.push_back(i);
    }
    size_t r = 0;
    while (!current.empty()) {
        std::vector<size_t> next;
        for (size_t i : current) {
            rank[i] = r;
            for (size_t j : dominated_by[i])
                if (--count[j] == 0) next.push_back(j);
        }
        current = std::move(next);
        ++r;
    }
    for (size_t i = 0; i < n; ++i)
        if (v[i].failed) rank[i] = r;
    return rank;
}

// Crowding distance of the points `members` (indices into v) of one front.
void crowding(const std::vector<Objectives> &v, const std::vector<size_t> &members,
              std::vector<double> &out)
{
    for (size_t m : members) out[m] = 0;
    if (members.size() <= 2) {
        for (size_t m : members) out[m] = std::numeric_limits<double>::infinity();
        return;
    }
    auto obj = [&](size_t i, int k) {
        return k == 0 ? v[i].latency_cycles : k == 1 ? v[i].energy_uj : v[i].memory_bytes;
    };
    for (int k = 0; k < 3; ++k) {
        std::vector<size_t> s = members;
        std::stable_sort(s.begin(), s.end(), [&](size_t a, size_t b) { return obj(a, k) < obj(b, k); });
        const double lo = obj(s.front(), k), hi = obj(s.back(), k);
        out[s.front()] = out[s.back()] = std::numeric_limits<double>::infinity();
        if (hi <= lo) continue;
        for (size_t i = 1; i + 1 < s.size(); ++i)
            out[s[i]] += (obj(s[i + 1], k) - obj(s[i - 1], k)) / (hi - lo);
    }
}

} // namespace search_detail

} // namespace tinytx::tuner
