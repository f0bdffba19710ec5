#include <gtest/gtest.h>

#include <cstdlib>
#include <set>

#include "tinytx/platform/board_profile.h"
#include "tinytx/tuner/search.h"

using namespace tinytx::tuner;
using tinytx::platform::BoardCatalog;

static const tx_encoder_dims kEeg{81, 32, 8, 32, 128};

static const BoardCatalog &catalog()
{
    static BoardCatalog c = BoardCatalog::load_dir(TINYTX_BOARDS_DIR);
    return c;
}

// Synthetic 16x16x16 space. Known front: z == 0 and y == 5 (16 points, x trades latency for
// memory); every other point is dominated by (x, 5, 0). z == 15 fails.
static Objectives synth(uint64_t i)
{
    const int x = int(i % 16), y = int(i / 16 % 16), z = int(i / 256);
    if (z == 15) return Objectives::failure();
    Objectives o;
    o.latency_cycles = x + z;
    o.memory_bytes = (15 - x) + z;
    o.energy_uj = std::abs(y - 5) * 10.0 + z;
    return o;
}
static bool on_front(uint64_t i) { return i / 256 == 0 && i / 16 % 16 == 5; }

static std::vector<uint64_t> run(SearchStrategy &s, size_t batch, Objectives (*f)(uint64_t))
{
    std::vector<uint64_t> all;
    while (!s.done()) {
        auto b = s.propose(batch);
        if (b.empty()) break;
        for (uint64_t i : b) {
            all.push_back(i);
            s.tell(i, f(i));
        }
    }
    return all;
}

TEST(Search, ExhaustiveCoversAllOnceInOrder)
{
    ExhaustiveStrategy s(37);
    std::vector<uint64_t> all = run(s, 5, synth);
    ASSERT_EQ(all.size(), 37u);
    for (uint64_t i = 0; i < 37; ++i) EXPECT_EQ(all[i], i);
    EXPECT_TRUE(s.done());
    EXPECT_TRUE(s.propose(4).empty());

    ExhaustiveStrategy b(37, SearchOptions{.budget = 10});
    EXPECT_EQ(run(b, 3, synth).size(), 10u);
}

TEST(Search, IndexCodingRoundTrip)
{
    IndexCoding c = IndexCoding::mixed_radix({16, 16, 16});
    EXPECT_EQ(c.size(), 4096u);
    for (uint64_t i = 0; i < 4096; i += 37) EXPECT_EQ(c.encode(c.decode(i)), i);
    EXPECT_EQ(c.decode(5 + 16 * 3).digits, (std::vector<uint64_t>{5, 3, 0}));

    const auto &b = catalog().get("nucleo-h743zi");
    auto r = DesignSpace::create("eeg", kEeg, 2, false, b, SpaceMode::kPerLayer);
    ASSERT_TRUE(r.ok()) << r.status().message();
    IndexCoding sc = IndexCoding::from_space(*r);
    EXPECT_EQ(sc.size(), r->size());
    ASSERT_FALSE(sc.blocks.empty());
    EXPECT_EQ(sc.blocks[0].radices.size(), 2u);   // one digit per layer
    // a digit is one layer's knob set: changing digit 1 leaves layer 0 unchanged
    auto g = sc.decode(0);
    const Schedule s0 = r->at(0);
    g.digits[1] = sc.blocks[0].radices[1] - 1;
    const Schedule s1 = r->at(sc.encode(g));
    EXPECT_EQ(s0.layers[0], s1.layers[0]);
    EXPECT_NE(s0.layers[1], s1.layers[1]);
}

TEST(Search, Nsga2FindsMostOfTheKnownFront)
{
    Nsga2Strategy s(IndexCoding::mixed_radix({16, 16, 16}), SearchOptions{.budget = 600, .seed = 7});
    std::vector<uint64_t> all = run(s, 8, synth);
    EXPECT_EQ(all.size(), 600u);
    std::set<uint64_t> uniq(all.begin(), all.end());
    EXPECT_EQ(uniq.size(), all.size()) << "an index was proposed twice";
    size_t found = 0;
    for (uint64_t i : uniq) found += on_front(i);
    EXPECT_GE(found, 12u) << "of 16 front points (random search expects ~2)";
    for (uint64_t i : s.population()) EXPECT_FALSE(synth(i).failed);
}

TEST(Search, Nsga2FlatCodingExhaustsWithoutRepeats)
{
    Nsga2Strategy s(IndexCoding::flat(50), SearchOptions{.seed = 3, .population = 8});
    std::vector<uint64_t> all = run(s, 7, synth);
    std::set<uint64_t> uniq(all.begin(), all.end());
    EXPECT_EQ(all.size(), 50u);
    EXPECT_EQ(uniq.size(), 50u);
    EXPECT_TRUE(s.propose(3).empty());
}

TEST(Search, Nsga2Deterministic)
{
    auto seq = [](uint64_t seed) {
        Nsga2Strategy s(IndexCoding::mixed_radix({16, 16, 16}), SearchOptions{.budget = 200, .seed = seed});
        return run(s, 5, synth);
    };
    EXPECT_EQ(seq(11), seq(11));
    EXPECT_NE(seq(11), seq(12));
}

