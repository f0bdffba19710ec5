// SegmentLedger against whole runs on the iss: the keys name every knob a segment's cycles depend
// on, so whole runs of a space's schedules never contradict one another and each composes to its
// own cycles from the others' segments.
#include <gtest/gtest.h>

#include <set>

#include "../segment_ledger.h"
#include "tinytx/agent/backend.h"
#include "tinytx/platform/board_profile.h"
#include "tinytx/platform/elf_image.h"
#include "tinytx/tuner/builder.h"
#include "tinytx/tuner/design_space.h"
#include "tinytx/tuner/reference.h"
#include "tinytx/tuner/schedule_data.h"

namespace tinytx::tuner {
namespace {

// tiny4 (four layers) on nucleo-l476rg with the arena in SRAM1: every schedule of the shared space
// with the dsp kernel (both attention modes, every MHSA schedule, tile and FFN tile; the variant is
// in every key), run whole with the ledger's probes in one image load; each learnt, then composed.
TEST(SegmentLedgerOnTheIss, WholeRunsOfASpaceAgreeAndComposeExactly)
{
    const std::string region = "sram1";
    auto model = load_model(std::string(TINYTX_MODELS_DIR) + "/tiny4.json");
    ASSERT_TRUE(model.ok()) << model.status().message();
    const platform::BoardProfile board = platform::BoardCatalog::load_dir(TINYTX_BOARDS_DIR).get("nucleo-l476rg");
    auto space = DesignSpace::create(*model, board, SpaceMode::kShared);
    ASSERT_TRUE(space.ok()) << space.status().message();
    std::vector<Schedule> schedules;
    std::set<AttentionMode> modes;
    for (uint64_t i = 0; i < space->size(); ++i) {
        const Schedule s = space->at(i);
        const LayerKnobs &k = s.layers[0];
        if (k.placement != region || k.variant != TX_VARIANT_DSP) continue;
        schedules.push_back(s);
        modes.insert(k.attention);
    }
    ASSERT_EQ(modes.size(), 2u) << "standard and fused";
    std::set<tx_variant> kernels;
    for (const LayerKnobs &k : space->layer_knob_sets()) kernels.insert(k.variant);
    BuildOptions bo;
    bo.cache_dir = TINYTX_BUILDER_CACHE;
    const auto data = Builder(bo).build_schedule_data(*model, board, kernels);
    ASSERT_TRUE(data.ok()) << data.status().message();
    std::vector<agent::TableRun> tables;
    for (size_t i = 0; i < schedules.size(); ++i)
        tables.push_back({encode_schedule_table(*model, schedules[i], *plan_codegen(*model, schedules[i]), uint32_t(i)),
                          run_reference(*model, schedules[i])->crc32});
    agent::RunOptions ro;
    ro.deadline = std::chrono::milliseconds(300000);
    ro.probe_symbols = SegmentLedger::probe_symbols();
    ro.arena_region = region;
    const std::vector<platform::Measurement> runs =
        agent::make_iss_backend()->run_tables(board, platform::ElfImage::load_file(data->elf_path.string()), ro, tables);
    ASSERT_EQ(runs.size(), schedules.size());

    SegmentLedger ledger(model->dims.F);
    for (size_t i = 0; i < runs.size(); ++i) {
        ASSERT_EQ(runs[i].status, platform::RunStatus::kOk) << runs[i].error;
        ASSERT_TRUE(ledger.learn(schedules[i], region, runs[i])) << schedule_summary(schedules[i]) << ": a segment "
                                                                 << "differs from the same key's in an earlier run";
    }
    for (size_t i = 0; i < runs.size(); ++i)
        EXPECT_EQ(ledger.compose(schedules[i], region).cycles, runs[i].cycles_median) << schedule_summary(schedules[i]);
}

}  // namespace
}  // namespace tinytx::tuner
