// GET /api/front and /api/front.svg: every measured candidate classed against the budget.
#include "dashboard_api_impl.h"

#include "front_view.h"
#include "tinytx/tuner/figure_source.h"
#include "tinytx/tuner/front_picture.h"
#include "tinytx/tuner/report_json.h"

namespace tinytx::farm {

HttpResponse DashboardApi::Impl::front(const UrlQuery &q)
{
    const auto p = query_pair(q);
    if (!p.ok())
        return status_response(p.status());
    const auto b = budget(q, *p);
    if (!b.ok())
        return status_response(b.status());
    const std::vector<tuner::MeasuredCandidate> measured = store.measurements(p->model.id, p->board.id);
    std::map<int64_t, std::optional<int64_t>> build_of;  // measurement id -> build id
    for (const tuner::MeasuredCandidate &mc : measured)
        build_of[mc.measurement_id] = mc.build_id;
    const FrontView v = front_view(measured, p->dims, p->n_layers, b->bytes);
    const tuner::TuneReport r = report_for(*p, b->bytes);
    const json accuracy = import_accuracy(*p);
    json points = json::array();
    std::map<std::string, std::set<std::string>> backends;  // source -> backends that gave it
    for (const FrontPoint &fp : v.points) {
        json j = tuner::point_json(r, fp.trial);
        j["candidate_id"] = fp.trial.candidate_id;
        j["measurement_id"] = fp.measurement_id;
        j["status"] = fp.status;
        j["agent"] = fp.trial.agent;
        j["flash_bytes"] = store.flash_bytes(build_of[fp.measurement_id]);
        j["accuracy"] = candidate_accuracy(accuracy, fp.trial.schedule);
        if (!fp.duplicate_of.empty())
            j["duplicate_of"] = fp.duplicate_of;
        backends[fp.source].insert(fp.trial.measurement.backend);
        points.push_back(std::move(j));
    }
    json fronts = json::object();
    std::string best_source;  // as the tuner picks it: the source most candidates have
    size_t most = 0;
    for (const auto &[source, idx] : v.fronts) {
        json ids = json::array();
        for (size_t i : idx)
            ids.push_back(v.points[i].trial.candidate_id);
        fronts[source] = ids;
        const size_t n = std::count_if(v.points.begin(), v.points.end(), [&](const FrontPoint &fp) { return fp.source == source; });
        if (!idx.empty() && n > most) {
            most = n;
            best_source = source;
        }
    }
    json source_text = json::object();
    for (const auto &[source, bs] : backends) {
        std::string text;
        for (const std::string &backend : bs)
            text += (text.empty() ? "" : "; ") + tuner::figure_source_text(source, backend, p->board.name);
        source_text[source] = text;
    }
    json failed = json::array();
    for (const FailedCandidate &f : v.failed)
        failed.push_back({{"candidate_id", f.candidate_id},
                          {"schedule_id", f.schedule_hash},
                          {"status", f.status},
                          {"error", f.error}});
    return json_response(json{{"model", {{"id", p->model.id}, {"name", p->model.name}}},
                              {"board", {{"id", p->board.id}, {"name", p->board.name}}},
                              {"budget_bytes", b->bytes == UINT64_MAX ? json(nullptr) : json(b->bytes)},
                              {"budget_from", b->from},
                              {"clock_hz", r.clock_hz},
                              {"points", points},
                              // candidates stopped once slower than a front-eligible point with no
                              // larger arena (tinytx-tune's default on the iss): dominated, unplotted
                              {"stopped_dominated", v.above_bound},
                              {"fronts", fronts},
                              // the fastest point of the main source's front: what --out exports
                              {"best", best_source.empty() ? json(nullptr)
                                                           : json{{"candidate_id", fronts[best_source][0]},
                                                                  {"source", best_source}}},
                              {"source_text", source_text},
                              {"accuracy", accuracy_summary(accuracy)},
                              {"failed", failed},
                              {"problems", v.problems},
                              {"newest_measurement", newest_measurement()}}
                             .dump());
}

// The front as the SVG picture `tinytx-tune --plot` draws (the same code), from /api/front's JSON.
HttpResponse DashboardApi::Impl::front_picture(const UrlQuery &q)
{
    HttpResponse res = front(q);
    if (res.status != 200)
        return res;
    const json f = json::parse(res.body);
    tuner::FrontPicture pic;
    pic.model = f["model"].value("name", "");
    pic.board = f["board"].value("name", "");
    pic.clock_hz = f.value("clock_hz", uint64_t(0));
    pic.budget_bytes = f["budget_bytes"].is_number() ? f["budget_bytes"].get<uint64_t>() : 0;
    const std::string source = f["best"].is_object() ? f["best"].value("source", "") : "";
    const int64_t best = f["best"].is_object() ? f["best"].value("candidate_id", int64_t(0)) : 0;
    pic.source = f["source_text"].value(source, source);
    for (const auto &p : f["points"]) {
        if (p.value("source", "") != source)  // one source per picture, as on the tuner's front
            continue;
        tuner::PicturePoint q;
        q.latency_cycles = p.value("latency_cycles", uint64_t(0));
        q.latency_us = p.value("latency_us", 0.0);
        q.peak_bytes = p.value("peak_memory_bytes", uint64_t(0));
        const std::string st = p.value("status", "");
        q.status = st == "front" || st == "over_budget" ? st : "dominated";
        q.best = p.value("candidate_id", int64_t(0)) == best;
        pic.points.push_back(q);
    }
    HttpResponse svg;
    svg.content_type = "image/svg+xml";
    svg.body = tuner::front_svg(pic);
    svg.headers.push_back({"Content-Disposition", "attachment; filename=\"" + file_part(pic.model) + "-" +
                                                      file_part(pic.board) + "-front.svg\""});
    return svg;
}

}  // namespace tinytx::farm
