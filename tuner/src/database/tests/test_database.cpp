// Database operations on ":memory:".
#include <gtest/gtest.h>

#include <stdexcept>

#include "tinytx/tuner/database.h"

using namespace tinytx;
using namespace tinytx::tuner;

namespace {

platform::Measurement sample(platform::RunStatus status = platform::RunStatus::kOk)
{
    platform::Measurement m;
    m.status = status;
    m.error = status == platform::RunStatus::kOk ? "" : "something";
    m.backend = "iss";
    m.board = "stm32f4-disco";
    m.board_serial = "SN123";
    m.image_hash = "abcd";
    m.agent_version = "0.1.0";
    m.cycles = {100, 102, 101};
    m.cycles_median = 101;
    m.cycles_source = platform::Source::kEmulated;
    m.instructions = 77;
    m.stack_peak_bytes = 512;
    m.arena_peak_bytes = 4096;
    m.energy_uj = 1.25;
    m.energy_source = platform::Source::kModeled;
    m.output_crc32 = 0xdeadbeef;
    m.output_ok = true;
    m.wall_time_ms = 12.5;
    return m;
}

struct DatabaseOps : ::testing::Test {
    Database db{":memory:"};
    int64_t model = db.upsert_model("tiny", "h1", R"({"layers":2})");
    int64_t board = db.upsert_board("stm32f4-disco", R"({"sram":196608})");
};

}  // namespace

TEST(DatabaseSchema, FreshMemoryDatabaseIsAtCurrentVersion)
{
    Database db(":memory:");
    EXPECT_EQ(db.connection().query_int("PRAGMA user_version"), database_schema_version());
    EXPECT_EQ(db.connection().query_int("PRAGMA foreign_keys"), 1);
    for (const char *t : {"models", "boards", "candidates", "builds", "measurements", "tuning_runs",
                          "run_candidates", "cost_models", "jobs"})
        EXPECT_EQ(db.connection().query_int(
                      std::string("SELECT COUNT(*) FROM sqlite_master WHERE type='table' AND name='") +
                      t + "'"),
                  1)
            << t;
    migrate(db.connection());  // idempotent
    EXPECT_EQ(db.connection().query_int("PRAGMA user_version"), database_schema_version());
}

TEST_F(DatabaseOps, UpsertModelAndBoard)
{
    EXPECT_EQ(db.upsert_model("tiny", "h1", "{}"), model);
    const int64_t m2 = db.upsert_model("tiny", "h2", "{}");
    EXPECT_NE(m2, model);
    EXPECT_NE(db.upsert_model("other", "h1", "{}"), model);
    EXPECT_EQ(db.upsert_board("stm32f4-disco", R"({"sram":196608})"), board);
    EXPECT_EQ(db.upsert_board("stm32f4-disco", R"({"sram":1})"), board);  // profile updated
    EXPECT_EQ(db.connection().query_text("SELECT profile_json FROM boards"), R"({"sram":1})");
    EXPECT_NE(db.upsert_board("esp32", "{}"), board);
}

TEST_F(DatabaseOps, CandidateInsertIsIdempotent)
{
    const auto a = db.candidate(model, board, "s1", R"({"mode":"fused"})");
    EXPECT_TRUE(a.inserted);
    const auto b = db.candidate(model, board, "s1", R"({"changed":true})");
    EXPECT_FALSE(b.inserted);
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(db.connection().query_text("SELECT schedule_json FROM candidates"),
              R"({"mode":"fused"})");
    // same hash on another board is another candidate
    const int64_t board2 = db.upsert_board("esp32", "{}");
    EXPECT_NE(db.candidate(model, board2, "s1", "{}").id, a.id);

    const std::vector<std::pair<std::string, std::string>> many = {
        {"s1", "{}"}, {"s2", "{}"}, {"s3", "{}"}, {"s2", "{}"}};
    const auto refs = db.candidates(model, board, many);
    ASSERT_EQ(refs.size(), 4u);
    EXPECT_EQ(refs[0].id, a.id);
    EXPECT_FALSE(refs[0].inserted);
    EXPECT_TRUE(refs[1].inserted);
    EXPECT_TRUE(refs[2].inserted);
    EXPECT_FALSE(refs[3].inserted);
    EXPECT_EQ(refs[3].id, refs[1].id);
    EXPECT_EQ(db.connection().query_int("SELECT COUNT(*) FROM candidates"), 4);
    // unknown model: foreign key
    EXPECT_THROW(db.candidate(9999, board, "x", "{}"), sqlite::Error);
}

