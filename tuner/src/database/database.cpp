// Database: the tuner's operations over the schema (schema.cpp), with statements prepared once.
#include "tinytx/tuner/database.h"

#include <sqlite3.h>

#include <array>
#include <limits>
#include <stdexcept>

namespace tinytx::tuner {

using sqlite::ResetGuard;
using sqlite::Statement;
using sqlite::Transaction;

namespace {

platform::RunStatus parse_status(const std::string &s)
{
    using platform::RunStatus;
    for (RunStatus v : {RunStatus::kOk, RunStatus::kTimeout, RunStatus::kFault,
                        RunStatus::kWrongOutput, RunStatus::kKernelError,
                        RunStatus::kInvalidArgument, RunStatus::kUnavailable, RunStatus::kInternal,
                        RunStatus::kAboveBound, RunStatus::kProbed, RunStatus::kNotRun})
        if (s == platform::to_string(v)) return v;
    return RunStatus::kInternal;
}

platform::Source parse_source(const std::string &s)
{
    using platform::Source;
    for (Source v : {Source::kMeasured, Source::kEmulated, Source::kModeled})
        if (s == platform::to_string(v)) return v;
    return Source::kModeled;
}

std::string canonical(const nlohmann::json &j) { return j.dump(); }  // object keys are sorted

}  // namespace

struct Database::Statements {
    Statement find_model, insert_model;
    Statement find_board, insert_board, update_board;
    Statement insert_candidate, find_candidate;
    Statement insert_build, find_build, insert_measurement, replace_measurement;
    Statement measured, measured_hashes;
    Statement find_run, insert_run, resume_run, finish_run;
    Statement list_measurements, count_measurements;
    Statement link_run, list_run_candidates, save_cost_model, find_cost_model;

