// GET /api/candidates/ID, its schedule.json and its deploy.tar.
#include "dashboard_api_impl.h"

#include <stdlib.h>  // mkdtemp

#include <filesystem>
#include <fstream>

#include "front_view.h"
#include "tar_writer.h"
#include "tinytx/tuner/emit_c.h"
#include "tinytx/tuner/figure_source.h"
#include "tinytx/tuner/memory_planner.h"
#include "tinytx/tuner/report_json.h"

namespace tinytx::farm {

namespace fs = std::filesystem;

namespace {

json plan_json(const tuner::MemoryPlan &p)
{
    json buffers = json::array(), layers = json::array();
    for (const tuner::PlannedBuffer &b : p.buffers)
        buffers.push_back({{"name", b.name},
                           {"offset", b.offset},
                           {"size", b.size},
                           {"first_layer", b.first_layer},
                           {"last_layer", b.last_layer}});
    for (const tuner::LayerPlacement &l : p.layers)
        layers.push_back({{"x_offset", l.x_offset},
                          {"x_size", l.x_size},
                          {"out_offset", l.out_offset},
                          {"out_size", l.out_size},
                          {"scratch_offset", l.scratch_offset},
                          {"scratch_size", l.scratch_size},
                          {"layout_bytes", l.layout_bytes}});
    return {{"peak_bytes", p.peak_bytes},
            {"peak_layer", p.peak_layer},
            {"activation_bytes", p.activation_bytes},
            {"buffers", buffers},
            {"layers", layers}};
}

}  // namespace

HttpResponse DashboardApi::Impl::candidate(int64_t id, const UrlQuery &q)
{
    const auto cp = candidate_pair(id);
    if (!cp.ok())
        return status_response(cp.status());
    const CandidateRow *c = &cp->first;
    const Pair *p = &cp->second;
    const auto b = budget(q, *p);
    if (!b.ok())
        return status_response(b.status());
    const platform::Result<tuner::Schedule> ps = tuner::parse_schedule(c->schedule_json);
    if (!ps.ok())
        return error_response(500, "candidate " + std::to_string(id) + ": " + ps.status().message());
    const platform::Result<tuner::MemoryPlan> plan = tuner::plan_memory(p->dims, p->n_layers, *ps);
    if (!plan.ok())
        return error_response(500, "candidate " + std::to_string(id) + ": " + plan.status().message());

    json history = json::array();
    std::optional<tuner::MeasuredCandidate> latest;
    for (const tuner::MeasuredCandidate &mc : store.measurements(p->model.id, p->board.id)) {
        if (mc.candidate_id != id)
            continue;
        history.push_back(measurement_json(mc));
        if (mc.measurement.status == platform::RunStatus::kOk)
            latest = mc;
    }
    const std::string source = latest ? platform::to_string(latest->measurement.cycles_source) : "emulated";
    const tuner::CostModel cm = cost_model(p->board, source);
    const double predicted = cm.predict_cycles(tuner::schedule_features(p->dims, *ps));

    json layers = json::array();
    for (size_t i = 0; i < ps->layers.size(); ++i) {
        json l = tuner::layer_to_json(ps->layers[i]);
        l["index"] = i;
        l["scratch_bytes"] = tuner::layer_scratch_bytes(p->dims, ps->layers[i]);
        layers.push_back(std::move(l));
    }
    json measured = nullptr;
    if (latest) {
        measured = measurement_json(*latest);
        const double clock = p->board.profile.value("clock_hz", 0.0);
        measured["latency_us"] = clock > 0 ? double(latest->measurement.cycles_median) / clock * 1e6 : 0.0;
        measured["flash_bytes"] = store.flash_bytes(latest->build_id);
        measured["source_text"] = tuner::figure_source_text(platform::to_string(latest->measurement.cycles_source),
                                                            latest->measurement.backend, p->board.name);
        measured["error_pct"] = latest->measurement.cycles_median
                                    ? (predicted - double(latest->measurement.cycles_median)) /
                                          double(latest->measurement.cycles_median) * 100.0
                                    : 0.0;
    }
    const auto files = model_files(*p);
    const bool have_files = files.ok();
    const std::string base = "/api/candidates/" + std::to_string(id);
    return json_response(
        json{{"id", id},
             {"model", {{"id", p->model.id}, {"name", p->model.name}, {"spec_hash", p->model.spec_hash}}},
             {"board", {{"id", p->board.id}, {"name", p->board.name}, {"clock_hz", p->board.profile.value("clock_hz", 0)}}},
             {"schedule_id", c->schedule_hash},
             {"created", c->created},
             {"layers", layers},
             {"plan", plan_json(*plan)},
             {"budget_bytes", b->bytes == UINT64_MAX ? json(nullptr) : json(b->bytes)},
             {"budget_from", b->from},
             {"fits_budget", plan->peak_bytes <= b->bytes},
             {"predicted",
              {{"cycles", predicted},
               {"energy_uj", cm.energy_uj(predicted)},
               {"source", "modeled"},
               {"cost_model",
                {{"figures", source},
                 {"calibration_points", cm.calibration_points},
                 {"median_abs_pct", cm.calibration_error.median_abs_pct}}}}},
             {"measured", measured},
             {"accuracy", candidate_accuracy(import_accuracy(*p), *ps)},
             {"measurements", history},
             {"downloads",
              {{"available", have_files},
               {"reason", files.status().message()},
               {"schedule", base + "/schedule.json"},
               {"c_folder", base + "/deploy.tar"}}}}
            .dump());
}

HttpResponse DashboardApi::Impl::schedule_export(int64_t id, const UrlQuery &q)
{
    const auto cp = candidate_pair(id);
    if (!cp.ok())
        return status_response(cp.status());
    const CandidateRow *c = &cp->first;
    const Pair *p = &cp->second;
    const auto b = budget(q, *p);
    if (!b.ok())
        return status_response(b.status());
    const auto found = model_files(*p);
    if (!found.ok())
        return error_response(409, found.status().message());
    const std::shared_ptr<const tuner::Model> &model = *found;
    const FrontView v = front_view(store.measurements(p->model.id, p->board.id), p->dims, p->n_layers, b->bytes);
    const auto it = std::find_if(v.points.begin(), v.points.end(),
                                 [&](const FrontPoint &fp) { return fp.trial.candidate_id == id; });
    if (it == v.points.end())
        return error_response(409, "candidate " + std::to_string(id) + " has no OK measurement to export");
    tuner::TuneReport r = report_for(*p, b->bytes == UINT64_MAX ? 0 : b->bytes);
    r.cost_model = cost_model(p->board, it->source);
    const auto j = tuner::schedule_export_json(r, it->trial, *model);
    if (!j.ok())
        return error_response(500, j.status().message());
    HttpResponse res = json_response(j->dump(2) + "\n");
    res.headers.push_back({"Content-Disposition", "attachment; filename=\"" +
                                                      download_stem(p->model.name, p->board.name, c->schedule_hash) +
                                                      ".json\""});
    return res;
}

HttpResponse DashboardApi::Impl::deploy_tar(int64_t id)
{
    const auto cp = candidate_pair(id);
    if (!cp.ok())
        return status_response(cp.status());
    const CandidateRow *c = &cp->first;
    const Pair *p = &cp->second;
    const auto found = model_files(*p);
    if (!found.ok())
        return error_response(409, found.status().message());
    const std::shared_ptr<const tuner::Model> &model = *found;
    const platform::Result<tuner::Schedule> ps = tuner::parse_schedule(c->schedule_json);
    if (!ps.ok())
        return error_response(500, ps.status().message());
    std::string tmpl = (fs::temp_directory_path() / "tinytx-deploy-XXXXXX").string();
    if (!mkdtemp(tmpl.data()))
        return error_response(500, "cannot make a temporary directory in " + fs::temp_directory_path().string());
    const fs::path tmp = tmpl;
    struct Cleanup {
        fs::path dir;
        ~Cleanup()
        {
            std::error_code ec;
            fs::remove_all(dir, ec);
        }
    } cleanup{tmp};
    const std::string top = download_stem(p->model.name, p->board.name, c->schedule_hash);
    tuner::EmitCOptions eo;
    eo.boards_dir = opt.boards_dir;
    const platform::Result<tuner::EmittedC> er = tuner::emit_c(*model, *ps, tmp / top, eo);
    if (!er.ok())
        return error_response(500, "emit_c: " + er.status().message());
    platform::Result<std::string> tar = tar_directory(tmp / top, top, static_cast<int64_t>(std::time(nullptr)));
    if (!tar.ok())
        return error_response(500, tar.status().message());
    HttpResponse res;
    res.content_type = "application/x-tar";
    res.body = std::move(tar).value();
    res.headers.push_back({"Content-Disposition", "attachment; filename=\"" + top + ".tar\""});
    return res;
}

}  // namespace tinytx::farm
