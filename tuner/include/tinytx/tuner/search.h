// tinytx::tuner::SearchStrategy — proposes batches of design-space indices and is told their
// results (ARCHITECTURE.md "Data flow"). Every strategy is deterministic given its seed and the
// sequence of propose/tell calls, and never proposes the same index twice.
//
//   exhaustive  every index of [0, size) once, in order (up to the trial budget)
//   nsga2       evolutionary multi-objective search (NSGA-II style): fast non-dominated sort +
//               crowding distance for environmental selection over (latency, energy, memory),
//               binary tournament, uniform crossover and mutation on the per-knob decomposition
//               of the index (IndexCoding). Failed candidates rank behind every successful one.
//   guided      ranks unmeasured indices by predicted objectives (a cheap scan of up to
//               scan_limit indices: all of them when the space is that small, else a seeded
//               random sample) and proposes the predicted-best first: lowest predicted Pareto
//               layer over (latency, memory), then lowest latency. The ranking is recomputed after
//               every tell (the prediction may change, e.g. a calibrated CostModel).
//
// The index decomposition (IndexCoding): DesignSpace has no public index<->knobs API, but its
// header documents the index order (regions in board order; within a region, mixed radix over
// layers, layer 0 fastest, each digit an index into the region's fitting knob sets;
// one digit in shared mode). IndexCoding::from_space rebuilds that as one block per region with
// radices {n_r} x L. A digit is therefore a whole layer's knob set (a "gene"), and mutation
// either re-samples a digit uniformly or steps it to a neighbouring knob set (+-1, which in the
// layer_knob_sets() order mostly changes the innermost knobs: ffn_tile, then variant). If the
// documented layout does not add up to size(), from_space falls back to a flat coding (one digit
// = the whole index), where mutation re-samples neighbouring indices (+-1..+-16) or uniformly.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "tinytx/kernels.h"
#include "tinytx/platform/status.h"
#include "tinytx/tuner/cost_model.h"
#include "tinytx/tuner/design_space.h"

namespace tinytx::tuner {

// What one trial gave: all minimised. failed = the build/run failed (the figures are ignored).
struct Objectives {
    double latency_cycles = 0;
    double energy_uj = 0;
    double memory_bytes = 0;
    bool failed = false;
    static Objectives failure() { Objectives o; o.failed = true; return o; }
};

// a dominates b (both not failed): no worse everywhere, better somewhere. A successful result
// dominates a failed one; a failed one dominates nothing.
bool dominates(const Objectives &a, const Objectives &b);

// Decomposition of [0, size) into blocks; within a block, index = offset + mixed radix digits
// (digit 0 fastest).
struct IndexCoding {
    struct Block {
        uint64_t offset = 0;
        std::vector<uint64_t> radices;   // each >= 1
        uint64_t size() const;
    };
    struct Genome {
        size_t block = 0;
        std::vector<uint64_t> digits;
    };
    std::vector<Block> blocks;   // contiguous, in index order

    uint64_t size() const;
    Genome decode(uint64_t index) const;      // index < size()
    uint64_t encode(const Genome &g) const;

