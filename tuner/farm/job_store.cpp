#include "tinytx/farm/job_store.h"

namespace tinytx::farm {

using tuner::sqlite::ResetGuard;
using tuner::sqlite::Statement;

const char *const kSelectJobs =
    "SELECT id, state, model, board, priority, request_json, COALESCE(run_id, 0), exit_code, error, front_json, "
    "best_export_json, submitted FROM jobs ";

JobRecord read_job(const Statement &s)
{
    JobRecord j;
    j.id = s.column_int64(0);
    j.state = s.column_text(1);
    j.model = s.column_text(2);
    j.board = s.column_text(3);
    j.priority = static_cast<int>(s.column_int64(4));
    j.request = nlohmann::json::parse(s.column_text(5), nullptr, false);
    j.run_id = s.column_int64(6);
    j.exit_code = static_cast<int>(s.column_int64(7));
    j.error = s.column_text(8);
    j.front_json = s.column_text(9);
    j.best_export_json = s.column_text(10);
    j.submitted = s.column_text(11);
    return j;
}

JobStore::JobStore(const std::string &db_path) : c_(db_path) {}

int64_t JobStore::insert(const std::string &model, const std::string &board, int priority,
                         const nlohmann::json &request)
{
    std::lock_guard lk(mu_);
    Statement s = c_.prepare("INSERT INTO jobs(model, board, priority, request_json) VALUES (?1, ?2, ?3, ?4)");
    s.bind(1, model).bind(2, board).bind(3, priority).bind(4, request.dump()).run();
    return c_.last_insert_rowid();
}

void JobStore::set_state(int64_t id, const std::string &state)
{
    std::lock_guard lk(mu_);
    c_.prepare("UPDATE jobs SET state = ?2 WHERE id = ?1").bind(1, id).bind(2, state).run();
}

void JobStore::set_run(int64_t id, int64_t run_id)
{
    std::lock_guard lk(mu_);
    c_.prepare("UPDATE jobs SET run_id = ?2 WHERE id = ?1").bind(1, id).bind(2, run_id).run();
}

void JobStore::finish(int64_t id, const std::string &state, int exit_code, const std::string &error,
                      const std::string &front_json, const std::string &best_export_json)
{
    std::lock_guard lk(mu_);
    c_.prepare("UPDATE jobs SET state = ?2, exit_code = ?3, error = ?4, front_json = ?5, best_export_json = ?6, "
               "finished = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?1")
        .bind(1, id)
        .bind(2, state)
        .bind(3, exit_code)
        .bind(4, error)
        .bind(5, front_json)
        .bind(6, best_export_json)
        .run();
}

std::vector<JobRecord> JobStore::select(const std::string &where, std::optional<int64_t> id)
{
    std::lock_guard lk(mu_);
    Statement s = c_.prepare(std::string(kSelectJobs) + where + " ORDER BY id");
    if (id)
        s.bind(1, *id);
    return tuner::sqlite::all_rows(s, read_job);
}

std::optional<JobRecord> JobStore::get(int64_t id)
{
    auto v = select("WHERE id = ?1", id);
    if (v.empty())
        return std::nullopt;
    return std::move(v.front());
}

std::vector<JobRecord> JobStore::list() { return select(""); }

std::vector<JobRecord> JobStore::unfinished() { return select("WHERE state IN ('queued', 'running')"); }

}  // namespace tinytx::farm
