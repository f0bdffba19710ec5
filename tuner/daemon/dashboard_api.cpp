#include "dashboard_api.h"

#include <stdlib.h>  // mkdtemp

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <ctime>
#include <map>
#include <set>
#include <thread>

#include "auth.h"
#include "front_view.h"
#include "tar_writer.h"
#include "tinytx/tuner/cost_model.h"
#include "tinytx/tuner/emit_c.h"
#include "tinytx/tuner/figure_source.h"
#include "tinytx/tuner/front_picture.h"
#include "tinytx/tuner/memory_planner.h"
#include "tinytx/tuner/report_json.h"
#include "url_query.h"

namespace tinytx::farm {

namespace fs = std::filesystem;
using nlohmann::json;

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

json measurement_json(const tuner::MeasuredCandidate &mc)
{
    json j = agent::to_json(mc.measurement);
    j["id"] = mc.measurement_id;
    j["candidate_id"] = mc.candidate_id;
    j["schedule_id"] = mc.schedule_hash;
    j["agent"] = mc.agent;
    j["created"] = mc.created;
    return j;
}

std::string short_hash(const std::string &h) { return h.substr(0, 12); }

// A file name part: letters, digits, '-', '_' and '.' only.
std::string file_part(std::string s)
{
    for (char &c : s)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.')
            c = '_';
    return s;
}

std::string sse(const std::string &event, const json &data)
{
    return "event: " + event + "\ndata: " + data.dump() + "\n\n";
}

// The value of one cookie in a Cookie header ("" when absent).
std::string cookie_value(const std::string &header, const std::string &name)
{
    size_t pos = 0;
    while (pos < header.size()) {
        size_t end = header.find(';', pos);
        if (end == std::string::npos)
            end = header.size();
        std::string pair = header.substr(pos, end - pos);
        pos = end + 1;
        const size_t b = pair.find_first_not_of(' ');
        if (b == std::string::npos)
            continue;
        pair = pair.substr(b);
        if (pair.rfind(name + "=", 0) == 0)
            return percent_decode(pair.substr(name.size() + 1), false).value_or("");
    }
    return "";
}

}  // namespace

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

    HttpResponse route(const HttpRequest &req, const UrlQuery &q);
    bool authorized(const HttpRequest &req, bool write, std::string *why);

    // reads
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
    // the model and board named by the query's parameters, or the response saying what is wrong
    std::optional<Pair> pair(int64_t model_id, int64_t board_id, HttpResponse *error);
    std::optional<Pair> query_pair(const UrlQuery &q, HttpResponse *error);
    // a candidate and its model and board (404 for an unknown id)
    std::optional<std::pair<CandidateRow, Pair>> candidate_pair(int64_t id, HttpResponse *error);
    // ?budget= when given, else the newest tuning run's for the pair, else none
    std::optional<uint64_t> budget(const UrlQuery &q, const Pair &p, std::string *from, HttpResponse *error);
    tuner::CostModel cost_model(const BoardRow &b, const std::string &source);
    json model_accuracy(const Pair &p);
    tuner::TuneReport report_for(const Pair &p, uint64_t budget);
    json job_json(const JobRecord &r, const tuner::TuneProgress *progress, uint64_t version);
    std::vector<json> all_jobs();
    int64_t newest_measurement();
};

DashboardApi::DashboardApi(DashboardStore &store, JobManager *jobs, FarmLog &log, DashboardOptions options)
    : impl_(std::make_unique<Impl>(store, jobs, log, std::move(options)))
{
}

DashboardApi::~DashboardApi() = default;

HttpResponse DashboardApi::handle(const HttpRequest &req)
{
    const UrlQuery q = parse_target(req.target);
    if (!q.ok())
        return error_response(400, q.error);
    try {
        return impl_->route(req, q);
    } catch (const std::exception &e) {
        impl_->log.event("http_error", {{"target", req.target}, {"error", e.what()}});
        return error_response(500, e.what());
    }
}

