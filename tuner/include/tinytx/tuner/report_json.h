// The JSON a tuning run is reported and exported as: the front (`tinytx-tune --json`) and the
// best schedule's export (`--out`, schemas/json/schedule.schema.json).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "tinytx/tuner/model.h"
#include "tinytx/tuner/tuning.h"

namespace tinytx::tuner {

// {"schedule_id","latency_cycles","latency_us","energy_uj","peak_memory_bytes",
//  "measured_arena_peak_bytes","measured_stack_peak_bytes","flash_bytes","source","backend",
//  "arena_region","weights_region" ("flash" or the RAM region the weights are copied to),"knobs",
//  "accuracy" (schedule_accuracy)} of one trial
nlohmann::json point_json(const TuneReport &r, const Trial &t);

// The import's accuracy of the numerics a schedule computes: on the --val data when the import had
// it, else its held-out split, else the calibration set ({"set", "cosine", "int8_top1", ...}), for a schedule
// whose layers all use one attention mode; null for a mix (not measured) or a model without an
// import report.
nlohmann::json schedule_accuracy(const nlohmann::json &import_accuracy, const Schedule &s);
// The data set those figures come from ("" for no report): val, else heldout, else the first.
std::string accuracy_set(const nlohmann::json &import_accuracy);

// {"model","board","clock_hz","budget_bytes","strategy","run_id","space_size","feasible","measured",
//  "reused","trials","front_source","minimal_peak_bytes","front":[point...],"best":point|null,
//  "calibration":{...}}
nlohmann::json front_json(const TuneReport &r);

// The export of one trial: its schedule, model hash, board, budget, objectives predicted (by the
// run's calibrated cost model) and measured, the memory plan, the expected output CRC (from the
// host reference run of `m`) and the tool version. Fails when the reference run does.
platform::Result<nlohmann::json> schedule_export_json(const TuneReport &r, const Trial &t, const Model &m);

}  // namespace tinytx::tuner