TEST(Search, GuidedProposesInPredictedOrderAndAdapts)
{
    bool flipped = false;
    auto predict = [&](uint64_t i) {
        Objectives o;
        const double base = double((i * 37) % 100);
        o.latency_cycles = flipped ? 100 - base : base;
        o.memory_bytes = 1;
        return o;
    };
    GuidedStrategy s(100, predict, SearchOptions{}, [&](uint64_t, const Objectives &) { flipped = true; });
    auto first = s.propose(3);
    ASSERT_EQ(first.size(), 3u);
    for (size_t k = 0; k < 3; ++k) EXPECT_EQ((first[k] * 37) % 100, k);   // lowest predicted first
    s.tell(first[0], Objectives{});
    auto next = s.propose(2);   // now the highest base is predicted best
    ASSERT_EQ(next.size(), 2u);
    EXPECT_EQ((next[0] * 37) % 100, 99u);
    EXPECT_EQ((next[1] * 37) % 100, 98u);
    // never repeats, covers everything
    std::set<uint64_t> seen(first.begin(), first.end());
    seen.insert(next.begin(), next.end());
    while (!s.done())
        for (uint64_t i : s.propose(9)) EXPECT_TRUE(seen.insert(i).second);
    EXPECT_EQ(seen.size(), 100u);
}

TEST(Search, GuidedPrefersParetoLayerThenLatency)
{
    // 0: (1, 10)  1: (2, 1)  2: (3, 20) dominated by 0  3: (4, 2) dominated by 1
    const double lat[] = {1, 2, 3, 4}, mem[] = {10, 1, 20, 2};
    GuidedStrategy s(4, [&](uint64_t i) {
        Objectives o;
        o.latency_cycles = lat[i];
        o.memory_bytes = mem[i];
        return o;
    });
    EXPECT_EQ(s.propose(4), (std::vector<uint64_t>{0, 1, 2, 3}));
    GuidedStrategy t(4, [&](uint64_t i) {
        Objectives o;
        o.latency_cycles = i == 0 ? 5 : lat[i];   // 0 now off the first layer? (5,10) vs (2,1): yes
        o.memory_bytes = mem[i];
        return o;
    });
    EXPECT_EQ(t.propose(4), (std::vector<uint64_t>{1, 2, 3, 0}));
}

TEST(Search, FactoryChoices)
{
    const IndexCoding c = IndexCoding::flat(100);
    EXPECT_EQ(make_strategy("auto", c, SearchOptions{}).value()->name(), "exhaustive");
    EXPECT_EQ(make_strategy("auto", c, SearchOptions{.budget = 100}).value()->name(), "exhaustive");
    EXPECT_EQ(make_strategy("auto", c, SearchOptions{.budget = 50}).value()->name(), "nsga2");
    EXPECT_EQ(make_strategy("exhaustive", c, SearchOptions{.budget = 50}).value()->name(), "exhaustive");
    EXPECT_EQ(make_strategy("nsga2", c, SearchOptions{}).value()->name(), "nsga2");
    const auto guided = make_strategy("guided", c, SearchOptions{}, {});
    EXPECT_FALSE(guided.ok());
    EXPECT_NE(guided.status().message(), "");
    const auto bogus = make_strategy("bogus", c, SearchOptions{}, {});
    EXPECT_FALSE(bogus.ok());
    EXPECT_NE(bogus.status().message().find("bogus"), std::string::npos);
}

TEST(Search, GuidedOverDesignSpaceWithCostModel)
{
    const auto &b = catalog().get("nucleo-l476rg");
    auto r = DesignSpace::create("eeg", kEeg, 2, false, b, SpaceMode::kShared);
    ASSERT_TRUE(r.ok()) << r.status().message();
    const DesignSpace &ds = *r;
    SpaceSearchContext ctx{kEeg, CostModel::prior_for(b), true};
    auto made = make_strategy("guided", ds, SearchOptions{.budget = 6}, ctx);
    ASSERT_TRUE(made.ok());
    auto s = std::move(made).value();
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(make_strategy("auto", ds, SearchOptions{}, ctx).value()->name(), "exhaustive");
    const CostModel prior = CostModel::prior_for(b);
    auto first = s->propose(3);
    ASSERT_EQ(first.size(), 3u);
    // the first proposal has the lowest predicted latency of the whole space
    double best = 1e300;
    for (uint64_t i = 0; i < ds.size(); ++i)
        best = std::min(best, prior.predict_cycles(schedule_features(kEeg, ds.at(i))));
    EXPECT_DOUBLE_EQ(prior.predict_cycles(schedule_features(kEeg, ds.at(first[0]))), best);
    for (uint64_t i : first) {
        Objectives o;
        o.latency_cycles = 2 * prior.predict_cycles(schedule_features(kEeg, ds.at(i)));
        s->tell(i, o);   // recalibrates its model copy
    }
    auto more = s->propose(10);
    EXPECT_EQ(more.size(), 3u);   // budget 6
    for (uint64_t i : more) EXPECT_LT(i, ds.size());
    EXPECT_TRUE(s->done());
}
