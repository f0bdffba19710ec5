// SearchStrategy implementations: see tinytx/tuner/search.h.
#include "tinytx/tuner/search.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

#include "tinytx/tuner/memory_planner.h"
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

uint64_t uniform(std::mt19937_64 &rng, uint64_t n)   // [0, n), n >= 1
{
    return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng);
}

double unit(std::mt19937_64 &rng) { return std::uniform_real_distribution<double>(0.0, 1.0)(rng); }

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

uint64_t limit_of(uint64_t size, uint64_t budget) { return budget == 0 ? size : std::min(size, budget); }

} // namespace

bool dominates(const Objectives &a, const Objectives &b)
{
    if (a.failed) return false;
    if (b.failed) return true;
    return dominates(as_point(a), as_point(b));
}

// ---- IndexCoding ----

uint64_t IndexCoding::Block::size() const
{
    uint64_t n = 1;
    for (uint64_t r : radices) n *= r;
    return n;
}

uint64_t IndexCoding::size() const
{
    return blocks.empty() ? 0 : blocks.back().offset + blocks.back().size();
}

IndexCoding::Genome IndexCoding::decode(uint64_t index) const
{
    if (index >= size()) throw std::out_of_range("IndexCoding::decode");
    size_t b = 0;
    while (index >= blocks[b].offset + blocks[b].size()) ++b;
    Genome g{b, {}};
    uint64_t rest = index - blocks[b].offset;
    for (uint64_t r : blocks[b].radices) {
        g.digits.push_back(rest % r);
        rest /= r;
    }
    return g;
}

uint64_t IndexCoding::encode(const Genome &g) const
{
    const Block &b = blocks.at(g.block);
    uint64_t idx = 0, mul = 1;
    for (size_t i = 0; i < b.radices.size(); ++i) {
        idx += g.digits.at(i) * mul;
        mul *= b.radices[i];
    }
    return b.offset + idx;
}

IndexCoding IndexCoding::flat(uint64_t size)
{
    IndexCoding c;
    if (size > 0) c.blocks.push_back(Block{0, {size}});
    return c;
}

IndexCoding IndexCoding::mixed_radix(const std::vector<uint64_t> &radices)
{
    IndexCoding c;
    c.blocks.push_back(Block{0, radices});
    if (c.size() == 0) c.blocks.clear();
    return c;
}

IndexCoding IndexCoding::from_space(const DesignSpace &space)
{
    const uint64_t total = space.size();
    if (total == 0) return {};
    const size_t layers = space.mode() == SpaceMode::kPerLayer ? space.at(0).layers.size() : 1;
    IndexCoding c;
    uint64_t offset = 0;
    for (size_t r = 0; r < space.placements().size(); ++r) {
        const uint64_t n = space.fitting_count(r);
        if (n == 0) continue;
        uint64_t bs = 1;
        for (size_t l = 0; l < layers; ++l) {
            if (bs > total / n) return flat(total);   // does not add up: fall back
            bs *= n;
        }
        c.blocks.push_back(Block{offset, std::vector<uint64_t>(layers, n)});
        offset += bs;
        if (offset > total) return flat(total);
    }
    if (offset != total) return flat(total);
    return c;
}

// ---- Exhaustive ----

ExhaustiveStrategy::ExhaustiveStrategy(uint64_t size, const SearchOptions &opt)
    : limit_(limit_of(size, opt.budget))
{
}

std::vector<uint64_t> ExhaustiveStrategy::propose(size_t batch)
{
    std::vector<uint64_t> out;
    while (out.size() < batch && next_ < limit_) out.push_back(next_++);
    return out;
}

// ---- NSGA-II ----

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

// ---- Guided ----

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

// ---- Factories ----

Predictor cost_model_predictor(const DesignSpace &space, const tx_encoder_dims &dims,
                               std::shared_ptr<const CostModel> model)
{
    auto sp = std::make_shared<DesignSpace>(space);
    return [sp, dims, model](uint64_t i) {
        const Schedule s = sp->at(i);
        const CostFeatures f = schedule_features(dims, s);
        Objectives o;
        o.latency_cycles = model->predict_cycles(f);
        o.energy_uj = model->energy_uj(o.latency_cycles);
        const PlanResult p = plan_memory(dims, s.layers.size(), s);
        if (!p.ok()) return Objectives::failure();
        o.memory_bytes = double(p.plan->peak_bytes);
        return o;
    };
}

std::unique_ptr<SearchStrategy> make_strategy(const std::string &kind, const IndexCoding &coding,
                                              const SearchOptions &opt, Predictor predict,
                                              std::string *error)
{
    const uint64_t size = coding.size();
    std::string k = kind;
    if (k == "auto") k = (opt.budget == 0 || size <= opt.budget) ? "exhaustive" : "nsga2";
    if (k == "exhaustive") return std::make_unique<ExhaustiveStrategy>(size, opt);
    if (k == "nsga2") return std::make_unique<Nsga2Strategy>(coding, opt);
    if (k == "guided") {
        if (!predict) {
            if (error) *error = "search strategy 'guided' needs a cost model";
            return nullptr;
        }
        return std::make_unique<GuidedStrategy>(size, std::move(predict), opt);
    }
    if (error) *error = "unknown search strategy '" + kind + "' (auto|exhaustive|nsga2|guided)";
    return nullptr;
}

std::unique_ptr<SearchStrategy> make_strategy(const std::string &kind, const DesignSpace &space,
                                              const SearchOptions &opt,
                                              const SpaceSearchContext &ctx, std::string *error)
{
    const IndexCoding coding = IndexCoding::from_space(space);
    if (kind != "guided") return make_strategy(kind, coding, opt, {}, error);
    if (!ctx.model) {
        if (error) *error = "search strategy 'guided' needs a cost model";
        return nullptr;
    }
    auto model = std::make_shared<CostModel>(*ctx.model);
    Predictor predict = cost_model_predictor(space, ctx.dims, model);
    std::function<void(uint64_t, const Objectives &)> on_tell;
    if (ctx.calibrate_on_tell) {
        auto sp = std::make_shared<DesignSpace>(space);
        auto points = std::make_shared<std::vector<CostMeasurement>>();
        const tx_encoder_dims dims = ctx.dims;
        const CostModel base = *ctx.model;   // every calibration starts from the given model
        on_tell = [sp, points, model, dims, base](uint64_t i, const Objectives &o) {
            if (o.failed || !(o.latency_cycles > 0)) return;
            CostMeasurement m;
            m.features = schedule_features(dims, sp->at(i));
            m.cycles = o.latency_cycles;
            points->push_back(m);
            *model = base;
            model->calibrate(*points);
        };
    }
    return std::make_unique<GuidedStrategy>(space.size(), std::move(predict), opt, std::move(on_tell));
}

} // namespace tinytx::tuner
