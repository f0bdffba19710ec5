// Nsga2Strategy: evolutionary multi-objective search (NSGA-II style).
#include "tinytx/tuner/search.h"

#include <algorithm>

#include "search_detail.h"

namespace tinytx::tuner {

using namespace search_detail;

Nsga2Strategy::Nsga2Strategy(IndexCoding coding, const SearchOptions &opt)
    : coding_(std::move(coding)), opt_(opt), size_(coding_.size()), limit_(limit_of(size_, opt.budget)),
      rng_(opt.seed)
{
    if (opt_.population < 2) opt_.population = 2;
}

bool Nsga2Strategy::done() const { return seen_.size() >= limit_; }

void Nsga2Strategy::tell(uint64_t index, const Objectives &o)
{
    if (!seen_.count(index)) return;
    const bool fresh = results_.find(index) == results_.end();
    results_[index] = o;
    if (fresh || std::find(pop_.begin(), pop_.end(), index) != pop_.end()) incoming_.push_back(index);
}

void Nsga2Strategy::select()
{
    std::vector<uint64_t> pool = pop_;
    pool.insert(pool.end(), incoming_.begin(), incoming_.end());
    std::sort(pool.begin(), pool.end());
    pool.erase(std::unique(pool.begin(), pool.end()), pool.end());
    incoming_.clear();

    std::vector<Objectives> obj;
    for (uint64_t i : pool) obj.push_back(results_.at(i));
    const std::vector<size_t> rank = nondominated_ranks(obj);
    std::vector<double> crowd(pool.size(), 0);
    const size_t max_rank = rank.empty() ? 0 : *std::max_element(rank.begin(), rank.end());
    std::vector<std::vector<size_t>> fronts(max_rank + 1);
    for (size_t i = 0; i < pool.size(); ++i) fronts[rank[i]].push_back(i);
    for (const auto &f : fronts) crowding(obj, f, crowd);

    std::vector<size_t> order(pool.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        if (rank[a] != rank[b]) return rank[a] < rank[b];
        return crowd[a] > crowd[b];   // ties keep index order (deterministic)
    });
    if (order.size() > opt_.population) order.resize(opt_.population);
    pop_.clear();
    rank_.clear();
    crowd_.clear();
    for (size_t i : order) {
        pop_.push_back(pool[i]);
        rank_.push_back(rank[i]);
        crowd_.push_back(crowd[i]);
    }
}

std::vector<uint64_t> Nsga2Strategy::population()
{
    if (!incoming_.empty()) select();
    return pop_;
}

uint64_t Nsga2Strategy::random_unseen()
{
    for (int t = 0; t < 64; ++t) {
        const uint64_t i = uniform(rng_, size_);
        if (!seen_.count(i)) return i;
    }
    // Dense: scan forward from a random start; at most seen_.size() steps before a free index.
    uint64_t i = uniform(rng_, size_);
    while (seen_.count(i)) i = (i + 1) % size_;
    return i;
}

size_t Nsga2Strategy::tournament()
{
    const size_t a = uniform(rng_, pop_.size()), b = uniform(rng_, pop_.size());
    if (rank_[a] != rank_[b]) return rank_[a] < rank_[b] ? a : b;
    return crowd_[b] > crowd_[a] ? b : a;
}

IndexCoding::Genome Nsga2Strategy::mutate(IndexCoding::Genome g, double rate)
{
    // rarely move to another block (another placement region), keeping digits where they fit
    if (coding_.blocks.size() > 1 && unit(rng_) < 0.05 + 0.05 * rate) {
        g.block = uniform(rng_, coding_.blocks.size());
        const auto &rad = coding_.blocks[g.block].radices;
        std::vector<uint64_t> d(rad.size());
        for (size_t i = 0; i < rad.size(); ++i) d[i] = i < g.digits.size() ? g.digits[i] % rad[i] : 0;
        g.digits = std::move(d);
    }
    const auto &rad = coding_.blocks[g.block].radices;
    for (size_t i = 0; i < rad.size(); ++i) {
        if (rad[i] <= 1 || unit(rng_) >= rate) continue;
        if (unit(rng_) < 0.5) {
            g.digits[i] = uniform(rng_, rad[i]);
        } else {   // neighbouring value: +-1..+-step, clamped
            const uint64_t step = std::clamp<uint64_t>(rad[i] / 8, 1, 16);
            const uint64_t d = 1 + uniform(rng_, step);
            if (unit(rng_) < 0.5) g.digits[i] = g.digits[i] >= d ? g.digits[i] - d : 0;
            else g.digits[i] = std::min(rad[i] - 1, g.digits[i] + d);
        }
    }
    return g;
}

uint64_t Nsga2Strategy::offspring()
{
    for (int attempt = 0; attempt < 32; ++attempt) {
        const IndexCoding::Genome p1 = coding_.decode(pop_[tournament()]);
        const IndexCoding::Genome p2 = coding_.decode(pop_[tournament()]);
        IndexCoding::Genome child = p1;
        if (p1.block == p2.block && unit(rng_) < opt_.crossover_prob)
            for (size_t i = 0; i < child.digits.size(); ++i)
                if (unit(rng_) < 0.5) child.digits[i] = p2.digits[i];
        const double base = 1.0 / double(std::max<size_t>(1, child.digits.size()));
        child = mutate(std::move(child), std::min(1.0, base * (1 + attempt / 4.0)));
        const uint64_t idx = coding_.encode(child);
        if (!seen_.count(idx)) return idx;
    }
    return random_unseen();
}

std::vector<uint64_t> Nsga2Strategy::propose(size_t batch)
{
    if (!incoming_.empty()) select();
    std::vector<uint64_t> out;
    while (out.size() < batch && !done()) {
        const bool initial = seen_.size() < opt_.population || pop_.size() < 2;
        const uint64_t idx = initial ? random_unseen() : offspring();
        seen_.insert(idx);
        out.push_back(idx);
    }
    return out;
}

} // namespace tinytx::tuner