TEST_F(DatabaseOps, RecordBuildAndMeasurementsRoundTrip)
{
    const auto c = db.candidate(model, board, "s1", R"({"k":1})");
    const int64_t build = db.record_build({c.id, "abcd", "gcc 12.2", "-O2 -mcpu=cortex-m4", 12345});
    EXPECT_GT(build, 0);
    EXPECT_EQ(db.connection().query_int("SELECT image_size FROM builds"), 12345);
    EXPECT_THROW(db.record_build({424242, "x", "gcc", "", 1}), sqlite::Error);

    auto faulted = sample(platform::RunStatus::kFault);
    faulted.fault_pc = 0x08001234;
    faulted.cycles_source = platform::Source::kMeasured;
    faulted.energy_source = platform::Source::kMeasured;
    const std::vector<MeasurementEntry> batch = {{c.id, build, "agent-a", sample()},
                                                 {c.id, std::nullopt, "agent-b", faulted, "dtcm"}};
    const auto ids = db.record_measurements(batch);
    ASSERT_EQ(ids.size(), 2u);
    EXPECT_EQ(db.measurement_count(), 2);

    const auto rows = db.measurements(model, board);
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].measurement_id, ids[0]);
    EXPECT_EQ(rows[0].candidate_id, c.id);
    EXPECT_EQ(rows[0].build_id, build);
    EXPECT_EQ(rows[0].schedule_hash, "s1");
    EXPECT_EQ(rows[0].schedule_json, R"({"k":1})");
    EXPECT_EQ(rows[0].agent, "agent-a");
    EXPECT_FALSE(rows[0].created.empty());
    EXPECT_EQ(platform::to_json(rows[0].measurement), platform::to_json(sample()));
    EXPECT_EQ(rows[1].build_id, std::nullopt);
    EXPECT_EQ(rows[0].arena_region, "");
    EXPECT_EQ(rows[1].agent, "agent-b");
    EXPECT_EQ(rows[1].arena_region, "dtcm");
    EXPECT_EQ(platform::to_json(rows[1].measurement), platform::to_json(faulted));
    EXPECT_EQ(rows[1].measurement.fault_pc, 0x08001234u);

    // another (model, board) sees nothing
    const int64_t other = db.upsert_model("other", "h", "{}");
    EXPECT_TRUE(db.measurements(other, board).empty());
}

TEST_F(DatabaseOps, BatchRollsBackWhole)
{
    const auto c = db.candidate(model, board, "s1", "{}");
    std::vector<MeasurementEntry> batch;
    for (int i = 0; i < 5; ++i) batch.push_back({c.id, std::nullopt, "a", sample()});
    batch.push_back({987654, std::nullopt, "a", sample()});  // bad candidate: foreign key
    batch.push_back({c.id, std::nullopt, "a", sample()});
    EXPECT_THROW(db.record_measurements(batch), sqlite::Error);
    EXPECT_EQ(db.measurement_count(), 0);
    EXPECT_FALSE(db.measured(c.id));
    EXPECT_FALSE(db.connection().in_transaction());
    // the database stays usable
    auto too_big = sample();
    too_big.cycles_median = ~uint64_t{0};
    EXPECT_THROW(db.record_measurement({c.id, std::nullopt, "a", too_big}), sqlite::Error);
    EXPECT_EQ(db.measurement_count(), 0);
    db.record_measurement({c.id, std::nullopt, "a", sample()});
    EXPECT_EQ(db.measurement_count(), 1);
}

TEST_F(DatabaseOps, MeasuredAndMeasuredHashes)
{
    const auto c1 = db.candidate(model, board, "s1", "{}");
    const auto c2 = db.candidate(model, board, "s2", "{}");
    const auto c3 = db.candidate(model, board, "s3", "{}");
    const int64_t board2 = db.upsert_board("esp32", "{}");
    const auto other = db.candidate(model, board2, "s9", "{}");
    EXPECT_FALSE(db.measured(c1.id));
    EXPECT_TRUE(db.measured_hashes(model, board).empty());

    db.record_measurement({c1.id, std::nullopt, "a", sample()});
    db.record_measurement({c2.id, std::nullopt, "a", sample(platform::RunStatus::kTimeout)});
    db.record_measurement({c3.id, std::nullopt, "a", sample(platform::RunStatus::kUnavailable)});
    db.record_measurement({other.id, std::nullopt, "a", sample()});
    // the request was refused, not the image run (candidate_result.h): measure again
    const auto c4 = db.candidate(model, board, "s4", "{}");
    db.record_measurement({c4.id, std::nullopt, "a", sample(platform::RunStatus::kInvalidArgument)});
    EXPECT_FALSE(db.measured(c4.id));
    EXPECT_TRUE(db.measured(c1.id));
    EXPECT_TRUE(db.measured(c2.id));   // a candidate failure is a result
    EXPECT_FALSE(db.measured(c3.id));  // the board was unavailable: measure again
    EXPECT_EQ(db.measured_hashes(model, board), (std::set<std::string>{"s1", "s2"}));
    EXPECT_EQ(db.measured_hashes(model, board2), (std::set<std::string>{"s9"}));
}

