// The dashboard API's state and its handlers, one resource per file (dashboard_api.cpp routes to
// them). Private to tuner/dashboard.
#pragma once

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "tinytx/dashboard/dashboard_api.h"
#include "tinytx/http/url_query.h"
#include "tinytx/tuner/cost_model.h"
#include "tinytx/tuner/schedule.h"
#include "tinytx/tuner/tuning.h"

namespace tinytx::farm {

using nlohmann::json;

struct DashboardApi::Impl {
    DashboardStore &store;
    JobManager *jobs;
    FarmLog &log;
    DashboardOptions opt;
    ModelLocator locator;
    StaticFiles files;

    Impl(DashboardStore &s, JobManager *j, FarmLog &l, DashboardOptions o)
        : store(s), jobs(j), log(l), opt(std::move(o)), locator(opt.model_dirs), files(opt.static_dir)
    {
    }

    // the table of calls in dashboard_api.cpp
    HttpResponse route(const HttpRequest &req, const UrlQuery &q);
    // ok, or permission denied saying what is missing (answered with 401)
    platform::Status authorize(const HttpRequest &req, const UrlQuery &q, bool write);

    // reads (one file per resource: api_models.cpp, api_front.cpp, api_candidates.cpp,
    // api_measurements.cpp, api_jobs.cpp, api_events.cpp)
    HttpResponse info();
    HttpResponse models();
    HttpResponse boards();
    HttpResponse front(const UrlQuery &q);
    HttpResponse front_picture(const UrlQuery &q);
    HttpResponse candidate(int64_t id, const UrlQuery &q);
    HttpResponse schedule_export(int64_t id, const UrlQuery &q);
    HttpResponse deploy_tar(int64_t id);
    HttpResponse measurements(const UrlQuery &q);
    HttpResponse calibration(const UrlQuery &q);
    HttpResponse job_list();
    HttpResponse job(int64_t id);
    HttpResponse events();
    HttpResponse job_events(int64_t id);
    // writes
    HttpResponse cancel(int64_t id);

    // helpers
    struct Pair {
        ModelRow model;
        BoardRow board;
        tx_encoder_dims dims{};
        size_t n_layers = 0;
    };
    // the model and board of these ids, or of the query's parameters; not found, invalid argument
    // (a parameter) or corruption (a stored spec) saying what is wrong (status_response)
    platform::Result<Pair> pair(int64_t model_id, int64_t board_id);
    platform::Result<Pair> query_pair(const UrlQuery &q);
    // a candidate and its model and board (not found for an unknown id)
    platform::Result<std::pair<CandidateRow, Pair>> candidate_pair(int64_t id);
    struct Budget {
        uint64_t bytes = UINT64_MAX;  // UINT64_MAX: none
        std::string from;             // "request", "run <id>" or "none"
    };
    // ?budget= when given (invalid argument when it is not a size), else the newest tuning run's
    // for the pair, else none
    platform::Result<Budget> budget(const UrlQuery &q, const Pair &p);
    tuner::CostModel cost_model(const BoardRow &b, const std::string &source);
    // the pair's model with its files (weights, spec), or null with the reason in *error
    platform::Result<std::shared_ptr<const tuner::Model>> model_files(const Pair &p);
    json import_accuracy(const Pair &p);
    tuner::TuneReport report_for(const Pair &p, uint64_t budget);
    json job_json(const JobRecord &r, const tuner::TuneProgress *progress, uint64_t version);
    std::vector<json> all_jobs();
    int64_t newest_measurement();
};

// The response of a failed Status: its message, with 400 for invalid argument, 404 for not found,
// else 500 (dashboard_api.cpp).
HttpResponse status_response(const platform::Status &status);

// JSON shapes and names shared by several resources (api_json.cpp)
json measurement_json(const tuner::MeasuredCandidate &mc);
// A file name part: letters, digits, '-', '_' and '.' only.
std::string file_part(std::string s);
// "<model>-<board>-<schedule hash>", the name of a candidate's downloads
std::string download_stem(const std::string &model, const std::string &board, const std::string &schedule_hash);
// The cosine similarity of a schedule's output to the float model's (tuner::schedule_accuracy of
// the import's figures): null for a mix of attention modes or a model without an import report.
json candidate_accuracy(const json &import_accuracy, const tuner::Schedule &s);
// The front's summary: {"set", "standard": cosine, "fused": cosine} of the set schedule_accuracy
// uses; null without an import report.
json accuracy_summary(const json &import_accuracy);

}  // namespace tinytx::farm
