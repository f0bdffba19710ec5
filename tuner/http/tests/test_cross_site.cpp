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
    EXPECT_EQ(cross_site_refusal(post("http://127.0.0.1:7081")), "");
    EXPECT_EQ(cross_site_refusal(post("HTTPS://127.0.0.1:7081")), "");
    EXPECT_EQ(cross_site_refusal(post("")), "");  // curl, scripts: no Origin
    EXPECT_EQ(cross_site_refusal(post("", "same-origin")), "");
    EXPECT_EQ(cross_site_refusal(post("", "none")), "");
}

TEST(CrossSite, AnotherSiteMayNot)
{
    for (const char *origin : {"http://evil.example", "null", "http://127.0.0.1:7082", "http://127.0.0.1:7081.evil",
                               "http://127.0.0.1", "\xff"})
        EXPECT_NE(cross_site_refusal(post(origin)), "") << origin;
    EXPECT_NE(cross_site_refusal(post("", "cross-site")), "");
    EXPECT_NE(cross_site_refusal(post("", "same-site")), "");
    HttpRequest no_host = post("http://");
    no_host.host.clear();
    EXPECT_NE(cross_site_refusal(no_host), "");
}

TEST(CrossSite, ReadsAreNotChecked)
{
    HttpRequest get = post("http://evil.example", "cross-site");
    get.method = "GET";
    EXPECT_EQ(cross_site_refusal(get), "");
    get.method = "DELETE";
    EXPECT_NE(cross_site_refusal(get), "");
}
