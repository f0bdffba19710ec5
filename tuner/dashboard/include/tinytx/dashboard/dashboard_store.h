// The dashboard's read-only view of the tuner's SQLite database: models, boards, candidates,
// measurements, cost models, tuning runs and the farm's jobs. One read-only connection (WAL lets
// it read while tinytx-tune or the job threads write) and its statements, prepared once, shared
// under a mutex.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tinytx/farm/job_store.h"
#include "tinytx/kernels.h"
#include "tinytx/platform/status.h"
#include "tinytx/tuner/database.h"

namespace tinytx::farm {

struct ModelRow {
    int64_t id = 0;
    std::string name, spec_hash, spec_json, created;
};

struct BoardRow {
    int64_t id = 0;
    std::string name;
    nlohmann::json profile;   // {"name","core","clock_hz","memory":[...],"active_mw"}
};

struct CandidateRow {
    int64_t id = 0, model_id = 0, board_id = 0;
    std::string schedule_hash, schedule_json, created;
};

struct RunRow {
    int64_t id = 0, model_id = 0, board_id = 0;
    uint64_t budget_bytes = 0;
    std::string strategy, state, started;
};

// The dims and layer count a model spec states (what the planner and the cost model need; the
// weights are not read). Corruption when the stored spec does not state them.
platform::Result<std::pair<tx_encoder_dims, size_t>> spec_dims(const std::string &spec_json);

class DashboardStore {
public:
    // Opens read-only; unavailable with SQLite's message (naming the file) when it cannot, or when
    // the database needs a migration first (open it once with tinytx-tune or tinytx-farmd).
    static platform::Result<std::unique_ptr<DashboardStore>> open(const std::string &db_path);
    ~DashboardStore();

    std::vector<ModelRow> models();
    std::optional<ModelRow> model(int64_t id);
    std::vector<BoardRow> boards();
    std::optional<BoardRow> board(int64_t id);
    // (model id, board id, measured candidates) for every pair that has measurements
    std::vector<std::tuple<int64_t, int64_t, int64_t>> measured_pairs();
    std::optional<CandidateRow> candidate(int64_t id);
    // every measurement of the model on the board, oldest first (tuner::Database's reading)
    std::vector<tuner::MeasuredCandidate> measurements(int64_t model_id, int64_t board_id);
    std::optional<std::string> cost_model(int64_t board_id, const std::string &source);
    // the flash footprint of a build (text + rodata + data); 0 when there is no build
    uint64_t flash_bytes(std::optional<int64_t> build_id);
    std::vector<RunRow> runs(int64_t model_id, int64_t board_id);  // newest first
    std::optional<RunRow> run(int64_t id);
    std::vector<JobRecord> jobs();   // the farm's jobs as recorded (dashboard-only mode)
    std::optional<JobRecord> job(int64_t id);
    // the highest measurement id (0 when none): it grows whenever anything is measured
    int64_t newest_measurement_id();
    const std::string &path() const { return path_; }

private:
    explicit DashboardStore(const std::string &db_path);  // throws sqlite::Error
    struct Statements;
    std::vector<JobRecord> select_jobs(std::optional<int64_t> id);
    std::string path_;
    std::mutex mu_;
    std::unique_ptr<tuner::Database> db_;
    std::unique_ptr<Statements> st_;  // prepared once, after db_ (destroyed before it)
};

}  // namespace tinytx::farm