bool DashboardApi::Impl::authorized(const HttpRequest &req, bool write, std::string *why)
{
    if (opt.token.empty() || (!write && opt.public_read))
        return true;
    // a write must say the token itself: a cookie the browser adds on its own is not enough (a
    // page elsewhere could make the browser send it)
    if (agent::token_matches(req.authorization, opt.token))
        return true;
    if (!write) {
        const std::string c = cookie_value(req.cookie, "tinytx_token");
        if (!c.empty() && agent::token_matches("Bearer " + c, opt.token))
            return true;
    }
    const bool none = req.authorization.empty() && (write || cookie_value(req.cookie, "tinytx_token").empty());
    *why = none ? "this farm needs a token (Authorization: Bearer ...)" : "wrong token";
    log.event("refused", {{"call", "http " + req.method + " " + parse_target(req.target).path},
                          {"peer", req.peer},
                          {"reason", none ? "no token" : "wrong token"}});
    return false;
}

HttpResponse DashboardApi::Impl::route(const HttpRequest &req, const UrlQuery &q)
{
    const std::vector<std::string> parts = path_parts(q.path);
    if (parts.empty() || parts[0] != "api") {
        if (req.method != "GET")
            return error_response(405, "only GET serves the dashboard's files");
        return files.serve(q.path);
    }
    const bool post = req.method == "POST";
    if (req.method != "GET" && !post)
        return error_response(405, "method " + req.method + " not allowed");
    std::string why;
    if (!authorized(req, post, &why))
        return error_response(401, why);

    auto params = [&](std::set<std::string> allowed) { return q.unknown(allowed); };
    auto id_at = [&](size_t i, const char *what, HttpResponse *error) -> std::optional<int64_t> {
        const auto id = parse_id(parts[i]);
        if (!id)
            *error = error_response(400, std::string(what) + " id must be a whole number from 1, got '" + parts[i] + "'");
        return id;
    };
    HttpResponse bad;
    const size_t n = parts.size();
    const std::string r1 = n > 1 ? parts[1] : "";

    if (post) {
        if (n == 4 && r1 == "jobs" && parts[3] == "cancel") {
            if (auto u = params({}); !u.empty())
                return error_response(400, u);
            const auto id = id_at(2, "job", &bad);
            return id ? cancel(*id) : bad;
        }
        return error_response(n >= 2 && (r1 == "jobs" || r1 == "candidates") ? 405 : 404,
                              "no such write call: POST " + q.path);
    }
    if (n == 2 && r1 == "info") {
        if (auto u = params({}); !u.empty())
            return error_response(400, u);
        return info();
    }
    if (n == 2 && r1 == "models") {
        if (auto u = params({}); !u.empty())
            return error_response(400, u);
        return models();
    }
    if (n == 2 && r1 == "boards") {
        if (auto u = params({}); !u.empty())
            return error_response(400, u);
        return boards();
    }
    if (n == 2 && r1 == "front") {
        if (auto u = params({"model", "board", "budget"}); !u.empty())
            return error_response(400, u);
        return front(q);
    }
    if (n == 2 && r1 == "front.svg") {
        if (auto u = params({"model", "board", "budget"}); !u.empty())
            return error_response(400, u);
        return front_picture(q);
    }
    if (n >= 3 && r1 == "candidates") {
        const auto id = id_at(2, "candidate", &bad);
        if (!id)
            return bad;
        if (n == 3) {
            if (auto u = params({"budget"}); !u.empty())
                return error_response(400, u);
            return candidate(*id, q);
        }
        if (n == 4 && parts[3] == "schedule.json") {
            if (auto u = params({"budget"}); !u.empty())
                return error_response(400, u);
            return schedule_export(*id, q);
        }
        if (n == 4 && parts[3] == "deploy.tar") {
            if (auto u = params({}); !u.empty())
                return error_response(400, u);
            return deploy_tar(*id);
        }
    }
    if (n == 2 && r1 == "measurements") {
        if (auto u = params({"model", "board", "candidate", "limit", "offset"}); !u.empty())
            return error_response(400, u);
        return measurements(q);
    }
    if (n == 2 && r1 == "calibration") {
        if (auto u = params({"board", "model"}); !u.empty())
            return error_response(400, u);
        return calibration(q);
    }
    if (n == 2 && r1 == "events") {
        if (auto u = params({}); !u.empty())
            return error_response(400, u);
        return events();
    }
    if (n >= 2 && r1 == "jobs") {
        if (auto u = params({}); !u.empty())
            return error_response(400, u);
        if (n == 2)
            return job_list();
        const auto id = id_at(2, "job", &bad);
        if (!id)
            return bad;
        if (n == 3)
            return job(*id);
        if (n == 4 && parts[3] == "events")
            return job_events(*id);
        if (n == 4 && parts[3] == "cancel")
            return error_response(405, "cancel is a POST");
    }
    return error_response(404, "no such API call: " + q.path);
}

