// SegmentLedger: what runs' probe hits teach, what a candidate then composes to, and where its
// run may stop. The hits here are made up; tuning's tests check the composition against whole
// runs on the iss.
#include <gtest/gtest.h>

#include "../segment_ledger.h"

namespace tinytx::tuner {
namespace {

constexpr int32_t kF = 128;
const std::string kRegion = "sram1";

Schedule two_layers(MhsaSchedule mhsa, int32_t ffn_tile)
{
    Schedule s;
    LayerKnobs k;
    k.mhsa = mhsa;
    k.variant = TX_VARIANT_DSP;
    k.ffn_tile = ffn_tile;
    s.layers = {k, k};
    return s;
}

// A run's hits: per layer the encoder, MHSA and two adds, at the cycles given (cumulative).
platform::Measurement run(const std::vector<uint64_t> &at, std::optional<uint64_t> end)
{
    platform::Measurement m;
    for (size_t h = 0; h < at.size(); ++h)
        m.probes.push_back({(std::vector<uint32_t>{0, 1, 2, 2})[h % 4], at[h]});
    m.status = end ? platform::RunStatus::kOk : platform::RunStatus::kProbed;
    m.cycles_median = end.value_or(at.empty() ? 0 : at.back());
    return m;
}

TEST(SegmentLedger, AWholeRunComposesItselfAndAnotherSchedulesSharedSegments)
{
    SegmentLedger ledger(kF);
    const Schedule a = two_layers(MhsaSchedule::kHeadwise, 0);
    EXPECT_FALSE(ledger.compose(a, kRegion).cycles);
    EXPECT_FALSE(ledger.compose(a, kRegion).stop_at_probe) << "the last tail is unknown: run to the end";
    //                  enc  mhsa  add  add | enc  mhsa  add   add   end
    ASSERT_TRUE(ledger.learn(a, kRegion, run({10, 20, 120, 150, 200, 210, 310, 340}, 400)));
    EXPECT_EQ(ledger.compose(a, kRegion).cycles, 400u);

    // the same attention with a tiled FFN: its prologues and tails are new; the last tail is
    // unknown, so it runs to its end
    const Schedule b = two_layers(MhsaSchedule::kHeadwise, 32);
    const SegmentLedger::Composition cb = ledger.compose(b, kRegion);
    EXPECT_FALSE(cb.cycles);
    EXPECT_FALSE(cb.stop_at_probe);
    EXPECT_EQ(cb.known_cycles, 10u + 100 + 100) << "the lead and both attentions";
    EXPECT_TRUE(cb.attentions_known);
    EXPECT_FALSE(ledger.compose(two_layers(MhsaSchedule::kDepthfirst, 0), kRegion).attentions_known);
    ASSERT_TRUE(ledger.learn(b, kRegion, run({10, 25, 125, 170, 230, 245, 345, 390}, 460)));
    EXPECT_EQ(ledger.compose(b, kRegion).cycles, 460u);

    // another FFN tile shares b's prologues (tiled) and attentions; only its tails are new
    const Schedule c = two_layers(MhsaSchedule::kHeadwise, 64);
    EXPECT_EQ(ledger.compose(c, kRegion).known_cycles, 10u + 15 + 100 + 15 + 100);
}

TEST(SegmentLedger, ARunStopsAfterItsLastUnknownSegment)
{
    SegmentLedger ledger(kF);
    const Schedule a = two_layers(MhsaSchedule::kHeadwise, 0), d = two_layers(MhsaSchedule::kDepthfirst, 0);
    ASSERT_TRUE(ledger.learn(a, kRegion, run({10, 20, 120, 150, 200, 210, 310, 340}, 400)));
    // d differs in its attentions and prologues: the second attention ends at the second layer's
    // first add, hit 4 + 3
    const SegmentLedger::Composition cd = ledger.compose(d, kRegion);
    EXPECT_EQ(cd.stop_at_probe, 7u);
    // stopped there, d is known: its tails are a's
    ASSERT_TRUE(ledger.learn(d, kRegion, run({10, 30, 230, 260, 310, 330, 530}, std::nullopt)));
    EXPECT_EQ(ledger.compose(d, kRegion).cycles, 530u + (400 - 310) - 0u) << "d's run to hit 7, then a's last tail";
}

TEST(SegmentLedger, ARunStoppedPastItsBoundLeavesALowerBoundOfTheSegmentItStoppedIn)
{
    SegmentLedger ledger(kF);
    const Schedule a = two_layers(MhsaSchedule::kHeadwise, 0), b = two_layers(MhsaSchedule::kHeadwise, 32);
    ASSERT_TRUE(ledger.learn(a, kRegion, run({10, 20, 120, 150, 200, 210, 310, 340}, 400)));
    // b stopped at 200 cycles, inside its first tail (which began at 125)
    platform::Measurement stopped = run({10, 25, 125}, std::nullopt);
    stopped.status = platform::RunStatus::kAboveBound;
    stopped.cycles_median = 200;
    ASSERT_TRUE(ledger.learn(b, kRegion, stopped));
    const SegmentLedger::Composition cb = ledger.compose(b, kRegion);
    EXPECT_FALSE(cb.cycles);
    EXPECT_EQ(cb.known_cycles, 10u + 15 + 100 + 75 + 100) << "lead, prologue, attention, the tail's lower bound, attention";
    // a whole run of b later makes the tail exact
    ASSERT_TRUE(ledger.learn(b, kRegion, run({10, 25, 125, 170, 230, 245, 345, 390}, 460)));
    EXPECT_EQ(ledger.compose(b, kRegion).cycles, 460u);
    // a whole run below a lower bound contradicts it
    const Schedule c = two_layers(MhsaSchedule::kHeadwise, 64);
    stopped.cycles_median = 240;
    ASSERT_TRUE(ledger.learn(c, kRegion, stopped));
    EXPECT_FALSE(ledger.learn(c, kRegion, run({10, 25, 125, 170, 230, 245, 345, 390}, 460)));
}

TEST(SegmentLedger, ASegmentMeasuredTwiceWithOtherCyclesStopsComposition)
{
    SegmentLedger ledger(kF);
    const Schedule a = two_layers(MhsaSchedule::kHeadwise, 0);
    ASSERT_TRUE(ledger.learn(a, kRegion, run({10, 20, 120, 150, 200, 210, 310, 340}, 400)));
    EXPECT_FALSE(ledger.learn(a, kRegion, run({10, 20, 121, 150, 200, 210, 310, 340}, 401)));
    EXPECT_FALSE(ledger.exact());
    EXPECT_FALSE(ledger.compose(a, kRegion).cycles) << "nothing composes once a segment contradicted another";
    EXPECT_FALSE(ledger.compose(a, kRegion).stop_at_probe);
}

TEST(SegmentLedger, HitsOutOfPatternTeachNothing)
{
    SegmentLedger ledger(kF);
    const Schedule a = two_layers(MhsaSchedule::kHeadwise, 0);
    platform::Measurement m = run({10, 20, 120, 150, 200, 210, 310, 340}, 400);
    std::swap(m.probes[1], m.probes[2]);
    EXPECT_TRUE(ledger.learn(a, kRegion, m));
    EXPECT_EQ(ledger.compose(a, kRegion).known_cycles, 0u);
}

}  // namespace
}  // namespace tinytx::tuner
