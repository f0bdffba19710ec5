// The weights knob (LayerKnobs::weights) in the images: weights in RAM are linked into section
// .tx_weights (run address in the link's WEIGHTS_RAM, load address in flash, copied at start-up)
// and the image names their board region, whose wait states the iss then charges their loads
// with. The same schedule with its weights in flash, AXI SRAM and DTCM on nucleo-h743zi: the same
// output and instructions, cycles that differ exactly as the profile's load wait states say.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "tinytx/agent/backend.h"
#include "tinytx/platform/board_profile.h"
#include "tinytx/platform/elf_image.h"
#include "tinytx/tuner/builder.h"
#include "tinytx/tuner/reference.h"
#include "tinytx/tuner/schedule_data.h"

using namespace tinytx;
using namespace tinytx::tuner;

namespace {

Model load(const std::string &name)
{
    auto r = load_model(std::string(TINYTX_MODELS_DIR) + "/" + name + ".json");
    if (!r.ok()) throw std::runtime_error(r.status().message());
    return std::move(*r);
}

platform::BoardProfile board(const std::string &name)
{
    return platform::BoardCatalog::load_dir(TINYTX_BOARDS_DIR).get(name);
}

BuildOptions options()
{
    BuildOptions o;
    o.cache_dir = TINYTX_BUILDER_CACHE;
    return o;
}

Schedule schedule_with_weights(const Model &m, const std::string &weights)
{
    Schedule s;
    s.model = m.name;
    s.board = "nucleo-h743zi";
    LayerKnobs k;
    k.variant = TX_VARIANT_DSP;
    k.placement = "dtcm";
    k.weights = weights;
    s.layers.assign(m.layers.size(), k);
    return s;
}

uint32_t load_wait(const platform::BoardProfile &b, const std::string &region)
{
    return b.region(region)->timing.load_wait;
}

}  // namespace

TEST(WeightsRegion, WeightsInRamCostTheirRegionsWaitStatesWithTheSameOutput)
{
    const Model m = load("ecgformer");
    const platform::BoardProfile h7 = board("nucleo-h743zi");
    const Builder builder(options());
    auto iss = agent::make_iss_backend();
    const auto crc = run_reference(m, schedule_with_weights(m, ""));
    ASSERT_TRUE(crc.ok()) << crc.status().message();

    std::map<std::string, platform::Measurement> by_region;
    for (const std::string weights : {"", "axi_sram", "dtcm"}) {
        const Schedule s = schedule_with_weights(m, weights);
        const auto img = builder.build(m, s, h7);
        ASSERT_TRUE(img.ok()) << img.status().message();
        const platform::ElfImage elf = platform::ElfImage::load_file(img->elf_path.string());
        const uint32_t start = elf.require("__tx_weights_start").addr, end = elf.require("__tx_weights_end").addr;
        if (weights.empty()) {
            EXPECT_EQ(start, end) << "weights in flash: the RAM section is empty";
            EXPECT_FALSE(elf.symbol("tx_weights_region"));
        } else {
            size_t tensors = 0;
            c_model_data(m, s, "model.h", &tensors);
            EXPECT_GE(end - start, tensors) << "the layers' tensors run from RAM";
            EXPECT_GE(start, 0x20000000u) << "run address in the emulator's RAM (WEIGHTS_RAM)";
            EXPECT_LT(elf.require("__tx_weights_load").addr, 0x00400000u) << "load address in its flash";
            EXPECT_TRUE(elf.symbol("tx_weights_region"));
        }
        agent::RunOptions ro;
        ro.deadline = std::chrono::milliseconds(300000);
        ro.expected_crc = crc->crc32;
        ro.arena_region = "dtcm";
        const platform::Measurement r = iss->run(h7, elf, ro);
        ASSERT_EQ(r.status, platform::RunStatus::kOk) << weights << ": " << r.error;
        EXPECT_TRUE(r.output_ok) << weights;
        by_region[weights] = r;
    }
    const platform::Measurement &flash = by_region[""], &axi = by_region["axi_sram"], &dtcm = by_region["dtcm"];
    EXPECT_EQ(flash.instructions, dtcm.instructions);
    EXPECT_EQ(flash.instructions, axi.instructions);
    EXPECT_EQ(flash.output_crc32, dtcm.output_crc32);
    EXPECT_EQ(flash.output_crc32, axi.output_crc32);
    // the iss adds up: the cycles saved are the weight loads times the waits saved per load
    const uint64_t w_flash = load_wait(h7, "flash"), w_axi = load_wait(h7, "axi_sram"), w_dtcm = load_wait(h7, "dtcm");
    ASSERT_GT(w_flash, w_axi);
    ASSERT_GT(w_axi, w_dtcm);
    ASSERT_GT(flash.cycles_median, axi.cycles_median);
    ASSERT_GT(axi.cycles_median, dtcm.cycles_median);
    const uint64_t to_dtcm = flash.cycles_median - dtcm.cycles_median, to_axi = flash.cycles_median - axi.cycles_median;
    EXPECT_EQ(to_dtcm * (w_flash - w_axi), to_axi * (w_flash - w_dtcm))
        << "flash -> DTCM saves " << to_dtcm << " cycles, flash -> AXI SRAM " << to_axi;
    std::printf("[weights] ecgformer dsp layerwise on nucleo-h743zi, arena in DTCM: weights in flash %llu, AXI SRAM "
                "%llu (x%.3f), DTCM %llu cycles (x%.3f); %llu weight loads\n",
                static_cast<unsigned long long>(flash.cycles_median), static_cast<unsigned long long>(axi.cycles_median),
                double(axi.cycles_median) / double(flash.cycles_median),
                static_cast<unsigned long long>(dtcm.cycles_median),
                double(dtcm.cycles_median) / double(flash.cycles_median),
                static_cast<unsigned long long>(to_dtcm / (w_flash - w_dtcm)));
}