    explicit Statements(sqlite::Connection &c)
        : find_model(c.prepare("SELECT id FROM models WHERE name = ?1 AND spec_hash = ?2")),
          insert_model(
              c.prepare("INSERT INTO models(name, spec_hash, spec_json) VALUES (?1, ?2, ?3)")),
          find_board(c.prepare("SELECT id, profile_json FROM boards WHERE name = ?1")),
          insert_board(c.prepare("INSERT INTO boards(name, profile_json) VALUES (?1, ?2)")),
          update_board(c.prepare("UPDATE boards SET profile_json = ?2 WHERE id = ?1")),
          insert_candidate(c.prepare(
              "INSERT INTO candidates(model_id, board_id, schedule_hash, schedule_json) "
              "VALUES (?1, ?2, ?3, ?4) ON CONFLICT(model_id, board_id, schedule_hash) DO NOTHING")),
          find_candidate(c.prepare("SELECT id FROM candidates WHERE model_id = ?1 AND "
                                   "board_id = ?2 AND schedule_hash = ?3")),
          insert_build(c.prepare("INSERT INTO builds(candidate_id, image_hash, toolchain, flags, "
                                 "image_size, flash_bytes) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")),
          find_build(c.prepare("SELECT candidate_id, image_hash, toolchain, flags, image_size, "
                               "flash_bytes FROM builds WHERE id = ?1")),
          insert_measurement(c.prepare(
              "INSERT INTO measurements(candidate_id, build_id, agent, backend, board, "
              "board_serial, status, error, cycles_median, cycles_json, cycles_source, "
              "instructions, stack_peak_bytes, arena_peak_bytes, energy_uj, energy_source, "
              "output_crc32, output_ok, fault_pc, image_hash, agent_version, wall_time_ms, arena_region) "
              "VALUES (:candidate_id, :build_id, :agent, :backend, :board, :board_serial, "
              ":status, :error, :cycles_median, :cycles_json, :cycles_source, :instructions, "
              ":stack_peak_bytes, :arena_peak_bytes, :energy_uj, :energy_source, :output_crc32, "
              ":output_ok, :fault_pc, :image_hash, :agent_version, :wall_time_ms, :arena_region)")),
          replace_measurement(c.prepare(
              "UPDATE measurements SET candidate_id = :candidate_id, build_id = :build_id, agent = :agent, "
              "backend = :backend, board = :board, board_serial = :board_serial, status = :status, error = :error, "
              "cycles_median = :cycles_median, cycles_json = :cycles_json, cycles_source = :cycles_source, "
              "instructions = :instructions, stack_peak_bytes = :stack_peak_bytes, "
              "arena_peak_bytes = :arena_peak_bytes, energy_uj = :energy_uj, energy_source = :energy_source, "
              "output_crc32 = :output_crc32, output_ok = :output_ok, fault_pc = :fault_pc, "
              "image_hash = :image_hash, agent_version = :agent_version, wall_time_ms = :wall_time_ms, "
              "arena_region = :arena_region WHERE id = :id")),
          measured(c.prepare("SELECT EXISTS(SELECT 1 FROM measurements WHERE candidate_id = ?1 "
                             "AND status NOT IN ('UNAVAILABLE', 'INVALID_ARGUMENT', 'INTERNAL'))")),
          measured_hashes(c.prepare(
              "SELECT DISTINCT c.schedule_hash FROM candidates c JOIN measurements m ON "
              "m.candidate_id = c.id WHERE c.model_id = ?1 AND c.board_id = ?2 AND "
              "m.status NOT IN ('UNAVAILABLE', 'INVALID_ARGUMENT', 'INTERNAL')")),
          find_run(c.prepare("SELECT id, model_id, board_id, command_json, budget_bytes, "
                             "strategy, state, started, finished FROM tuning_runs "
                             "WHERE command_json = ?1")),
          insert_run(c.prepare("INSERT INTO tuning_runs(model_id, board_id, command_json, "
                               "budget_bytes, strategy) VALUES (?1, ?2, ?3, ?4, ?5)")),
          resume_run(c.prepare("UPDATE tuning_runs SET state = 'running', finished = NULL "
                               "WHERE id = ?1 AND state <> 'finished'")),
          finish_run(c.prepare(
              "UPDATE tuning_runs SET state = ?2, finished = strftime('%Y-%m-%dT%H:%M:%fZ', "
              "'now') WHERE id = ?1")),
          list_measurements(c.prepare(
              "SELECT m.id, m.candidate_id, m.build_id, c.schedule_hash, c.schedule_json, "
              "m.agent, m.created, m.status, m.error, m.backend, m.board, m.board_serial, "
              "m.image_hash, m.agent_version, m.cycles_json, m.cycles_median, m.cycles_source, "
              "m.instructions, m.stack_peak_bytes, m.arena_peak_bytes, m.energy_uj, "
              "m.energy_source, m.output_crc32, m.output_ok, m.fault_pc, m.wall_time_ms, "
              "m.arena_region FROM measurements m JOIN candidates c ON c.id = m.candidate_id "
              "WHERE c.model_id = ?1 AND c.board_id = ?2 ORDER BY m.id")),
          count_measurements(c.prepare("SELECT COUNT(*) FROM measurements")),
          link_run(c.prepare("INSERT INTO run_candidates(run_id, candidate_id) VALUES (?1, ?2) "
                             "ON CONFLICT DO NOTHING")),
          list_run_candidates(c.prepare(
              "SELECT candidate_id FROM run_candidates WHERE run_id = ?1 ORDER BY candidate_id")),
          save_cost_model(c.prepare(
              "INSERT INTO cost_models(board_id, source, model_json) VALUES (?1, ?2, ?3) "
              "ON CONFLICT(board_id, source) DO UPDATE SET model_json = excluded.model_json, "
              "updated = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')")),
          find_cost_model(c.prepare(
              "SELECT model_json FROM cost_models WHERE board_id = ?1 AND source = ?2"))
    {
    }
};

Database::Database(const std::string &path, const sqlite::OpenOptions &options)
    : c_(path, options)
{
    migrate(c_);
    st_ = new Statements(c_);
}

Database::~Database() { delete st_; }  // statements finalized before the connection closes

int64_t Database::upsert_model(const std::string &name, const std::string &spec_hash,
                               const std::string &spec_json)
{
    Transaction tx(c_);
    int64_t id = 0;
    {
        ResetGuard g(st_->find_model);
        if (st_->find_model.bind(1, name).bind(2, spec_hash).step())
            id = st_->find_model.column_int64(0);
    }
    if (id == 0) {
        ResetGuard g(st_->insert_model);
        st_->insert_model.bind(1, name).bind(2, spec_hash).bind(3, spec_json).run();
        id = c_.last_insert_rowid();
    }
    tx.commit();
    return id;
}

int64_t Database::upsert_board(const std::string &name, const std::string &profile_json)
{
    Transaction tx(c_);
    int64_t id = 0;
    std::string old;
    {
        ResetGuard g(st_->find_board);
        if (st_->find_board.bind(1, name).step()) {
            id = st_->find_board.column_int64(0);
            old = st_->find_board.column_text(1);
        }
    }
    if (id == 0) {
        ResetGuard g(st_->insert_board);
        st_->insert_board.bind(1, name).bind(2, profile_json).run();
        id = c_.last_insert_rowid();
    } else if (old != profile_json) {
        ResetGuard g(st_->update_board);
        st_->update_board.bind(1, id).bind(2, profile_json).run();
    }
    tx.commit();
    return id;
}

// Without a transaction of its own: callers hold one.
static CandidateRef insert_or_get_candidate(sqlite::Connection &c, Statement &ins, Statement &find,
                                            int64_t model_id, int64_t board_id,
                                            const std::string &hash, const std::string &json)
{
    CandidateRef r;
    {
        ResetGuard g(ins);
        ins.bind(1, model_id).bind(2, board_id).bind(3, hash).bind(4, json).run();
        r.inserted = c.changes() == 1;
    }
    if (r.inserted) {
        r.id = c.last_insert_rowid();
    } else {
        ResetGuard g(find);
        if (!find.bind(1, model_id).bind(2, board_id).bind(3, hash).step())
            throw sqlite::Error(SQLITE_INTERNAL, "candidate " + hash + " neither inserted nor found",
                                find.sql());
        r.id = find.column_int64(0);
    }
    return r;
}

CandidateRef Database::candidate(int64_t model_id, int64_t board_id,
                                 const std::string &schedule_hash,
                                 const std::string &schedule_json)
{
    Transaction tx(c_);
    auto r = insert_or_get_candidate(c_, st_->insert_candidate, st_->find_candidate, model_id,
                                     board_id, schedule_hash, schedule_json);
    tx.commit();
    return r;
}

std::vector<CandidateRef> Database::candidates(
    int64_t model_id, int64_t board_id,
    std::span<const std::pair<std::string, std::string>> hash_and_json)
{
    std::vector<CandidateRef> out;
    out.reserve(hash_and_json.size());
    Transaction tx(c_);
    for (const auto &[hash, json] : hash_and_json)
        out.push_back(insert_or_get_candidate(c_, st_->insert_candidate, st_->find_candidate,
                                              model_id, board_id, hash, json));
    tx.commit();
    return out;
}

int64_t Database::record_build(const BuildRecord &b)
{
    ResetGuard g(st_->insert_build);
    st_->insert_build.bind(1, b.candidate_id)
        .bind(2, b.image_hash)
        .bind(3, b.toolchain)
        .bind(4, b.flags)
        .bind(5, b.image_size)
        .bind(6, b.flash_bytes)
        .run();
    return c_.last_insert_rowid();
}

std::optional<BuildRecord> Database::build(int64_t build_id)
{
    Statement &s = st_->find_build;
    ResetGuard g(s);
    if (!s.bind(1, build_id).step()) return std::nullopt;
    return BuildRecord{s.column_int64(0), s.column_text(1), s.column_text(2), s.column_text(3),
                       static_cast<uint64_t>(s.column_int64(4)),
                       static_cast<uint64_t>(s.column_int64(5))};
}

namespace {

// every column of a measurements row but its id (insert_measurement, replace_measurement)
void bind_measurement(Statement &s, const MeasurementEntry &e)
{
    const platform::Measurement &m = e.measurement;
    s.bind(":candidate_id", e.candidate_id)
        .bind(":build_id", e.build_id)
        .bind(":agent", e.agent)
        .bind(":backend", m.backend)
        .bind(":board", m.board)
        .bind(":board_serial", m.board_serial)
        .bind(":status", platform::to_string(m.status))
        .bind(":error", m.error)
        .bind(":cycles_median", m.cycles_median)
        .bind(":cycles_json", nlohmann::json(m.cycles).dump())
        .bind(":cycles_source", platform::to_string(m.cycles_source))
        .bind(":instructions", m.instructions)
        .bind(":stack_peak_bytes", m.stack_peak_bytes)
        .bind(":arena_peak_bytes", m.arena_peak_bytes)
        .bind(":energy_uj", m.energy_uj)
        .bind(":energy_source", platform::to_string(m.energy_source))
        .bind(":output_crc32", m.output_crc32)
        .bind(":output_ok", m.output_ok)
        .bind(":fault_pc", m.fault_pc)
        .bind(":image_hash", m.image_hash)
        .bind(":agent_version", m.agent_version)
        .bind(":arena_region", e.arena_region)
        .bind(":wall_time_ms", m.wall_time_ms);
}

}  // namespace

int64_t Database::insert_measurement(const MeasurementEntry &e)
{
    Statement &s = st_->insert_measurement;
    ResetGuard g(s);
    bind_measurement(s, e);
    s.run();
    return c_.last_insert_rowid();
}

void Database::replace_measurement(int64_t measurement_id, const MeasurementEntry &e)
{
    Statement &s = st_->replace_measurement;
    ResetGuard g(s);
    bind_measurement(s, e);
    s.bind(":id", measurement_id).run();
}

std::vector<int64_t> Database::record_measurements(std::span<const MeasurementEntry> batch)
{
    std::vector<int64_t> ids;
    ids.reserve(batch.size());
    Transaction tx(c_);
    for (const MeasurementEntry &e : batch) ids.push_back(insert_measurement(e));
    tx.commit();
    return ids;
}

std::vector<RecordedTrial> Database::record_trials(int64_t run_id, std::span<const TrialRecord> batch,
                                                  std::span<const int64_t> reused)
{
    std::vector<RecordedTrial> ids;
    ids.reserve(batch.size());
    std::vector<std::optional<int64_t>> build_ids;
    Transaction tx(c_);
    for (const TrialRecord &t : batch) {
        MeasurementEntry e = t.entry;
        if (t.build) {
            BuildRecord b = *t.build;
            b.candidate_id = e.candidate_id;
            e.build_id = record_build(b);
        } else if (t.same_image_as) {
            if (*t.same_image_as >= build_ids.size())
                throw std::invalid_argument("record_trials: same_image_as must name an earlier entry");
            e.build_id = build_ids[*t.same_image_as];
        }
        build_ids.push_back(e.build_id);
        ids.push_back({insert_measurement(e), e.build_id});
    }
    std::vector<int64_t> linked(reused.begin(), reused.end());
    for (const TrialRecord &t : batch) linked.push_back(t.entry.candidate_id);
    for (int64_t id : linked) {
        ResetGuard g(st_->link_run);
        st_->link_run.bind(1, run_id).bind(2, id).run();
    }
    tx.commit();
    return ids;
}

std::vector<int64_t> Database::run_candidates(int64_t run_id)
{
    std::vector<int64_t> out;
    ResetGuard g(st_->list_run_candidates);
    st_->list_run_candidates.bind(1, run_id);
    while (st_->list_run_candidates.step()) out.push_back(st_->list_run_candidates.column_int64(0));
    return out;
}

void Database::save_cost_model(int64_t board_id, const std::string &source,
                               const std::string &model_json)
{
    ResetGuard g(st_->save_cost_model);
    st_->save_cost_model.bind(1, board_id).bind(2, source).bind(3, model_json).run();
}

std::optional<std::string> Database::cost_model(int64_t board_id, const std::string &source)
{
    ResetGuard g(st_->find_cost_model);
    if (!st_->find_cost_model.bind(1, board_id).bind(2, source).step()) return std::nullopt;
    return st_->find_cost_model.column_text(0);
}

int64_t Database::record_measurement(const MeasurementEntry &e)
{
    return record_measurements(std::span<const MeasurementEntry>(&e, 1)).front();
}

bool Database::measured(int64_t candidate_id)
{
    ResetGuard g(st_->measured);
    st_->measured.bind(1, candidate_id).step();
    return st_->measured.column_int64(0) != 0;
}

std::set<std::string> Database::measured_hashes(int64_t model_id, int64_t board_id)
{
    std::set<std::string> out;
    ResetGuard g(st_->measured_hashes);
    st_->measured_hashes.bind(1, model_id).bind(2, board_id);
    while (st_->measured_hashes.step()) out.insert(st_->measured_hashes.column_text(0));
    return out;
}

TuningRun Database::read_run(Statement &s, bool resumed)
{
    TuningRun r;
    r.id = s.column_int64(0);
    r.model_id = s.column_int64(1);
    r.board_id = s.column_int64(2);
    r.command_json = s.column_text(3);
    r.budget_bytes = static_cast<uint64_t>(s.column_int64(4));
    r.strategy = s.column_text(5);
    r.state = s.column_text(6);
    r.started = s.column_text(7);
    if (!s.is_null(8)) r.finished = s.column_text(8);
    r.resumed = resumed;
    return r;
}

std::optional<TuningRun> Database::find_run(const nlohmann::json &command)
{
    ResetGuard g(st_->find_run);
    if (!st_->find_run.bind(1, canonical(command)).step()) return std::nullopt;
    return read_run(st_->find_run, true);
}

TuningRun Database::start_run(int64_t model_id, int64_t board_id, const nlohmann::json &command,
                              uint64_t budget_bytes, const std::string &strategy)
{
    const std::string cmd = canonical(command);
    Transaction tx(c_);
    std::optional<int64_t> existing;
    {
        ResetGuard g(st_->find_run);
        if (st_->find_run.bind(1, cmd).step()) {
            existing = st_->find_run.column_int64(0);
            if (st_->find_run.column_int64(1) != model_id ||
                st_->find_run.column_int64(2) != board_id)
                throw sqlite::Error(SQLITE_CONSTRAINT,
                                    "tuning run " + std::to_string(*existing) +
                                        " of this command has another model or board");
        }
    }
    const bool resumed = existing.has_value();
    if (resumed) {
        ResetGuard g(st_->resume_run);
        st_->resume_run.bind(1, *existing).run();
    } else {
        ResetGuard g(st_->insert_run);
        st_->insert_run.bind(1, model_id)
            .bind(2, board_id)
            .bind(3, cmd)
            .bind(4, budget_bytes)
            .bind(5, strategy)
            .run();
    }
    TuningRun r;
    {
        ResetGuard g(st_->find_run);
        st_->find_run.bind(1, cmd).step();
        r = read_run(st_->find_run, resumed);
    }
    tx.commit();
    return r;
}

void Database::finish_run(int64_t run_id, const std::string &state)
{
    ResetGuard g(st_->finish_run);
    st_->finish_run.bind(1, run_id).bind(2, state).run();
    if (c_.changes() != 1)
        throw sqlite::Error(SQLITE_NOTFOUND, "no tuning run " + std::to_string(run_id),
                            st_->finish_run.sql());
}

std::vector<MeasuredCandidate> Database::measurements(int64_t model_id, int64_t board_id)
{
    std::vector<MeasuredCandidate> out;
    Statement &s = st_->list_measurements;
    ResetGuard g(s);
    s.bind(1, model_id).bind(2, board_id);
    while (s.step()) {
        MeasuredCandidate mc;
        mc.measurement_id = s.column_int64(0);
        mc.candidate_id = s.column_int64(1);
        mc.build_id = s.column_opt_int64(2);
        mc.schedule_hash = s.column_text(3);
        mc.schedule_json = s.column_text(4);
        mc.agent = s.column_text(5);
        mc.created = s.column_text(6);
        platform::Measurement &m = mc.measurement;
        m.status = parse_status(s.column_text(7));
        m.error = s.column_text(8);
        m.backend = s.column_text(9);
        m.board = s.column_text(10);
        m.board_serial = s.column_text(11);
        m.image_hash = s.column_text(12);
        m.agent_version = s.column_text(13);
        m.cycles = nlohmann::json::parse(s.column_text(14)).get<std::vector<uint64_t>>();
        m.cycles_median = static_cast<uint64_t>(s.column_int64(15));
        m.cycles_source = parse_source(s.column_text(16));
        m.instructions = static_cast<uint64_t>(s.column_int64(17));
        m.stack_peak_bytes = static_cast<uint32_t>(s.column_int64(18));
        m.arena_peak_bytes = static_cast<uint32_t>(s.column_int64(19));
        m.energy_uj = s.column_double(20);
        m.energy_source = parse_source(s.column_text(21));
        m.output_crc32 = static_cast<uint32_t>(s.column_int64(22));
        m.output_ok = s.column_int64(23) != 0;
        if (!s.is_null(24)) m.fault_pc = static_cast<uint32_t>(s.column_int64(24));
        m.wall_time_ms = s.column_double(25);
        mc.arena_region = s.column_text(26);
        out.push_back(std::move(mc));
    }
    return out;
}

int64_t Database::measurement_count()
{
    ResetGuard g(st_->count_measurements);
    st_->count_measurements.step();
    return st_->count_measurements.column_int64(0);
}

}  // namespace tinytx::tuner