// ---- models, boards, pairs

HttpResponse DashboardApi::Impl::info()
{
    return json_response(json{{"mode", jobs ? "farm" : "dashboard-only"},
                              {"database", store.path()},
                              {"tool_version", tuner::tool_version()},
                              {"reads_need_token", !opt.token.empty() && !opt.public_read},
                              {"writes_need_token", !opt.token.empty()},
                              {"jobs_run_here", jobs != nullptr}}
                             .dump());
}

HttpResponse DashboardApi::Impl::models()
{
    std::map<int64_t, json> boards_of;
    for (const auto &[model_id, board_id, count] : store.measured_pairs())
        boards_of[model_id].push_back({{"board_id", board_id}, {"candidates", count}});
    json out = json::array();
    for (const ModelRow &m : store.models()) {
        std::string err;
        const auto d = spec_dims(m.spec_json, &err);
        json dims = d ? json{{"S", d->first.S}, {"E", d->first.E}, {"H", d->first.H}, {"P", d->first.P},
                             {"F", d->first.F}, {"layers", d->second}}
                      : json(nullptr);
        out.push_back({{"id", m.id},
                       {"name", m.name},
                       {"spec_hash", m.spec_hash},
                       {"created", m.created},
                       {"dims", dims},
                       {"boards", boards_of.count(m.id) ? boards_of[m.id] : json::array()}});
    }
    return json_response(out.dump());
}

HttpResponse DashboardApi::Impl::boards()
{
    json out = json::array();
    for (const BoardRow &b : store.boards())
        out.push_back({{"id", b.id},
                       {"name", b.name},
                       {"core", b.profile.value("core", "")},
                       {"clock_hz", b.profile.value("clock_hz", uint64_t(0))},
                       {"active_mw", b.profile.value("active_mw", 0.0)},
                       {"memory", b.profile.value("memory", json::array())}});
    return json_response(out.dump());
}

std::optional<DashboardApi::Impl::Pair> DashboardApi::Impl::pair(int64_t model_id, int64_t board_id,
                                                                  HttpResponse *error)
{
    Pair p;
    auto m = store.model(model_id);
    if (!m) {
        *error = error_response(404, "no model with id " + std::to_string(model_id));
        return std::nullopt;
    }
    auto b = store.board(board_id);
    if (!b) {
        *error = error_response(404, "no board with id " + std::to_string(board_id));
        return std::nullopt;
    }
    std::string err;
    const auto d = spec_dims(m->spec_json, &err);
    if (!d) {
        *error = error_response(500, "model " + std::to_string(model_id) + ": " + err);
        return std::nullopt;
    }
    p.model = std::move(*m);
    p.board = std::move(*b);
    p.dims = d->first;
    p.n_layers = d->second;
    return p;
}

std::optional<DashboardApi::Impl::Pair> DashboardApi::Impl::query_pair(const UrlQuery &q, HttpResponse *error)
{
    std::string err;
    for (const char *name : {"model", "board"}) {
        if (!q.has(name)) {
            *error = error_response(400, std::string("parameter '") + name + "' is required (an id from /api/" + name +
                                             "s)");
            return std::nullopt;
        }
    }
    const auto model_id = q.id("model", &err);
    if (!model_id) {
        *error = error_response(400, err);
        return std::nullopt;
    }
    const auto board_id = q.id("board", &err);
    if (!board_id) {
        *error = error_response(400, err);
        return std::nullopt;
    }
    return pair(*model_id, *board_id, error);
}

