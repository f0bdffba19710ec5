// Request targets: paths, percent-decoding, typed parameters and their messages.
#include <gtest/gtest.h>

#include "tinytx/http/url_query.h"

using namespace tinytx::farm;

TEST(UrlQuery, SplitsPathAndDecodesParameters)
{
    const auto parsed = parse_target("/api/front?model=1&board=%32&budget=512+KB");
    ASSERT_TRUE(parsed.ok()) << parsed.status().message();
    const UrlQuery &q = *parsed;
    EXPECT_EQ(q.path, "/api/front");
    EXPECT_EQ(q.params.at("board"), "2");
    EXPECT_EQ(q.params.at("budget"), "512 KB");
    EXPECT_EQ(q.id("model").value(), 1);
    EXPECT_EQ(q.id("board").value(), 2);
    const auto absent = q.id("candidate");
    ASSERT_TRUE(absent.ok());
    EXPECT_FALSE(absent.value());
}

TEST(UrlQuery, RefusesMalformedTargets)
{
    EXPECT_FALSE(parse_target("/api/front?model=%zz").ok());
    EXPECT_FALSE(parse_target("/api/front?model=%4").ok());
    EXPECT_FALSE(parse_target("/api/front?model=1&model=2").ok());
    EXPECT_NE(parse_target("/api/front?model=1&model=2").status().message().find("twice"), std::string::npos);
    EXPECT_FALSE(parse_target("/api/%00").ok());
    EXPECT_FALSE(parse_target("api/front").ok());
    EXPECT_FALSE(parse_target("/a?=1").ok());
}

TEST(UrlQuery, IdsAndNumbersSayWhatIsWrong)
{
    for (const char *bad : {"abc", "-1", "0", "01", "1.5", "", " 1", "9223372036854775808"}) {
        const auto parsed = parse_target(std::string("/x?model=") + bad);
        ASSERT_TRUE(parsed.ok());
        const UrlQuery &q = *parsed;
        const auto id = q.id("model");
        EXPECT_FALSE(id.ok()) << bad;
        EXPECT_NE(id.status().message().find("'model'"), std::string::npos) << id.status().message();
    }
    EXPECT_EQ(parse_target("/x?model=9223372036854775807")->id("model").value(), INT64_MAX);
    const UrlQuery q = parse_target("/x?limit=50&offset=x").value();
    EXPECT_EQ(q.number("limit", 1, 100).value(), 50u);
    const auto limit = q.number("limit", 1, 10);
    EXPECT_FALSE(limit.ok());
    EXPECT_NE(limit.status().message().find("1..10"), std::string::npos);
    const auto offset = q.number("offset", 0, 10);
    EXPECT_FALSE(offset.ok());
    EXPECT_FALSE(offset.status().message().empty());
}

TEST(UrlQuery, UnknownParametersAreNamed)
{
    const UrlQuery q = parse_target("/api/front?model=1&modle=2").value();
    EXPECT_EQ(q.unknown({"model", "board"}).message(), "unknown parameter 'modle' (known: board, model)");
    EXPECT_EQ(q.unknown({"model", "modle"}).message(), "");
    EXPECT_NE(parse_target("/api/info?x=1")->unknown({}).message().find("takes none"), std::string::npos);
}

TEST(UrlQuery, PathParts)
{
    EXPECT_EQ(path_parts("/api//candidates/12/"), (std::vector<std::string>{"api", "candidates", "12"}));
    EXPECT_TRUE(path_parts("/").empty());
}

TEST(UrlQuery, PathsAndParametersMustBeUtf8)
{
    EXPECT_TRUE(valid_utf8("plain ascii"));
    EXPECT_TRUE(valid_utf8("\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));  // é, €, an emoji
    for (const char *bad : {"\xff", "\xc3", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "a\x80"})
        EXPECT_FALSE(valid_utf8(bad)) << bad;
    EXPECT_FALSE(parse_target("/api/%ff").ok());
    EXPECT_FALSE(parse_target("/api/front?model=%c0%af").ok());
    EXPECT_FALSE(parse_target("/api/front?%ed%a0%80=1").ok());
    EXPECT_TRUE(parse_target("/api/front?model=%c3%a9").ok());
}
