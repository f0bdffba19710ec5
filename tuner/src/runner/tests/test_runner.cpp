// The runner with the in-process agent and with real `tinytx-agent serve` processes on loopback:
// measurements, dispatch over two agents, an agent killed mid-flight, a wrong token, a hang.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "tinytx/agent/agent_core.h"
#include "tinytx/agent/testing/agent_process.h"
#include "tinytx/tuner/runner.h"
#include "tinytx/v1/agent.grpc.pb.h"

namespace tinytx::tuner {
namespace {

using platform::RunStatus;
using namespace std::chrono_literals;

const std::string kFw = TINYTX_FIRMWARE_DIR;
const std::string kOdd = kFw + "/cortex-m4/fw_agent_odd.elf";
const std::string kHang = kFw + "/cortex-m4/fw_hang.elf";

uint32_t golden_mhsa_crc()
{
    std::ifstream f(std::string(TINYTX_GOLDEN_DIR) + "/golden_odd.json");
    return nlohmann::json::parse(f)["crc"]["mhsa"].get<uint32_t>();
}

RunJob odd_job(uint32_t repeats = 1)
{
    RunJob j;
    j.elf = std::filesystem::path(kOdd);
    j.board = "nucleo-l476rg";
    j.backend = "iss";
    j.repeats = repeats;
    j.deadline = 30s;
    j.expected_crc = golden_mhsa_crc();
    return j;
}

std::vector<std::string> agent_args() { return {"--board", "nucleo-l476rg:iss", "--workers", "2"}; }

uint64_t runs_total(const std::string &address)
{
    auto stub = tinytx::v1::Agent::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + 10s);
    tinytx::v1::HealthResponse h;
    EXPECT_TRUE(stub->Health(&ctx, {}, &h).ok());
    return h.runs_total();
}

TEST(Runner, ParsesAgentLists)
{
    EXPECT_EQ((std::vector<std::string>{"10.0.0.5:7070", "box:7071", "[::1]:9000"}),
              parse_agents("10.0.0.5:7070, box:7071,[::1]:9000"));
    const auto fails_with = [](const std::string &spec, const std::string &words) {
        try {
            parse_agents(spec);
            ADD_FAILURE() << spec << " accepted";
        } catch (const std::invalid_argument &e) {
            EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
        }
    };
    fails_with("", "no agent given");
    fails_with("host", "'host' has no port");
    fails_with("host:", "not a number in 1..65535");
    fails_with("host:70000", "not a number in 1..65535");
    fails_with("host:7x", "not a number");
    fails_with(":7070", "has no host");
    fails_with("a:1,,b:2", "entry 2 is empty");
    fails_with("a:1,a:1", "listed twice");
    fails_with("::1:7070", "IPv6");
    fails_with("a:1,", "trailing ','");
}

TEST(Runner, LocalAgentMeasuresTheGoldenMhsa)
{
    agent::AgentConfig cfg;
    cfg.boards_dir = TINYTX_BOARDS_DIR;
    cfg.boards = {{"nucleo-l476rg", "iss"}};
    Runner runner({std::make_shared<LocalAgent>(cfg)}, {.max_in_flight = 2});
    const RunOutcome o = runner.submit(odd_job(3)).get();
    EXPECT_EQ(RunStatus::kOk, o.measurement.status) << o.measurement.error;
    EXPECT_EQ(golden_mhsa_crc(), o.measurement.output_crc32);
    EXPECT_TRUE(o.measurement.output_ok);
    EXPECT_EQ(3u, o.measurement.cycles.size());
    EXPECT_EQ("local", o.agent);
    EXPECT_EQ(1u, o.attempts);

    RunJob bad = odd_job();
    bad.board = "nucleo-f401re";
    const RunOutcome b = runner.submit(bad).get();
    EXPECT_EQ(RunStatus::kInvalidArgument, b.measurement.status);
    EXPECT_NE(b.measurement.error.find("nucleo-f401re"), std::string::npos) << b.measurement.error;
    EXPECT_EQ(1u, b.attempts);

    RunJob missing = odd_job();
    missing.elf = std::filesystem::path("/nonexistent/x.elf");
    EXPECT_EQ(RunStatus::kInvalidArgument, runner.submit(missing).get().measurement.status);
}

// RunJob::arena_region reaches the iss through the in-process agent and over gRPC alike (the same
// cycles); an agent whose backend cannot move the arena says so, and the job is refused.
TEST(Runner, TheArenaRegionTravelsToTheIssLocallyAndRemotely)
{
    test::AgentProcess remote_process({"--board", "nucleo-h743zi:iss", "--board", "nucleo-h743zi:qemu"});
    agent::AgentConfig cfg;
    cfg.boards_dir = TINYTX_BOARDS_DIR;
    cfg.boards = {{"nucleo-h743zi", "iss"}};
    const auto local = std::make_shared<LocalAgent>(cfg);
    const auto remote = make_remote_agents(remote_process.address(), {}).front();
    EXPECT_TRUE(local->places_arena("nucleo-h743zi", "iss"));
    EXPECT_TRUE(remote->places_arena("nucleo-h743zi", "iss"));
    EXPECT_FALSE(remote->places_arena("nucleo-h743zi", "qemu"));
    RunJob job = odd_job();
    job.elf = std::filesystem::path(kFw + "/cortex-m7/fw_agent_odd.elf");
    job.board = "nucleo-h743zi";
    std::map<std::string, uint64_t> cycles;
    for (const char *region : {"dtcm", "axi_sram"}) {
        job.arena_region = region;
        for (const auto &a : {std::static_pointer_cast<Agent>(local), remote}) {
            const std::vector<uint8_t> elf = [&] {
                std::ifstream f(std::get<std::filesystem::path>(job.elf), std::ios::binary);
                return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
            }();
            const platform::Measurement m = a->run(job, elf);
            ASSERT_EQ(RunStatus::kOk, m.status) << a->name() << " " << region << ": " << m.error;
            if (cycles.count(region)) {
                EXPECT_EQ(cycles[region], m.cycles_median) << a->name() << " " << region;
            }
            cycles[region] = m.cycles_median;
        }
    }
    EXPECT_LT(cycles["dtcm"], cycles["axi_sram"]) << "the AXI SRAM has a wait state per access, the DTCM none";

    job.backend = "qemu";
    job.arena_region = "dtcm";
    Runner runner({remote}, {.max_in_flight = 1});
    const RunOutcome o = runner.submit(job).get();
    EXPECT_EQ(RunStatus::kInvalidArgument, o.measurement.status);
    EXPECT_NE(o.measurement.error.find("cannot move the arena"), std::string::npos) << o.measurement.error;
}

TEST(Runner, TwentyJobsOnTwoRemoteAgentsUseBoth)
{
    test::AgentProcess a(agent_args()), b(agent_args());
    Runner runner(make_remote_agents(a.address() + "," + b.address(), {}), {.max_in_flight = 4});
    std::vector<std::future<RunOutcome>> futs;
    for (int i = 0; i < 20; ++i) futs.push_back(runner.submit(odd_job(2)));
    std::map<std::string, int> per_agent;
    for (auto &f : futs) {
        const RunOutcome o = f.get();
        EXPECT_EQ(RunStatus::kOk, o.measurement.status) << o.measurement.error;
        EXPECT_EQ(1u, o.attempts);
        ++per_agent[o.agent];
    }
    EXPECT_EQ(2u, per_agent.size());
    EXPECT_GT(per_agent[a.address()], 0);
    EXPECT_GT(per_agent[b.address()], 0);
    EXPECT_EQ(uint64_t(per_agent[a.address()]), runs_total(a.address()));
    EXPECT_EQ(uint64_t(per_agent[b.address()]), runs_total(b.address()));
}

TEST(Runner, AJobOnAKilledAgentCompletesOnTheOther)
{
    auto a = std::make_unique<test::AgentProcess>(agent_args());
    test::AgentProcess b(agent_args());
    const std::string a_addr = a->address(), b_addr = b.address();
    Runner runner(make_remote_agents(a_addr + "," + b_addr, {}), {.max_in_flight = 4, .cooldown = 500ms});
    const int n = 16;
    std::vector<std::future<RunOutcome>> futs;
    for (int i = 0; i < n; ++i) futs.push_back(runner.submit(odd_job(30)));
    // kill a while it has jobs in flight
    const auto until = std::chrono::steady_clock::now() + 10s;
    for (;;) {
        const auto s = runner.stats();
        if (s[0].in_flight >= 1 || std::chrono::steady_clock::now() > until) break;
        std::this_thread::sleep_for(1ms);
    }
    ASSERT_GE(runner.stats()[0].in_flight, 1u);
    a.reset();
    int on_a = 0, on_b = 0, retried = 0;
    for (auto &f : futs) {
        ASSERT_EQ(std::future_status::ready, f.wait_for(30s));
        const RunOutcome o = f.get();
        EXPECT_EQ(RunStatus::kOk, o.measurement.status) << o.measurement.error;
        EXPECT_EQ(golden_mhsa_crc(), o.measurement.output_crc32);
        if (o.agent == a_addr) {
            ++on_a;
            EXPECT_EQ(1u, o.attempts);
        } else {
            EXPECT_EQ(b_addr, o.agent);
            ++on_b;
        }
        if (o.attempts > 1) {
            ++retried;
            EXPECT_EQ(b_addr, o.agent);
        }
    }
    EXPECT_EQ(n, on_a + on_b);
    EXPECT_GE(retried, 1);
    EXPECT_GE(runner.stats()[0].faults, 1u);
    // every job ran exactly once on b: none lost, none duplicated
    EXPECT_EQ(uint64_t(on_b), runs_total(b_addr));
    std::printf("[runner] %d jobs: %d on the killed agent before the kill, %d on the other, %d retried\n", n,
                on_a, on_b, retried);
}

TEST(Runner, AWrongTokenIsAClearFatalError)
{
    test::AgentProcess a({"--board", "nucleo-l476rg:iss", "--token", "s3cret"});
    {
        Runner runner(make_remote_agents(a.address(), RemoteOptions{.token = "wrong", .tls_ca_file = ""}), {.max_in_flight = 1});
        auto f = runner.submit(odd_job());
        try {
            f.get();
            ADD_FAILURE() << "a wrong token was accepted";
        } catch (const AgentConfigError &e) {
            const std::string what = e.what();
            EXPECT_NE(what.find("wrong token"), std::string::npos) << what;
            EXPECT_NE(what.find(a.address()), std::string::npos) << what;
        }
        // the agent is not used again: later jobs fail at once with the same error
        EXPECT_THROW(runner.submit(odd_job()).get(), AgentConfigError);
        EXPECT_TRUE(runner.stats()[0].disabled);
    }
    {
        Runner runner(make_remote_agents(a.address(), {}), {.max_in_flight = 1});
        try {
            runner.submit(odd_job()).get();
            ADD_FAILURE() << "no token was accepted";
        } catch (const AgentConfigError &e) {
            EXPECT_NE(std::string(e.what()).find("requires a token"), std::string::npos) << e.what();
        }
    }
    Runner runner(make_remote_agents(a.address(), RemoteOptions{.token = "s3cret", .tls_ca_file = ""}), {.max_in_flight = 1});
    EXPECT_EQ(RunStatus::kOk, runner.submit(odd_job()).get().measurement.status);
}

TEST(Runner, AHangIsATimeoutResultAndNotRetried)
{
    test::AgentProcess a(agent_args()), b(agent_args());
    Runner runner(make_remote_agents(a.address() + "," + b.address(), {}), {.max_in_flight = 2});
    RunJob hang;
    hang.elf = std::filesystem::path(kHang);
    hang.board = "nucleo-l476rg";
    hang.backend = "iss";
    hang.deadline = 1500ms;
    const RunOutcome o = runner.submit(hang).get();
    EXPECT_EQ(RunStatus::kTimeout, o.measurement.status) << o.measurement.error;
    EXPECT_EQ(1u, o.attempts);
    for (const auto &s : runner.stats()) EXPECT_EQ(0u, s.faults) << s.name;
    EXPECT_EQ(1u, runs_total(a.address()) + runs_total(b.address()));
}

TEST(Runner, NoReachableAgentGivesUnavailableAfterMaxAttempts)
{
    // a port nothing listens on: bind one, learn it, close it
    std::string addr;
    {
        test::AgentProcess gone(agent_args());
        addr = gone.address();
    }
    Runner runner(make_remote_agents(addr, {}), {.max_in_flight = 1, .max_attempts = 2, .cooldown = 100ms});
    const RunOutcome o = runner.submit(odd_job()).get();
    EXPECT_EQ(RunStatus::kUnavailable, o.measurement.status);
    EXPECT_EQ(2u, o.attempts);
    EXPECT_NE(o.measurement.error.find("2 attempts"), std::string::npos) << o.measurement.error;
}

TEST(Runner, DestructionCancelsQueuedJobs)
{
    agent::AgentConfig cfg;
    cfg.boards_dir = TINYTX_BOARDS_DIR;
    cfg.boards = {{"nucleo-l476rg", "iss"}};
    std::vector<std::future<RunOutcome>> futs;
    {
        Runner runner({std::make_shared<LocalAgent>(cfg)}, {.max_in_flight = 1});
        for (int i = 0; i < 30; ++i) futs.push_back(runner.submit(odd_job(5)));
    }
    int done = 0, cancelled = 0;
    for (auto &f : futs) {
        ASSERT_EQ(std::future_status::ready, f.wait_for(0s));
        try {
            EXPECT_EQ(RunStatus::kOk, f.get().measurement.status);
            ++done;
        } catch (const RunCancelled &) {
            ++cancelled;
        }
    }
    EXPECT_EQ(30, done + cancelled);
    EXPECT_GT(cancelled, 0);
}

}  // namespace
}  // namespace tinytx::tuner
