// load_model_any on the models tuner/importer/tests/export_models.py exported with torch: an
// ONNX file loads as a model (imported once, then from the cache), the C kernels reproduce the
// importer's golden CRCs (standard and fused-weight attention, per-channel requantization
// included), and refusals come back as data naming the node.
#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>
#include <iterator>

#include <nlohmann/json.hpp>

#include "tinytx/tuner/importer.h"
#include "tinytx/tuner/reference.h"

namespace tinytx::tuner {
namespace {
namespace fs = std::filesystem;

const fs::path kExports = TINYTX_IMPORTER_EXPORTS;

class Importer : public ::testing::Test {
protected:
    void SetUp() override
    {
        if (!fs::exists(kExports / "manifest.json"))
            GTEST_SKIP() << "no exported models in " << kExports << " (the importer.export test makes them)";
        cache_ = fs::temp_directory_path() / ("tinytx-import-test-" + std::to_string(::getpid()) + "-" +
                                              ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(cache_);
        opt_.cache_dir = cache_;
    }
    void TearDown() override
    {
        std::error_code ec;
        fs::remove_all(cache_, ec);
    }
    fs::path cache_;
    ImportOptions opt_;
};

Schedule uniform(const Model &m, AttentionMode a, MhsaSchedule s, tx_variant v)
{
    LayerKnobs k;
    k.attention = a;
    k.mhsa = s;
    k.tile_rows = s == MhsaSchedule::kDepthfirst ? 3 : 0;
    k.variant = v;
    Schedule sch;
    sch.model = m.name;
    sch.layers.assign(m.layers.size(), k);
    return sch;
}

TEST(ImporterPath, RecognizesOnnxByExtension)
{
    EXPECT_TRUE(is_onnx_path("a/b.onnx"));
    EXPECT_TRUE(is_onnx_path("B.ONNX"));
    EXPECT_FALSE(is_onnx_path("model.json"));
    EXPECT_FALSE(is_onnx_path("onnx"));
}

TEST(ImporterPath, SpecsLoadAsBefore)
{
    const auto r = load_model_any(fs::path(TINYTX_MODELS_DIR) / "eegformer.json");
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->name, "eegformer");
}

// What a training script saves is named, with the way to ONNX; specs and ONNX files are not judged
TEST(ImporterPath, ForeignModelFilesAreNamedWithTheExport)
{
    const fs::path dir = fs::temp_directory_path() / ("tinytx-foreign-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    auto write = [&](const std::string &name, const std::string &bytes) {
        std::ofstream(dir / name, std::ios::binary) << bytes;
        return dir / name;
    };
    const std::string zip = std::string("PK\x03\x04", 4) + std::string(26, '\0') + "model/data.pkl";
    const std::string checkpoint = foreign_model_file(write("model.pt", zip)).message();
    EXPECT_NE(checkpoint.find("torch.save"), std::string::npos) << checkpoint;
    EXPECT_NE(checkpoint.find("torch.onnx.export"), std::string::npos) << checkpoint;
    EXPECT_NE(foreign_model_file(write("legacy.pth", "\x80\x02}q\x00.")).message().find("pickle"), std::string::npos);
    EXPECT_NE(foreign_model_file(write("model.bin", std::string("\x08\x07\x12\x07pytorch", 11))).message().find("rename it to model.onnx"),
              std::string::npos);
    EXPECT_EQ(foreign_model_file(write("spec.json", "  {\"name\": 1}")).message(), "");
    EXPECT_EQ(foreign_model_file(write("x.onnx", "anything")).message(), "");
    const auto r = load_model_any(dir / "model.pt");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("torch.onnx.export"), std::string::npos);
    fs::remove_all(dir);
}

TEST_F(Importer, ImportsOnceThenReadsTheCache)
{
    const fs::path onnx = kExports / "eeg_hand.onnx";
    const auto first = import_onnx(onnx, opt_);
    ASSERT_TRUE(first.ok()) << first.status().message();
    EXPECT_FALSE(first->cached);
    const auto again = import_onnx(onnx, opt_);
    ASSERT_TRUE(again.ok()) << again.status().message();
    EXPECT_TRUE(again->cached);
    EXPECT_EQ(first->spec_path, again->spec_path);

    // a damaged cache entry is imported again
    std::ofstream(first->spec_path, std::ios::trunc) << "{";
    const auto r = load_model_any(onnx, opt_);
    ASSERT_TRUE(r.ok()) << r.status().message();
    const Model &m = *r;
    EXPECT_EQ(m.name, "eeg_hand");
    EXPECT_EQ(m.dims.S, 81);
    EXPECT_EQ(m.dims.E, 32);
    EXPECT_EQ(m.dims.H, 8);
    EXPECT_EQ(m.dims.P, 32);  // hand-written attention keeps EEGFormer's P = E
    EXPECT_EQ(m.calibration_input.size(), size_t(81 * 32));
    EXPECT_TRUE(m.has_fused());
    EXPECT_TRUE(m.layers[0].rq_v.per_channel());
}

// The importer's golden model (kernels/golden) and the C kernels agree on imported models, post-
// and pre-norm.
TEST_F(Importer, KernelsReproduceTheImportersCrc)
{
    for (const char *name : {"eeg_hand", "mha_2layers", "mha_sf_relu", "perhead_sf", "prenorm", "prenorm_vit"}) {
        const auto ir = import_onnx(kExports / (std::string(name) + ".onnx"), opt_);
        ASSERT_TRUE(ir.ok()) << name << ": " << ir.status().message();
        const auto r = load_model(ir->spec_path);
        ASSERT_TRUE(r.ok()) << r.status().message();
        const Model &m = *r;
        std::ifstream rf(ir->spec_path.parent_path() / (m.name + ".report.json"));
        const nlohmann::json report = nlohmann::json::parse(rf);
        ASSERT_TRUE(m.expected_output_crc32);
        for (MhsaSchedule s : {MhsaSchedule::kLayerwise, MhsaSchedule::kDepthfirst})
            for (tx_variant v : {TX_VARIANT_REF, TX_VARIANT_DSP}) {
                const auto std_run = run_reference(m, uniform(m, AttentionMode::kStandard, s, v));
                ASSERT_TRUE(std_run.ok()) << std_run.status().message();
                EXPECT_EQ(std_run->crc32, *m.expected_output_crc32) << name << " " << mhsa_name(s);
                const auto fw = run_reference(m, uniform(m, AttentionMode::kFused, s, v));
                ASSERT_TRUE(fw.ok()) << fw.status().message();
                EXPECT_EQ(crc32_hex(fw->crc32), report["expected_output_crc32_fused"].get<std::string>()) << name;
            }
    }
}

// --min-cosine reaches the importer (and is part of the cache key): an unreachable bound refuses.
TEST_F(Importer, MinCosineBoundsTheImport)
{
    opt_.min_cosine = 0.999999;
    const auto r = load_model_any(kExports / "mha_bf_gelu.onnx", opt_);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("below --min-cosine"), std::string::npos) << r.status().message();
    opt_.min_cosine = 0.9;
    const auto ok = load_model_any(kExports / "mha_bf_gelu.onnx", opt_);
    ASSERT_TRUE(ok.ok()) << ok.status().message();
    EXPECT_TRUE(ok->has_fused());
}