std::optional<std::pair<CandidateRow, DashboardApi::Impl::Pair>> DashboardApi::Impl::candidate_pair(
    int64_t id, HttpResponse *error)
{
    auto c = store.candidate(id);
    if (!c) {
        *error = error_response(404, "no candidate with id " + std::to_string(id));
        return std::nullopt;
    }
    auto p = pair(c->model_id, c->board_id, error);
    if (!p)
        return std::nullopt;
    return std::make_pair(std::move(*c), std::move(*p));
}

std::optional<uint64_t> DashboardApi::Impl::budget(const UrlQuery &q, const Pair &p, std::string *from,
                                                   HttpResponse *error)
{
    if (q.has("budget")) {
        std::string err;
        const auto b = tuner::parse_byte_size(q.params.at("budget"), &err);
        if (!b || *b == 0) {
            *error = error_response(400, "parameter 'budget': " +
                                             (err.empty() ? "must be more than 0 bytes" : err) +
                                             " (e.g. 512KB, 65536, 1MiB)");
            return std::nullopt;
        }
        *from = "request";
        return b;
    }
    const std::vector<RunRow> runs = store.runs(p.model.id, p.board.id);
    if (!runs.empty()) {
        *from = "run " + std::to_string(runs.front().id);
        return runs.front().budget_bytes;
    }
    *from = "none";
    return UINT64_MAX;
}

tuner::CostModel DashboardApi::Impl::cost_model(const BoardRow &b, const std::string &source)
{
    if (auto stored = store.cost_model(b.id, source))
        if (auto cm = tuner::CostModel::from_json(json::parse(*stored, nullptr, false)))
            return *cm;
    return tuner::CostModel::prior_for_core(b.profile.value("core", ""), b.profile.value("clock_hz", uint64_t(0)),
                                            b.profile.value("active_mw", 0.0), b.name);
}

tuner::TuneReport DashboardApi::Impl::report_for(const Pair &p, uint64_t budget)
{
    tuner::TuneReport r;
    r.model_name = p.model.name;
    r.model_hash = p.model.spec_hash;
    r.board = p.board.name;
    r.budget_bytes = budget;
    r.clock_hz = p.board.profile.value("clock_hz", uint64_t(0));
    return r;
}

// The import report beside an imported model's spec (<name>.report.json) holds the integer
// encoder's accuracy against the float model, per attention mode; models written by hand have
// none (null). Held-out figures when the import had them, else the calibration set's.
json DashboardApi::Impl::model_accuracy(const Pair &p)
{
    std::string err;
    const auto model = locator.find(p.model.name, p.model.spec_hash, p.model.spec_json, &err);
    if (!model || model->spec_path.empty())
        return nullptr;
    const fs::path report = model->spec_path.parent_path() / (model->spec_path.stem().string() + ".report.json");
    std::ifstream in(report);
    const json r = in ? json::parse(in, nullptr, false) : json();
    if (!r.is_object() || !r["accuracy"].is_object() || r["accuracy"].empty())
        return nullptr;
    const auto &acc = r["accuracy"];
    const std::string set = acc.contains("heldout") ? "heldout" : acc.begin().key();
    json out = {{"set", set}};
    for (const char *mode : {"standard", "fused"})
        if (acc[set].contains(mode))
            out[mode] = acc[set][mode].value("cosine", 0.0);
    return out;
}

namespace {

// The cosine similarity of a schedule's output to the float model's: the import measured it for
// all-standard and all-fused attention; a mix of both has no figure (null).
json candidate_accuracy(const json &accuracy, const tuner::Schedule &s)
{
    if (!accuracy.is_object() || s.layers.empty())
        return nullptr;
    const tuner::AttentionMode m = s.layers[0].attention;
    for (const auto &k : s.layers)
        if (k.attention != m)
            return nullptr;
    const char *mode = m == tuner::AttentionMode::kFused ? "fused" : "standard";
    return accuracy.contains(mode) ? accuracy[mode] : json(nullptr);
}

}  // namespace

// ---- the front

