// GET /api/jobs, /api/jobs/ID and POST /api/jobs/ID/cancel: the farm's jobs with live progress.
#include "dashboard_api_impl.h"

namespace tinytx::farm {

json DashboardApi::Impl::job_json(const JobRecord &r, const tuner::TuneProgress *progress, uint64_t version)
{
    json j = {{"id", r.id},
              {"state", r.state},
              {"model", r.model},
              {"board", r.board},
              {"priority", r.priority},
              {"submitted", r.submitted},
              {"run_id", r.run_id ? json(r.run_id) : json(nullptr)},
              {"exit_code", r.exit_code},
              {"error", r.error},
              {"version", version}};
    if (r.request.is_object()) {
        j["budget_bytes"] = r.request.value("budget_bytes", uint64_t(0));
        j["strategy"] = r.request.value("strategy", "");
        j["trials"] = r.request.value("trials", uint64_t(0));
    }
    // which model and board of the database the job's points land on (known once it has a run)
    if (r.run_id)
        if (auto run = store.run(r.run_id)) {
            j["model_id"] = run->model_id;
            j["board_id"] = run->board_id;
        }
    if (progress)
        j["progress"] = {{"planned", progress->planned},     {"done", progress->done},
                         {"measured", progress->measured},   {"reused", progress->reused},
                         {"failed", progress->failed},       {"over_budget", progress->over_budget},
                         {"elapsed_s", progress->elapsed_s}, {"eta_s", progress->eta_s},
                         {"last", progress->last}};
    return j;
}

std::vector<json> DashboardApi::Impl::all_jobs()
{
    std::vector<json> out;
    if (jobs) {
        for (const JobView &v : jobs->list())
            out.push_back(job_json(v.record, v.ended() && v.progress.planned == 0 ? nullptr : &v.progress, v.version));
    } else {
        for (const JobRecord &r : store.jobs())
            out.push_back(job_json(r, nullptr, 0));
    }
    std::sort(out.begin(), out.end(), [](const json &a, const json &b) { return a["id"] > b["id"]; });
    return out;
}

int64_t DashboardApi::Impl::newest_measurement()
{
    return store.newest_measurement_id();
}

HttpResponse DashboardApi::Impl::job_list()
{
    json out = json::array();
    for (json &j : all_jobs())
        out.push_back(std::move(j));
    return json_response(out.dump());
}

HttpResponse DashboardApi::Impl::job(int64_t id)
{
    if (jobs) {
        const auto v = jobs->view(id);
        if (!v)
            return error_response(404, "no job with id " + std::to_string(id));
        json j = job_json(v->record, &v->progress, v->version);
        j["front"] = json::parse(v->front_json.empty() ? "null" : v->front_json, nullptr, false);
        return json_response(j.dump());
    }
    const auto r = store.job(id);
    if (!r)
        return error_response(404, "no job with id " + std::to_string(id));
    json j = job_json(*r, nullptr, 0);
    j["front"] = json::parse(r->front_json.empty() ? "null" : r->front_json, nullptr, false);
    return json_response(j.dump());
}

HttpResponse DashboardApi::Impl::cancel(int64_t id)
{
    if (!jobs)
        return error_response(405, "this dashboard reads a database (--dashboard-only): no job runs here");
    const auto v = jobs->cancel(id);
    if (!v)
        return error_response(404, "no job with id " + std::to_string(id));
    log.event("job_cancel_http", {{"job", id}});
    return json_response(job_json(v->record, &v->progress, v->version).dump());
}

}  // namespace tinytx::farm
