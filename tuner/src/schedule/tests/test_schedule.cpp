#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "schedule_test_util.h"
#include "tinytx/tuner/schedule.h"

using namespace tinytx::tuner;

static Schedule sample()
{
    Schedule s;
    s.model = "eegformer";
    s.board = "nucleo-h743zi";
    s.layers.push_back({AttentionMode::kStandard, MhsaSchedule::kDepthfirst, 9, TX_VARIANT_DSP, 32, "dtcm"});
    s.layers.push_back({AttentionMode::kFused, MhsaSchedule::kHeadwise, 0, TX_VARIANT_OPT4X2, 0, "dtcm"});
    return s;
}

TEST(Schedule, JsonRoundTrip)
{
    const Schedule s = sample();
    auto r = schedule_from_json(to_json(s));
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(*r, s);
    auto r2 = parse_schedule(canonical_json(s));
    ASSERT_TRUE(r2.ok());
    EXPECT_EQ(*r2, s);
}

TEST(Schedule, CanonicalAndHash)
{
    const Schedule s = sample();
    const std::string c = canonical_json(s);
    EXPECT_EQ(c.find(' '), std::string::npos);
    EXPECT_EQ(c.find('\n'), std::string::npos);
    EXPECT_LT(c.find("\"board\""), c.find("\"layers\""));
    EXPECT_LT(c.find("\"attention\""), c.find("\"ffn_tile\""));
    EXPECT_EQ(schedule_hash(s).size(), 64u);
    Schedule t = s;
    t.layers[1].tile_rows = 5;  // ignored for head-wise: same canonical form
    EXPECT_EQ(schedule_hash(t), schedule_hash(s));
    t.layers[0].tile_rows = 8;
    EXPECT_NE(schedule_hash(t), schedule_hash(s));
}

TEST(Schedule, ClusterKnobsRoundTripAndAreChecked)
{
    Schedule s = sample();
    for (LayerKnobs &k : s.layers) {
        k.variant = TX_VARIANT_XPULP;
        k.cores = 8;
        k.split = ClusterSplit::kHeads;
    }
    const auto j = to_json(s);
    EXPECT_EQ(j["layers"][0]["cores"], 8);
    EXPECT_EQ(j["layers"][0]["split"], "heads");
    EXPECT_EQ(j["layers"][0]["variant"], "xpulp");
    auto back = schedule_from_json(j);
    ASSERT_TRUE(back.ok()) << back.status().message();
    EXPECT_EQ(*back, s);
    EXPECT_EQ(schedule_hash(*back), schedule_hash(s));
    EXPECT_NE(schedule_summary(s).find("xpulp x8 heads"), std::string::npos) << schedule_summary(s);
    // single-core layers carry neither key, and their split does not change the identity
    Schedule one = sample();
    EXPECT_FALSE(to_json(one)["layers"][0].contains("cores"));
    EXPECT_FALSE(to_json(one)["layers"][0].contains("split"));
    Schedule odd = one;
    odd.layers[0].split = ClusterSplit::kHeads;
    EXPECT_EQ(schedule_hash(odd), schedule_hash(one));
    // the structural check: cluster layers use the Xpulp kernels, at most kMaxClusterCores cores
    const tx_encoder_dims d{16, 64, 8, 8, 128};
    Schedule bad = s;
    bad.layers[0].variant = TX_VARIANT_RV32;
    ASSERT_FALSE(check_dims(bad, d, s.layers.size()).ok());
    EXPECT_EQ(test::schedule_error(check_dims(bad, d, s.layers.size())).path, "layers[0].variant");
    bad = s;
    bad.layers[1].cores = kMaxClusterCores + 1;
    ASSERT_FALSE(check_dims(bad, d, s.layers.size()).ok());
    EXPECT_EQ(test::schedule_error(check_dims(bad, d, s.layers.size())).path, "layers[1].cores");
    EXPECT_EQ(to_cluster_split(ClusterSplit::kHeads), TX_SPLIT_HEADS);
    EXPECT_EQ(to_cluster_split(ClusterSplit::kRows), TX_SPLIT_ROWS);
}