TEST_F(Importer, RefusalsAreDataNamingTheNode)
{
    const auto conv = load_model_any(kExports / "conv_middle.onnx", opt_);
    ASSERT_FALSE(conv.ok());
    EXPECT_NE(conv.status().message().find("'/conv/Conv' (Conv)"), std::string::npos) << conv.status().message();
    EXPECT_NE(conv.status().message().find("ONNX import refused"), std::string::npos);

    const auto dec = load_model_any(kExports / "decoder_causal.onnx", opt_);
    ASSERT_FALSE(dec.ok());
    EXPECT_NE(dec.status().message().find("mask"), std::string::npos) << dec.status().message();

    const auto missing = load_model_any(cache_ / "nope.onnx", opt_);
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.status().message().find("cannot read"), std::string::npos);

    // a truncated file, and nothing of a failed import left in the cache
    fs::create_directories(cache_);
    std::ifstream in(kExports / "mha_bf_gelu.onnx", std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const fs::path cut = cache_ / "cut.onnx";
    std::ofstream(cut, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
    const auto trunc = load_model_any(cut, opt_);
    ASSERT_FALSE(trunc.ok());
    EXPECT_NE(trunc.status().message().find("ONNX import refused"), std::string::npos) << trunc.status().message();
    for (const auto &e : fs::directory_iterator(cache_))
        EXPECT_EQ(e.path().filename(), "cut.onnx") << "left behind: " << e.path();
}

}  // namespace
}  // namespace tinytx::tuner