TEST_F(DatabaseOps, TuningRunsResumeBySameCommand)
{
    const nlohmann::json cmd = {{"model", "tiny"}, {"board", "stm32f4-disco"}, {"budget", 65536}};
    EXPECT_EQ(db.find_run(cmd), std::nullopt);
    const auto r1 = db.start_run(model, board, cmd, 65536, "evolution");
    EXPECT_FALSE(r1.resumed);
    EXPECT_EQ(r1.state, "running");
    EXPECT_EQ(r1.budget_bytes, 65536u);
    EXPECT_EQ(r1.strategy, "evolution");
    EXPECT_FALSE(r1.finished);

    // same command, keys in another order -> same run
    const auto same = nlohmann::json::parse(
        R"({"budget":65536,"board":"stm32f4-disco","model":"tiny"})");
    const auto r2 = db.start_run(model, board, same, 65536, "evolution");
    EXPECT_TRUE(r2.resumed);
    EXPECT_EQ(r2.id, r1.id);

    // another command -> another run
    auto cmd2 = cmd;
    cmd2["budget"] = 32768;
    const auto r3 = db.start_run(model, board, cmd2, 32768, "evolution");
    EXPECT_FALSE(r3.resumed);
    EXPECT_NE(r3.id, r1.id);

    db.finish_run(r1.id);
    const auto f = db.find_run(cmd);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->state, "finished");
    EXPECT_TRUE(f->finished);
    // starting a finished command again finds it finished (nothing left to do)
    const auto r4 = db.start_run(model, board, cmd, 65536, "evolution");
    EXPECT_TRUE(r4.resumed);
    EXPECT_EQ(r4.state, "finished");

    db.finish_run(r3.id, "failed");
    const auto r5 = db.start_run(model, board, cmd2, 32768, "evolution");
    EXPECT_TRUE(r5.resumed);
    EXPECT_EQ(r5.state, "running");
    EXPECT_FALSE(r5.finished);

    EXPECT_THROW(db.finish_run(99999), sqlite::Error);
    const int64_t other_model = db.upsert_model("x", "y", "{}");
    EXPECT_THROW(db.start_run(other_model, board, cmd, 1, "s"), sqlite::Error);
}

TEST_F(DatabaseOps, TrialBatchRecordsBuildsMeasurementsAndRunLinksTogether)
{
    const TuningRun run = db.start_run(model, board, {{"model", "tiny"}}, 1024, "exhaustive");
    const int64_t a = db.candidate(model, board, "ha", "{}").id;
    const int64_t b = db.candidate(model, board, "hb", "{}").id;
    TrialRecord ta{{a, std::nullopt, "local", sample()}, BuildRecord{0, "img-a", "gcc 12", "-O3", 1000, 800}, {}};
    // b ran the image built for a (a twin): its measurement references a's build
    TrialRecord tb{{b, std::nullopt, "local", sample(platform::RunStatus::kFault)}, std::nullopt, 0};
    const std::vector<TrialRecord> batch{ta, tb};
    const auto ids = db.record_trials(run.id, batch);
    ASSERT_EQ(ids.size(), 2u);
    EXPECT_EQ(db.run_candidates(run.id), (std::vector<int64_t>{a, b}));
    const auto ms = db.measurements(model, board);
    ASSERT_EQ(ms.size(), 2u);
    ASSERT_TRUE(ms[0].build_id.has_value());
    EXPECT_EQ(db.connection().query_text("SELECT image_hash FROM builds WHERE id = " +
                                         std::to_string(*ms[0].build_id)),
              "img-a");
    EXPECT_EQ(ms[1].build_id, ms[0].build_id);
    EXPECT_EQ(ids[1].build_id, ids[0].build_id);
    EXPECT_EQ(db.build(*ms[0].build_id)->flash_bytes, 800u);

    // a bad candidate id rolls back the whole batch: no build, no measurement, no link
    const int64_t builds = db.connection().query_int("SELECT COUNT(*) FROM builds");
    const std::vector<TrialRecord> bad{ta, {{999999, std::nullopt, "local", sample()}, std::nullopt, {}}};
    EXPECT_ANY_THROW(db.record_trials(run.id, bad));
    EXPECT_EQ(db.measurement_count(), 2);
    EXPECT_EQ(db.connection().query_int("SELECT COUNT(*) FROM builds"), builds);
    db.record_trials(run.id, {}, std::vector<int64_t>{a, a});  // links are idempotent
    EXPECT_EQ(db.run_candidates(run.id).size(), 2u);
}

TEST_F(DatabaseOps, CostModelPerBoardAndSource)
{
    EXPECT_FALSE(db.cost_model(board, "emulated"));
    db.save_cost_model(board, "emulated", R"({"v":1})");
    db.save_cost_model(board, "emulated", R"({"v":2})");
    db.save_cost_model(board, "measured", R"({"v":3})");
    EXPECT_EQ(db.cost_model(board, "emulated").value_or(""), R"({"v":2})");
    EXPECT_EQ(db.cost_model(board, "measured").value_or(""), R"({"v":3})");
}
