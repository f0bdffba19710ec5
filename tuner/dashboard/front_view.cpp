#include "front_view.h"

#include <set>

#include "tinytx/tuner/candidate_result.h"
#include "tinytx/tuner/memory_planner.h"

namespace tinytx::farm {

FrontView front_view(const std::vector<tuner::MeasuredCandidate> &measurements, const tx_encoder_dims &dims,
                     size_t n_layers, uint64_t budget_bytes)
{
    FrontView v;
    v.budget_bytes = budget_bytes;
    // the newest usable measurement of each candidate per source, in the order first seen (the
    // order the tuner recorded them, which is the order it proposed them)
    std::map<std::pair<int64_t, std::string>, size_t> newest;
    std::vector<const tuner::MeasuredCandidate *> chosen;
    for (const tuner::MeasuredCandidate &mc : measurements) {
        if (!tuner::is_candidate_result(mc.measurement.status))
            continue;
        const auto key = std::pair{mc.candidate_id, std::string(platform::to_string(mc.measurement.cycles_source))};
        if (auto it = newest.find(key); it != newest.end())
            chosen[it->second] = &mc;
        else {
            newest[key] = chosen.size();
            chosen.push_back(&mc);
        }
    }
    // per source: a TuneReport holding that source's OK trials, given to the tuner's compute_front
    std::map<std::string, tuner::TuneReport> reports;
    std::map<std::string, std::vector<size_t>> point_of;  // source -> report trial index -> point
    for (const tuner::MeasuredCandidate *mc : chosen) {
        if (mc->measurement.status == platform::RunStatus::kAboveBound) {  // a lower bound, not a figure
            ++v.above_bound;
            continue;
        }
        if (mc->measurement.status != platform::RunStatus::kOk) {
            v.failed.push_back({mc->candidate_id, mc->schedule_hash, platform::to_string(mc->measurement.status),
                                mc->measurement.error});
            continue;
        }
        const platform::Result<tuner::Schedule> ps = tuner::parse_schedule(mc->schedule_json);
        if (!ps.ok()) {
            v.problems.push_back("candidate " + std::to_string(mc->candidate_id) + ": " + ps.status().message());
            continue;
        }
        const platform::Result<tuner::MemoryPlan> plan = tuner::plan_memory(dims, n_layers, *ps);
        if (!plan.ok()) {
            v.problems.push_back("candidate " + std::to_string(mc->candidate_id) + ": " + plan.status().message());
            continue;
        }
        FrontPoint p;
        p.trial.schedule = *ps;
        p.trial.hash = mc->schedule_hash;
        p.trial.candidate_id = mc->candidate_id;
        p.trial.measurement = mc->measurement;
        p.trial.agent = mc->agent;
        p.trial.plan = *plan;
        p.measurement_id = mc->measurement_id;
        p.source = platform::to_string(mc->measurement.cycles_source);
        p.status = p.trial.plan.peak_bytes > budget_bytes ? "over_budget" : "dominated";
        tuner::TuneReport &r = reports[p.source];
        r.budget_bytes = budget_bytes;
        r.trials.push_back(p.trial);
        point_of[p.source].push_back(v.points.size());
        v.points.push_back(std::move(p));
    }
    for (auto &[source, r] : reports) {
        tuner::compute_front(r);
        std::vector<size_t> &front = v.fronts[source];
        for (size_t ti : r.front) {
            const size_t pi = point_of[source][ti];
            v.points[pi].status = "front";
            front.push_back(pi);
        }
        // in-budget points with the very figures of a front point: the tuner keeps the first
        // proposed; they are not dominated, so say which point stands for them
        for (size_t pi : point_of[source]) {
            FrontPoint &p = v.points[pi];
            if (p.status != "dominated")
                continue;
            for (size_t fi : front) {
                const FrontPoint &f = v.points[fi];
                if (f.trial.measurement.cycles_median == p.trial.measurement.cycles_median &&
                    f.trial.measurement.energy_uj == p.trial.measurement.energy_uj &&
                    f.trial.plan.peak_bytes == p.trial.plan.peak_bytes) {
                    p.status = "duplicate";
                    p.duplicate_of = f.trial.hash;
                    break;
                }
            }
        }
    }
    return v;
}

}  // namespace tinytx::farm
