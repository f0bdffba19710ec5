#include <gtest/gtest.h>

#include <chrono>
#include <random>

#include "tinytx/tuner/pareto.h"

using namespace tinytx::tuner;

static ParetoPoint pt(const char *id, double lat, double e, uint64_t mem, Source s = Source::kMeasured)
{
    return {id, lat, e, mem, s};
}

TEST(Pareto, FrontDominatedAndBudget)
{
    std::vector<ParetoPoint> v{
        pt("a", 100, 10, 1000),  // front
        pt("b", 200, 20, 500),   // front (less memory)
        pt("c", 150, 15, 1200),  // dominated by a
        pt("d", 50, 5, 9000),    // over budget
        pt("e", 100, 10, 1000),  // equal to a: both stay
    };
    auto r = pareto_front(v, 4096);
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->source, Source::kMeasured);
    EXPECT_EQ(r->front, (std::vector<size_t>{0, 4, 1}));
    EXPECT_EQ(r->dominated, (std::vector<size_t>{2}));
    EXPECT_EQ(r->over_budget, (std::vector<size_t>{3}));
    auto all = pareto_front(v);
    EXPECT_EQ(all->front, (std::vector<size_t>{3, 0, 4, 1}));
}

TEST(Pareto, MixingSourcesIsRefused)
{
    std::vector<ParetoPoint> v{pt("a", 1, 1, 1, Source::kMeasured), pt("b", 2, 2, 2, Source::kEmulated)};
    auto r = pareto_front(v);
    EXPECT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("points[1].source"), std::string::npos);
    EXPECT_NE(r.status().message().find("emulated"), std::string::npos);
}

TEST(Pareto, PerSourceFrontsNeverCompareAcrossSources)
{
    // the emulated point would dominate the measured one if they were compared
    std::vector<ParetoPoint> v{pt("m", 200, 20, 2000, Source::kMeasured),
                               pt("e", 100, 10, 1000, Source::kEmulated),
                               pt("e2", 300, 30, 3000, Source::kEmulated)};
    auto f = pareto_fronts_by_source(v);
    ASSERT_EQ(f.size(), 2u);
    EXPECT_EQ(f[Source::kMeasured].front, (std::vector<size_t>{0}));
    EXPECT_EQ(f[Source::kEmulated].front, (std::vector<size_t>{1}));
    EXPECT_EQ(f[Source::kEmulated].dominated, (std::vector<size_t>{2}));
}

TEST(Pareto, MatchesBruteForceOnTenThousandPoints)
{
    std::mt19937 rng(7);
    std::uniform_int_distribution<int> d(0, 999);
    std::vector<ParetoPoint> v;
    for (int i = 0; i < 10000; ++i)
        v.push_back(pt("x", d(rng), d(rng), uint64_t(d(rng)), Source::kModeled));
    auto t0 = std::chrono::steady_clock::now();
    auto r = pareto_front(v, 900);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
    ASSERT_TRUE(r.ok());
    EXPECT_LT(ms, 2000);
    std::vector<int> on(v.size(), 0);
    for (size_t i : r->front) on[i] = 1;
    for (size_t i : r->dominated) on[i] = 2;
    for (size_t i : r->over_budget) on[i] = 3;
    for (size_t i = 0; i < v.size(); ++i) {
        if (v[i].peak_bytes > 900) { EXPECT_EQ(on[i], 3); continue; }
        bool dom = false;
        for (size_t j = 0; j < v.size() && !dom; ++j)
            dom = v[j].peak_bytes <= 900 && dominates(v[j], v[i]);
        EXPECT_EQ(on[i], dom ? 2 : 1) << i;
    }
}

TEST(Pareto, SourceNames)
{
    for (Source s : {Source::kMeasured, Source::kEmulated, Source::kModeled})
        EXPECT_EQ(parse_source(source_name(s)), s);
    EXPECT_FALSE(parse_source("guessed"));
}
