// Which state-changing requests come from another site (cross_site.h).
#include <gtest/gtest.h>

#include "cross_site.h"

using namespace tinytx::farm;

namespace {

HttpRequest post(std::string origin, std::string fetch_site = "")
{
    HttpRequest r;
    r.method = "POST";
    r.host = "127.0.0.1:7081";
    r.origin = std::move(origin);
    r.fetch_site = std::move(fetch_site);
    return r;
}

}  // namespace

TEST(CrossSite, SameOriginAndNonBrowserClientsMayWrite)
{
    EXPECT_TRUE(check_cross_site(post("http://127.0.0.1:7081")).ok());
    EXPECT_TRUE(check_cross_site(post("HTTPS://127.0.0.1:7081")).ok());
    EXPECT_TRUE(check_cross_site(post("")).ok());  // curl, scripts: no Origin
    EXPECT_TRUE(check_cross_site(post("", "same-origin")).ok());
    EXPECT_TRUE(check_cross_site(post("", "none")).ok());
}

TEST(CrossSite, AnotherSiteMayNot)
{
    for (const char *origin : {"http://evil.example", "null", "http://127.0.0.1:7082", "http://127.0.0.1:7081.evil",
                               "http://127.0.0.1", "\xff"})
        EXPECT_FALSE(check_cross_site(post(origin)).ok()) << origin;
    EXPECT_FALSE(check_cross_site(post("", "cross-site")).ok());
    EXPECT_FALSE(check_cross_site(post("", "same-site")).ok());
    HttpRequest no_host = post("http://");
    no_host.host.clear();
    EXPECT_FALSE(check_cross_site(no_host).ok());
}

TEST(CrossSite, ReadsAreNotChecked)
{
    HttpRequest get = post("http://evil.example", "cross-site");
    get.method = "GET";
    EXPECT_TRUE(check_cross_site(get).ok());
    get.method = "DELETE";
    EXPECT_FALSE(check_cross_site(get).ok());
}
