// A seeded sample of design-space points, built and measured on the in-process ISS: the ground
// truth the cost model is checked (and its priors were fitted) against. Shared by the `iss` test
// and tinytx_cost_model_bench; not part of the tuner library (it needs the builder and runner).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

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
};

struct Point {
    std::string board, model;
    Schedule schedule;
    CostMeasurement m;                         // features, ISS cycles, label = schedule hash
    uint64_t instructions = 0;
};

struct Result {
    std::vector<Point> points;                 // boards in spec order, then draw order
    std::string error;                         // "" when every point built, ran and matched its CRC
    size_t built = 0, cache_hits = 0;
    double seconds = 0;                        // wall time of the whole sample
    bool ok() const { return error.empty(); }
};

// Draws, per board and model, distinct knob sets uniformly from the design space (shared mode for
// one-layer models, per-layer mode otherwise; the placement is ignored when telling points apart,
// the ISS has no memory system), builds them, runs them once on the ISS (deterministic) with the
// host reference's CRC as the expected output.
Result measure(const Spec &spec);

// Seeded split of one board's points: about train_fraction of them (at least one each side when
// there are two or more) into train, the rest into held, stratified by model.
void split(const std::vector<Point> &points, double train_fraction, uint32_t seed,
           std::vector<CostMeasurement> &train, std::vector<CostMeasurement> &held);

// The points of one board.
std::vector<Point> of_board(const std::vector<Point> &points, const std::string &board);

} // namespace tinytx::tuner::iss_sample
