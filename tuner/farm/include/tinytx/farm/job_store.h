// The farm's jobs in the tuner's SQLite database (table `jobs`, schema migration 3), so a daemon
// killed at any moment finds every job where it was when it starts again.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tinytx/tuner/sqlite.h"

namespace tinytx::farm {

struct JobRecord {
    int64_t id = 0;
    std::string state;           // queued | running | finished | failed | cancelled
    std::string model, board;
    int priority = 0;
    nlohmann::json request;      // model_path, board, budget_bytes, strategy, trials, seed, ...
    int64_t run_id = 0;
    int exit_code = 0;
    std::string error, front_json, best_export_json, submitted;
};

// "SELECT <the job columns> FROM jobs " (append WHERE / ORDER BY), and one row of it.
extern const char *const kSelectJobs;
JobRecord read_job(const tuner::sqlite::Statement &s);

class JobStore {
public:
    explicit JobStore(const std::string &db_path);  // the database must be migrated already

    int64_t insert(const std::string &model, const std::string &board, int priority, const nlohmann::json &request);
    void set_state(int64_t id, const std::string &state);
    void set_run(int64_t id, int64_t run_id);
    void finish(int64_t id, const std::string &state, int exit_code, const std::string &error,
                const std::string &front_json, const std::string &best_export_json);
    std::optional<JobRecord> get(int64_t id);
    std::vector<JobRecord> list();
    // jobs a restarted daemon must take up again: queued or running
    std::vector<JobRecord> unfinished();

private:
    std::vector<JobRecord> select(const std::string &where, std::optional<int64_t> id = std::nullopt);
    std::mutex mu_;  // one connection, shared by the job threads
    tuner::sqlite::Connection c_;
};

}  // namespace tinytx::farm
