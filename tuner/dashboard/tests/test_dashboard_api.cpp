// The dashboard's API over a small database written with the tuner's own Database: the front as
// the tuner classes it, candidate details, downloads, and the 400 / 401 / 404 answers.
#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>
#include <iterator>

#include "tinytx/dashboard/dashboard_api.h"
#include "tinytx/dashboard/model_locator.h"
#include "tinytx/tuner/memory_planner.h"
#include "tinytx/tuner/model.h"
#include "tinytx/tuner/schedule.h"
#include "tinytx/tuner/tuning.h"

using namespace tinytx;
using namespace tinytx::farm;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::string read(const fs::path &p)
{
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

tuner::Schedule schedule(tuner::MhsaSchedule mhsa, int tile_rows, const std::string &placement)
{
    tuner::LayerKnobs k;
    k.attention = tuner::AttentionMode::kStandard;
    k.mhsa = mhsa;
    k.tile_rows = tile_rows;
    k.variant = TX_VARIANT_DSP;
    k.placement = placement;
    return {"eegformer", "nucleo-h743zi", {k}};
}

platform::Measurement measurement(uint64_t cycles, double energy, platform::RunStatus status = platform::RunStatus::kOk)
{
    platform::Measurement m;
    m.status = status;
    m.backend = "iss";
    m.board = "nucleo-h743zi";
    m.cycles = {cycles};
    m.cycles_median = cycles;
    m.cycles_source = platform::Source::kEmulated;
    m.energy_uj = energy;
    m.arena_peak_bytes = 1000;
    m.output_ok = status == platform::RunStatus::kOk;
    if (status != platform::RunStatus::kOk)
        m.error = "faulted";
    return m;
}

// eegformer on the H7 with six candidates whose class is known:
//   a  depth-first T=4 (the smallest arena), slowest        -> front
//   b  head-wise @dtcm, fastest                              -> front (over a budget below its peak)
//   c  b @axi_sram, slower and more energy than b            -> dominated by b
//   d  b without placement, b's very figures                 -> duplicate of b
//   e  layer-wise, faulted                                   -> failed
//   f  head-wise @dtcm measured UNAVAILABLE then OK          -> the OK one counts
class DashboardApiTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        dir = fs::temp_directory_path() / ("tinytx-dash-api-" + std::to_string(::getpid()) + "-" +
                                           ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir);
        fs::create_directories(dir);
        db_path = (dir / "t.db").string();
        const fs::path spec = fs::path(TINYTX_MODELS_DIR) / "eegformer.json";
        const auto lr = tuner::load_model(spec);
        ASSERT_TRUE(lr.ok());
        const std::string text = read(spec);
        {
            tuner::Database db(db_path);
            const int64_t model = db.upsert_model("eegformer", tuner::model_hash(*lr), text);
            const int64_t board = db.upsert_board(
                "nucleo-h743zi",
                R"({"name":"nucleo-h743zi","core":"cortex-m7","clock_hz":480000000,"active_mw":234.0,"memory":[]})");
            auto add = [&](const tuner::Schedule &s) {
                return db.candidate(model, board, tuner::schedule_hash(s), tuner::canonical_json(s)).id;
            };
            a = add(schedule(tuner::MhsaSchedule::kDepthfirst, 4, "dtcm"));
            b = add(schedule(tuner::MhsaSchedule::kHeadwise, 0, "dtcm"));
            c = add(schedule(tuner::MhsaSchedule::kHeadwise, 0, "axi_sram"));
            d = add(schedule(tuner::MhsaSchedule::kHeadwise, 0, ""));
            e = add(schedule(tuner::MhsaSchedule::kLayerwise, 0, "dtcm"));
            const std::vector<tuner::MeasurementEntry> batch = {
                {a, std::nullopt, "test", measurement(3000000, 30)},
                {b, std::nullopt, "test", measurement(1000000, 10)},
                {c, std::nullopt, "test", measurement(1500000, 15)},
                {d, std::nullopt, "test", measurement(1000000, 10)},
                {e, std::nullopt, "test", measurement(0, 0, platform::RunStatus::kFault)},
            };
            db.record_measurements(batch);
            db.start_run(model, board, {{"test", 1}}, 512 * 1024, "exhaustive");
        }
        peak_a = tuner::plan_memory(*lr, schedule(tuner::MhsaSchedule::kDepthfirst, 4, "dtcm"))->peak_bytes;
        peak_b = tuner::plan_memory(*lr, schedule(tuner::MhsaSchedule::kHeadwise, 0, "dtcm"))->peak_bytes;
        ASSERT_LT(peak_a, peak_b);
        store = DashboardStore::open(db_path).value();
        reopen({});
    }

    void TearDown() override
    {
        api.reset();
        store.reset();
        fs::remove_all(dir);
    }

    void reopen(DashboardOptions o)
    {
        o.model_dirs = {TINYTX_MODELS_DIR};
        o.static_dir = dir / "static";
        api = std::make_unique<DashboardApi>(*store, nullptr, log, o);
    }

    HttpResponse get(const std::string &target, const std::string &authorization = "", const std::string &cookie = "")
    {
        HttpRequest r;
        r.method = "GET";
        r.target = target;
        r.authorization = authorization;
        r.cookie = cookie;
        return api->handle(r);
    }

    json get_json(const std::string &target)
    {
        const HttpResponse r = get(target);
        EXPECT_EQ(r.status, 200u) << target << ": " << r.body;
        return json::parse(r.body);
    }

    fs::path dir;
    std::string db_path;
    int64_t a = 0, b = 0, c = 0, d = 0, e = 0;
    size_t peak_a = 0, peak_b = 0;
    std::ostringstream log_text;
    FarmLog log{log_text};
    std::unique_ptr<DashboardStore> store;
    std::unique_ptr<DashboardApi> api;
};

