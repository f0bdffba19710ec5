// The tuner's results database (ARCHITECTURE.md "Data flow"): models, boards, candidates,
// builds, measurements and tuning runs. Schema versioned by PRAGMA user_version; a run killed at
// any moment and started again with the same command resumes: every batch of measurements is one
// transaction, so what is recorded is whole, and measured_hashes() tells the run what to skip.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "tinytx/platform/measurement.h"
#include "tinytx/tuner/sqlite.h"

namespace tinytx::tuner {

// Schema version this code writes; older databases are migrated, newer ones refused.
int database_schema_version();
// Brings `c` to database_schema_version() in one transaction; throws sqlite::Error (with a clear
// message) when the database is newer than this code.
void migrate(sqlite::Connection &c);

struct CandidateRef {
    int64_t id = 0;
    bool inserted = false;  // false when the (model, board, schedule_hash) was already there
};

struct BuildRecord {
    int64_t candidate_id = 0;
    std::string image_hash;  // sha256 of the ELF, hex
    std::string toolchain;   // compiler name + version
    std::string flags;       // compile/link flags
    uint64_t image_size = 0; // bytes
    uint64_t flash_bytes = 0; // text + rodata + data: what a board's flash holds
};

// One measurement to record: the agent's Measurement plus where it came from.
struct MeasurementEntry {
    MeasurementEntry() = default;
    MeasurementEntry(int64_t candidate, std::optional<int64_t> build, std::string agent_name, platform::Measurement m,
                     std::string arena = "")
        : candidate_id(candidate), build_id(build), agent(std::move(agent_name)), measurement(std::move(m)),
          arena_region(std::move(arena)) {}
    int64_t candidate_id = 0;
    std::optional<int64_t> build_id;
    std::string agent;  // agent address or name
    platform::Measurement measurement;
    // the board region the agent placed the arena in (RunJob::arena_region); "" = where the
    // image's link put it (the profile's emulator.arena on an emulator)
    std::string arena_region;
};

// One trial of a tuning run as recorded: its measurement and, when an image was built for it,
// the build (the measurement then refers to it).
struct TrialRecord {
    MeasurementEntry entry;
    std::optional<BuildRecord> build;  // build.candidate_id is entry.candidate_id
    // Or: the image is the one built for batch[i] (a twin measured once): its build is referenced.
    std::optional<size_t> same_image_as;
};

struct RecordedTrial {
    int64_t measurement_id = 0;
    std::optional<int64_t> build_id;
};

struct TuningRun {
    int64_t id = 0;
    int64_t model_id = 0;
    int64_t board_id = 0;
    std::string command_json;  // canonical (sorted keys, compact)
    uint64_t budget_bytes = 0;
    std::string strategy;
    std::string state;  // "running" | "finished" | "failed"
    std::string started;
    std::optional<std::string> finished;
    bool resumed = false;  // true when start_run() found the run of this command already there
};

// A measurement with its candidate's schedule (for Pareto, calibration).
struct MeasuredCandidate {
    int64_t measurement_id = 0;
    int64_t candidate_id = 0;
    std::optional<int64_t> build_id;
    std::string schedule_hash;
    std::string schedule_json;
    std::string agent;
    std::string created;
    platform::Measurement measurement;
    std::string arena_region;  // MeasurementEntry::arena_region
};

class Database {
public:
    // Opens (creating if needed) and migrates; ":memory:" for tests.
    explicit Database(const std::string &path, const sqlite::OpenOptions &options = {});
    ~Database();
    Database(const Database &) = delete;
    Database &operator=(const Database &) = delete;

    // Id of the model (name, spec_hash), inserting it when new.
    int64_t upsert_model(const std::string &name, const std::string &spec_hash,
                         const std::string &spec_json);
    // Id of the board `name`, inserting it when new, updating profile_json when it changed.
    int64_t upsert_board(const std::string &name, const std::string &profile_json);

    // Idempotent: the same (model, board, schedule_hash) gives the same id (schedule_json of the
    // first insert is kept).
    CandidateRef candidate(int64_t model_id, int64_t board_id, const std::string &schedule_hash,
                           const std::string &schedule_json);
    // Several candidates in one transaction, in order.
    std::vector<CandidateRef> candidates(int64_t model_id, int64_t board_id,
                                         std::span<const std::pair<std::string, std::string>>
                                             hash_and_json);

    int64_t record_build(const BuildRecord &b);
    std::optional<BuildRecord> build(int64_t build_id);

    // All or nothing: one transaction; an exception (bad candidate id, ...) records none.
    // Returns the new measurement ids in order.
    std::vector<int64_t> record_measurements(std::span<const MeasurementEntry> batch);
    int64_t record_measurement(const MeasurementEntry &e);
    // The row of a measurement replaced by a better figure of the same candidate (a composed one
    // by its whole run: segment_ledger.h); the candidate keeps one measurement.
    void replace_measurement(int64_t measurement_id, const MeasurementEntry &e);
    // One batch of a tuning run, all or nothing: builds, measurements, and the run's link to
    // every candidate of the batch and to `reused` (candidates told from earlier results).
    std::vector<RecordedTrial> record_trials(int64_t run_id, std::span<const TrialRecord> batch,
                                             std::span<const int64_t> reused = {});
    std::vector<int64_t> run_candidates(int64_t run_id);

    // A candidate counts as measured when it has a measurement whose status is not UNAVAILABLE
    // (the board could not be used: nothing about the candidate was learned). Failures of the
    // candidate itself (FAULT, TIMEOUT, WRONG_OUTPUT, ...) are results and count.
    bool measured(int64_t candidate_id);
    std::set<std::string> measured_hashes(int64_t model_id, int64_t board_id);

    // The run of this command: found (resumed=true, state set back to running unless finished) or
    // created. Same command JSON (key order irrelevant) -> same run.
    TuningRun start_run(int64_t model_id, int64_t board_id, const nlohmann::json &command,
                        uint64_t budget_bytes, const std::string &strategy);
    std::optional<TuningRun> find_run(const nlohmann::json &command);
    void finish_run(int64_t run_id, const std::string &state = "finished");

    std::vector<MeasuredCandidate> measurements(int64_t model_id, int64_t board_id);

    // The calibrated cost model (its JSON) of a board for one figure source (emulated, measured).
    void save_cost_model(int64_t board_id, const std::string &source, const std::string &model_json);
    std::optional<std::string> cost_model(int64_t board_id, const std::string &source);
    int64_t measurement_count();

    sqlite::Connection &connection() { return c_; }

private:
    TuningRun read_run(sqlite::Statement &s, bool resumed);
    int64_t insert_measurement(const MeasurementEntry &e);  // inside the caller's transaction

    sqlite::Connection c_;
    struct Statements;
    Statements *st_ = nullptr;  // prepared once, after migration
};

}  // namespace tinytx::tuner
