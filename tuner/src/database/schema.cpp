// Schema and migrations, versioned by PRAGMA user_version. Migration i brings version i-1 to i;
// migrations are only ever appended.
#include <sqlite3.h>

#include <array>
#include <string>

#include "tinytx/tuner/database.h"

namespace tinytx::tuner {

namespace {

constexpr const char *kNow = "(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))";

std::string migration_1()
{
    const std::string now = kNow;
    return R"sql(
CREATE TABLE models (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    spec_hash TEXT NOT NULL,
    spec_json TEXT NOT NULL,
    created TEXT NOT NULL DEFAULT )sql" + now + R"sql(,
    UNIQUE (name, spec_hash)
);
CREATE TABLE boards (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    profile_json TEXT NOT NULL
);
CREATE TABLE candidates (
    id INTEGER PRIMARY KEY,
    model_id INTEGER NOT NULL REFERENCES models(id),
    board_id INTEGER NOT NULL REFERENCES boards(id),
    schedule_hash TEXT NOT NULL,
    schedule_json TEXT NOT NULL,
    created TEXT NOT NULL DEFAULT )sql" + now + R"sql(,
    UNIQUE (model_id, board_id, schedule_hash)
);
CREATE TABLE builds (
    id INTEGER PRIMARY KEY,
    candidate_id INTEGER NOT NULL REFERENCES candidates(id),
    image_hash TEXT NOT NULL,
    toolchain TEXT NOT NULL,
    flags TEXT NOT NULL,
    image_size INTEGER NOT NULL,
    created TEXT NOT NULL DEFAULT )sql" + now + R"sql(
);
CREATE INDEX builds_candidate ON builds(candidate_id);
CREATE INDEX builds_image ON builds(image_hash);
CREATE TABLE measurements (
    id INTEGER PRIMARY KEY,
    candidate_id INTEGER NOT NULL REFERENCES candidates(id),
    build_id INTEGER REFERENCES builds(id),
    agent TEXT NOT NULL,
    backend TEXT NOT NULL,
    board TEXT NOT NULL,
    board_serial TEXT NOT NULL,
    status TEXT NOT NULL,
    error TEXT NOT NULL,
    cycles_median INTEGER NOT NULL,
    cycles_json TEXT NOT NULL,
    cycles_source TEXT NOT NULL,
    instructions INTEGER NOT NULL,
    stack_peak_bytes INTEGER NOT NULL,
    arena_peak_bytes INTEGER NOT NULL,
    energy_uj REAL NOT NULL,
    energy_source TEXT NOT NULL,
    output_crc32 INTEGER NOT NULL,
    output_ok INTEGER NOT NULL,
    fault_pc INTEGER,
    image_hash TEXT NOT NULL,
    agent_version TEXT NOT NULL,
    wall_time_ms REAL NOT NULL,
    created TEXT NOT NULL DEFAULT )sql" + now + R"sql(
);
CREATE INDEX measurements_candidate ON measurements(candidate_id, status);
CREATE INDEX measurements_build ON measurements(build_id);
CREATE TABLE tuning_runs (
    id INTEGER PRIMARY KEY,
    model_id INTEGER NOT NULL REFERENCES models(id),
    board_id INTEGER NOT NULL REFERENCES boards(id),
    command_json TEXT NOT NULL UNIQUE,
    budget_bytes INTEGER NOT NULL,
    strategy TEXT NOT NULL,
    started TEXT NOT NULL DEFAULT )sql" + now + R"sql(,
    finished TEXT,
    state TEXT NOT NULL DEFAULT 'running'
);
CREATE INDEX tuning_runs_model_board ON tuning_runs(model_id, board_id);
)sql";
}

// Which candidates a tuning run tried (its front is computed over them), the calibrated cost
// model per board and figure source (a second run starts calibrated), and the flash footprint of
// every build (text + rodata + data).
std::string migration_2()
{
    const std::string now = kNow;
    return R"sql(
CREATE TABLE run_candidates (
    run_id INTEGER NOT NULL REFERENCES tuning_runs(id),
    candidate_id INTEGER NOT NULL REFERENCES candidates(id),
    PRIMARY KEY (run_id, candidate_id)
) WITHOUT ROWID;
CREATE TABLE cost_models (
    board_id INTEGER NOT NULL REFERENCES boards(id),
    source TEXT NOT NULL,
    model_json TEXT NOT NULL,
    updated TEXT NOT NULL DEFAULT )sql" + now + R"sql(,
    PRIMARY KEY (board_id, source)
);
ALTER TABLE builds ADD COLUMN flash_bytes INTEGER NOT NULL DEFAULT 0;
)sql";
}

// The lab-farm daemon's jobs (tinytx-farmd): what was asked, where it stands, what it produced.
std::string migration_3()
{
    const std::string now = kNow;
    return R"sql(
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    state TEXT NOT NULL DEFAULT 'queued',
    model TEXT NOT NULL,
    board TEXT NOT NULL,
    priority INTEGER NOT NULL DEFAULT 0,
    request_json TEXT NOT NULL,
    run_id INTEGER REFERENCES tuning_runs(id),
    exit_code INTEGER NOT NULL DEFAULT 0,
    error TEXT NOT NULL DEFAULT '',
    front_json TEXT NOT NULL DEFAULT '',
    best_export_json TEXT NOT NULL DEFAULT '',
    submitted TEXT NOT NULL DEFAULT )sql" + now + R"sql(,
    finished TEXT
);
CREATE INDEX jobs_state ON jobs(state, priority);
)sql";
}

// Where a measurement's arena was (a board region the agent placed it in; '' = the image's link):
// the tuner's placement twins are measured each.
std::string migration_4()
{
    return "ALTER TABLE measurements ADD COLUMN arena_region TEXT NOT NULL DEFAULT '';";
}

}  // namespace

int database_schema_version() { return 4; }

void migrate(sqlite::Connection &c)
{
    const std::array<std::string, 4> migrations = {migration_1(), migration_2(), migration_3(), migration_4()};
    static_assert(std::tuple_size_v<decltype(migrations)> > 0);
    const int known = static_cast<int>(migrations.size());

    auto refuse_newer = [&](int64_t v) {
        if (v > known)
            throw sqlite::Error(SQLITE_ERROR,
                                "database '" + c.path() + "' has schema version " +
                                    std::to_string(v) + ", newer than this tinytx knows (" +
                                    std::to_string(known) + "); use a newer tinytx");
    };
    int64_t v = c.query_int("PRAGMA user_version");
    refuse_newer(v);
    if (v == known) return;

    sqlite::Transaction tx(c);  // IMMEDIATE: one migrator at a time
    v = c.query_int("PRAGMA user_version");  // another process may have migrated meanwhile
    refuse_newer(v);
    if (v < 0) throw sqlite::Error(SQLITE_CORRUPT, "negative user_version in '" + c.path() + "'");
    for (int64_t i = v; i < known; ++i) c.exec(migrations[static_cast<size_t>(i)]);
    c.exec("PRAGMA user_version = " + std::to_string(known));
    tx.commit();
}

}  // namespace tinytx::tuner
