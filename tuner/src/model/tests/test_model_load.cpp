// Every shipped model loads, with the dims its name promises; the inline-weights form of a spec
// loads to the same IR as the weights-file form.
#include <gtest/gtest.h>

#include "model_test_util.h"
#include "tinytx/tuner/model.h"

namespace tinytx::tuner {
namespace {

using test::models_dir;

struct Expect {
    const char *name;
    int S, E, H, P, F;
    size_t layers;
};

class ShippedModel : public ::testing::TestWithParam<Expect> {};

TEST_P(ShippedModel, LoadsWithExpectedDims)
{
    const Expect &x = GetParam();
    auto r = load_model(models_dir() / (std::string(x.name) + ".json"));
    ASSERT_TRUE(r.ok()) << r.status().message();
    const Model &m = *r;
    EXPECT_EQ(m.name, x.name);
    EXPECT_EQ(m.dims.S, x.S);
    EXPECT_EQ(m.dims.E, x.E);
    EXPECT_EQ(m.dims.H, x.H);
    EXPECT_EQ(m.dims.P, x.P);
    EXPECT_EQ(m.dims.F, x.F);
    ASSERT_EQ(m.layers.size(), x.layers);
    EXPECT_TRUE(m.has_fused());
    EXPECT_EQ(m.weights_sha256.size(), 64u);
    EXPECT_EQ(m.calibration_input.size(), size_t(x.S) * x.E);
    EXPECT_TRUE(m.expected_output_crc32.has_value());
    EXPECT_GT(m.input_scale, 0.0);
    const size_t N = size_t(x.H) * x.P;
    for (const EncoderLayer &l : m.layers) {
        EXPECT_EQ(l.wq.size(), N * x.E);
        EXPECT_EQ(l.wo.size(), N * x.E);
        EXPECT_EQ(l.w1.size(), size_t(x.F) * x.E);
        EXPECT_EQ(l.fused->wf.size(), size_t(x.H) * x.E * x.E);
        EXPECT_EQ(l.fused->rq_xw.size(), size_t(x.H));
        EXPECT_GT(l.scales.s_sc, 0.0);
    }
    EncoderWeightsView v;
    m.encoder_weights(0, v);
    EXPECT_EQ(v.w.mhsa.wq, m.layers[0].wq.data());
    EXPECT_EQ(v.w.mhsa.rq_xw, v.rq_xw.data());
    EXPECT_EQ(v.w.ln2.beta, m.layers[0].ln2_beta.data());
}

INSTANTIATE_TEST_SUITE_P(Models, ShippedModel,
                         ::testing::Values(Expect{"eegformer", 81, 32, 8, 32, 128, 1},
                                           Expect{"ecgformer", 66, 16, 8, 2, 64, 1},
                                           Expect{"tiny4", 16, 64, 8, 8, 128, 4},
                                           Expect{"cct", 64, 128, 1, 192, 512, 1}),
                         [](const auto &info) { return std::string(info.param.name); });

// Replace every {"offset", "dtype", "shape"} by {"data": [...]} read from the weights file.
void inline_tensors(nlohmann::json &j, const std::string &blob)
{
    if (j.is_object()) {
        if (j.contains("offset") && j.contains("dtype")) {
            size_t off = j["offset"].get<size_t>(), n = 1;
            for (auto &s : j["shape"])
                n *= s.get<size_t>();
            nlohmann::json data = nlohmann::json::array();
            const auto *p = reinterpret_cast<const unsigned char *>(blob.data()) + off;
            for (size_t i = 0; i < n; ++i) {
                if (j["dtype"] == "int8") {
                    data.push_back(int(static_cast<int8_t>(p[i])));
                } else {
                    uint32_t u = uint32_t(p[4 * i]) | uint32_t(p[4 * i + 1]) << 8 |
                                 uint32_t(p[4 * i + 2]) << 16 | uint32_t(p[4 * i + 3]) << 24;
                    data.push_back(static_cast<int32_t>(u));
                }
            }
            j.erase("offset");
            j["data"] = data;
            return;
        }
        for (auto &[k, v] : j.items())
            inline_tensors(v, blob);
    } else if (j.is_array()) {
        for (auto &v : j)
            inline_tensors(v, blob);
    }
}

TEST(ModelInline, InlineWeightsGiveTheSameModel)
{
    auto spec = test::read_json(models_dir() / "ecgformer.json");
    std::string blob = test::read_text(models_dir() / "ecgformer.bin");
    auto a = parse_model(spec, models_dir());
    ASSERT_TRUE(a.ok()) << a.status().message();
    inline_tensors(spec["layers"], blob);
    spec.erase("weights");
    auto b = parse_model(spec, models_dir());
    ASSERT_TRUE(b.ok()) << b.status().message();
    EXPECT_TRUE(b->weights_sha256.empty());
    const EncoderLayer &la = a->layers[0], &lb = b->layers[0];
    EXPECT_EQ(la.wq, lb.wq);
    EXPECT_EQ(la.bo, lb.bo);
    EXPECT_EQ(la.fused->wf, lb.fused->wf);
    EXPECT_EQ(la.fused->bf, lb.fused->bf);
    EXPECT_EQ(la.ln2_beta, lb.ln2_beta);
    EXPECT_EQ(la.w2, lb.w2);
}

TEST(ModelLoad, NormDefaultsToPostAndReadsPre)
{
    auto spec = test::read_json(models_dir() / "ecgformer.json");
    auto post = parse_model(spec, models_dir());
    ASSERT_TRUE(post.ok()) << post.status().message();
    EXPECT_EQ(post->norm, TX_NORM_POST);
    spec["norm"] = "pre";
    auto pre = parse_model(spec, models_dir());
    ASSERT_TRUE(pre.ok()) << pre.status().message();
    EXPECT_EQ(pre->norm, TX_NORM_PRE);
}

TEST(ModelInline, BiasesAreOptional)
{
    auto spec = test::read_json(models_dir() / "eegformer.json");
    for (const char *b : {"bq", "bk", "bv", "bo"})
        spec["layers"][0]["mhsa"].erase(b);
    spec["layers"][0]["ffn"].erase("b1");
    auto r = parse_model(spec, models_dir());
    ASSERT_TRUE(r.ok()) << r.status().message();
    EncoderWeightsView v;
    r->encoder_weights(0, v);
    EXPECT_EQ(v.w.mhsa.bq, nullptr);
    EXPECT_EQ(v.w.b1, nullptr);
    EXPECT_NE(v.w.b2, nullptr);
}

TEST(ModelInline, PerChannelRequantLoads)
{
    auto spec = test::read_json(models_dir() / "ecgformer.json");
    auto &rq1 = spec["layers"][0]["ffn"]["rq1"];
    rq1["ch_mul"] = std::vector<int>(64, rq1["mul"].get<int>());
    rq1["ch_shift"] = std::vector<int>(64, rq1["shift"].get<int>());
    auto r = parse_model(spec, models_dir());
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_TRUE(r->layers[0].rq1.per_channel());
    EncoderWeightsView v;
    r->encoder_weights(0, v);
    EXPECT_EQ(v.w.rq1.ch_mul, r->layers[0].rq1.ch_mul.data());
}

// The network's ends (inline tensors): read with their shapes; what they cannot be is named.
TEST(ModelInline, PreludeFinalNormAndHeadLoadAndBadOnesAreNamed)
{
    auto spec = test::read_json(models_dir() / "ecgformer.json");
    const int S = spec["S"], E = spec["E"];
    auto t8 = [](std::vector<int64_t> shape, size_t n) {
        return nlohmann::json{{"dtype", "int8"}, {"shape", shape}, {"data", std::vector<int>(n, 3)}};
    };
    spec["prelude"] = {{"features", 5}, {"input_scale", 0.25}, {"we", t8({E, 5}, size_t(E) * 5)},
                       {"rq", {{"mul", 1 << 30}, {"shift", 36}}}, {"cls", t8({E}, size_t(E))},
                       {"pos", t8({S, E}, size_t(S) * E)}, {"add_pos", {{"mul_a", 1}, {"mul_b", 1}, {"shift", 1}}}};
    spec["head"] = {{"pool", "first"}, {"wh", t8({4, E}, size_t(4) * E)}, {"output_scale", 0.5}};
    spec["final_norm"] = {{"gamma", t8({E}, size_t(E))},
                          {"beta", {{"dtype", "int32"}, {"shape", {E}}, {"data", std::vector<int>(size_t(E), -7)}}},
                          {"rq", {{"mul", 1 << 30}, {"shift", 40}}}, {"output_scale", 0.125}};
    auto r = parse_model(spec, models_dir());
    ASSERT_TRUE(r.ok()) << r.status().message();
    ASSERT_TRUE(r->prelude && r->head && r->final_norm);
    EXPECT_EQ(r->final_norm->beta, std::vector<int32_t>(size_t(E), -7));
    EXPECT_EQ(r->final_norm->rq.shift, 40);
    EXPECT_EQ(r->encoder_output_scale(), 0.125); // what the head reads: the final norm's output
    // the ends' constant data: embedding (we, cls, pos), final norm (gamma, beta), head (wh)
    EXPECT_EQ(r->ends_data_bytes(), uint64_t(E) * 5 + E + uint64_t(S) * E + E + 4 * E + uint64_t(4) * E);
    EXPECT_EQ(r->prelude->tokens, S - 1); // the CLS row is one of the S tokens
    EXPECT_EQ(r->prelude->we.size(), size_t(E) * 5);
    EXPECT_EQ(r->head->classes, 4);
    EXPECT_EQ(r->head->pool, TX_POOL_FIRST);
    EXPECT_TRUE(r->head->bh.empty());

    auto bad = [&](const char *path, nlohmann::json value, const char *field) {
        auto b = spec;
        b[nlohmann::json::json_pointer(path)] = value;
        auto e = parse_model(b, models_dir());
        ASSERT_FALSE(e.ok()) << path;
        EXPECT_EQ(test::model_error(e.status()).path, field) << e.status().message();
    };
    bad("/head/pool", "max", "head.pool");
    bad("/prelude/we/shape/1", 6, "prelude.we.shape");
    bad("/prelude/input_scale", -1.0, "prelude.input_scale");
    bad("/final_norm/output_scale", 0.0, "final_norm.output_scale");
    bad("/final_norm/gamma/shape/0", E + 1, "final_norm.gamma.shape");
    bad("/final_norm/rq/shift", 70, "final_norm.rq.shift");
    auto no_pos = spec;
    no_pos["prelude"].erase("pos");
    auto e = parse_model(no_pos, models_dir());
    ASSERT_FALSE(e.ok());
    EXPECT_EQ(test::model_error(e.status()).path, "prelude.add_pos");
}

TEST(ModelLoad, MissingSpecFileIsAnError)
{
    auto r = load_model(models_dir() / "no-such-model.json");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("does not exist"), std::string::npos);
}

} // namespace
} // namespace tinytx::tuner
