#include <gtest/gtest.h>

#include <random>
#include <set>

#include "tinytx/platform/board_profile.h"
#include "tinytx/tuner/design_space.h"
#include "tinytx/tuner/memory_planner.h"

using namespace tinytx::tuner;
using tinytx::platform::BoardCatalog;
using tinytx::platform::BoardProfile;

static const tx_encoder_dims kEeg{81, 32, 8, 32, 128};

static const BoardCatalog &catalog()
{
    static BoardCatalog c = BoardCatalog::load_dir(TINYTX_BOARDS_DIR);
    return c;
}

// every point is legal: kernel-accepted, board-legal, fits its placement
static void expect_all_legal(const DesignSpace &ds, const BoardProfile &b, bool has_fused,
                             size_t n_layers, uint64_t stride = 1)
{
    const auto variants = DesignSpace::variant_choices(b.core);
    for (uint64_t i = 0; i < ds.size(); i += stride) {
        const Schedule s = ds.at(i);
        ASSERT_TRUE(ds.check(s).ok()) << i;
        ASSERT_TRUE(check_dims(s, kEeg, n_layers).ok());
        auto plan = plan_memory(kEeg, n_layers, s);
        ASSERT_TRUE(plan.ok()) << plan.status().message();
        ASSERT_TRUE(check_placement(*plan, s, b).ok()) << i;
        for (const auto &k : s.layers) {
            ASSERT_TRUE(has_fused || k.attention == AttentionMode::kStandard);
            ASSERT_NE(std::find(variants.begin(), variants.end(), k.variant), variants.end());
            if (k.variant == TX_VARIANT_DSP) {
                ASSERT_TRUE(b.core == "cortex-m4" || b.core == "cortex-m7");
            }
            if (k.variant == TX_VARIANT_RV32) {
                ASSERT_EQ(b.core, "rv32imc");
            }
        }
    }
}

TEST(DesignSpace, Choices)
{
    EXPECT_EQ(DesignSpace::tile_rows_choices(81), (std::vector<int32_t>{1, 2, 4, 8, 9, 20, 40}));
    EXPECT_EQ(DesignSpace::tile_rows_choices(2), (std::vector<int32_t>{1}));
    EXPECT_EQ(DesignSpace::ffn_tile_choices(128), (std::vector<int32_t>{0, 16, 32, 64}));
    EXPECT_EQ(DesignSpace::ffn_tile_choices(4), (std::vector<int32_t>{0, 1, 2}));
    EXPECT_EQ(DesignSpace::variant_choices("cortex-m7").back(), TX_VARIANT_DSP);
    EXPECT_EQ(DesignSpace::variant_choices("rv32imc").back(), TX_VARIANT_RV32);
    EXPECT_EQ(DesignSpace::variant_choices("x86").size(), 3u);
}

TEST(DesignSpace, SharedModeAllLegalAndExhaustive)
{
    for (const auto &name : catalog().names()) {
        const BoardProfile &b = catalog().get(name);
        for (bool fused : {false, true}) {
            auto r = DesignSpace::create("eeg", kEeg, 2, fused, b, SpaceMode::kShared);
            ASSERT_TRUE(r.ok()) << r.status().message();
            const DesignSpace &ds = *r;
            EXPECT_GT(ds.size(), 0u) << name;
            uint64_t total = 0;
            for (size_t p = 0; p < ds.homes().size(); ++p)
                total += ds.fitting_count(p);
            EXPECT_EQ(ds.size(), total);
            expect_all_legal(ds, b, fused, 2);
            EXPECT_THROW(ds.at(ds.size()), std::out_of_range);
            // all distinct
            std::set<std::string> hashes;
            for (uint64_t i = 0; i < ds.size(); ++i)
                hashes.insert(schedule_hash(ds.at(i)));
            EXPECT_EQ(hashes.size(), ds.size());
        }
    }
}

