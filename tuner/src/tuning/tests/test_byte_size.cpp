// Budgets as people type them.
#include <gtest/gtest.h>

#include "tinytx/tuner/tuning.h"

namespace tinytx::tuner {
namespace {

TEST(ByteSize, UnitsAreBinary)
{
    EXPECT_EQ(parse_byte_size("512KB"), 512u * 1024);
    EXPECT_EQ(parse_byte_size("512KiB"), 512u * 1024);
    EXPECT_EQ(parse_byte_size("512k"), 512u * 1024);
    EXPECT_EQ(parse_byte_size("0.5MiB"), 512u * 1024);
    EXPECT_EQ(parse_byte_size("1MB"), 1024u * 1024);
    EXPECT_EQ(parse_byte_size("65536"), 65536u);
    EXPECT_EQ(parse_byte_size("100 B"), 100u);
}

TEST(ByteSize, BadInputNamesItself)
{
    for (const char *bad : {"", "KB", "-5KB", "1.2.3KB", "12XB", "0", "0.3", "1e9", "2PB", "abc", "1.5"}) {
        std::string err;
        EXPECT_FALSE(parse_byte_size(bad, &err)) << bad;
        EXPECT_NE(err.find(std::string("'") + bad + "'"), std::string::npos) << err;
    }
}

TEST(ByteSize, SmallPlainNumberAsksForTheUnit)
{
    std::string err;
    EXPECT_FALSE(parse_byte_size("512", &err));
    EXPECT_NE(err.find("did you mean 512KB?"), std::string::npos) << err;
    EXPECT_EQ(parse_byte_size("512B"), 512u);  // bytes said explicitly
    EXPECT_EQ(parse_byte_size("1024"), 1024u);
}

TEST(ByteSize, Format)
{
    EXPECT_EQ(format_bytes(100), "100 B");
    EXPECT_EQ(format_bytes(53248), "52.0 KiB");
    EXPECT_EQ(format_bytes(3u << 20), "3.00 MiB");
}

} // namespace
} // namespace tinytx::tuner
