// The analyze report of one schedule, what a deployment engineer checks before flashing (as ST
// Edge AI's `analyze` gives it): per layer its knobs, MACs, constant data, kernel scratch and its
// share of the cycles as the board's cost model divides them; the totals with the figure the run
// measured (or emulated); the flash of the image; the import's accuracy when the model came from
// ONNX. `tinytx-tune --report FILE`, and REPORT.txt in an --emit-c folder.
#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

#include "tinytx/platform/board_profile.h"
#include "tinytx/tuner/model.h"
#include "tinytx/tuner/schedule.h"

namespace tinytx::tuner {

// best_point: the front JSON's "best" (latency_cycles, source, flash_bytes, ...);
// import_accuracy: the front JSON's "import_accuracy" (null for a model spec).
std::string analyze_report(const Model &m, const Schedule &s, const platform::BoardProfile &board,
                           const nlohmann::json &best_point, const nlohmann::json &import_accuracy);

}  // namespace tinytx::tuner
