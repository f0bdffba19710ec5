// DominanceBound: the fewest cycles among points with no larger arena.
#include <gtest/gtest.h>

#include "../dominance_bound.h"

namespace tinytx::tuner {
namespace {

TEST(DominanceBound, FewestCyclesAmongPointsWithNoLargerArena)
{
    DominanceBound b;
    EXPECT_FALSE(b.at(1000));
    b.add(2000, 500);
    b.add(1000, 900);
    b.add(1000, 800);  // the fewer of two at one arena
    b.add(3000, 100);
    EXPECT_FALSE(b.at(999)) << "no point as small";
    EXPECT_EQ(b.at(1000), 800u);
    EXPECT_EQ(b.at(1999), 800u);
    EXPECT_EQ(b.at(2000), 500u);
    EXPECT_EQ(b.at(5000), 100u);
}

}  // namespace
}  // namespace tinytx::tuner
