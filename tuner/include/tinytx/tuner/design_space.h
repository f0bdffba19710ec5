// tinytx::tuner::DesignSpace — the legal schedules of one model on one board (ARCHITECTURE.md
// "Data flow"). Only legal points exist in it: enumeration, index access and check() agree.
//
// Knobs per layer and their legal values:
//   attention  standard; fused only when the model carries fused weights (Model::has_fused)
//   mhsa       layerwise, headwise, depthfirst with T in {1, 2, 4, 8, round(sqrt S), S/4, S/2}
//              ∩ [1, S-1] (deduplicated, ascending; T = S would be head-wise)
//   variant    ref, opt2x2, opt4x2 everywhere; dsp on cortex-m4/m7; rv32 on rv32imc; xpulp with
//              a cluster (SpaceOptions::cluster_cores > 0)
//   ffn_tile   0 (untiled) and {F/8, F/4, F/2} ∩ [1, F-1]
//   cores      0 (the single-core library kernels); with a cluster, also {1, 2, 4, 8} ∩
//              [1, cluster_cores] for variant xpulp: the cluster kernels, whose L1 tiles are
//              tile_rows and ffn_tile; a cluster knob set is in the space only when its L1 use
//              (layer_cluster_l1_bytes of memory_planner.h) fits SpaceOptions::l1_bytes
//   split      rows | heads on cluster layers (rows when cores is 0)
//   placement  a RAM-like region (ram|tcm|l1|l2) of the board that holds the whole plan
//              (MemoryPlanner peak <= region length). The arena is one block, so the placement is
//              one per schedule, even in per-layer mode. A knob set whose plan fits no region is
//              not in the space. A board with no RAM-like region gets placement "" (unchecked).
//              Cluster knob sets never place the arena in an l1 region: their tiles fill it.
//   weights    "" (flash); with SpaceOptions::weights_bytes > 0 on a Cortex-M board, also the
//              weights' RAM region (weights_region_choice): of the RAM-like regions with fewer load
//              wait states than the flash and room for the weights, the one with the fewest (first
//              in board order on a tie). One per schedule, like the placement; where it is the
//              placement's region, arena and weights must fit it together (with the fused weights
//              in per-layer mode, whose layers may mix attention modes).
// A home is a (placement, weights) pair: placements in board order, within one weights "" first.
// Modes: kShared — every layer uses the same knob set (size = sum over homes of n_h);
//        kPerLayer — each layer picks its own (size = sum over homes of n_h^L), where n_h is
//        the number of knob sets that fit home h.
// Index order: homes in the order above; within a home, mixed radix over layers with layer 0
// the fastest digit, each digit an index into the region's fitting knob sets (in
// layer_knob_sets() order: attention, mhsa, T, variant, ffn_tile, cores, split — outermost first).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tinytx/platform/board_profile.h"
#include "tinytx/platform/status.h"
#include "tinytx/tuner/model.h"
#include "tinytx/tuner/schedule.h"

namespace tinytx::tuner {

enum class SpaceMode { kShared, kPerLayer };

// What the measuring platform offers beyond the board's core: the GAP9 cluster is there only on
// the backend that emulates it (pulp), so the tuner turns it on per run.
struct SpaceOptions {
    int32_t cluster_cores = 0;   // 0 = no cluster knobs (also for pre-norm models: post-norm only)
    size_t l1_bytes = 0;         // L1 free for the cluster kernels' tiles
    // The model's weights section with every layer standard / fused (fused: 0 = the model has no
    // fused weights); 0 = the weights stay in flash (no weights knob).
    uint64_t weights_bytes = 0, fused_weights_bytes = 0;
};

// The RAM-like region the space offers for the weights besides flash ("" = none; see above).
std::string weights_region_choice(const platform::BoardProfile &b, uint64_t weights_bytes);

class DesignSpace {
public:
    // Fails for bad dims, no layers, or a space larger than 2^63 points.
    static platform::Result<DesignSpace> create(const Model &m, const platform::BoardProfile &b, SpaceMode mode,
                                                const SpaceOptions &opt = {});
    static platform::Result<DesignSpace> create(const std::string &model_name, const tx_encoder_dims &d,
                                                size_t n_layers, bool has_fused, const platform::BoardProfile &b,
                                                SpaceMode mode, const SpaceOptions &opt = {});

    // the value sets (exposed for tests, search mutation operators and reports)
    static std::vector<int32_t> tile_rows_choices(int32_t S);
    static std::vector<int32_t> ffn_tile_choices(int32_t F);
    static std::vector<tx_variant> variant_choices(const std::string &core, bool cluster = false);
    static std::vector<int32_t> cores_choices(int32_t cluster_cores);   // {1, 2, 4, 8} ∩ [1, n]

    SpaceMode mode() const { return mode_; }
    uint64_t size() const { return size_; }
    // The index-th point, 0 <= index < size(); out of range throws std::out_of_range.
    Schedule at(uint64_t index) const;
    // Ok when the schedule is a point of this space, else invalid_argument saying why not (naming
    // the field).
    platform::Status check(const Schedule &s) const;

    // every knob set of one layer with placement and weights "" (before the memory filter)
    const std::vector<LayerKnobs> &layer_knob_sets() const { return knobs_; }
    // the homes (placement, weights), in index order, and how many knob sets fit each
    struct Home {
        std::string placement, weights;
    };
    const std::vector<Home> &homes() const { return homes_; }
    size_t fitting_count(size_t home_index) const { return fit_[home_index].size(); }

private:
    std::string model_, board_name_, core_;
    tx_encoder_dims dims_{};
    size_t n_layers_ = 0;
    bool has_fused_ = false;
    SpaceMode mode_ = SpaceMode::kShared;
    SpaceOptions opt_;
    std::vector<LayerKnobs> knobs_;
    // bytes the weights of a layer's knob set take beside the arena (per-layer points may mix modes)
    uint64_t weights_bytes(const LayerKnobs &k) const;

    std::vector<Home> homes_;
    std::vector<uint64_t> home_length_;        // the placement's bytes, 0 = unchecked ("" placement)
    std::vector<std::string> home_kind_;       // the placement's MemoryRegion::kind
    std::string weights_ram_;                  // the weights' RAM region offered, "" = flash only
    uint64_t weights_ram_length_ = 0;
    std::vector<std::vector<uint32_t>> fit_;   // per home: indices into knobs_
    std::vector<uint64_t> home_size_;          // points per home
    uint64_t size_ = 0;
};

} // namespace tinytx::tuner