std::map<int64_t, json> by_candidate(const json &front)
{
    std::map<int64_t, json> out;
    for (const json &p : front["points"])
        out[p["candidate_id"].get<int64_t>()] = p;
    return out;
}

}  // namespace

TEST_F(DashboardApiTest, ModelsAndBoards)
{
    const json models = get_json("/api/models");
    ASSERT_EQ(models.size(), 1u);
    EXPECT_EQ(models[0]["name"], "eegformer");
    EXPECT_EQ(models[0]["dims"]["S"], 81);
    EXPECT_EQ(models[0]["boards"][0]["candidates"], 5);
    const json boards = get_json("/api/boards");
    ASSERT_EQ(boards.size(), 1u);
    EXPECT_EQ(boards[0]["core"], "cortex-m7");
}

TEST_F(DashboardApiTest, FrontClassesEveryPointAsTheTunerDoes)
{
    const json f = get_json("/api/front?model=1&board=1");
    EXPECT_EQ(f["budget_bytes"], 512 * 1024);
    EXPECT_EQ(f["budget_from"], "run 1");
    auto p = by_candidate(f);
    ASSERT_EQ(p.size(), 4u);  // e failed
    EXPECT_EQ(p[a]["status"], "front");
    EXPECT_EQ(p[b]["status"], "front");
    EXPECT_EQ(p[c]["status"], "dominated");
    EXPECT_EQ(p[d]["status"], "duplicate");
    EXPECT_EQ(p[d]["duplicate_of"], p[b]["schedule_id"]);
    EXPECT_EQ(p[a]["peak_memory_bytes"], peak_a);
    EXPECT_EQ(p[b]["latency_cycles"], 1000000);
    EXPECT_DOUBLE_EQ(p[b]["latency_us"].get<double>(), 1000000 / 480.0);
    EXPECT_EQ(p[b]["source"], "emulated");
    EXPECT_EQ(p[b]["knobs"][0]["mhsa"], "headwise");
    EXPECT_EQ(f["fronts"]["emulated"], json::array({b, a}));  // by latency, as the tuner orders it
    ASSERT_EQ(f["failed"].size(), 1u);
    EXPECT_EQ(f["failed"][0]["candidate_id"], e);
    EXPECT_EQ(f["failed"][0]["status"], "FAULT");

    // a budget between a's and b's arena: b, c, d are over it, a alone is the front
    const json g = get_json("/api/front?model=1&board=1&budget=" + std::to_string(peak_b - 1));
    p = by_candidate(g);
    EXPECT_EQ(g["budget_from"], "request");
    EXPECT_EQ(p[a]["status"], "front");
    EXPECT_EQ(p[b]["status"], "over_budget");
    EXPECT_EQ(p[d]["status"], "over_budget");
}

