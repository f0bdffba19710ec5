// The tuning loop end to end on the in-process ISS agent: real builds, real measurements, a real
// SQLite file; a second run of the same command resumes without measuring anything again.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tinytx/agent/agent_core.h"
#include "tinytx/tuner/builder.h"
#include "tinytx/tuner/design_space.h"
#include "tinytx/tuner/report_json.h"
#include "tinytx/tuner/schedule_data.h"
#include "tinytx/tuner/testing/temp_dir.h"
#include "tinytx/tuner/tuning.h"

namespace tinytx::tuner {
namespace {

namespace fs = std::filesystem;

TuneRequest request(const test::TempDir &dir, const std::string &model, const std::string &board, uint64_t budget)
{
    TuneRequest r;
    r.model_path = fs::path(TINYTX_MODELS_DIR) / (model + ".json");
    r.board = board;
    r.budget_bytes = budget;
    r.db_path = dir.file("tune.db");
    r.cache_dir = TINYTX_BUILDER_CACHE;  // shared with the other builder tests: objects compile once
    r.boards_dir = TINYTX_BOARDS_DIR;
    return r;
}

std::vector<std::string> front_hashes(const TuneReport &r)
{
    std::vector<std::string> h;
    for (size_t i : r.front)
        h.push_back(r.trials[i].hash);
    return h;
}

// candidates this run measured to their end in the schedule-as-data image (not twins, not stopped)
uint64_t whole_runs_measured(const TuneReport &r)
{
    return uint64_t(std::count_if(r.trials.begin(), r.trials.end(),
                                  [](const Trial &t) { return t.ok() && t.agent == "schedule-as-data"; }));
}

// The trials of a report by their code (the schedule without placement), then placement.
std::map<std::string, std::map<std::string, size_t>> placement_twins(const TuneReport &r)
{
    std::map<std::string, std::map<std::string, size_t>> twins;
    for (size_t i = 0; i < r.trials.size(); ++i) {
        Schedule code = r.trials[i].schedule;
        for (LayerKnobs &k : code.layers)
            k.placement.clear();
        twins[schedule_hash(code)][r.trials[i].schedule.layers[0].placement] = i;
    }
    return twins;
}

// One candidate's layer table run directly on the iss in the schedule-as-data image the tuner
// measured it in (the same build cache: the same image, of its weights' region), with the arena in
// `region`.
platform::Measurement direct_table_run(const TuneRequest &req, const Trial &t, uint32_t config_id, const std::string &region)
{
    const platform::BoardProfile board = platform::BoardCatalog::load_dir(req.boards_dir.string()).get(req.board);
    const auto loaded = load_model(req.model_path);
    const Model &m = *loaded;
    const auto space = DesignSpace::create(m, board, SpaceMode::kShared);
    std::set<tx_variant> kernels;
    for (const LayerKnobs &k : space->layer_knob_sets())
        if (k.cores == 0 && k.variant != TX_VARIANT_XPULP)
            kernels.insert(k.variant);
    BuildOptions bo;
    bo.cache_dir = req.cache_dir;
    const auto br = Builder(bo).build_schedule_data(m, board, kernels, t.schedule.layers[0].weights);
    EXPECT_TRUE(br.ok()) << br.status().message();
    std::ifstream in(br->elf_path, std::ios::binary);
    agent::AgentConfig cfg;
    cfg.boards_dir = req.boards_dir.string();
    cfg.boards = {{board.name, "iss"}};
    agent::AgentCore core(cfg);
    agent::RunRequestData r;
    r.image = std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    r.board = board.name;
    r.backend = "iss";
    r.deadline_ms = 120000;
    r.arena_region = region;
    return core.run_tables(r, {agent::TableRun{encode_schedule_table(m, t.schedule, t.plan, config_id), t.measurement.output_crc32}})
        .front();
}

TEST(Tuning, MeasuresRecordsAndResumes)
{
    test::TempDir dir;
    TuneRequest req = request(dir, "ecgformer", "nucleo-l476rg", 64 * 1024);
    req.trials = 12;
    req.batch = 4;
    req.strategy = "nsga2";
    req.stop_dominated = false;  // every candidate measured whole (the next test stops them)
    uint64_t progress_calls = 0;
    TuneCallbacks cb;
    cb.progress = [&](const TuneProgress &) { ++progress_calls; };
    TuneOutcome a = tune(req, cb);
    ASSERT_EQ(a.exit_code, 0) << a.error;
    const TuneReport &r = *a.report;
    EXPECT_FALSE(r.run.resumed);
    ASSERT_EQ(r.trials.size(), 12u);
    EXPECT_EQ(progress_calls, 12u);
    EXPECT_EQ(r.progress.measured + r.progress.reused, 12u);
    std::set<std::string> distinct;
    for (const Trial &t : r.trials) {
        distinct.insert(t.hash);
        EXPECT_TRUE(t.ok()) << t.hash << ": " << platform::to_string(t.measurement.status) << " " << t.measurement.error;
        EXPECT_TRUE(t.measurement.output_ok);
        EXPECT_GT(t.measurement.cycles_median, 0u);
        EXPECT_LE(t.plan.peak_bytes, req.budget_bytes);
        // the planner's layout is what the image reserves: nothing is written beyond it
        EXPECT_LE(t.measurement.arena_peak_bytes, t.plan.peak_bytes);
        EXPECT_GT(t.measurement.arena_peak_bytes, t.plan.peak_bytes / 2);
        EXPECT_GT(t.flash_bytes, 0u);
    }
    EXPECT_EQ(distinct.size(), 12u);
    ASSERT_FALSE(r.front.empty());
    ASSERT_TRUE(r.best);
    EXPECT_EQ(r.front_source, "emulated");
    EXPECT_EQ(r.cost_model.calibration_points, 12u);

    // the same command again: everything comes from the database, the same front
    TuneOutcome b = tune(req);
    ASSERT_EQ(b.exit_code, 0) << b.error;
    EXPECT_TRUE(b.report->run.resumed);
    EXPECT_EQ(b.report->progress.measured, 0u);
    EXPECT_EQ(b.report->progress.reused, 12u);
    EXPECT_EQ(front_hashes(*b.report), front_hashes(r));
    Database db(req.db_path.string());
    EXPECT_EQ(db.measurement_count(), 12);
    EXPECT_EQ(db.connection().query_text("PRAGMA integrity_check"), "ok");
    EXPECT_EQ(db.run_candidates(r.run.id).size(), 12u);
    // the calibrated cost model is stored for the next run
    EXPECT_TRUE(db.cost_model(db.upsert_board("nucleo-l476rg", "{}"), "emulated"));
}

TEST(Tuning, AutoMeasuresTheWholeSpaceInOneFlashAndChecksTheBestSpecialized)
{
    test::TempDir dir;
    TuneRequest req = request(dir, "ecgformer", "nucleo-l476rg", 64 * 1024);
    req.jobs = 1;  // one emulator: one board, flashed once
    TuneOutcome a = tune(req);
    ASSERT_EQ(a.exit_code, 0) << a.error;
    const TuneReport &r = *a.report;
    EXPECT_EQ(r.images, "schedule-as-data");
    // the whole space fits the default time budget: every point within the budget, in one round
    EXPECT_EQ(r.strategy, "exhaustive");
    ASSERT_TRUE(r.feasible);
    EXPECT_EQ(r.trials.size(), *r.feasible);
    EXPECT_GE(r.progress.measured, 160u);
    EXPECT_GT(r.estimated_space_s, 0);
    EXPECT_LE(r.estimated_space_s, double(kDefaultTimeBudgetS));
    // the agent's counters: one load of the schedule-as-data image per weights region (flash, and
    // SRAM1 where the weights knob copies them), plus one of the best pick's specialized image, plus
    // one to run the front's composed points whole, per weights region among them (when there are
    // any); one whole firmware run per candidate neither stopped once dominated nor composed (the
    // front's composed points among them, run whole at the end) and one for the check
    std::set<std::string> weights_images;
    for (const Trial &t : r.trials)
        weights_images.insert(t.schedule.layers[0].weights);
    EXPECT_EQ(weights_images.size(), 2u);
    EXPECT_GE(r.image_loads, 3u);
    EXPECT_LE(r.image_loads, 3u + (r.composed_checked > 0 ? 2u : 0u));
    EXPECT_EQ(r.firmware_runs, whole_runs_measured(r) + 1);
    EXPECT_EQ(r.composed_differed, 0u);
    for (const Trial &t : r.trials)
        EXPECT_TRUE(t.ok() || t.above_bound()) << schedule_summary(t.schedule) << ": " << t.measurement.error;
    ASSERT_TRUE(r.best);
    ASSERT_TRUE(r.best_specialized);
    EXPECT_EQ(r.best_specialized->status, platform::RunStatus::kOk) << r.best_specialized->error;
    EXPECT_EQ(r.best_specialized->output_crc32, r.trials[*r.best].measurement.output_crc32);
    EXPECT_LT(std::abs(r.best_specialized_deviation_pct), 1.0);
    EXPECT_GT(r.best_specialized_flash_bytes, 0u);
    EXPECT_EQ(r.best_specialized_flash_bytes, r.trials[*r.best].flash_bytes);
    // SRAM1 and SRAM2 have the same wait states: their placement twins share one measurement
    size_t shared = 0;
    for (const auto &[code, by_place] : placement_twins(r))
        if (by_place.count("sram1") && by_place.count("sram2")) {
            const Trial &one = r.trials[by_place.at("sram1")], &two = r.trials[by_place.at("sram2")];
            EXPECT_EQ(one.measurement.cycles_median, two.measurement.cycles_median);
            EXPECT_NE(two.agent.find("placement twin"), std::string::npos) << two.agent;
            ++shared;
        }
    EXPECT_GT(shared, 0u);
}

// Stopping dominated candidates (dominance_bound.h) is exact: the same front as measuring every
// candidate whole, each stopped candidate slower than a front point with no larger arena, and
// fewer cycles emulated.
TEST(Tuning, DominatedCandidatesStopAtTheirBoundAndTheFrontIsThatOfWholeRuns)
{
    test::TempDir dir_bound, dir_whole;
    TuneRequest req = request(dir_bound, "ecgformer", "nucleo-l476rg", 64 * 1024);
    req.strategy = "exhaustive";
    req.trials = 48;
    req.jobs = 2;
    TuneRequest whole_req = request(dir_whole, "ecgformer", "nucleo-l476rg", 64 * 1024);
    whole_req.strategy = "exhaustive";
    whole_req.trials = 48;
    whole_req.jobs = 2;
    whole_req.stop_dominated = false;
    const TuneOutcome a = tune(req), b = tune(whole_req);
    ASSERT_EQ(a.exit_code, 0) << a.error;
    ASSERT_EQ(b.exit_code, 0) << b.error;
    const TuneReport &bound = *a.report, &whole = *b.report;
    EXPECT_EQ(front_hashes(bound), front_hashes(whole));
    ASSERT_EQ(bound.trials.size(), whole.trials.size());
    EXPECT_GT(bound.progress.above_bound, 0u);
    EXPECT_EQ(whole.progress.above_bound, 0u);
    std::map<std::string, const Trial *> whole_by_hash;
    for (const Trial &t : whole.trials)
        whole_by_hash[t.hash] = &t;
    uint64_t cycles_bound = 0, cycles_whole = 0;
    for (const Trial &t : bound.trials) {
        const Trial &w = *whole_by_hash.at(t.hash);
        ASSERT_TRUE(w.ok()) << w.measurement.error;
        cycles_bound += t.measurement.cycles_median;
        cycles_whole += w.measurement.cycles_median;
        if (t.ok()) {
            EXPECT_EQ(t.measurement.cycles_median, w.measurement.cycles_median) << schedule_summary(t.schedule);
            continue;
        }
        ASSERT_TRUE(t.above_bound()) << schedule_summary(t.schedule) << ": " << t.measurement.error;
        // a lower bound of its whole figure, and already past a front point with no larger arena
        EXPECT_LE(t.measurement.cycles_median, w.measurement.cycles_median) << schedule_summary(t.schedule);
        const bool dominated = std::any_of(bound.front.begin(), bound.front.end(), [&](size_t f) {
            const Trial &p = bound.trials[f];
            return p.plan.peak_bytes <= t.plan.peak_bytes && p.measurement.cycles_median < t.measurement.cycles_median;
        });
        EXPECT_TRUE(dominated) << schedule_summary(t.schedule) << " stopped at " << t.measurement.cycles_median;
    }
    EXPECT_LT(cycles_bound, cycles_whole);
    // composed: not run, or run only up to their last unknown segment; the front's composed
    // points run whole at the end and must match (every composed figure is checked above too)
    EXPECT_GT(bound.progress.composed, 0u);
    EXPECT_EQ(bound.composed_differed, 0u);
    EXPECT_EQ(bound.firmware_runs, whole_runs_measured(bound) + 1);
    std::printf("[tuning] %llu of %zu candidates stopped once dominated, %llu composed (%llu front points run whole); %.3g M cycles figured against %.3g M whole\n",
                static_cast<unsigned long long>(bound.progress.above_bound), bound.trials.size(),
                static_cast<unsigned long long>(bound.progress.composed),
                static_cast<unsigned long long>(bound.composed_checked), cycles_bound / 1e6, cycles_whole / 1e6);
}

TEST(Tuning, AutoWithATrialCountSmallerThanTheSpaceIsNsga2)
{
    test::TempDir dir;
    TuneRequest req = request(dir, "ecgformer", "nucleo-l476rg", 64 * 1024);
    req.trials = 16;
    TuneOutcome a = tune(req);
    ASSERT_EQ(a.exit_code, 0) << a.error;
    EXPECT_EQ(a.report->strategy, "nsga2");
    EXPECT_EQ(a.report->trials.size(), 16u);
    // specialized images on request: every measured candidate is its own image load
    test::TempDir dir2;
    TuneRequest spec = request(dir2, "ecgformer", "nucleo-l476rg", 64 * 1024);
    spec.trials = 4;
    spec.images = "specialized";
    TuneOutcome b = tune(spec);
    ASSERT_EQ(b.exit_code, 0) << b.error;
    EXPECT_EQ(b.report->images, "specialized");
    EXPECT_EQ(b.report->image_loads, b.report->progress.measured);
    EXPECT_FALSE(b.report->best_specialized);
}

// Issue 15: on the H7 the placement knob's twins (the arena in DTCM, zero wait, or in AXI SRAM,
// one wait per access) are measured each, exactly as a direct iss run with that arena region
// gives; recorded each in the database and the front, and predicted by the cost model.
TEST(Tuning, PlacementTwinsAreMeasuredEachWhereTheirWaitStatesDiffer)
{
    test::TempDir dir;
    TuneRequest req = request(dir, "ecgformer", "nucleo-h743zi", 64 * 1024);
    req.strategy = "exhaustive";
    req.trials = 1000000;
    req.jobs = 1;  // one emulator: one image load per arena region
    req.stop_dominated = false;  // every twin measured whole, to compare with direct runs
    TuneOutcome a = tune(req);
    ASSERT_EQ(a.exit_code, 0) << a.error;
    const TuneReport &r = *a.report;
    ASSERT_EQ(r.images, "schedule-as-data");
    // one round: a load of the schedule-as-data image per arena region and weights region (flash
    // or DTCM: the weights knob), one of the pick's specialized image
    EXPECT_EQ(r.image_loads, 5u);
    EXPECT_EQ(r.progress.measured, r.trials.size()) << "every twin measured";
    Database db(req.db_path.string());
    const tx_encoder_dims dims = load_model(req.model_path)->dims;
    size_t pairs = 0;
    std::vector<double> effect_error_pct;
    for (const auto &[code, by_place] : placement_twins(r)) {
        if (!by_place.count("dtcm") || !by_place.count("axi_sram"))
            continue;
        ++pairs;
        const Trial &fast = r.trials[by_place.at("dtcm")], &slow = r.trials[by_place.at("axi_sram")];
        ASSERT_TRUE(fast.ok() && slow.ok()) << fast.measurement.error << slow.measurement.error;
        EXPECT_EQ(fast.arena_region, "dtcm");
        EXPECT_EQ(slow.arena_region, "axi_sram");
        EXPECT_EQ(fast.measurement.image_hash, slow.measurement.image_hash) << "one image, the arena moved";
        EXPECT_EQ(fast.measurement.instructions, slow.measurement.instructions);
        EXPECT_LT(fast.measurement.cycles_median, slow.measurement.cycles_median) << schedule_summary(fast.schedule);
        const double measured = double(slow.measurement.cycles_median) - double(fast.measurement.cycles_median);
        const CostFeatures f = schedule_features(dims, fast.schedule);  // placement is no feature
        const double predicted = r.cost_model.placement_cycles(f, "axi_sram") - r.cost_model.placement_cycles(f, "dtcm");
        effect_error_pct.push_back(std::fabs(predicted - measured) / measured * 100.0);
        for (const Trial *t : {&fast, &slow}) {
            auto q = db.connection().prepare(
                "SELECT m.arena_region, m.cycles_median FROM measurements m JOIN candidates c ON c.id = m.candidate_id "
                "WHERE c.schedule_hash = ?1");
            q.bind(1, t->hash);
            ASSERT_TRUE(q.step()) << t->hash;
            EXPECT_EQ(q.column_text(0), t->arena_region);
            EXPECT_EQ(uint64_t(q.column_int64(1)), t->measurement.cycles_median);
        }
        // the same image and table run directly with the arena in each region: the same cycles
        if (pairs > 2)
            continue;
        for (const auto &[region, i] : by_place) {
            EXPECT_EQ(direct_table_run(req, r.trials[i], uint32_t(i), region).cycles_median,
                      r.trials[i].measurement.cycles_median)
                << region << " " << schedule_summary(r.trials[i].schedule);
        }
    }
    EXPECT_GT(pairs, 0u) << "the space holds schedules that fit both regions";
    for (const auto &p : front_json(r)["front"])
        EXPECT_EQ(p["arena_region"], p["knobs"][0]["placement"]);
    std::sort(effect_error_pct.begin(), effect_error_pct.end());
    std::printf("[tuning] nucleo-h743zi ecgformer: %zu placement twin pairs measured each; cost model (calibrated) "
                "predicted DTCM -> AXI SRAM effect vs emulated: median error %.1f %%, max %.1f %%; held-out cycles "
                "error median %.2f %% (%zu points)\n",
                pairs, effect_error_pct[effect_error_pct.size() / 2], effect_error_pct.back(), r.median_heldout_error_pct,
                r.heldout_error.points);

    // again: every figure from the database (recorded with its arena region), nothing measured
    TuneOutcome b = tune(req);
    ASSERT_EQ(b.exit_code, 0) << b.error;
    EXPECT_EQ(b.report->progress.measured, 0u);
    EXPECT_EQ(front_hashes(*b.report), front_hashes(r));
}

// The weights knob on the iss: on the H7 the space also copies the weights to DTCM; each weights
// twin (the same knobs, the weights in flash or in DTCM) runs in the image of its weights' region,
// the DTCM one faster (its weight loads wait less) with the same instructions and output; the front
// says where each point's weights are; `weights = "flash"` gives the space without the knob.
TEST(Tuning, WeightsTwinsRunInTheImageOfTheirRegion)
{
    test::TempDir dir;
    TuneRequest req = request(dir, "ecgformer", "nucleo-h743zi", 64 * 1024);
    req.jobs = 1;                // one emulator: one image load per arena region and weights region
    req.stop_dominated = false;  // every twin measured whole
    TuneOutcome a = tune(req);
    ASSERT_EQ(a.exit_code, 0) << a.error;
    const TuneReport &r = *a.report;
    ASSERT_EQ(r.images, "schedule-as-data");
    EXPECT_EQ(r.image_loads, 5u) << "2 arena regions x 2 weights regions, and the pick's specialized image";
    std::map<std::string, std::map<std::string, size_t>> twins;  // code without weights -> weights -> trial
    for (size_t i = 0; i < r.trials.size(); ++i) {
        Schedule code = r.trials[i].schedule;
        for (LayerKnobs &k : code.layers)
            k.weights.clear();
        twins[schedule_hash(code)][r.trials[i].schedule.layers[0].weights] = i;
    }
    size_t pairs = 0;
    for (const auto &[code, by_weights] : twins) {
        if (!by_weights.count("") || !by_weights.count("dtcm"))
            continue;
        ++pairs;
        const Trial &flash = r.trials[by_weights.at("")], &dtcm = r.trials[by_weights.at("dtcm")];
        ASSERT_TRUE(flash.ok() && dtcm.ok()) << flash.measurement.error << dtcm.measurement.error;
        EXPECT_NE(flash.measurement.image_hash, dtcm.measurement.image_hash) << "an image per weights region";
        EXPECT_EQ(flash.measurement.instructions, dtcm.measurement.instructions);
        EXPECT_EQ(flash.measurement.output_crc32, dtcm.measurement.output_crc32);
        EXPECT_LT(dtcm.measurement.cycles_median, flash.measurement.cycles_median) << schedule_summary(dtcm.schedule);
    }
    EXPECT_GT(pairs, 0u);
    for (const auto &p : front_json(r)["front"])
        EXPECT_EQ(p["weights_region"], p["knobs"][0].value("weights", "flash"));

    test::TempDir flash_dir;
    TuneRequest in_flash = request(flash_dir, "ecgformer", "nucleo-h743zi", 64 * 1024);
    in_flash.weights = "flash";
    in_flash.strategy = "exhaustive";
    in_flash.trials = 1;  // the space is what is compared, not its figures
    TuneOutcome b = tune(in_flash);
    ASSERT_EQ(b.exit_code, 0) << b.error;
    EXPECT_LT(b.report->space_size, r.space_size);
    EXPECT_LE(r.space_size, 2 * b.report->space_size) << "one weights region besides flash";
    for (const Trial &t : b.report->trials)
        EXPECT_EQ(t.schedule.layers[0].weights, "");
}

// An agent whose backend cannot move the arena (QEMU here, a board, GAP9's pulp): the tuner does
// not send a region it would refuse; the placement twins share one measurement, and a note says so.
TEST(Tuning, WhereTheArenaCannotMoveTwinsShareAMeasurementAndANoteSaysSo)
{
    test::TempDir dir;
    TuneRequest req = request(dir, "ecgformer", "nucleo-h743zi", 64 * 1024);
    req.backend = "qemu";
    req.strategy = "exhaustive";
    req.trials = 2;
    std::vector<std::string> notes;
    TuneCallbacks cb;
    cb.note = [&](const std::string &n) { notes.push_back(n); };
    TuneOutcome a = tune(req, cb);
    ASSERT_EQ(a.exit_code, 0) << a.error;
    EXPECT_TRUE(std::any_of(notes.begin(), notes.end(), [](const std::string &n) {
        return n.find("cannot move the arena") != std::string::npos;
    }));
    ASSERT_EQ(a.report->trials.size(), 2u);
    for (const Trial &t : a.report->trials) {
        EXPECT_TRUE(t.ok()) << t.measurement.error;
        EXPECT_EQ(t.measurement.backend, "qemu");
        EXPECT_EQ(t.arena_region, "") << "where the image's link put it";
    }
}

// A board profile with one RAM-like region: no twins, the arena where it always was (the same
// figures as a run that names no region).
TEST(Tuning, OneRegionBoardRunsAsBefore)
{
    test::TempDir dir;
    nlohmann::json profile;
    std::ifstream(fs::path(TINYTX_BOARDS_DIR) / "nucleo-h743zi.json") >> profile;
    nlohmann::json memory = nlohmann::json::array();
    for (const auto &region : profile["memory"])
        if (region["name"] != "axi_sram")
            memory.push_back(region);
    profile["memory"] = memory;
    profile["emulator"]["arena"] = "dtcm";
    const fs::path boards = dir.file("boards");
    fs::create_directories(boards);
    std::ofstream(boards / "nucleo-h743zi.json") << profile.dump(2);
    TuneRequest req = request(dir, "ecgformer", "nucleo-h743zi", 64 * 1024);
    req.boards_dir = boards;
    req.strategy = "exhaustive";
    req.trials = 4;
    req.stop_dominated = false;  // every candidate measured whole, to compare with a run naming no region
    TuneOutcome a = tune(req);
    ASSERT_EQ(a.exit_code, 0) << a.error;
    const TuneReport &r = *a.report;
    ASSERT_EQ(r.trials.size(), 4u);
    EXPECT_EQ(r.progress.measured, 4u);
    for (size_t i = 0; i < r.trials.size(); ++i) {
        const Trial &t = r.trials[i];
        ASSERT_TRUE(t.ok()) << t.measurement.error;
        EXPECT_EQ(t.arena_region, "dtcm");
    }
    EXPECT_EQ(direct_table_run(req, r.trials[0], 0, "").cycles_median, r.trials[0].measurement.cycles_median);
}

TEST(Tuning, BudgetBelowTheSmallestArenaIsExitTwoWithTheSchedule)
{
    test::TempDir dir;
    TuneRequest req = request(dir, "eegformer", "nucleo-h743zi", 1024);
    TuneOutcome o = tune(req);
    EXPECT_EQ(o.exit_code, 2);
    ASSERT_TRUE(o.minimal_peak);
    EXPECT_GT(o.minimal_peak->peak_bytes, 1024u);
    EXPECT_EQ(o.minimal_peak->schedule.layers.front().mhsa, MhsaSchedule::kDepthfirst);
    EXPECT_NE(o.error.find(std::to_string(o.minimal_peak->peak_bytes)), std::string::npos) << o.error;
    EXPECT_NE(o.error.find("depthfirst"), std::string::npos) << o.error;
    EXPECT_FALSE(fs::exists(req.db_path));  // nothing started
}

// a run refused with exit status 1 before it reports anything, its message naming `what`
void expect_refused(const TuneRequest &req, const std::string &what)
{
    const TuneOutcome o = tune(req);
    EXPECT_EQ(o.exit_code, 1);
    EXPECT_NE(o.error.find(what), std::string::npos) << o.error;
    EXPECT_FALSE(o.report.has_value());
}

TEST(Tuning, BadInputsAreErrorsNotCrashes)
{
    test::TempDir dir;
    expect_refused(request(dir, "eegformer", "no-such-board", 512 * 1024), "no-such-board");

    TuneRequest req = request(dir, "eegformer", "nucleo-h743zi", 512 * 1024);
    req.model_path = dir.file("missing.json");
    expect_refused(req, "missing.json");

    req = request(dir, "eegformer", "nucleo-h743zi", 512 * 1024);
    req.strategy = "annealing";
    expect_refused(req, "annealing");

    req = request(dir, "eegformer", "nucleo-h743zi", 512 * 1024);
    req.images = "flat";
    expect_refused(req, "images: 'flat'");
    req = request(dir, "eegformer", "nucleo-h743zi", 512 * 1024);
    req.time_budget = std::chrono::seconds(0);
    expect_refused(req, "time budget");
}

// The board's memory bounds the run: a budget above its largest RAM region and weights above its
// flash are refused before anything is built; images above the flash budget leave the front.
TEST(Tuning, BoardRamAndFlashBoundTheRun)
{
    test::TempDir dir;
    expect_refused(request(dir, "ecgformer", "nucleo-l476rg", 128 * 1024), "sram1 96.0 KiB");

    TuneRequest req = request(dir, "ecgformer", "nucleo-l476rg", 64 * 1024);
    req.flash_budget_bytes = 4096;
    expect_refused(req, "nothing was built");

    req.flash_budget_bytes = 0; // the board's 1 MiB
    req.trials = 8;
    req.batch = 4;
    req.strategy = "nsga2";
    const TuneOutcome a = tune(req);
    ASSERT_EQ(a.exit_code, 0) << a.error;
    EXPECT_EQ(a.report->flash_budget_bytes, 1024u * 1024u);
    std::set<uint64_t> flashes;
    for (const Trial &t : a.report->trials)
        if (t.ok())
            flashes.insert(t.flash_bytes);
    ASSERT_GE(flashes.size(), 2u) << "the knobs should link different code";
    // the same command with a flash budget between the images: resumed, nothing measured again
    req.flash_budget_bytes = *flashes.begin();
    const TuneOutcome b = tune(req);
    ASSERT_EQ(b.exit_code, 0) << b.error;
    EXPECT_TRUE(b.report->run.resumed);
    ASSERT_FALSE(b.report->front.empty());
    for (size_t i : b.report->front)
        EXPECT_LE(b.report->trials[i].flash_bytes, req.flash_budget_bytes);
}

} // namespace
} // namespace tinytx::tuner
