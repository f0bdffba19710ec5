#include "tinytx/dashboard/dashboard_store.h"

#include <sqlite3.h>

namespace tinytx::farm {

using tuner::sqlite::all_rows;
using tuner::sqlite::next_row;
using tuner::sqlite::ResetGuard;
using tuner::sqlite::Statement;

namespace {

constexpr const char *kRunColumns = "SELECT id, model_id, board_id, budget_bytes, strategy, state, started FROM tuning_runs ";

}  // namespace

platform::Result<std::pair<tx_encoder_dims, size_t>> spec_dims(const std::string &spec_json)
{
    const auto j = nlohmann::json::parse(spec_json, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        return platform::Status::corruption("the model spec is not a JSON object");
    tx_encoder_dims d{};
    int32_t *fields[] = {&d.S, &d.E, &d.H, &d.P, &d.F};
    const char *names[] = {"S", "E", "H", "P", "F"};
    for (size_t i = 0; i < 5; ++i) {
        if (!j.contains(names[i]) || !j[names[i]].is_number_integer() || j[names[i]].get<int64_t>() < 1 ||
            j[names[i]].get<int64_t>() > 1 << 20)
            return platform::Status::corruption(std::string("the model spec has no valid ") + names[i]);
        *fields[i] = j[names[i]].get<int32_t>();
    }
    if (!j.contains("layers") || !j["layers"].is_array() || j["layers"].empty())
        return platform::Status::corruption("the model spec has no layers");
    return std::pair{d, j["layers"].size()};
}

// prepared once, used under mu_
struct DashboardStore::Statements {
    Statement models, model, boards, board, pairs, candidate, runs, run, jobs, job, newest;

    explicit Statements(tuner::sqlite::Connection &c)
        : models(c.prepare("SELECT id, name, spec_hash, spec_json, created FROM models ORDER BY id")),
          model(c.prepare("SELECT id, name, spec_hash, spec_json, created FROM models WHERE id = ?1")),
          boards(c.prepare("SELECT id, name, profile_json FROM boards ORDER BY name")),
          board(c.prepare("SELECT id, name, profile_json FROM boards WHERE id = ?1")),
          pairs(c.prepare("SELECT c.model_id, c.board_id, COUNT(DISTINCT c.id) FROM candidates c "
                          "JOIN measurements m ON m.candidate_id = c.id GROUP BY c.model_id, c.board_id ORDER BY 1, 2")),
          candidate(c.prepare("SELECT id, model_id, board_id, schedule_hash, schedule_json, created FROM candidates "
                              "WHERE id = ?1")),
          runs(c.prepare(std::string(kRunColumns) + "WHERE model_id = ?1 AND board_id = ?2 ORDER BY id DESC")),
          run(c.prepare(std::string(kRunColumns) + "WHERE id = ?1")),
          jobs(c.prepare(std::string(kSelectJobs) + "ORDER BY id")),
          job(c.prepare(std::string(kSelectJobs) + "WHERE id = ?1")),
          newest(c.prepare("SELECT COALESCE(MAX(id), 0) FROM measurements"))
    {
    }
};

DashboardStore::DashboardStore(const std::string &db_path) : path_(db_path)
{
    tuner::sqlite::OpenOptions o;
    o.read_only = true;
    db_ = std::make_unique<tuner::Database>(db_path, o);
    st_ = std::make_unique<Statements>(db_->connection());
}

platform::Result<std::unique_ptr<DashboardStore>> DashboardStore::open(const std::string &db_path)
{
    try {  // the SQLite wrapper throws (ARCHITECTURE.md "Errors"): its edge is here
        return std::unique_ptr<DashboardStore>(new DashboardStore(db_path));
    } catch (const tuner::sqlite::Error &e) {
        if ((e.code() & 0xff) != SQLITE_READONLY)
            return platform::Status::unavailable(e.what());
        // sqlite::Error's text: SQLite's code before the sentence
        return platform::Status::unavailable(
            tuner::sqlite::Error(e.code(), "database '" + db_path +
                                               "' needs a schema migration first (open it once with "
                                               "tinytx-tune or tinytx-farmd): " + e.what())
                .what());
    } catch (const std::exception &e) {
        return platform::Status::unavailable(e.what());
    }
}

DashboardStore::~DashboardStore() = default;

namespace {

ModelRow model_row(Statement &s)
{
    return {s.column_int64(0), s.column_text(1), s.column_text(2), s.column_text(3), s.column_text(4)};
}

}  // namespace

std::vector<ModelRow> DashboardStore::models()
{
    std::lock_guard lk(mu_);
    Statement &s = st_->models;
    ResetGuard g(s);
    return all_rows(s, model_row);
}

std::optional<ModelRow> DashboardStore::model(int64_t id)
{
    std::lock_guard lk(mu_);
    Statement &s = st_->model;
    ResetGuard g(s);
    s.bind(1, id);
    return next_row(s, model_row);
}

namespace {

BoardRow board_row(Statement &s)
{
    BoardRow b{s.column_int64(0), s.column_text(1), nlohmann::json::parse(s.column_text(2), nullptr, false)};
    if (b.profile.is_discarded() || !b.profile.is_object())
        b.profile = nlohmann::json::object();
    return b;
}

}  // namespace

std::vector<BoardRow> DashboardStore::boards()
{
    std::lock_guard lk(mu_);
    Statement &s = st_->boards;
    ResetGuard g(s);
    return all_rows(s, board_row);
}

std::optional<BoardRow> DashboardStore::board(int64_t id)
{
    std::lock_guard lk(mu_);
    Statement &s = st_->board;
    ResetGuard g(s);
    s.bind(1, id);
    return next_row(s, board_row);
}

std::vector<std::tuple<int64_t, int64_t, int64_t>> DashboardStore::measured_pairs()
{
    std::lock_guard lk(mu_);
    Statement &s = st_->pairs;
    ResetGuard g(s);
    return all_rows(s, [](Statement &r) { return std::tuple{r.column_int64(0), r.column_int64(1), r.column_int64(2)}; });
}

std::optional<CandidateRow> DashboardStore::candidate(int64_t id)
{
    std::lock_guard lk(mu_);
    Statement &s = st_->candidate;
    ResetGuard g(s);
    s.bind(1, id);
    return next_row(s, [](Statement &r) {
        return CandidateRow{r.column_int64(0), r.column_int64(1), r.column_int64(2),
                            r.column_text(3),  r.column_text(4),  r.column_text(5)};
    });
}

std::vector<tuner::MeasuredCandidate> DashboardStore::measurements(int64_t model_id, int64_t board_id)
{
    std::lock_guard lk(mu_);
    return db_->measurements(model_id, board_id);
}

uint64_t DashboardStore::flash_bytes(std::optional<int64_t> build_id)
{
    if (!build_id)
        return 0;
    std::lock_guard lk(mu_);
    const auto b = db_->build(*build_id);
    return b ? b->flash_bytes : 0;
}

std::optional<std::string> DashboardStore::cost_model(int64_t board_id, const std::string &source)
{
    std::lock_guard lk(mu_);
    return db_->cost_model(board_id, source);
}

namespace {

RunRow run_row(Statement &s)
{
    return RunRow{s.column_int64(0),
                  s.column_int64(1),
                  s.column_int64(2),
                  static_cast<uint64_t>(s.column_int64(3)),
                  s.column_text(4),
                  s.column_text(5),
                  s.column_text(6)};
}

}  // namespace

std::vector<RunRow> DashboardStore::runs(int64_t model_id, int64_t board_id)
{
    std::lock_guard lk(mu_);
    Statement &s = st_->runs;
    ResetGuard g(s);
    s.bind(1, model_id).bind(2, board_id);
    return all_rows(s, run_row);
}

std::optional<RunRow> DashboardStore::run(int64_t id)
{
    std::lock_guard lk(mu_);
    Statement &s = st_->run;
    ResetGuard g(s);
    s.bind(1, id);
    return next_row(s, run_row);
}

std::vector<JobRecord> DashboardStore::select_jobs(std::optional<int64_t> id)
{
    std::lock_guard lk(mu_);
    Statement &s = id ? st_->job : st_->jobs;
    ResetGuard g(s);
    if (id)
        s.bind(1, *id);
    return all_rows(s, read_job);
}

int64_t DashboardStore::newest_measurement_id()
{
    std::lock_guard lk(mu_);
    Statement &s = st_->newest;
    ResetGuard g(s);
    s.step();
    return s.column_int64(0);
}

std::vector<JobRecord> DashboardStore::jobs() { return select_jobs(std::nullopt); }

std::optional<JobRecord> DashboardStore::job(int64_t id)
{
    auto v = select_jobs(id);
    if (v.empty())
        return std::nullopt;
    return std::move(v.front());
}

}  // namespace tinytx::farm