TEST_F(DashboardApiTest, NewestUsableMeasurementCounts)
{
    {
        tuner::Database db(db_path);
        const std::vector<tuner::MeasurementEntry> batch = {
            {c, std::nullopt, "test", measurement(0, 0, platform::RunStatus::kUnavailable)},  // says nothing
            {a, std::nullopt, "test", measurement(900000, 9)},  // a remeasured: now the fastest
        };
        db.record_measurements(batch);
    }
    auto p = by_candidate(get_json("/api/front?model=1&board=1"));
    EXPECT_EQ(p[c]["status"], "dominated");
    EXPECT_EQ(p[a]["latency_cycles"], 900000);
    EXPECT_EQ(p[a]["status"], "front");
    // a is now better in every objective than b (and b's twin d)
    EXPECT_EQ(p[b]["status"], "dominated");
    EXPECT_EQ(p[d]["status"], "dominated");
}

TEST_F(DashboardApiTest, EachFigureSourceIsAFrontOfItsOwn)
{
    {
        tuner::Database db(db_path);
        platform::Measurement m = measurement(500000, 5);  // better than anything emulated
        m.cycles_source = platform::Source::kMeasured;
        m.backend = "openocd";
        const std::vector<tuner::MeasurementEntry> batch = {{c, std::nullopt, "board", m}};
        db.record_measurements(batch);
    }
    const json f = get_json("/api/front?model=1&board=1");
    EXPECT_EQ(f["fronts"]["emulated"], json::array({b, a}));  // not compared with the board's figure
    EXPECT_EQ(f["fronts"]["measured"], json::array({c}));
    int c_points = 0;
    for (const json &p : f["points"])
        if (p["candidate_id"] == c) {
            ++c_points;
            EXPECT_EQ(p["status"], p["source"] == "measured" ? "front" : "dominated");
        }
    EXPECT_EQ(c_points, 2);
}

TEST_F(DashboardApiTest, CandidateDetail)
{
    const json j = get_json("/api/candidates/" + std::to_string(b));
    EXPECT_EQ(j["layers"].size(), 1u);
    EXPECT_EQ(j["layers"][0]["mhsa"], "headwise");
    EXPECT_EQ(j["layers"][0]["placement"], "dtcm");
    EXPECT_EQ(j["plan"]["peak_bytes"], peak_b);
    EXPECT_EQ(j["plan"]["buffers"].size(), 3u);
    EXPECT_GT(j["predicted"]["cycles"].get<double>(), 0);
    EXPECT_EQ(j["predicted"]["cost_model"]["calibration_points"], 0);  // the prior: nothing stored
    EXPECT_EQ(j["measured"]["cycles_median"], 1000000);
    EXPECT_EQ(j["measurements"].size(), 1u);
    EXPECT_TRUE(j["downloads"]["available"]);
    EXPECT_TRUE(j["fits_budget"]);
}

TEST_F(DashboardApiTest, Downloads)
{
    const HttpResponse s = get("/api/candidates/" + std::to_string(b) + "/schedule.json");
    ASSERT_EQ(s.status, 200u) << s.body;
    const json j = json::parse(s.body);
    EXPECT_EQ(j["layers"][0]["mhsa"], "headwise");
    EXPECT_EQ(j["budget_bytes"], 512 * 1024);
    EXPECT_EQ(j["objectives"]["measured"]["latency_cycles"], 1000000);
    EXPECT_EQ(j["memory_plan"]["peak_bytes"], peak_b);
    EXPECT_EQ(j["expected_output_crc32"].get<std::string>().substr(0, 2), "0x");
    EXPECT_NE(s.headers.at(0).second.find("attachment"), std::string::npos);

    const HttpResponse t = get("/api/candidates/" + std::to_string(b) + "/deploy.tar");
    ASSERT_EQ(t.status, 200u) << t.body;
    EXPECT_EQ(t.content_type, "application/x-tar");
    EXPECT_EQ(t.body.substr(0, 9), "eegformer");                    // the top folder's name
    EXPECT_NE(t.body.find("/network.c"), std::string::npos);
    EXPECT_NE(t.body.find("TX_NETWORK_ARENA_BYTES"), std::string::npos);

    // a failed candidate has no figures to export
    EXPECT_EQ(get("/api/candidates/" + std::to_string(e) + "/schedule.json").status, 409u);
}

TEST_F(DashboardApiTest, MeasurementsAndCalibration)
{
    const json m = get_json("/api/measurements?model=1&board=1&limit=2");
    EXPECT_EQ(m["total"], 5);
    EXPECT_EQ(m["items"].size(), 2u);
    const json one = get_json("/api/measurements?model=1&board=1&candidate=" + std::to_string(a));
    EXPECT_EQ(one["total"], 1);
    const json cal = get_json("/api/calibration?board=1");
    EXPECT_EQ(cal["points"].size(), 4u);
    EXPECT_EQ(cal["sources"]["emulated"]["points"], 4);
}

