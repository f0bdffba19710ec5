// GuidedStrategy: proposes the points a cost model ranks best, re-ranked as measurements arrive.
#include "tinytx/tuner/search.h"

#include <algorithm>

#include "search_detail.h"

namespace tinytx::tuner {

using namespace search_detail;

GuidedStrategy::GuidedStrategy(uint64_t size, Predictor predict, const SearchOptions &opt,
                               std::function<void(uint64_t, const Objectives &)> on_tell)
    : size_(size), limit_(limit_of(size, opt.budget)), predict_(std::move(predict)), opt_(opt),
      on_tell_(std::move(on_tell)), rng_(opt.seed)
{
    if (opt_.scan_limit == 0) opt_.scan_limit = 1;
}

bool GuidedStrategy::done() const { return seen_.size() >= limit_; }

void GuidedStrategy::tell(uint64_t index, const Objectives &o)
{
    if (!seen_.count(index)) return;
    if (on_tell_) on_tell_(index, o);
    dirty_ = true;
}

void GuidedStrategy::rerank()
{
    dirty_ = false;
    std::vector<uint64_t> cand;
    for (uint64_t i : pool_)
        if (!seen_.count(i)) cand.push_back(i);
    if (cand.empty() && !done()) {   // (re)scan: everything when small, else a seeded sample
        pool_.clear();
        if (size_ - seen_.size() <= opt_.scan_limit) {
            for (uint64_t i = 0; i < size_; ++i)
                if (!seen_.count(i)) pool_.push_back(i);
        } else {
            std::set<uint64_t> s;
            for (size_t t = 0; t < opt_.scan_limit * 4 && s.size() < opt_.scan_limit; ++t) {
                const uint64_t i = uniform(rng_, size_);
                if (!seen_.count(i)) s.insert(i);
            }
            pool_.assign(s.begin(), s.end());
        }
        cand = pool_;
    }
    struct P { uint64_t idx; Objectives o; size_t layer; };
    std::vector<P> ps;
    ps.reserve(cand.size());
    for (uint64_t i : cand) ps.push_back({i, predict_(i), 0});
    // 2-D Pareto layers over (latency, memory): sweep in latency order; a point's layer is the
    // first whose least memory so far is above its own (O(n log n)).
    std::vector<size_t> order(ps.size());
    std::iota(order.begin(), order.end(), 0);
    auto key_less = [&](size_t a, size_t b) {
        const auto &x = ps[a].o, &y = ps[b].o;
        if (x.failed != y.failed) return !x.failed;
        if (x.latency_cycles != y.latency_cycles) return x.latency_cycles < y.latency_cycles;
        if (x.memory_bytes != y.memory_bytes) return x.memory_bytes < y.memory_bytes;
        return ps[a].idx < ps[b].idx;
    };
    std::sort(order.begin(), order.end(), key_less);
    std::vector<double> mins;
    for (size_t k : order) {
        if (ps[k].o.failed) { ps[k].layer = std::numeric_limits<size_t>::max(); continue; }
        const double m = ps[k].o.memory_bytes;
        const size_t layer = std::upper_bound(mins.begin(), mins.end(), m) - mins.begin();
        if (layer == mins.size()) mins.push_back(m);
        else mins[layer] = m;
        ps[k].layer = layer;
    }
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        if (ps[a].layer != ps[b].layer) return ps[a].layer < ps[b].layer;
        return key_less(a, b);
    });
    ranked_.clear();
    for (size_t k : order) ranked_.push_back(ps[k].idx);
}

const std::vector<uint64_t> &GuidedStrategy::ranking()
{
    if (dirty_) rerank();
    return ranked_;
}

std::vector<uint64_t> GuidedStrategy::propose(size_t batch)
{
    std::vector<uint64_t> out;
    while (out.size() < batch && !done()) {
        if (dirty_) rerank();
        // drop already-proposed entries from the front
        size_t k = 0;
        while (k < ranked_.size() && seen_.count(ranked_[k])) ++k;
        if (k == ranked_.size()) {
            dirty_ = true;
            rerank();
            if (ranked_.empty()) break;
            continue;
        }
        seen_.insert(ranked_[k]);
        out.push_back(ranked_[k]);
        ranked_.erase(ranked_.begin(), ranked_.begin() + static_cast<std::ptrdiff_t>(k + 1));
    }
    return out;
}

} // namespace tinytx::tuner