TEST(DesignSpace, PlacementFilteredByPlan)
{
    // L476: the 96 KiB SRAM1 cannot hold EEGFormer layer-wise; nothing layer-wise is placed there
    const BoardProfile &b = catalog().get("nucleo-l476rg");
    auto r = DesignSpace::create("eeg", kEeg, 1, false, b, SpaceMode::kShared);
    ASSERT_TRUE(r.ok());
    const DesignSpace &ds = *r;
    size_t smallest = SIZE_MAX;
    for (const auto &reg : b.memory)
        if (is_ram_like(reg)) smallest = std::min<size_t>(smallest, reg.length);
    bool filtered = false;
    for (size_t p = 0; p < ds.homes().size(); ++p)
        filtered = filtered || ds.fitting_count(p) < ds.layer_knob_sets().size();
    EXPECT_TRUE(filtered);
    expect_all_legal(ds, b, false, 1);
}

TEST(DesignSpace, PerLayerMultiplies)
{
    const BoardProfile &b = catalog().get("nucleo-h743zi");
    auto sh = DesignSpace::create("eeg", kEeg, 2, true, b, SpaceMode::kShared);
    auto pl = DesignSpace::create("eeg", kEeg, 2, true, b, SpaceMode::kPerLayer);
    ASSERT_TRUE(sh.ok() && pl.ok());
    uint64_t expect = 0;
    for (size_t p = 0; p < pl->homes().size(); ++p)
        expect += uint64_t(pl->fitting_count(p)) * pl->fitting_count(p);
    EXPECT_EQ(pl->size(), expect);
    EXPECT_GT(pl->size(), sh->size());
    expect_all_legal(*pl, b, true, 2, 97);
    // layers really differ somewhere
    bool differ = false;
    for (uint64_t i = 0; i < 50 && !differ; ++i) {
        auto s = pl->at(i);
        differ = !(s.layers[0] == s.layers[1]);
    }
    EXPECT_TRUE(differ);
    // a per-layer schedule is not a point of the shared space
    EXPECT_FALSE(sh->check(pl->at(1)).ok());
}

TEST(DesignSpace, IllegalPointsAreRejected)
{
    const BoardProfile &h7 = catalog().get("nucleo-h743zi");
    const BoardProfile &gap = catalog().get("gap9");
    auto r = DesignSpace::create("eeg", kEeg, 1, false, h7, SpaceMode::kShared);
    ASSERT_TRUE(r.ok());
    Schedule ok = r->at(0);
    ASSERT_TRUE(r->check(ok).ok());
    Schedule s = ok;
    s.layers[0].attention = AttentionMode::kFused;
    EXPECT_NE(r->check(s).message().find("fused"), std::string::npos);
    s = ok;
    s.layers[0].variant = TX_VARIANT_RV32;
    EXPECT_NE(r->check(s).message().find("variant"), std::string::npos);
    s = ok;
    s.layers[0].mhsa = MhsaSchedule::kDepthfirst;
    s.layers[0].tile_rows = 3;
    EXPECT_FALSE(r->check(s).ok());
    s.layers[0].tile_rows = 81;
    EXPECT_FALSE(r->check(s).ok());
    s = ok;
    s.layers[0].placement = "flash";
    EXPECT_FALSE(r->check(s).ok());
    s = ok;
    s.board = "gap9";
    EXPECT_FALSE(r->check(s).ok());

    auto g = DesignSpace::create("eeg", kEeg, 1, false, gap, SpaceMode::kShared);
    ASSERT_TRUE(g.ok());
    for (uint64_t i = 0; i < g->size(); ++i)
        ASSERT_NE(g->at(i).layers[0].variant, TX_VARIANT_DSP);
}

TEST(DesignSpace, BadInputIsAnError)
{
    const BoardProfile &b = catalog().get("nucleo-h743zi");
    EXPECT_FALSE(DesignSpace::create("x", {0, 32, 8, 32, 128}, 1, false, b, SpaceMode::kShared).ok());
    EXPECT_FALSE(DesignSpace::create("x", kEeg, 0, false, b, SpaceMode::kShared).ok());
    auto huge = DesignSpace::create("x", kEeg, 64, true, b, SpaceMode::kPerLayer);
    EXPECT_FALSE(huge.ok());
    EXPECT_NE(huge.status().message().find("2^63"), std::string::npos);
}