TEST_F(DashboardApiTest, MalformedParametersAre400WithAMessage)
{
    for (const char *target :
         {"/api/front?model=abc&board=1", "/api/front?model=1", "/api/front?model=1&board=1&budget=12XB",
          "/api/front?model=1&board=1&budget=0", "/api/front?model=1&board=1&colour=red",
          "/api/front?model=1&model=1&board=1", "/api/front?model=%zz&board=1", "/api/candidates/abc",
          "/api/candidates/-1", "/api/measurements?model=1&board=1&limit=0",
          "/api/measurements?model=1&board=1&limit=100000", "/api/calibration", "/api/calibration?board=x",
          "/api/models?x=1", "/api/jobs/0", "/../etc/passwd"}) {
        const HttpResponse r = get(target);
        EXPECT_EQ(r.status, 400u) << target << ": " << r.body;
        if (r.content_type == "application/json") {
            const json j = json::parse(r.body);
            EXPECT_FALSE(j["error"].get<std::string>().empty()) << target;
        }
    }
    EXPECT_NE(get("/api/front?model=1&board=1&budget=12XB").body.find("budget"), std::string::npos);
    EXPECT_NE(get("/api/front?model=1&board=1&colour=red").body.find("colour"), std::string::npos);
}

TEST_F(DashboardApiTest, UnknownIdsAre404)
{
    for (const char *target : {"/api/front?model=9&board=1", "/api/front?model=1&board=9", "/api/candidates/999",
                               "/api/candidates/999/schedule.json", "/api/candidates/999/deploy.tar",
                               "/api/jobs/5", "/api/jobs/5/events", "/api/calibration?board=7",
                               "/api/measurements?model=1&board=1&candidate=999", "/api/nothing", "/nothing.js"}) {
        const HttpResponse r = get(target);
        EXPECT_EQ(r.status, 404u) << target << ": " << r.body;
    }
}

TEST_F(DashboardApiTest, TokensAsTheGrpcSide)
{
    DashboardOptions o;
    o.token = "s3cret";
    reopen(o);
    EXPECT_EQ(get("/api/models").status, 401u);
    EXPECT_EQ(get("/api/models", "Bearer wrong").status, 401u);
    EXPECT_EQ(get("/api/models", "Bearer s3cret").status, 200u);
    EXPECT_EQ(get("/api/models", "", "a=b; tinytx_token=s3cret").status, 200u);
    EXPECT_EQ(get("/").status, 503u);  // the page itself holds no data (and is not built here)

    HttpRequest cancel;
    cancel.method = "POST";
    cancel.target = "/api/jobs/1/cancel";
    EXPECT_EQ(api->handle(cancel).status, 401u);
    cancel.cookie = "tinytx_token=s3cret";  // a cookie is not enough to write
    EXPECT_EQ(api->handle(cancel).status, 401u);
    cancel.authorization = "Bearer s3cret";
    EXPECT_EQ(api->handle(cancel).status, 405u);  // authorized, but no job runs in this mode
    EXPECT_NE(log_text.str().find("\"refused\""), std::string::npos);

    o.public_read = true;
    reopen(o);
    EXPECT_EQ(get("/api/models").status, 200u);
    cancel.authorization = "";
    EXPECT_EQ(api->handle(cancel).status, 401u);
}

TEST_F(DashboardApiTest, StaticFilesStayInTheirRoot)
{
    fs::create_directories(dir / "static" / "assets");
    std::ofstream(dir / "static" / "index.html") << "<!doctype html>";
    std::ofstream(dir / "static" / "assets" / "app.js") << "1;";
    std::ofstream(dir / "t.db.secret") << "no";
    EXPECT_EQ(get("/").content_type, "text/html; charset=utf-8");
    EXPECT_EQ(get("/assets/app.js").body, "1;");
    EXPECT_EQ(get("/assets/app.js").content_type, "text/javascript; charset=utf-8");
    EXPECT_EQ(get("/../t.db.secret").status, 400u);
    EXPECT_EQ(get("/%2e%2e/t.db.secret").status, 400u);
    EXPECT_EQ(get("/.hidden").status, 400u);
    HttpRequest post;
    post.method = "POST";
    post.target = "/index.html";
    EXPECT_EQ(api->handle(post).status, 405u);
}