    static IndexCoding flat(uint64_t size);                          // one digit
    static IndexCoding mixed_radix(const std::vector<uint64_t> &radices);
    static IndexCoding from_space(const DesignSpace &space);         // see the header comment
};

class SearchStrategy {
public:
    virtual ~SearchStrategy() = default;
    virtual std::string name() const = 0;
    // Up to `batch` indices never proposed before; empty = nothing more to propose (done()).
    // May return fewer than batch (e.g. NSGA-II waiting for results is not a reason: it then
    // samples; only the budget or an exhausted space shortens a batch).
    virtual std::vector<uint64_t> propose(size_t batch) = 0;
    // The result of a proposed index (unknown indices are ignored; a second tell replaces).
    virtual void tell(uint64_t index, const Objectives &o) = 0;
    // The budget is spent or every index has been proposed.
    virtual bool done() const = 0;
    virtual uint64_t proposed() const = 0;
};

struct SearchOptions {
    uint64_t budget = 0;          // max proposals; 0 = the space size
    uint64_t seed = 1;
    size_t population = 32;       // nsga2
    double crossover_prob = 0.9;  // nsga2
    size_t scan_limit = 4096;     // guided: indices scanned (predicted) per ranking
};

class ExhaustiveStrategy final : public SearchStrategy {
public:
    ExhaustiveStrategy(uint64_t size, const SearchOptions &opt = {});
    std::string name() const override { return "exhaustive"; }
    std::vector<uint64_t> propose(size_t batch) override;
    void tell(uint64_t, const Objectives &) override {}
    bool done() const override { return next_ >= limit_; }
    uint64_t proposed() const override { return next_; }

private:
    uint64_t limit_ = 0, next_ = 0;
};

class Nsga2Strategy final : public SearchStrategy {
public:
    Nsga2Strategy(IndexCoding coding, const SearchOptions &opt = {});
    std::string name() const override { return "nsga2"; }
    std::vector<uint64_t> propose(size_t batch) override;
    void tell(uint64_t index, const Objectives &o) override;
    bool done() const override;
    uint64_t proposed() const override { return seen_.size(); }
    // the current parent population (after environmental selection), for reports and tests
    std::vector<uint64_t> population();

private:
    void select();
    uint64_t offspring();
    uint64_t random_unseen();
    size_t tournament();
    IndexCoding::Genome mutate(IndexCoding::Genome g, double rate);

    IndexCoding coding_;
    SearchOptions opt_;
    uint64_t size_ = 0, limit_ = 0;
    std::mt19937_64 rng_;
    std::unordered_set<uint64_t> seen_;
    std::unordered_map<uint64_t, Objectives> results_;
    std::vector<uint64_t> incoming_;          // told since the last selection
    std::vector<uint64_t> pop_;               // parents
    std::vector<size_t> rank_;                // per pop_ entry
    std::vector<double> crowd_;               // per pop_ entry
};

// Predicted objectives of an index (failed = not predictable; ranked last).
using Predictor = std::function<Objectives(uint64_t)>;

class GuidedStrategy final : public SearchStrategy {
public:
    // on_tell (optional) runs inside tell(), e.g. to recalibrate the model behind `predict`.
    GuidedStrategy(uint64_t size, Predictor predict, const SearchOptions &opt = {},
                   std::function<void(uint64_t, const Objectives &)> on_tell = {});
    std::string name() const override { return "guided"; }
    std::vector<uint64_t> propose(size_t batch) override;
    void tell(uint64_t index, const Objectives &o) override;
    bool done() const override;
    uint64_t proposed() const override { return seen_.size(); }
    // the current ranking of unproposed indices, best first (re-ranks if needed)
    const std::vector<uint64_t> &ranking();

private:
    void rerank();

    uint64_t size_ = 0, limit_ = 0;
    Predictor predict_;
    SearchOptions opt_;
    std::function<void(uint64_t, const Objectives &)> on_tell_;
    std::mt19937_64 rng_;
    std::vector<uint64_t> pool_;   // scanned indices
    std::unordered_set<uint64_t> seen_;
    std::vector<uint64_t> ranked_;
    bool dirty_ = true;
};

// Predicts with `model` (cycles with the arena in the schedule's placement, energy) and the
// memory planner (peak bytes) on space.at(i).
Predictor cost_model_predictor(const DesignSpace &space, const tx_encoder_dims &dims,
                               std::shared_ptr<const CostModel> model);

// kind: "auto" (exhaustive when size <= budget, else nsga2) | "exhaustive" | "nsga2" | "guided".
// guided needs a predictor (invalid argument otherwise). Unknown kind: invalid argument.
platform::Result<std::unique_ptr<SearchStrategy>> make_strategy(const std::string &kind, const IndexCoding &coding,
                                                                const SearchOptions &opt, Predictor predict = {});

// Over a DesignSpace. For "guided", `model` (and the model dims) are required; when
// calibrate_on_tell, the strategy keeps its own copy of the model and recalibrates it from every
// successful measured latency, so later rankings use the calibrated model.
struct SpaceSearchContext {
    tx_encoder_dims dims{};
    std::optional<CostModel> model;
    bool calibrate_on_tell = true;
};
platform::Result<std::unique_ptr<SearchStrategy>> make_strategy(const std::string &kind, const DesignSpace &space,
                                                                const SearchOptions &opt,
                                                                const SpaceSearchContext &ctx = {});

} // namespace tinytx::tuner