// GAP9 with its cluster (the pulp backend): cores and split join the space, every cluster knob set
// fits the free L1, none places the arena in L1; without the option the space is unchanged.
TEST(DesignSpace, Gap9ClusterKnobs)
{
    const BoardProfile &b = catalog().get("gap9");
    const SpaceOptions cluster{8, 128 * 1024 - 15 * 1024};
    auto plain = DesignSpace::create("eegformer", kEeg, 1, true, b, SpaceMode::kShared);
    auto with = DesignSpace::create("eegformer", kEeg, 1, true, b, SpaceMode::kShared, cluster);
    ASSERT_TRUE(plain.ok() && with.ok());
    EXPECT_GT(with->size(), plain->size());
    for (const LayerKnobs &k : plain->layer_knob_sets())
        EXPECT_TRUE(k.cores == 0 && k.variant != TX_VARIANT_XPULP);

    std::set<int32_t> cores;
    std::set<ClusterSplit> splits;
    size_t refused_l1 = 0;
    for (const LayerKnobs &k : with->layer_knob_sets()) {
        if (k.cores == 0)
            continue;
        EXPECT_EQ(k.variant, TX_VARIANT_XPULP);
        cores.insert(k.cores);
        splits.insert(k.split);
        const size_t l1 = layer_cluster_l1_bytes(kEeg, k);
        EXPECT_GT(l1, 0u);
        EXPECT_LE(l1, cluster.l1_bytes);
    }
    // the heads split of EEGFormer on 8 cores with whole 81 x 81 score maps per core does not fit
    LayerKnobs big{AttentionMode::kStandard, MhsaSchedule::kHeadwise, 0, TX_VARIANT_XPULP, 0, "", 8,
                   ClusterSplit::kHeads};
    EXPECT_GT(layer_cluster_l1_bytes(kEeg, big), cluster.l1_bytes);
    refused_l1 += std::count(with->layer_knob_sets().begin(), with->layer_knob_sets().end(), big);
    EXPECT_EQ(refused_l1, 0u);
    EXPECT_EQ(cores, (std::set<int32_t>{1, 2, 4, 8}));
    EXPECT_EQ(splits, (std::set<ClusterSplit>{ClusterSplit::kRows, ClusterSplit::kHeads}));

    for (uint64_t i = 0; i < with->size(); ++i) {
        const Schedule s = with->at(i);
        ASSERT_TRUE(with->check(s).ok()) << i;
        if (s.layers[0].cores > 0) {
            EXPECT_NE(s.layers[0].placement, "l1");
        }
    }

    // what check() says about cluster points outside the space
    Schedule s = with->at(0);
    s.layers[0] = LayerKnobs{AttentionMode::kStandard, MhsaSchedule::kDepthfirst, 9, TX_VARIANT_XPULP, 0, "l2", 8,
                             ClusterSplit::kRows};
    EXPECT_TRUE(with->check(s).ok());
    EXPECT_NE(plain->check(s).message().find("xpulp"), std::string::npos) << plain->check(s).message();
    s.layers[0].placement = "l1";
    EXPECT_NE(with->check(s).message().find("L1"), std::string::npos) << with->check(s).message();
    s.layers[0].placement = "l2";
    s.layers[0].cores = 3;
    EXPECT_NE(with->check(s).message().find("cores"), std::string::npos) << with->check(s).message();
    s.layers[0] = big;
    s.layers[0].placement = "l2";
    EXPECT_NE(with->check(s).message().find("bytes of L1"), std::string::npos) << with->check(s).message();
}