// One schedule-as-data image per weights region: the schedule's table in the image of its
// weights' region gives its specialized image's cycles (within 1 %) and output.
TEST(WeightsRegion, TheScheduleDataImageOfAWeightsRegionMeasuresLikeTheSpecializedOne)
{
    const Model m = load("ecgformer");
    const platform::BoardProfile h7 = board("nucleo-h743zi");
    const Builder builder(options());
    const std::set<tx_variant> kernels{TX_VARIANT_REF, TX_VARIANT_DSP};
    const auto in_flash = builder.build_schedule_data(m, h7, kernels);
    const auto in_dtcm = builder.build_schedule_data(m, h7, kernels, "dtcm");
    ASSERT_TRUE(in_flash.ok()) << in_flash.status().message();
    ASSERT_TRUE(in_dtcm.ok()) << in_dtcm.status().message();
    EXPECT_NE(in_flash->image_key, in_dtcm->image_key);

    const Schedule s = schedule_with_weights(m, "dtcm");
    const auto plan = plan_codegen(m, s);
    ASSERT_TRUE(plan.ok()) << plan.status().message();
    const uint32_t crc = run_reference(m, s)->crc32;
    auto iss = agent::make_iss_backend();
    agent::RunOptions ro;
    ro.deadline = std::chrono::milliseconds(300000);
    ro.arena_region = "dtcm";
    const auto by_table = iss->run_tables(h7, platform::ElfImage::load_file(in_dtcm->elf_path.string()), ro,
                                          {{encode_schedule_table(m, s, *plan, 0), crc}});
    const auto flash_table = iss->run_tables(h7, platform::ElfImage::load_file(in_flash->elf_path.string()), ro,
                                             {{encode_schedule_table(m, s, *plan, 0), crc}});
    ASSERT_EQ(by_table.at(0).status, platform::RunStatus::kOk) << by_table.at(0).error;
    ASSERT_EQ(flash_table.at(0).status, platform::RunStatus::kOk) << flash_table.at(0).error;
    EXPECT_LT(by_table.at(0).cycles_median, flash_table.at(0).cycles_median);

    const auto spec = builder.build(m, s, h7);
    ASSERT_TRUE(spec.ok()) << spec.status().message();
    ro.expected_crc = crc;
    const platform::Measurement one = iss->run(h7, platform::ElfImage::load_file(spec->elf_path.string()), ro);
    ASSERT_EQ(one.status, platform::RunStatus::kOk) << one.error;
    EXPECT_EQ(one.output_crc32, by_table.at(0).output_crc32);
    const double dev = (double(one.cycles_median) - double(by_table.at(0).cycles_median)) / double(one.cycles_median);
    EXPECT_LT(std::abs(dev), 0.01) << "specialized " << one.cycles_median << ", schedule-as-data "
                                   << by_table.at(0).cycles_median;
}

TEST(WeightsRegion, OnlyARamRegionOfACortexMBoardTakesTheWeights)
{
    const Model m = load("ecgformer");
    const platform::BoardProfile h7 = board("nucleo-h743zi");
    EXPECT_TRUE(check_weights_region("", h7).ok());
    EXPECT_TRUE(check_weights_region("axi_sram", h7).ok());
    EXPECT_EQ(check_weights_region("flash", h7).message(),
              "layers[0].weights: \"flash\" is not a RAM-like region of nucleo-h743zi (or \"flash\")");
    EXPECT_EQ(generate_sources(m, schedule_with_weights(m, "sram9"), h7).status().message(),
              "layers[0].weights: \"sram9\" is not a RAM-like region of nucleo-h743zi (or \"flash\")");
    const platform::Status gap9 = check_weights_region("l2", board("gap9"));
    EXPECT_FALSE(gap9.ok());
    EXPECT_NE(gap9.message().find("Cortex-M"), std::string::npos) << gap9.message();
}
