// A seeded sample of design-space points, built and measured on the in-process emulators (the ISS;
// for gap9 the pulp cluster simulator): the ground truth the cost model is checked (and its priors
// were fitted) against. Shared by the `iss` test and tinytx_cost_model_bench; not part of the
// tuner library (it needs the builder and runner).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "tinytx/platform/board_profile.h"
#include "tinytx/tuner/cost_model.h"
#include "tinytx/tuner/schedule.h"

namespace tinytx::tuner::iss_sample {

struct Spec {
    std::vector<std::string> boards;           // profile names
    std::vector<std::string> models;           // spec names in models_dir (<name>.json)
    std::filesystem::path models_dir, boards_dir, cache_dir;
    size_t points_per_board = 36;              // split evenly over the models
    uint32_t seed = 1;
    unsigned jobs = 2;                         // concurrent builds and ISS runs
    // ISS boards: count each point's arena loads and stores exactly (Point::arena_*), and/or
    // measure it again with the arena in each other RAM-like region of the board (more Points,
    // CostMeasurement::placement set; the default placement's point keeps placement "")
    bool arena_accesses = false;
    bool placements = false;
    // ISS boards: measure each point again with its weights copied to the board's RAM region of
    // fewest load waits (weights_region_choice; a Point with CostMeasurement::weights set), which
    // gives the window's exact weight loads (Point::weight_loads)
    bool weights = false;
};

struct Point {
    std::string board, model, backend;         // backend: "iss" or "pulp"
    Schedule schedule;
    tx_encoder_dims dims{};                    // the model's (layer_features of each layer)
    CostMeasurement m;                         // features, emulated cycles, label = schedule hash
    uint64_t instructions = 0;
    double arena_loads = 0, arena_stores = 0;  // Spec::arena_accesses (in the measured window)
    double weight_loads = 0;                   // Spec::weights (in the measured window)
};

struct Result {
    std::vector<Point> points;                 // boards in spec order, then draw order
    std::string error;                         // "" when every point built, ran and matched its CRC
    size_t built = 0, cache_hits = 0;
    double seconds = 0;                        // wall time of the whole sample
    bool ok() const { return error.empty(); }
};

// Draws, per board and model, distinct knob sets uniformly from the design space (shared mode for
// one-layer models, per-layer mode otherwise; the placement is ignored when telling points apart:
// the images put the arena where the emulator machine has it), builds them, runs them once on the
// board's backend (deterministic) with the host reference's CRC as the expected output. A board
// with a cluster (board_cluster_cores > 0: gap9) is measured on the pulp backend over the cluster
// design space (single-core variants incl. xpulp, and cores 1/2/4/8 with either split where the
// L1 holds the tiles), as tuning.cpp runs it; the others on the ISS.
Result measure(const Spec &spec);

// The backend measure() runs a board on: "pulp" for a board with a cluster, else "iss".
std::string backend_for(const platform::BoardProfile &board);

// Seeded split of one board's points: about train_fraction of them (at least one each side when
// there are two or more) into train, the rest into held, stratified by model.
void split(const std::vector<Point> &points, double train_fraction, uint32_t seed,
           std::vector<CostMeasurement> &train, std::vector<CostMeasurement> &held);

// The cycles of an ISS image on `board` with only the arena's load (store) wait at 1, less those
// with no wait anywhere: the window's exact arena loads and stores. Empty when a run failed.
std::optional<std::pair<double, double>> count_arena_accesses(const platform::BoardProfile &board,
                                                              const std::string &elf);

// The points of one board.
std::vector<Point> of_board(const std::vector<Point> &points, const std::string &board);

} // namespace tinytx::tuner::iss_sample
