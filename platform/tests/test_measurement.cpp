// Per-run records -> Measurement: warm-ups dropped, median, peaks, CRC verdict, energy; mailbox decoding.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tinytx/platform/elf_image.h"
#include "tinytx/platform/mailbox.h"
#include "tinytx/platform/measurement.h"

using namespace tinytx::platform;

namespace {

RunRecord rec(uint64_t cycles, uint32_t crc, uint32_t stack = 100, uint32_t arena = 1000, int32_t st = 0)
{
    RunRecord r;
    r.cycles = cycles;
    r.instructions = cycles / 2;
    r.crc32 = crc;
    r.stack_peak = stack;
    r.arena_peak = arena;
    r.kernel_status = st;
    return r;
}

TEST(Summarize, DropsWarmupsTakesMedianAndModelsEnergy)
{
    Measurement m;
    summarize({rec(999, 7), rec(300, 7), rec(100, 7, 120), rec(200, 7, 90, 1500)}, 1, 7u,
              {80e6, 10.0}, m);
    EXPECT_EQ(RunStatus::kOk, m.status);
    EXPECT_EQ((std::vector<uint64_t>{300, 100, 200}), m.cycles);
    EXPECT_EQ(200u, m.cycles_median);
    EXPECT_EQ(120u, m.stack_peak_bytes);
    EXPECT_EQ(1500u, m.arena_peak_bytes);
    EXPECT_TRUE(m.output_ok);
    EXPECT_NEAR(200 / 80e6 * 10.0 * 1e3, m.energy_uj, 1e-12);  // cycles / f * P, in uJ
    const auto j = to_json(m);
    EXPECT_EQ(200u, j["cycles_median"]);
    EXPECT_EQ("OK", j["status"]);
    EXPECT_EQ("modeled", j["energy_source"]);
}

TEST(Summarize, VerdictsForWrongOutputAndKernelErrors)
{
    Measurement m;
    summarize({rec(10, 7), rec(10, 7)}, 0, 8u, {1e6, 1}, m);
    EXPECT_EQ(RunStatus::kWrongOutput, m.status);
    EXPECT_NE(m.error.find("expected 0x00000008"), std::string::npos);
    summarize({rec(10, 7), rec(10, 9)}, 0, std::nullopt, {1e6, 1}, m);
    EXPECT_EQ(RunStatus::kWrongOutput, m.status) << "runs disagree";
    summarize({rec(10, 7, 1, 1, -3)}, 0, std::nullopt, {1e6, 1}, m);
    EXPECT_EQ(RunStatus::kKernelError, m.status);
    summarize({rec(10, 7)}, 1, std::nullopt, {1e6, 1}, m);
    EXPECT_EQ(RunStatus::kInternal, m.status) << "only warm-ups recorded";
}

TEST(Mailbox, DecodesAndRefusesForeignBytes)
{
    std::vector<uint8_t> b(mailbox::kSize, 0);
    auto put = [&](uint32_t off, uint32_t v) {
        const auto le = mailbox::le32(v);
        std::copy(le.begin(), le.end(), b.begin() + off);
    };
    put(mailbox::kOffMagic, mailbox::kMagic);
    put(mailbox::kOffVersion, mailbox::kVersion);
    put(mailbox::kOffSize, mailbox::kSize);
    put(mailbox::kOffCrc, 0xDEADBEEF);
    put(mailbox::kOffCycles, 5);
    put(mailbox::kOffCycles + 4, 1);  // high word
    put(mailbox::kOffRuns, 3);
    b[mailbox::kOffConfig] = 'x';
    const auto v = mailbox::decode(b.data(), b.size());
    EXPECT_EQ(0xDEADBEEFu, v.crc32);
    EXPECT_EQ((uint64_t(1) << 32) + 5, v.cycles);
    EXPECT_EQ(3u, v.runs);
    EXPECT_EQ("x", v.config);
    EXPECT_EQ(0xDEADBEEFu, mailbox::to_record(v).crc32);
    put(mailbox::kOffVersion, 1);
    EXPECT_THROW(mailbox::decode(b.data(), b.size()), InvalidArgument);
    EXPECT_THROW(mailbox::decode(b.data(), 10), InvalidArgument);
}

}  // namespace
