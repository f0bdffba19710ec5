// The front as people read it: units by magnitude, three significant figures, and a picture that
// marks the best point and places the budget where the points stay readable.
#include <gtest/gtest.h>

#include <regex>

#include "tinytx/tuner/display_units.h"
#include "tinytx/tuner/front_picture.h"

namespace tinytx::tuner {
namespace {

TEST(DisplayUnits, ThreeSignificantFigures)
{
    EXPECT_EQ(three_figures(18.42109375), "18.4");
    EXPECT_EQ(three_figures(2.5), "2.5");
    EXPECT_EQ(three_figures(3.0), "3");
    EXPECT_EQ(three_figures(0.012345), "0.0123");
    EXPECT_EQ(three_figures(1536), "1536");
    EXPECT_EQ(three_figures(0), "0");
}

TEST(DisplayUnits, ByMagnitude)
{
    EXPECT_STREQ(display_unit(Quantity::kMicroseconds, 3597.6).name, "ms");
    EXPECT_STREQ(display_unit(Quantity::kMicroseconds, 999).name, "µs");
    EXPECT_STREQ(display_unit(Quantity::kBytes, 96 * 1024).name, "KiB");
    EXPECT_STREQ(display_unit(Quantity::kBytes, 600).name, "B");
    EXPECT_STREQ(display_unit(Quantity::kMicrojoules, 5990).name, "mJ");
}

FrontPicture three_points(uint64_t budget)
{
    FrontPicture p;
    p.model = "m";
    p.board = "b";
    p.source = "emulated by a test";
    p.clock_hz = 80'000'000;
    p.budget_bytes = budget;
    for (int i = 0; i < 3; ++i) {
        PicturePoint q;
        q.latency_cycles = 800'000u * (i + 1);
        q.latency_us = 10'000.0 * (i + 1);
        q.peak_bytes = 3000 + 400 * (2 - i);
        q.best = i == 0;
        p.points.push_back(q);
    }
    return p;
}

TEST(FrontPicture, FarBudgetIsAnAnnotationNearBudgetALine)
{
    const std::string far = front_svg(three_points(96 * 1024));
    EXPECT_NE(far.find("budget 96 KiB is far above"), std::string::npos);
    EXPECT_EQ(far.find("<line class=\"budget\""), std::string::npos);
    EXPECT_NE(far.find("class=\"best\""), std::string::npos);
    EXPECT_NE(far.find("best: 10 ms, 3.71 KiB"), std::string::npos) << far;
    const std::string near = front_svg(three_points(4096));
    EXPECT_NE(near.find("<line class=\"budget\""), std::string::npos);
    EXPECT_NE(near.find("budget 4 KiB"), std::string::npos);
}

TEST(FrontPicture, TicksHaveThreeFiguresAndAUnit)
{
    const std::string svg = front_svg(three_points(96 * 1024));
    const std::regex tick("class=\"tick [xy]\"[^>]*>([^<]*)<");
    int n = 0;
    for (auto it = std::sregex_iterator(svg.begin(), svg.end(), tick); it != std::sregex_iterator(); ++it, ++n)
        EXPECT_TRUE(std::regex_match((*it)[1].str(), std::regex(R"(\d+(\.\d{1,2})? (µs|ms|s|B|KiB|MiB))")))
            << (*it)[1];
    EXPECT_GE(n, 6);
}

} // namespace
} // namespace tinytx::tuner
