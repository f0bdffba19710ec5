// Budgets as people type them.
#include <gtest/gtest.h>

#include "tinytx/tuner/tuning.h"

namespace tinytx::tuner {
namespace {

TEST(ByteSize, UnitsAreBinary)
{
    EXPECT_EQ(parse_byte_size("512KB").value(), 512u * 1024);
    EXPECT_EQ(parse_byte_size("512KiB").value(), 512u * 1024);
    EXPECT_EQ(parse_byte_size("512k").value(), 512u * 1024);
    EXPECT_EQ(parse_byte_size("0.5MiB").value(), 512u * 1024);
    EXPECT_EQ(parse_byte_size("1MB").value(), 1024u * 1024);
    EXPECT_EQ(parse_byte_size("65536").value(), 65536u);
    EXPECT_EQ(parse_byte_size("100 B").value(), 100u);
}

TEST(ByteSize, BadInputNamesItself)
{
    for (const char *bad : {"", "KB", "-5KB", "1.2.3KB", "12XB", "0", "0.3", "1e9", "2PB", "abc", "1.5"}) {
        const auto r = parse_byte_size(bad);
        EXPECT_FALSE(r.ok()) << bad;
        EXPECT_NE(r.status().message().find(std::string("'") + bad + "'"), std::string::npos) << r.status().message();
    }
}

TEST(ByteSize, SmallPlainNumberAsksForTheUnit)
{
    const auto r = parse_byte_size("512");
    EXPECT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("did you mean 512KB?"), std::string::npos) << r.status().message();
    EXPECT_EQ(parse_byte_size("512B").value(), 512u);  // bytes said explicitly
    EXPECT_EQ(parse_byte_size("1024").value(), 1024u);
}

TEST(ByteSize, Format)
{
    EXPECT_EQ(format_bytes(100), "100 B");
    EXPECT_EQ(format_bytes(53248), "52.0 KiB");
    EXPECT_EQ(format_bytes(3u << 20), "3.00 MiB");
}

} // namespace
} // namespace tinytx::tuner
