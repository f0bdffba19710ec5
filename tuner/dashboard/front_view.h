// The Pareto front of one model on one board as the database holds it, computed by the tuner's
// own code (tuner::compute_front): each candidate's newest usable measurement per figure source
// becomes a trial, trials are kept apart per source (emulated and measured are never compared),
// and every point is classed against the budget as the tuner would class it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tinytx/tuner/database.h"
#include "tinytx/tuner/tuning.h"

namespace tinytx::farm {

struct FrontPoint {
    tuner::Trial trial;              // schedule, hash, candidate id, measurement, plan
    int64_t measurement_id = 0;
    std::string source;              // emulated | measured | modeled
    std::string status;              // front | dominated | duplicate | over_budget
    std::string duplicate_of;        // schedule hash of the front point with equal figures
};

struct FailedCandidate {
    int64_t candidate_id = 0;
    std::string schedule_hash, status, error;
};

struct FrontView {
    uint64_t budget_bytes = UINT64_MAX;           // UINT64_MAX: no budget
    std::vector<FrontPoint> points;               // every candidate with an OK measurement
    std::map<std::string, std::vector<size_t>> fronts;  // source -> indices into points, tuner order
    std::vector<FailedCandidate> failed;          // newest measurement not OK (FAULT, TIMEOUT, ...)
    uint64_t above_bound = 0;                     // stopped once dominated: no figure to plot
    std::vector<std::string> problems;            // schedules the planner refused (should not happen)
};

// `measurements` as DashboardStore::measurements gives them (oldest first). Measurements with
// status UNAVAILABLE say nothing about the candidate and are skipped, as the tuner skips them.
FrontView front_view(const std::vector<tuner::MeasuredCandidate> &measurements, const tx_encoder_dims &dims,
                     size_t n_layers, uint64_t budget_bytes);

}  // namespace tinytx::farm
