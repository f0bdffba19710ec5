// JSON views of a tuning report (report_json.h).
#include "tinytx/tuner/report_json.h"

#include "tinytx/tuner/reference.h"

namespace tinytx::tuner {

using nlohmann::json;

namespace {

double micros(double cycles, uint64_t clock_hz) { return clock_hz ? cycles / double(clock_hz) * 1e6 : 0; }

json error_json(const CostErrorReport &e)
{
    return {{"points", e.points}, {"mape_pct", e.mape_pct}, {"max_abs_pct", e.max_abs_pct}, {"rms_pct", e.rms_pct}};
}

// the best pick measured in its specialized image (schedule-as-data runs)
json specialized_json(const TuneReport &r)
{
    const platform::Measurement &m = *r.best_specialized;
    return {{"status", platform::to_string(m.status)},
            {"latency_cycles", m.cycles_median},
            {"latency_us", micros(double(m.cycles_median), r.clock_hz)},
            {"energy_uj", m.energy_uj},
            {"flash_bytes", r.best_specialized_flash_bytes},
            {"deviation_pct", r.best_specialized_deviation_pct}};
}

}  // namespace

std::string accuracy_set(const json &import_accuracy)
{
    if (!import_accuracy.is_object() || import_accuracy.empty())
        return "";
    // the user's --val data first, then the import's own held-out split, then the calibration set
    for (const char *preferred : {"val", "heldout"})
        if (import_accuracy.contains(preferred))
            return preferred;
    return import_accuracy.begin().key();
}

json schedule_accuracy(const json &import_accuracy, const Schedule &s)
{
    const std::string set = accuracy_set(import_accuracy);
    if (set.empty() || s.layers.empty())
        return nullptr;
    const AttentionMode mode = s.layers[0].attention;
    for (const auto &k : s.layers)
        if (k.attention != mode)
            return nullptr;
    const char *name = mode == AttentionMode::kFused ? "fused" : "standard";
    const json &modes = import_accuracy[set];
    if (!modes.is_object() || !modes.contains(name) || !modes[name].is_object())
        return nullptr;
    json a = modes[name];
    a["set"] = set;
    return a;
}

json point_json(const TuneReport &r, const Trial &t)
{
    const json accuracy = r.import_accuracy.empty() ? json(nullptr) : json::parse(r.import_accuracy, nullptr, false);
    const double cycles = static_cast<double>(t.measurement.cycles_median);
    return {{"schedule_id", t.hash},
            {"latency_cycles", t.measurement.cycles_median},
            {"latency_us", micros(cycles, r.clock_hz)},
            {"energy_uj", t.measurement.energy_uj},
            {"peak_memory_bytes", t.plan.peak_bytes},
            {"measured_arena_peak_bytes", t.measurement.arena_peak_bytes},
            {"measured_stack_peak_bytes", t.measurement.stack_peak_bytes},
            {"cluster_l1_bytes", t.plan.cluster_l1_bytes},
            {"flash_bytes", t.flash_bytes},
            {"source", platform::to_string(t.measurement.cycles_source)},
            {"backend", t.measurement.backend},
            {"arena_region", t.arena_region},
            {"weights_region", weights_region(t.schedule).empty() ? std::string(kWeightsInFlash)
                                                                  : weights_region(t.schedule)},
            {"knobs", to_json(t.schedule)["layers"]},
            {"accuracy", accuracy.is_discarded() ? json(nullptr) : schedule_accuracy(accuracy, t.schedule)}};
}

json front_json(const TuneReport &r)
{
    json front = json::array();
    for (size_t i : r.front)
        front.push_back(point_json(r, r.trials[i]));
    json cal = {{"prior", error_json(r.prior_error)},
                {"heldout", error_json(r.heldout_error)},
                {"median_heldout_error_pct", r.median_heldout_error_pct},
                {"points", r.cost_model.calibration_points}};
    json accuracy = r.import_accuracy.empty() ? json(nullptr) : json::parse(r.import_accuracy, nullptr, false);
    if (accuracy.is_discarded())
        accuracy = nullptr;
    return {{"model", r.model_name},
            {"model_hash", r.model_hash},
            {"board", r.board},
            {"clock_hz", r.clock_hz},
            {"budget_bytes", r.budget_bytes},
            {"flash_budget_bytes", r.flash_budget_bytes},
            {"import_accuracy", accuracy},
            {"strategy", r.strategy},
            {"run_id", r.run.id},
            {"resumed", r.run.resumed},
            {"space_size", r.space_size},
            {"feasible", r.feasible ? json(*r.feasible) : json(nullptr)},
            {"measured", r.progress.measured},
            {"reused", r.progress.reused},
            {"above_bound", r.progress.above_bound},
            {"composed", r.progress.composed},
            {"composed_checked", r.composed_checked},
            {"composed_differed", r.composed_differed},
            {"trials", r.trials.size()},
            {"front_source", r.front_source},
            {"minimal_peak_bytes", r.minimal_peak.peak_bytes},
            {"front", front},
            {"best", r.best ? point_json(r, r.trials[*r.best]) : json(nullptr)},
            {"best_specialized", r.best_specialized ? specialized_json(r) : json(nullptr)},
            {"images", r.images},
            {"image_loads", r.image_loads},
            {"firmware_runs", r.firmware_runs},
            {"estimated_space_s", r.estimated_space_s},
            {"calibration", cal}};
}

platform::Result<json> schedule_export_json(const TuneReport &r, const Trial &t, const Model &m)
{
    const platform::Result<ReferenceOutput> ref = run_reference(m, t.schedule);
    if (!ref.ok())
        return platform::Status::internal("reference run: " + ref.status().message());
    json j = to_json(t.schedule);
    const CostFeatures f = schedule_features(m.dims, t.schedule);
    const double predicted = r.cost_model.predict_cycles(f) +
                             r.cost_model.weights_cycles(f, weights_region(t.schedule));
    json measured = point_json(r, t);
    measured.erase("knobs");
    measured.erase("schedule_id");
    j["schedule_id"] = t.hash;
    j["model_hash"] = r.model_hash;
    j["budget_bytes"] = r.budget_bytes;
    j["objectives"] = {{"predicted",
                        {{"latency_cycles", predicted},
                         {"latency_us", micros(predicted, r.clock_hz)},
                         {"energy_uj", r.cost_model.energy_uj(predicted)},
                         {"peak_memory_bytes", t.plan.peak_bytes},
                         {"source", "modeled"}}},
                       {"measured", measured}};
    json buffers = json::array();
    for (const PlannedBuffer &b : t.plan.buffers)
        buffers.push_back({{"name", b.name},
                           {"offset", b.offset},
                           {"size", b.size},
                           {"first_layer", b.first_layer},
                           {"last_layer", b.last_layer}});
    j["memory_plan"] = {{"peak_bytes", t.plan.peak_bytes}, {"buffers", buffers}};
    if (t.plan.cluster_l1_bytes)
        j["memory_plan"]["cluster_l1_bytes"] = t.plan.cluster_l1_bytes;
    j["expected_output_crc32"] = crc32_hex(ref->crc32);
    j["tool_version"] = tool_version();
    return j;
}

}  // namespace tinytx::tuner
