// GET /api/info, /api/models, /api/boards, and the (model, board) pair behind the other reads.
#include "dashboard_api_impl.h"

#include <filesystem>
#include <fstream>

#include "tinytx/tuner/report_json.h"

namespace tinytx::farm {

namespace fs = std::filesystem;

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
        const auto d = spec_dims(m.spec_json);
        json dims = d.ok() ? json{{"S", d->first.S}, {"E", d->first.E}, {"H", d->first.H}, {"P", d->first.P},
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

platform::Result<DashboardApi::Impl::Pair> DashboardApi::Impl::pair(int64_t model_id, int64_t board_id)
{
    Pair p;
    auto m = store.model(model_id);
    if (!m)
        return platform::Status::not_found("no model with id " + std::to_string(model_id));
    auto b = store.board(board_id);
    if (!b)
        return platform::Status::not_found("no board with id " + std::to_string(board_id));
    const auto d = spec_dims(m->spec_json);
    if (!d.ok())
        return platform::Status::corruption("model " + std::to_string(model_id) + ": " + d.status().message());
    p.model = std::move(*m);
    p.board = std::move(*b);
    p.dims = d->first;
    p.n_layers = d->second;
    return p;
}

platform::Result<DashboardApi::Impl::Pair> DashboardApi::Impl::query_pair(const UrlQuery &q)
{
    for (const char *name : {"model", "board"}) {
        if (!q.has(name))
            return platform::Status::invalid_argument(std::string("parameter '") + name +
                                                      "' is required (an id from /api/" + name + "s)");
    }
    const auto model_id = q.id("model");
    if (!model_id.ok())
        return model_id.status();
    const auto board_id = q.id("board");
    if (!board_id.ok())
        return board_id.status();
    return pair(**model_id, **board_id);
}

platform::Result<std::pair<CandidateRow, DashboardApi::Impl::Pair>> DashboardApi::Impl::candidate_pair(int64_t id)
{
    auto c = store.candidate(id);
    if (!c)
        return platform::Status::not_found("no candidate with id " + std::to_string(id));
    auto p = pair(c->model_id, c->board_id);
    if (!p.ok())
        return p.status();
    return std::make_pair(std::move(*c), std::move(*p));
}

platform::Result<DashboardApi::Impl::Budget> DashboardApi::Impl::budget(const UrlQuery &q, const Pair &p)
{
    if (q.has("budget")) {
        const auto b = tuner::parse_byte_size(q.params.at("budget"));
        if (!b.ok() || *b == 0)
            return platform::Status::invalid_argument("parameter 'budget': " +
                                                      (b.ok() ? "must be more than 0 bytes" : b.status().message()) +
                                                      " (e.g. 512KB, 65536, 1MiB)");
        return Budget{*b, "request"};
    }
    const std::vector<RunRow> runs = store.runs(p.model.id, p.board.id);
    if (!runs.empty())
        return Budget{runs.front().budget_bytes, "run " + std::to_string(runs.front().id)};
    return Budget{UINT64_MAX, "none"};
}

tuner::CostModel DashboardApi::Impl::cost_model(const BoardRow &b, const std::string &source)
{
    if (auto stored = store.cost_model(b.id, source))
        if (auto cm = tuner::CostModel::from_json(json::parse(*stored, nullptr, false)); cm.ok())
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

platform::Result<std::shared_ptr<const tuner::Model>> DashboardApi::Impl::model_files(const Pair &p)
{
    return locator.find(p.model.name, p.model.spec_hash, p.model.spec_json);
}

// The import report beside an imported model's spec (<name>.report.json) holds the integer
// model's accuracy against the float model, per data set and attention mode; models written by
// hand have none (null).
json DashboardApi::Impl::import_accuracy(const Pair &p)
{
    const auto found = model_files(p);
    if (!found.ok() || (*found)->spec_path.empty())
        return nullptr;
    const tuner::Model &model = **found;
    const fs::path report = model.spec_path.parent_path() / (model.spec_path.stem().string() + ".report.json");
    std::ifstream in(report);
    const json r = in ? json::parse(in, nullptr, false) : json();
    if (!r.is_object() || !r["accuracy"].is_object() || r["accuracy"].empty())
        return nullptr;
    return r["accuracy"];
}

}  // namespace tinytx::farm