HttpResponse DashboardApi::Impl::front(const UrlQuery &q)
{
    HttpResponse error;
    const auto p = query_pair(q, &error);
    if (!p)
        return error;
    std::string from;
    const auto b = budget(q, *p, &from, &error);
    if (!b)
        return error;
    const std::vector<tuner::MeasuredCandidate> measured = store.measurements(p->model.id, p->board.id);
    std::map<int64_t, std::optional<int64_t>> build_of;  // measurement id -> build id
    for (const tuner::MeasuredCandidate &mc : measured)
        build_of[mc.measurement_id] = mc.build_id;
    const FrontView v = front_view(measured, p->dims, p->n_layers, *b);
    const tuner::TuneReport r = report_for(*p, *b);
    const json accuracy = model_accuracy(*p);
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
                              {"budget_bytes", *b == UINT64_MAX ? json(nullptr) : json(*b)},
                              {"budget_from", from},
                              {"clock_hz", r.clock_hz},
                              {"points", points},
                              {"fronts", fronts},
                              // the fastest point of the main source's front: what --out exports
                              {"best", best_source.empty() ? json(nullptr)
                                                           : json{{"candidate_id", fronts[best_source][0]},
                                                                  {"source", best_source}}},
                              {"source_text", source_text},
                              {"accuracy", accuracy},
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

// ---- one candidate

HttpResponse DashboardApi::Impl::candidate(int64_t id, const UrlQuery &q)
{
    HttpResponse error;
    const auto cp = candidate_pair(id, &error);
    if (!cp)
        return error;
    const CandidateRow *c = &cp->first;
    const Pair *p = &cp->second;
    std::string from;
    const auto b = budget(q, *p, &from, &error);
    if (!b)
        return error;
    const tuner::ScheduleParseResult ps = tuner::parse_schedule(c->schedule_json);
    if (!ps.ok())
        return error_response(500, "candidate " + std::to_string(id) + ": " + ps.error->message());
    const tuner::PlanResult plan = tuner::plan_memory(p->dims, p->n_layers, *ps.schedule);
    if (!plan.ok())
        return error_response(500, "candidate " + std::to_string(id) + ": " + plan.error);

    json history = json::array();
    std::optional<tuner::MeasuredCandidate> latest;
    for (const tuner::MeasuredCandidate &mc : store.measurements(p->model.id, p->board.id)) {
        if (mc.candidate_id != id)
            continue;
        history.push_back(measurement_json(mc));
        if (mc.measurement.status == agent::RunStatus::kOk)
            latest = mc;
    }
    const std::string source = latest ? agent::to_string(latest->measurement.cycles_source) : "emulated";
    const tuner::CostModel cm = cost_model(p->board, source);
    const double predicted = cm.predict_cycles(tuner::schedule_features(p->dims, *ps.schedule));

    json layers = json::array();
    for (size_t i = 0; i < ps.schedule->layers.size(); ++i) {
        json l = tuner::layer_to_json(ps.schedule->layers[i]);
        l["index"] = i;
        l["scratch_bytes"] = tuner::layer_scratch_bytes(p->dims, ps.schedule->layers[i]);
        layers.push_back(std::move(l));
    }
    json measured = nullptr;
    if (latest) {
        measured = measurement_json(*latest);
        const double clock = p->board.profile.value("clock_hz", 0.0);
        measured["latency_us"] = clock > 0 ? double(latest->measurement.cycles_median) / clock * 1e6 : 0.0;
        measured["flash_bytes"] = store.flash_bytes(latest->build_id);
        measured["source_text"] = tuner::figure_source_text(agent::to_string(latest->measurement.cycles_source),
                                                            latest->measurement.backend, p->board.name);
        measured["error_pct"] = latest->measurement.cycles_median
                                    ? (predicted - double(latest->measurement.cycles_median)) /
                                          double(latest->measurement.cycles_median) * 100.0
                                    : 0.0;
    }
    std::string model_error;
    const bool have_files = locator.find(p->model.name, p->model.spec_hash, p->model.spec_json, &model_error) != nullptr;
    const std::string base = "/api/candidates/" + std::to_string(id);
    return json_response(
        json{{"id", id},
             {"model", {{"id", p->model.id}, {"name", p->model.name}, {"spec_hash", p->model.spec_hash}}},
             {"board", {{"id", p->board.id}, {"name", p->board.name}, {"clock_hz", p->board.profile.value("clock_hz", 0)}}},
             {"schedule_id", c->schedule_hash},
             {"created", c->created},
             {"layers", layers},
             {"plan", plan_json(*plan.plan)},
             {"budget_bytes", *b == UINT64_MAX ? json(nullptr) : json(*b)},
             {"budget_from", from},
             {"fits_budget", plan.plan->peak_bytes <= *b},
             {"predicted",
              {{"cycles", predicted},
               {"energy_uj", cm.energy_uj(predicted)},
               {"source", "modeled"},
               {"cost_model",
                {{"figures", source},
                 {"calibration_points", cm.calibration_points},
                 {"median_abs_pct", cm.calibration_error.median_abs_pct}}}}},
             {"measured", measured},
             {"accuracy", candidate_accuracy(model_accuracy(*p), *ps.schedule)},
             {"measurements", history},
             {"downloads",
              {{"available", have_files},
               {"reason", have_files ? "" : model_error},
               {"schedule", base + "/schedule.json"},
               {"c_folder", base + "/deploy.tar"}}}}
            .dump());
}

HttpResponse DashboardApi::Impl::schedule_export(int64_t id, const UrlQuery &q)
{
    HttpResponse error;
    const auto cp = candidate_pair(id, &error);
    if (!cp)
        return error;
    const CandidateRow *c = &cp->first;
    const Pair *p = &cp->second;
    std::string from;
    const auto b = budget(q, *p, &from, &error);
    if (!b)
        return error;
    std::string err;
    const auto model = locator.find(p->model.name, p->model.spec_hash, p->model.spec_json, &err);
    if (!model)
        return error_response(409, err);
    const FrontView v = front_view(store.measurements(p->model.id, p->board.id), p->dims, p->n_layers, *b);
    const auto it = std::find_if(v.points.begin(), v.points.end(),
                                 [&](const FrontPoint &fp) { return fp.trial.candidate_id == id; });
    if (it == v.points.end())
        return error_response(409, "candidate " + std::to_string(id) + " has no OK measurement to export");
    tuner::TuneReport r = report_for(*p, *b == UINT64_MAX ? 0 : *b);
    r.cost_model = cost_model(p->board, it->source);
    const json j = tuner::schedule_export_json(r, it->trial, *model, &err);
    if (j.is_null())
        return error_response(500, err);
    HttpResponse res = json_response(j.dump(2) + "\n");
    res.headers.push_back({"Content-Disposition", "attachment; filename=\"" + file_part(p->model.name) + "-" +
                                                      file_part(p->board.name) + "-" + short_hash(c->schedule_hash) +
                                                      ".json\""});
    return res;
}

HttpResponse DashboardApi::Impl::deploy_tar(int64_t id)
{
    HttpResponse error;
    const auto cp = candidate_pair(id, &error);
    if (!cp)
        return error;
    const CandidateRow *c = &cp->first;
    const Pair *p = &cp->second;
    std::string err;
    const auto model = locator.find(p->model.name, p->model.spec_hash, p->model.spec_json, &err);
    if (!model)
        return error_response(409, err);
    const tuner::ScheduleParseResult ps = tuner::parse_schedule(c->schedule_json);
    if (!ps.ok())
        return error_response(500, ps.error->message());
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
    const std::string top = file_part(p->model.name) + "-" + file_part(p->board.name) + "-" + short_hash(c->schedule_hash);
    tuner::EmitCOptions eo;
    eo.boards_dir = opt.boards_dir;
    const tuner::EmitCResult er = tuner::emit_c(*model, *ps.schedule, tmp / top, eo);
    if (!er.ok())
        return error_response(500, "emit_c: " + er.error);
    TarResult tar = tar_directory(tmp / top, top, static_cast<int64_t>(std::time(nullptr)));
    if (!tar.ok())
        return error_response(500, tar.error);
    HttpResponse res;
    res.content_type = "application/x-tar";
    res.body = std::move(tar.archive);
    res.headers.push_back({"Content-Disposition", "attachment; filename=\"" + top + ".tar\""});
    return res;
}

// ---- measurements and calibration

HttpResponse DashboardApi::Impl::measurements(const UrlQuery &q)
{
    HttpResponse error;
    const auto p = query_pair(q, &error);
    if (!p)
        return error;
    std::string err;
    const auto candidate = q.id("candidate", &err);
    if (!err.empty())
        return error_response(400, err);
    const auto limit = q.number("limit", 1, 10000, &err);
    if (!err.empty())
        return error_response(400, err);
    const auto offset = q.number("offset", 0, UINT32_MAX, &err);
    if (!err.empty())
        return error_response(400, err);
    if (candidate) {
        const auto c = store.candidate(*candidate);
        if (!c)
            return error_response(404, "no candidate with id " + std::to_string(*candidate));
        if (c->model_id != p->model.id || c->board_id != p->board.id)
            return error_response(400, "candidate " + std::to_string(*candidate) + " is not of this model and board");
    }
    std::vector<tuner::MeasuredCandidate> all = store.measurements(p->model.id, p->board.id);
    std::reverse(all.begin(), all.end());  // newest first
    if (candidate)
        std::erase_if(all, [&](const tuner::MeasuredCandidate &mc) { return mc.candidate_id != *candidate; });
    json items = json::array();
    const size_t first = std::min<size_t>(offset.value_or(0), all.size());
    const size_t last = std::min<size_t>(all.size(), first + limit.value_or(100));
    for (size_t i = first; i < last; ++i)
        items.push_back(measurement_json(all[i]));
    return json_response(json{{"total", all.size()}, {"offset", first}, {"items", items}}.dump());
}

HttpResponse DashboardApi::Impl::calibration(const UrlQuery &q)
{
    std::string err;
    if (!q.has("board"))
        return error_response(400, "parameter 'board' is required (an id from /api/boards)");
    const auto board_id = q.id("board", &err);
    if (!board_id)
        return error_response(400, err);
    const auto model_id = q.id("model", &err);
    if (!err.empty())
        return error_response(400, err);
    const auto board = store.board(*board_id);
    if (!board)
        return error_response(404, "no board with id " + std::to_string(*board_id));
    if (model_id && !store.model(*model_id))
        return error_response(404, "no model with id " + std::to_string(*model_id));

    std::map<std::string, tuner::CostModel> models_by_source;
    std::map<std::string, std::vector<double>> errors;
    json points = json::array();
    for (const auto &[m_id, b_id, count] : store.measured_pairs()) {
        if (b_id != *board_id || (model_id && m_id != *model_id))
            continue;
        HttpResponse error;
        const auto p = pair(m_id, b_id, &error);
        if (!p)
            continue;
        const FrontView v = front_view(store.measurements(m_id, b_id), p->dims, p->n_layers, UINT64_MAX);
        for (const FrontPoint &fp : v.points) {
            if (!models_by_source.count(fp.source))
                models_by_source.emplace(fp.source, cost_model(*board, fp.source));
            const double predicted =
                models_by_source.at(fp.source).predict_cycles(tuner::schedule_features(p->dims, fp.trial.schedule));
            const double measured = static_cast<double>(fp.trial.measurement.cycles_median);
            const double e = measured > 0 ? (predicted - measured) / measured * 100.0 : 0.0;
            errors[fp.source].push_back(std::abs(e));
            points.push_back({{"candidate_id", fp.trial.candidate_id},
                              {"model_id", m_id},
                              {"model", p->model.name},
                              {"schedule_id", fp.trial.hash},
                              {"source", fp.source},
                              {"predicted_cycles", predicted},
                              {"measured_cycles", fp.trial.measurement.cycles_median},
                              {"error_pct", e}});
        }
    }
    json sources = json::object();
    for (auto &[source, e] : errors) {
        std::sort(e.begin(), e.end());
        double sum = 0;
        for (double x : e)
            sum += x;
        const tuner::CostModel &cm = models_by_source.at(source);
        sources[source] = {{"points", e.size()},
                           {"median_abs_pct", e.empty() ? 0.0 : e[e.size() / 2]},
                           {"mape_pct", e.empty() ? 0.0 : sum / double(e.size())},
                           {"max_abs_pct", e.empty() ? 0.0 : e.back()},
                           {"cost_model_calibration_points", cm.calibration_points}};
    }
    return json_response(json{{"board", {{"id", board->id}, {"name", board->name}}},
                              {"sources", sources},
                              {"points", points}}
                             .dump());
}

// ---- jobs

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

// ---- event streams

HttpResponse DashboardApi::Impl::events()
{
    HttpResponse r;
    r.stream = [this](const std::function<bool(const std::string &)> &send, const std::atomic<bool> &stopping) {
        if (!send("retry: 2000\n" + sse("hello", {{"mode", jobs ? "farm" : "dashboard-only"}})))
            return;
        std::map<int64_t, uint64_t> sent;      // job id -> version sent
        std::map<int64_t, std::string> state;  // job id -> state sent (dashboard-only has no versions)
        int64_t measurements_sent = -1;
        auto quiet_since = std::chrono::steady_clock::now();
        while (!stopping) {
            bool any = false;
            for (const json &j : all_jobs()) {
                const int64_t id = j["id"];
                const uint64_t v = j["version"];
                const std::string s = j["state"];
                if (sent.count(id) && sent[id] == v && state[id] == s)
                    continue;
                sent[id] = v;
                state[id] = s;
                any = true;
                if (!send(sse("job", j)))
                    return;
            }
            const int64_t newest = newest_measurement();
            if (newest != measurements_sent) {
                measurements_sent = newest;
                any = true;
                if (!send(sse("measurements", {{"newest", newest}})))
                    return;
            }
            const auto now = std::chrono::steady_clock::now();
            if (any)
                quiet_since = now;
            else if (now - quiet_since >= opt.keep_alive) {
                quiet_since = now;
                if (!send(": keep-alive\n\n"))
                    return;
            }
            // wake at the next change of a running job, or look again after `poll`
            int64_t active = 0;
            uint64_t version = 0;
            if (jobs)
                for (const JobView &jv : jobs->list())
                    if (!jv.ended()) {
                        active = jv.record.id;
                        version = sent.count(active) ? sent[active] : 0;
                        break;
                    }
            if (active)
                jobs->wait(active, version, opt.poll);
            else
                for (auto t = opt.poll; t.count() > 0 && !stopping; t -= std::chrono::milliseconds(100))
                    std::this_thread::sleep_for(std::min(t, std::chrono::milliseconds(100)));
        }
    };
    return r;
}

HttpResponse DashboardApi::Impl::job_events(int64_t id)
{
    if (jobs ? !jobs->view(id) : !store.job(id))
        return error_response(404, "no job with id " + std::to_string(id));
    HttpResponse r;
    r.stream = [this, id](const std::function<bool(const std::string &)> &send, const std::atomic<bool> &stopping) {
        if (!jobs) {  // nothing runs here: the job as recorded, once
            if (const auto rec = store.job(id))
                send(sse("job", job_json(*rec, nullptr, 0)));
            send(sse("end", {{"id", id}}));
            return;
        }
        uint64_t version = UINT64_MAX;  // differs from any: the first wait returns at once
        auto quiet_since = std::chrono::steady_clock::now();
        while (!stopping) {
            const auto v = jobs->wait(id, version, opt.poll);
            if (!v)
                return;
            const auto now = std::chrono::steady_clock::now();
            if (v->version != version) {
                version = v->version;
                quiet_since = now;
                if (!send(sse("job", job_json(v->record, &v->progress, v->version))))
                    return;
                if (v->ended()) {
                    send(sse("end", {{"id", id}, {"state", v->record.state}}));
                    return;
                }
            } else if (now - quiet_since >= opt.keep_alive) {
                quiet_since = now;
                if (!send(": keep-alive\n\n"))
                    return;
            }
        }
    };
    return r;
}

}  // namespace tinytx::farm
