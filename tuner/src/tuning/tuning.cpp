// The tuning run (tuning.h): tune() runs the named steps of a TuneSession (tune_session.h);
// here also what the CLI, the farm and the dashboard use beside it (front, minimal peak, identity).
#include "tinytx/tuner/tuning.h"

#include <algorithm>
#include <map>

#include "tinytx/platform/sha256.h"
#include "tinytx/tuner/importer.h"
#include "tinytx/tuner/pareto.h"
#include "tune_session.h"

namespace tinytx::tuner {

const char *tool_version() { return "tinytx 0.1.0"; }

void compute_front(TuneReport &r)
{
    std::vector<ParetoPoint> pts;
    std::vector<size_t> trial_of;
    for (size_t i = 0; i < r.trials.size(); ++i) {
        const Trial &t = r.trials[i];
        if (!t.ok() || (r.flash_budget_bytes && t.flash_bytes > r.flash_budget_bytes))
            continue;
        const auto src = parse_source(platform::to_string(t.measurement.cycles_source));
        pts.push_back({t.hash, static_cast<double>(t.measurement.cycles_median), t.measurement.energy_uj,
                       t.plan.peak_bytes, src.value_or(Source::kModeled)});
        trial_of.push_back(i);
    }
    if (pts.empty())
        return;
    // the source most trials have (one backend per run: all of them)
    std::map<Source, size_t> count;
    for (const auto &p : pts)
        ++count[p.source];
    const Source src = std::max_element(count.begin(), count.end(), [](auto &a, auto &b) {
                           return a.second < b.second;
                       })->first;
    r.front_source = source_name(src);
    const auto fronts = pareto_fronts_by_source(pts, r.budget_bytes);
    const auto it = fronts.find(src);
    if (it == fronts.end())
        return;
    // Equal figures (schedules differing only where the emulator cannot tell, e.g. placement):
    // keep the first proposed.
    std::vector<size_t> front;
    for (size_t pi : it->second.front) {
        const size_t ti = trial_of[pi];
        const bool dup = std::any_of(front.begin(), front.end(), [&](size_t o) {
            const Trial &a = r.trials[o], &b = r.trials[ti];
            return a.measurement.cycles_median == b.measurement.cycles_median &&
                   a.measurement.energy_uj == b.measurement.energy_uj && a.plan.peak_bytes == b.plan.peak_bytes;
        });
        if (!dup)
            front.push_back(ti);
    }
    std::sort(front.begin(), front.end(), [&](size_t a, size_t b) {
        const Trial &x = r.trials[a], &y = r.trials[b];
        return std::tuple(x.measurement.cycles_median, x.measurement.energy_uj, x.plan.peak_bytes, a) <
               std::tuple(y.measurement.cycles_median, y.measurement.energy_uj, y.plan.peak_bytes, b);
    });
    r.front = front;
    if (!front.empty())
        r.best = front.front();
}

MinimalPeak minimal_peak(const Model &m, const DesignSpace &space)
{
    MinimalPeak best;
    best.peak_bytes = UINT64_MAX;
    for (const LayerKnobs &k : space.layer_knob_sets()) {
        const size_t scratch = layer_scratch_bytes(m.dims, k);
        if (scratch == 0)
            continue;
        const uint64_t peak = layer_layout_bytes(m.dims, scratch);
        if (peak < best.peak_bytes) {
            best.peak_bytes = peak;
            best.schedule.layers.assign(m.layers.size(), k);
        }
    }
    best.schedule.model = m.name;
    best.schedule.board = space.size() ? space.at(0).board : "";
    // the first region the design space offers (every region fits the smallest plan if any does),
    // the weights in flash
    if (!space.homes().empty())
        for (LayerKnobs &k : best.schedule.layers)
            k.placement = space.homes().front().placement;
    return best;
}

std::string model_hash(const Model &m)
{
    std::vector<uint8_t> all = read_file_bytes(m.spec_path);
    all.insert(all.end(), m.weights_sha256.begin(), m.weights_sha256.end());
    all.insert(all.end(), m.calibration_input.begin(), m.calibration_input.end());
    return platform::sha256_hex(all);
}

platform::Result<Model> load_request_model(const TuneRequest &req)
{
    if (req.model_files_confined)
        return load_model_confined(req.model_path);
    ImportOptions io;
    io.calib = req.calib;
    io.min_cosine = req.min_cosine;
    io.val = req.val;
    io.min_accuracy = req.min_accuracy;
    return load_model_any(req.model_path, io);
}


TuneOutcome tune(const TuneRequest &req, const TuneCallbacks &cb)
{
    TuneSession s(req, cb);
    if (!s.set_up())
        return std::move(s.outcome());
    while (s.wants_more()) {
        if (s.cancelled()) {
            s.cancel();
            return std::move(s.outcome());
        }
        std::optional<Batch> b = s.propose();
        if (!b)
            break;
        s.match_known(*b);
        if (!s.measure(*b) || !s.record(*b))
            return std::move(s.outcome());
        s.tell(*b);
    }
    s.finish();
    return std::move(s.outcome());
}

}  // namespace tinytx::tuner
