// A writer process killed with SIGKILL at random moments: the file stays intact, every committed
// batch is whole, and a resumed writer skips what was measured and completes with no duplicates.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include "tinytx/tuner/database.h"
#include "tinytx/tuner/testing/temp_dir.h"

using namespace tinytx;
using namespace tinytx::tuner;

namespace {

constexpr int kTotal = 12000;  // candidates of the "tuning run"
constexpr int kBatch = 8;      // measurements per transaction
static_assert(kTotal % kBatch == 0);

std::string schedule_hash(int i)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "sched-%06d", i);
    return buf;
}

const nlohmann::json &command()
{
    static const nlohmann::json cmd = {
        {"model", "tiny"}, {"board", "crash-board"}, {"budget", 65536}, {"strategy", "grid"}};
    return cmd;
}

// What `tinytx tune` does with the database: open, find or start the run, skip what is measured,
// then measure the rest in batches. Returns how many measurements this call recorded.
int run_writer(const std::string &path)
{
    Database db(path);
    const int64_t model = db.upsert_model("tiny", "spec-hash", R"({"layers":2})");
    const int64_t board = db.upsert_board("crash-board", R"({"sram":65536})");
    const TuningRun run = db.start_run(model, board, command(), 65536, "grid");
    if (run.state == "finished") return 0;
    const std::set<std::string> done = db.measured_hashes(model, board);

    std::vector<int> todo;
    for (int i = 0; i < kTotal; ++i)
        if (!done.count(schedule_hash(i))) todo.push_back(i);

    int written = 0;
    for (size_t start = 0; start < todo.size(); start += kBatch) {
        const size_t end = std::min(todo.size(), start + kBatch);
        std::vector<std::pair<std::string, std::string>> cands;
        for (size_t k = start; k < end; ++k)
            cands.emplace_back(schedule_hash(todo[k]),
                               nlohmann::json{{"index", todo[k]}, {"head_group", todo[k] % 4}}.dump());
        const auto refs = db.candidates(model, board, cands);
        std::vector<MeasurementEntry> batch;
        for (size_t k = start; k < end; ++k) {
            platform::Measurement m;
            m.status = platform::RunStatus::kOk;
            m.backend = "iss";
            m.board = "crash-board";
            m.board_serial = "SN-CRASH";
            m.image_hash = schedule_hash(todo[k]) + "-image";
            m.agent_version = "test";
            m.cycles = {uint64_t(1000 + todo[k]), uint64_t(1001 + todo[k])};
            m.cycles_median = 1000 + todo[k];
            m.output_ok = true;
            batch.push_back({refs[k - start].id, std::nullopt, "crash-agent", std::move(m)});
        }
        db.record_measurements(batch);
        written += static_cast<int>(batch.size());
    }
    db.finish_run(run.id);
    return written;
}

struct State {
    int64_t count = 0;
    int64_t distinct = 0;
    bool prefix_ok = true;  // when the measured candidates are exactly sched-000000.. in order
};

State inspect(const std::string &path)
{
    sqlite::Connection c(path);
    EXPECT_EQ(c.query_text("PRAGMA integrity_check"), "ok");
    State s;
    if (c.query_int("SELECT COUNT(*) FROM sqlite_master WHERE name = 'measurements'") == 0)
        return s;  // killed before the migration committed: nothing there, which is whole too
    s.count = c.query_int("SELECT COUNT(*) FROM measurements");
    s.distinct = c.query_int("SELECT COUNT(DISTINCT candidate_id) FROM measurements");
    // the writer goes in order and a batch commits whole, so the measured hashes are a prefix
    const int64_t max_index = c.query_int(
        "SELECT COALESCE(MAX(CAST(substr(c.schedule_hash, 7) AS INTEGER)), -1) FROM measurements m "
        "JOIN candidates c ON c.id = m.candidate_id");
    s.prefix_ok = max_index + 1 == s.count;
    return s;
}

}  // namespace

TEST(DatabaseCrash, KilledWriterResumesWithoutLossOrDuplicates)
{
    test::TempDir dir;
    const std::string path = dir.file("crash.db");
    const unsigned seed = std::random_device{}();
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> delay_ms(1, 40);
    int killed_mid_run = 0;

    for (int round = 0; round < 6; ++round) {
        const int delay = round == 0 ? 1 : delay_ms(rng);  // the first kill lands early
        const pid_t pid = fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            int rc = 0;
            try {
                run_writer(path);
            } catch (const std::exception &e) {
                std::fprintf(stderr, "writer: %s\n", e.what());
                rc = 1;
            }
            _exit(rc);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(delay));
        kill(pid, SIGKILL);
        int status = 0;
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        if (WIFSIGNALED(status)) ++killed_mid_run;
        else
            ASSERT_EQ(WEXITSTATUS(status), 0) << "the writer failed before the kill";

        const State s = inspect(path);
        SCOPED_TRACE("seed " + std::to_string(seed) + " round " + std::to_string(round) +
                     " delay " + std::to_string(delay) + " ms");
        std::printf("round %d: killed after %d ms, %lld measurements committed%s\n", round, delay,
                    static_cast<long long>(s.count), WIFSIGNALED(status) ? "" : " (had finished)");
        EXPECT_EQ(s.count % kBatch, 0) << "a partial batch was committed";
        EXPECT_EQ(s.distinct, s.count) << "a candidate was measured twice";
        EXPECT_TRUE(s.prefix_ok) << "committed measurements are not whole batches in order";
    }
    EXPECT_GT(killed_mid_run, 0) << "every writer finished before its kill: raise kTotal";

    const int64_t before = inspect(path).count;
    const int written = run_writer(path);  // the resumed run, to completion
    EXPECT_EQ(written, kTotal - before) << "the resumed run measured something again";
    const State s = inspect(path);
    EXPECT_EQ(s.count, kTotal);
    EXPECT_EQ(s.distinct, kTotal);
    EXPECT_TRUE(s.prefix_ok);

    Database db(path);
    const int64_t model = db.upsert_model("tiny", "spec-hash", "{}");
    const int64_t board = db.upsert_board("crash-board", R"({"sram":65536})");
    EXPECT_EQ(db.measured_hashes(model, board).size(), static_cast<size_t>(kTotal));
    EXPECT_EQ(db.connection().query_int("SELECT COUNT(*) FROM candidates"), kTotal);
    EXPECT_EQ(db.connection().query_int("SELECT COUNT(*) FROM tuning_runs"), 1);
    const auto run = db.find_run(command());
    ASSERT_TRUE(run);
    EXPECT_EQ(run->state, "finished");
    EXPECT_EQ(run_writer(path), 0);  // started again once finished: nothing to do
    EXPECT_EQ(db.measurement_count(), kTotal);
}
