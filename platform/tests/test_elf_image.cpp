// ELF parsing of real firmware images, and refusal of broken ones with a message that says why.
#include <gtest/gtest.h>

#include <random>

#include "tinytx/platform/elf_image.h"
#include "tinytx/platform/sha256.h"

using namespace tinytx::platform;

namespace {

const std::string kFw = TINYTX_FIRMWARE_DIR;

std::string parse_error(std::vector<uint8_t> bytes)
{
    try {
        ElfImage::parse(std::move(bytes));
    } catch (const InvalidArgument &e) {
        return e.what();
    }
    return "";
}

TEST(ElfImage, ParsesRealImagesOfBothArchitectures)
{
    const auto arm = ElfImage::load_file(kFw + "/cortex-m4/fw_agent_eegformer.elf");
    EXPECT_EQ(Arch::kArm, arm.arch());
    EXPECT_NO_THROW(arm.require_protocol());
    EXPECT_EQ(0u, arm.require("tx_bench_done").addr & 1u) << "Thumb bit cleared";
    EXPECT_EQ(152u, arm.require("tx_mailbox").size);
    EXPECT_FALSE(arm.segments().empty());
    EXPECT_EQ(64u, arm.sha256().size());
    const auto rv = ElfImage::load_file(kFw + "/rv32/fw_agent_eegformer.elf");
    EXPECT_EQ(Arch::kRiscv32, rv.arch());
    EXPECT_NO_THROW(rv.require_protocol());
    bool arena = false;
    for (const auto &s : rv.sections()) arena |= s.name == ".tx_arena" && s.nobits;
    EXPECT_TRUE(arena);
}

TEST(ElfImage, RefusesNonElfTruncatedAndForeignFiles)
{
    EXPECT_NE(parse_error({}).find("not an ELF"), std::string::npos);
    EXPECT_NE(parse_error({'h', 'e', 'l', 'l', 'o'}).find("not an ELF"), std::string::npos);
    auto good = ElfImage::load_file(kFw + "/cortex-m4/fw_exit_code.elf").bytes();
    auto truncated = std::vector<uint8_t>(good.begin(), good.begin() + 200);
    EXPECT_NE(parse_error(truncated).find("outside the file"), std::string::npos) << parse_error(truncated);
    auto x86 = good;
    x86[18] = 62;  // EM_X86_64
    EXPECT_NE(parse_error(x86).find("neither ARM"), std::string::npos);
    auto be = good;
    be[5] = 2;
    EXPECT_NE(parse_error(be).find("little-endian"), std::string::npos);
    const auto img = ElfImage::parse(good);
    try {
        img.require("no_such_symbol");
        FAIL();
    } catch (const InvalidArgument &e) {
        EXPECT_NE(std::string(e.what()).find("no_such_symbol"), std::string::npos);
    }
}

TEST(ElfImage, SurvivesThousandsOfCorruptedImages)
{
    const auto good = ElfImage::load_file(kFw + "/cortex-m4/fw_agent_odd.elf").bytes();
    std::mt19937 rng(7);
    int refused = 0;
    for (int i = 0; i < 2000; ++i) {
        auto b = good;
        const int flips = 1 + int(rng() % 16);
        for (int f = 0; f < flips; ++f) b[rng() % std::min<size_t>(b.size(), 4096)] = uint8_t(rng());
        if (i % 3 == 0) b.resize(rng() % b.size());
        try {
            ElfImage::parse(std::move(b));
        } catch (const InvalidArgument &) {
            ++refused;
        }
    }
    EXPECT_GT(refused, 0);
}

TEST(Sha256, KnownAnswers)
{
    EXPECT_EQ("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", sha256_hex({}));
    const std::string abc = "abc";
    EXPECT_EQ("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
              sha256_hex({abc.begin(), abc.end()}));
    const std::string two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    EXPECT_EQ("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
              sha256_hex({two.begin(), two.end()}));
}

}  // namespace