// The cluster kernels compose post-norm layers only: a pre-norm model gets no cluster knobs.
TEST(DesignSpace, PreNormModelsKeepOffTheCluster)
{
    const BoardProfile &b = catalog().get("gap9");
    const SpaceOptions cluster{8, 128 * 1024 - 15 * 1024};
    Model m;
    m.name = "eegformer";
    m.dims = kEeg;
    m.layers.resize(1);
    auto post = DesignSpace::create(m, b, SpaceMode::kShared, cluster);
    m.norm = TX_NORM_PRE;
    auto pre = DesignSpace::create(m, b, SpaceMode::kShared, cluster);
    ASSERT_TRUE(post.ok() && pre.ok());
    auto on_cluster = [](const DesignSpace &s) {
        const auto &ks = s.layer_knob_sets();
        return std::count_if(ks.begin(), ks.end(), [](const LayerKnobs &k) { return k.cores > 0; });
    };
    EXPECT_GT(on_cluster(*post), 0);
    EXPECT_EQ(on_cluster(*pre), 0);
}

// With the weights' bytes known, a Cortex-M board whose RAM loads faster than its flash offers the
// weights in the fastest RAM region that holds them, beside every placement they fit with: the space
// grows by those homes only, and check() counts weights and arena together in a shared region.
TEST(DesignSpace, WeightsInRamWhereTheyFitAndLoadFaster)
{
    const BoardProfile &h7 = catalog().get("nucleo-h743zi");
    const auto flash_only = DesignSpace::create("eeg", kEeg, 1, false, h7, SpaceMode::kShared);
    ASSERT_TRUE(flash_only.ok());
    EXPECT_EQ(weights_region_choice(h7, 40000), "dtcm");        // 0 wait states, 128 KiB
    EXPECT_EQ(weights_region_choice(h7, 200000), "axi_sram");   // too big for DTCM: the next fastest
    EXPECT_EQ(weights_region_choice(h7, 600000), "");           // fits no RAM
    EXPECT_EQ(weights_region_choice(catalog().get("nucleo-l476rg"), 40000), "sram1");

    SpaceOptions o;
    o.weights_bytes = 40000;
    const auto ds = DesignSpace::create("eeg", kEeg, 1, false, h7, SpaceMode::kShared, o);
    ASSERT_TRUE(ds.ok());
    ASSERT_EQ(ds->homes().size(), 2 * flash_only->homes().size());
    uint64_t with_weights = 0;
    for (size_t h = 0; h < ds->homes().size(); ++h) {
        const DesignSpace::Home &home = ds->homes()[h];
        EXPECT_EQ(home.weights, h % 2 ? "dtcm" : "") << h;
        if (!home.weights.empty()) with_weights += ds->fitting_count(h);
    }
    EXPECT_GT(with_weights, 0u);
    EXPECT_EQ(ds->size(), flash_only->size() + with_weights);
    for (uint64_t i = 0; i < ds->size(); ++i)
        ASSERT_TRUE(ds->check(ds->at(i)).ok()) << i << ": " << ds->check(ds->at(i)).message();

    // a plan that fits DTCM alone but not beside weights that take the rest of it and 8 bytes more
    Schedule s = flash_only->at(0);
    ASSERT_EQ(s.layers[0].placement, "dtcm");
    const auto plan = plan_memory(kEeg, 1, s);
    ASSERT_TRUE(plan.ok());
    SpaceOptions big;
    big.weights_bytes = 131072 - plan->peak_bytes + 8;
    const auto tight = DesignSpace::create("eeg", kEeg, 1, false, h7, SpaceMode::kShared, big);
    ASSERT_TRUE(tight.ok());
    for (LayerKnobs &k : s.layers)
        k.weights = "dtcm";
    EXPECT_EQ(tight->check(s).message(), "layers[0].placement: arena of " + std::to_string(plan->peak_bytes) +
                                             " bytes and weights of " + std::to_string(big.weights_bytes) +
                                             " bytes do not fit \"dtcm\" (131072 bytes)");
    EXPECT_LT(tight->fitting_count(1), tight->fitting_count(0));
    for (LayerKnobs &k : s.layers)
        k.weights = "axi_sram";
    EXPECT_EQ(ds->check(s).message(),
              "layers[0].weights: \"axi_sram\" is not where the space puts weights on nucleo-h743zi (flash, dtcm)");
}
