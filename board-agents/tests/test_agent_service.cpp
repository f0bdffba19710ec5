// tinytx-agent as a real process on loopback, driven through its gRPC API: the measurements,
// the faults, the refusals, and a fuzz of malformed requests it must answer while staying up.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>

#include "tinytx/agent/testing/agent_process.h"
#include "tinytx/v1/agent.grpc.pb.h"

namespace tinytx::test {
namespace {

const std::string kFw = TINYTX_FIRMWARE_DIR;
const std::string kGolden = TINYTX_GOLDEN_DIR;

std::string read_bytes(const std::string &path)
{
    std::ifstream f(path, std::ios::binary);
    EXPECT_TRUE(f) << path;
    return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

uint32_t golden_mhsa_crc(const std::string &c)
{
    std::ifstream f(kGolden + "/golden_" + c + ".json");
    return nlohmann::json::parse(f)["crc"]["mhsa"].get<uint32_t>();
}

struct Client {
    std::unique_ptr<tinytx::v1::Agent::Stub> stub;
    std::string token;
    explicit Client(const std::string &addr, std::string tok = "")
        : stub(tinytx::v1::Agent::NewStub(grpc::CreateChannel(addr, grpc::InsecureChannelCredentials()))),
          token(std::move(tok)) {}
    grpc::Status run(const tinytx::v1::RunRequest &req, tinytx::v1::Measurement *out, int seconds = 60)
    {
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
        if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
        return stub->Run(&ctx, req, out);
    }
    grpc::Status health(tinytx::v1::HealthResponse *out)
    {
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
        if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
        return stub->Health(&ctx, {}, out);
    }
};

tinytx::v1::RunRequest request(const std::string &elf, const std::string &board, const std::string &backend,
                               uint32_t repeats = 1)
{
    tinytx::v1::RunRequest r;
    r.set_elf(elf);
    r.set_board(board);
    r.set_backend(backend);
    r.set_repeats(repeats);
    r.set_deadline_ms(60000);
    return r;
}

TEST(AgentService, DescribesItsBoards)
{
    AgentProcess agent({"--board", "nucleo-l476rg:iss", "--board", "gap9:qemu"});
    Client c(agent.address());
    grpc::ClientContext ctx;
    tinytx::v1::DescribeResponse d;
    ASSERT_TRUE(c.stub->Describe(&ctx, {}, &d).ok());
    ASSERT_EQ(2, d.boards_size());
    EXPECT_EQ("nucleo-l476rg", d.boards(0).profile());
    EXPECT_EQ("iss", d.boards(0).backend());
    EXPECT_TRUE(d.boards(0).places_arena());
    EXPECT_EQ("rv32imc", d.boards(1).core());
    EXPECT_EQ("idle", d.boards(1).state());
    EXPECT_FALSE(d.boards(1).places_arena()) << "qemu cannot move the arena";
}

TEST(AgentService, PlacesTheArenaOnIssAndRefusesItElsewhere)
{
    AgentProcess agent({"--board", "nucleo-h743zi:iss", "--board", "nucleo-h743zi:qemu"});
    Client c(agent.address());
    const std::string elf = read_bytes(kFw + "/cortex-m7/fw_agent_ecgformer.elf");
    std::map<std::string, tinytx::v1::Measurement> by_region;
    for (const char *region : {"", "dtcm", "axi_sram"}) {
        auto req = request(elf, "nucleo-h743zi", "iss");
        req.set_arena_region(region);
        req.set_expected_crc32(golden_mhsa_crc("ecgformer"));
        ASSERT_TRUE(c.run(req, &by_region[region]).ok()) << region;
        EXPECT_EQ(tinytx::v1::STATUS_OK, by_region[region].status()) << by_region[region].error();
    }
    // the profile's default is the AXI SRAM (1 wait per access), the DTCM has none
    EXPECT_EQ(by_region[""].cycles_median(), by_region["axi_sram"].cycles_median());
    EXPECT_LT(by_region["dtcm"].cycles_median(), by_region["axi_sram"].cycles_median());
    EXPECT_EQ(by_region["dtcm"].instructions(), by_region["axi_sram"].instructions());
    // a backend that cannot move the arena says so instead of measuring the default region
    auto req = request(elf, "nucleo-h743zi", "qemu");
    req.set_arena_region("dtcm");
    tinytx::v1::Measurement m;
    const auto st = c.run(req, &m);
    EXPECT_EQ(grpc::StatusCode::INVALID_ARGUMENT, st.error_code());
    EXPECT_NE(st.error_message().find("cannot move the arena"), std::string::npos) << st.error_message();
    req.set_backend("iss");
    req.set_arena_region("flash");
    ASSERT_TRUE(c.run(req, &m).ok());
    EXPECT_EQ(tinytx::v1::STATUS_INVALID_ARGUMENT, m.status());
    EXPECT_NE(m.error().find("not a RAM-like region"), std::string::npos) << m.error();
}

TEST(AgentService, MeasuresOnIssAndQemuAndTheyAgree)
{
    AgentProcess agent({"--board", "nucleo-l476rg:iss", "--board", "nucleo-l476rg:qemu",
                        "--board", "gap9:iss", "--board", "gap9:qemu"});
    Client c(agent.address());
    for (const auto &[board, cpu] : {std::pair{"nucleo-l476rg", "cortex-m4"}, std::pair{"gap9", "rv32"}}) {
        SCOPED_TRACE(board);
        const std::string elf = read_bytes(kFw + "/" + cpu + "/fw_agent_ecgformer.elf");
        tinytx::v1::Measurement iss, qemu;
        auto req = request(elf, board, "iss", 5);
        req.set_expected_crc32(golden_mhsa_crc("ecgformer"));
        ASSERT_TRUE(c.run(req, &iss).ok());
        EXPECT_EQ(tinytx::v1::STATUS_OK, iss.status()) << iss.error();
        ASSERT_EQ(5, iss.cycles_size());
        for (auto cyc : iss.cycles()) EXPECT_EQ(iss.cycles(0), cyc) << "iss is deterministic";
        EXPECT_TRUE(iss.output_ok());
        EXPECT_EQ(tinytx::v1::SOURCE_EMULATED, iss.cycles_source());
        EXPECT_GT(iss.energy_uj(), 0);
        req.set_backend("qemu");
        req.set_repeats(1);
        ASSERT_TRUE(c.run(req, &qemu).ok());
        EXPECT_EQ(tinytx::v1::STATUS_OK, qemu.status()) << qemu.error();
        EXPECT_EQ(iss.output_crc32(), qemu.output_crc32());
        // the same image, the same instructions between the markers: exact on RV32 (minstret);
        // on Cortex-M QEMU counts SysTick ticks of 40 instructions
        const double tol = std::string(cpu) == "rv32" ? 0 : 80;
        EXPECT_NEAR(double(iss.instructions()), double(qemu.instructions()), tol);
        EXPECT_EQ(iss.arena_peak_bytes(), qemu.arena_peak_bytes());
        std::printf("[agent] %s ecgformer MHSA: iss %llu instructions, %llu modelled cycles; qemu %llu instructions\n",
                    board, (unsigned long long)iss.instructions(), (unsigned long long)iss.cycles_median(),
                    (unsigned long long)qemu.instructions());
    }
}

TEST(AgentService, FaultsTimeoutsAndWrongOutputAreStatusesAndTheAgentKeepsServing)
{
    AgentProcess agent({"--board", "nucleo-l476rg:iss", "--board", "nucleo-l476rg:qemu"});
    Client c(agent.address());
    for (const char *backend : {"iss", "qemu"}) {
        SCOPED_TRACE(backend);
        tinytx::v1::Measurement m;
        auto hang = request(read_bytes(kFw + "/cortex-m4/fw_hang.elf"), "nucleo-l476rg", backend);
        hang.set_deadline_ms(1500);
        const auto t0 = std::chrono::steady_clock::now();
        ASSERT_TRUE(c.run(hang, &m).ok());
        EXPECT_EQ(tinytx::v1::STATUS_TIMEOUT, m.status()) << m.error();
        EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));

        ASSERT_TRUE(c.run(request(read_bytes(kFw + "/cortex-m4/fw_fault.elf"), "nucleo-l476rg", backend), &m).ok());
        EXPECT_EQ(tinytx::v1::STATUS_FAULT, m.status()) << m.error();

        auto wrong = request(read_bytes(kFw + "/cortex-m4/fw_agent_odd.elf"), "nucleo-l476rg", backend);
        wrong.set_expected_crc32(golden_mhsa_crc("odd") ^ 1u);
        ASSERT_TRUE(c.run(wrong, &m).ok());
        EXPECT_EQ(tinytx::v1::STATUS_WRONG_OUTPUT, m.status());
        EXPECT_FALSE(m.output_ok());
    }
    tinytx::v1::HealthResponse h;
    ASSERT_TRUE(c.health(&h).ok());
    EXPECT_EQ(6u, h.runs_total());
    EXPECT_TRUE(agent.alive());
}

TEST(AgentService, ImagesAreCachedByHash)
{
    AgentProcess agent({"--board", "nucleo-l476rg:iss"});
    Client c(agent.address());
    tinytx::v1::Measurement first, second;
    ASSERT_TRUE(c.run(request(read_bytes(kFw + "/cortex-m4/fw_agent_odd.elf"), "nucleo-l476rg", "iss"), &first).ok());
    tinytx::v1::RunRequest by_hash;
    by_hash.set_image_hash(first.image_hash());
    by_hash.set_board("nucleo-l476rg");
    ASSERT_TRUE(c.run(by_hash, &second).ok());
    EXPECT_EQ(first.cycles_median(), second.cycles_median());
    by_hash.set_image_hash(std::string(64, '0'));
    EXPECT_EQ(grpc::StatusCode::INVALID_ARGUMENT, c.run(by_hash, &second).error_code());
}

TEST(AgentService, RefusesBadRequestsByNameAndSurvivesAThousandMalformedOnes)
{
    AgentProcess agent({"--board", "nucleo-l476rg:iss", "--board", "gap9:iss"});
    Client c(agent.address());
    const std::string good = read_bytes(kFw + "/cortex-m4/fw_agent_odd.elf");
    const std::string rv = read_bytes(kFw + "/rv32/fw_agent_odd.elf");
    auto expect_invalid = [&](const tinytx::v1::RunRequest &r, const std::string &words) {
        tinytx::v1::Measurement m;
        const auto st = c.run(r, &m);
        EXPECT_EQ(grpc::StatusCode::INVALID_ARGUMENT, st.error_code()) << words;
        EXPECT_NE(st.error_message().find(words), std::string::npos) << st.error_message();
    };
    expect_invalid(request("", "nucleo-l476rg", "iss"), "neither an image");
    expect_invalid(request("garbage", "nucleo-l476rg", "iss"), "not an ELF");
    expect_invalid(request(good.substr(0, good.size() / 3), "nucleo-l476rg", "iss"), "outside the file");
    expect_invalid(request(rv, "nucleo-l476rg", "iss"), "image is for riscv32");
    expect_invalid(request(good, "nucleo-f401re", "iss"), "known boards: gap9, nucleo-h743zi, nucleo-l476rg");
    expect_invalid(request(good, "nucleo-l476rg", "openocd"), "not served with backend 'openocd'");
    std::string renamed = good;  // the mailbox symbol renamed in the string table
    const std::string sym = std::string("tx_mailbox") + '\0';
    for (size_t at = renamed.find(sym); at != std::string::npos; at = renamed.find(sym, at + 1))
        renamed[at + 8] = 'a';
    expect_invalid(request(renamed, "nucleo-l476rg", "iss"), "no symbol 'tx_mailbox'");
    auto r = request(good, "nucleo-l476rg", "iss");
    r.set_repeats(5000);
    expect_invalid(r, "repeats");
    r = request(good, "nucleo-l476rg", "iss");
    r.set_deadline_ms(700000);
    expect_invalid(r, "deadline_ms");

    // fuzz: corrupted images and random field values, every one answered
    std::mt19937 rng(2024);
    int answered = 0, ran = 0;
    for (int i = 0; i < 1000; ++i) {
        std::string img = (i % 2) ? good : rv;
        const int flips = int(rng() % 24);
        for (int f = 0; f < flips; ++f) img[rng() % img.size()] = char(rng());
        if (i % 5 == 0) img.resize(rng() % img.size());
        auto req = request(img, (i % 7) ? "nucleo-l476rg" : "gap9", (i % 11) ? "iss" : "qemux");
        req.set_repeats(rng() % 3);
        req.set_warmups(rng() % 2);
        req.set_deadline_ms(300);
        if (i % 13 == 0) req.set_board(std::string(size_t(rng() % 300), char('a' + rng() % 26)));
        tinytx::v1::Measurement m;
        const auto st = c.run(req, &m, 30);
        answered += st.ok() || st.error_code() == grpc::StatusCode::INVALID_ARGUMENT;
        ran += st.ok();
    }
    EXPECT_EQ(1000, answered);
    std::printf("[agent] fuzz: 1000 requests answered, %d ran to a measurement status\n", ran);
    EXPECT_TRUE(agent.alive());
    tinytx::v1::Measurement m;
    ASSERT_TRUE(c.run(request(good, "nucleo-l476rg", "iss"), &m).ok());
    EXPECT_EQ(tinytx::v1::STATUS_OK, m.status());
}

TEST(AgentService, TokenIsRequiredWhenConfigured)
{
    AgentProcess agent({"--board", "nucleo-l476rg:iss", "--token", "let-me-in"});
    tinytx::v1::HealthResponse h;
    EXPECT_EQ(grpc::StatusCode::UNAUTHENTICATED, Client(agent.address()).health(&h).error_code());
    EXPECT_EQ(grpc::StatusCode::UNAUTHENTICATED, Client(agent.address(), "let-me-out").health(&h).error_code());
    EXPECT_TRUE(Client(agent.address(), "let-me-in").health(&h).ok());
    // the CLI client with a wrong token is refused too (exit status 3)
    const std::string cmd = std::string(TINYTX_AGENT_BIN) + " call " + agent.address() +
                            " measure --board nucleo-l476rg --token nope " + kFw +
                            "/cortex-m4/fw_agent_odd.elf > /dev/null 2>&1";
    EXPECT_EQ(3, WEXITSTATUS(std::system(cmd.c_str())));
}

TEST(AgentService, ServesOverTlsWithTheGivenCertificate)
{
    char dir[] = "/tmp/tinytx-tls-XXXXXX";
    ASSERT_NE(nullptr, mkdtemp(dir));
    const std::string d = dir;
    const std::string gen = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost"
                            " -addext subjectAltName=IP:127.0.0.1,DNS:localhost -keyout " +
                            d + "/key.pem -out " + d + "/cert.pem > /dev/null 2>&1";
    ASSERT_EQ(0, std::system(gen.c_str())) << "openssl (Debian package openssl) is needed for this test";
    {
        AgentProcess agent({"--board", "nucleo-l476rg:iss", "--tls-cert", d + "/cert.pem", "--tls-key",
                            d + "/key.pem", "--token", "t"});
        const std::string base = std::string(TINYTX_AGENT_BIN) + " call " + agent.address();
        EXPECT_EQ(0, WEXITSTATUS(std::system((base + " health --token t --tls-ca " + d + "/cert.pem > /dev/null").c_str())));
        // a plaintext client cannot talk to a TLS server
        EXPECT_NE(0, WEXITSTATUS(std::system((base + " health --token t > /dev/null 2>&1").c_str())));
    }
    std::system(("rm -rf " + d).c_str());
}

}  // namespace
}  // namespace tinytx::test