TEST(Schedule, ErrorsNameThePath)
{
    auto j = to_json(sample());
    j["layers"][1]["mhsa"] = "diagonal";
    auto r = schedule_from_json(j);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(test::schedule_error(r.status()).path, "layers[1].mhsa");

    j = to_json(sample());
    j["layers"][0].erase("tile_rows");
    EXPECT_EQ(test::schedule_error(schedule_from_json(j).status()).path, "layers[0].tile_rows");
    j = to_json(sample());
    j["layers"][0]["ffn_tile"] = "big";
    EXPECT_EQ(test::schedule_error(schedule_from_json(j).status()).path, "layers[0].ffn_tile");
    j = to_json(sample());
    j["layers"][0]["variant"] = "neon";
    EXPECT_EQ(test::schedule_error(schedule_from_json(j).status()).path, "layers[0].variant");
    j = to_json(sample());
    j["layers"][0]["threads"] = 8;
    EXPECT_EQ(test::schedule_error(schedule_from_json(j).status()).path, "layers[0].threads");
    // cluster knobs: split goes with cores >= 1, cores must be a count
    j = to_json(sample());
    j["layers"][0]["cores"] = 8;
    EXPECT_EQ(test::schedule_error(schedule_from_json(j).status()).path, "layers[0].split");
    j["layers"][0]["split"] = "diagonal";
    EXPECT_EQ(test::schedule_error(schedule_from_json(j).status()).path, "layers[0].split");
    j["layers"][0]["cores"] = -1;
    EXPECT_EQ(test::schedule_error(schedule_from_json(j).status()).path, "layers[0].cores");
    j = to_json(sample());
    j["layers"][0]["split"] = "heads";
    EXPECT_EQ(test::schedule_error(schedule_from_json(j).status()).path, "layers[0].split");
    j = to_json(sample());
    j["layers"][1]["tile_rows"] = 4;
    EXPECT_EQ(test::schedule_error(schedule_from_json(j).status()).path, "layers[1].tile_rows");
    EXPECT_EQ(test::schedule_error(parse_schedule("{").status()).path, "");
    EXPECT_EQ(test::schedule_error(parse_schedule("{\"layers\":{}}").status()).path, "layers");
    EXPECT_EQ(test::schedule_error(parse_schedule("{\"model\":3,\"layers\":[]}").status()).path, "model");

    // regression (test_schedule_fuzz): 2^64-1 read back as int64 -1 and was reported as "got -1"
    j = to_json(sample());
    j["layers"][0]["tile_rows"] = UINT64_MAX;
    auto big = schedule_from_json(j);
    ASSERT_FALSE(big.ok());
    EXPECT_EQ(test::schedule_error(big.status()).path, "layers[0].tile_rows");
    EXPECT_NE(test::schedule_error(big.status()).reason.find("got 18446744073709551615"), std::string::npos)
        << big.status().message();
}

TEST(Schedule, CheckDims)
{
    const tx_encoder_dims d{81, 32, 8, 32, 128};
    Schedule s = sample();
    EXPECT_TRUE(check_dims(s, d, 2).ok());
    EXPECT_EQ(test::schedule_error(check_dims(s, d, 1)).path, "layers");
    s.layers[0].tile_rows = 81;
    EXPECT_EQ(test::schedule_error(check_dims(s, d, 2)).path, "layers[0].tile_rows");
    s = sample();
    s.layers[1].ffn_tile = 128;
    EXPECT_EQ(test::schedule_error(check_dims(s, d, 2)).path, "layers[1].ffn_tile");
    s = sample();
    s.layers[1].placement = "axi_sram";
    EXPECT_EQ(test::schedule_error(check_dims(s, d, 2)).path, "layers[1].placement");
}

TEST(Schedule, EncoderConfig)
{
    const Schedule s = sample();
    tx_encoder_config c = to_encoder_config(s.layers[0]);
    EXPECT_EQ(c.mhsa.mode, TX_ATTN_STANDARD);
    EXPECT_EQ(c.mhsa.schedule, TX_MHSA_DEPTHFIRST);
    EXPECT_EQ(c.mhsa.tile_rows, 9);
    EXPECT_EQ(c.ffn_tile, 32);
    EXPECT_EQ(to_variant(s.layers[0]), TX_VARIANT_DSP);
    c = to_encoder_config(s.layers[1]);
    EXPECT_EQ(c.mhsa.mode, TX_ATTN_FUSED);
    EXPECT_EQ(c.mhsa.schedule, TX_MHSA_HEADWISE);
    EXPECT_EQ(c.ffn_tile, 0);
}

// The weights knob: absent, "" and "flash" are one schedule with the hash of before the knob; a RAM
// region round-trips, changes the identity and must be the same on every layer.
TEST(Schedule, WeightsKnob)
{
    const Schedule s = sample();
    const std::string before = canonical_json(s);
    EXPECT_EQ(before.find("weights"), std::string::npos);
    nlohmann::json j = to_json(s);
    for (auto &l : j["layers"])
        l["weights"] = "flash";
    auto flash = schedule_from_json(j);
    ASSERT_TRUE(flash.ok()) << flash.status().message();
    EXPECT_EQ(*flash, s);
    EXPECT_EQ(schedule_hash(*flash), schedule_hash(s));

    Schedule ram = s;
    for (LayerKnobs &k : ram.layers)
        k.weights = "dtcm";
    EXPECT_NE(schedule_hash(ram), schedule_hash(s));
    auto back = parse_schedule(canonical_json(ram));
    ASSERT_TRUE(back.ok()) << back.status().message();
    EXPECT_EQ(*back, ram);
    EXPECT_NE(schedule_summary(ram).find("weights@dtcm"), std::string::npos) << schedule_summary(ram);

    j["layers"][0]["weights"] = 3;
    EXPECT_EQ(schedule_from_json(j).status().message(), "layers[0].weights: must be a string, got number");
    ram.layers[1].weights = "axi_sram";
    EXPECT_EQ(check_dims(ram, {81, 32, 8, 32, 128}, 2).message(),
              "layers[1].weights: must equal layers[0].weights (one weights section for the model)");
}
