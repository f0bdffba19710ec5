// Schedule-as-data images (schedule_data.h) on the iss: every schedule of a small model gives the
// output CRC of its specialized image in one image load; a table the image cannot run is a failed
// measurement, not a crash; images of protocol version 2 (no table) still measure. On QEMU the
// tables go over the gdbstub, all in one QEMU process (as they would over OpenOCD to one flash).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <tuple>

#include "tinytx/agent/backend.h"
#include "tinytx/agent/openocd/openocd.h"
#include "tinytx/agent/qemu/qemu.h"
#include "tinytx/platform/board_profile.h"
#include "tinytx/platform/elf_image.h"
#include "tinytx/platform/mailbox.h"
#include "tinytx/platform/process.h"
#include "tinytx/rsp/client.h"
#include "tinytx/tuner/builder.h"
#include "tinytx/tuner/design_space.h"
#include "tinytx/tuner/reference.h"
#include "tinytx/tuner/schedule_data.h"

using namespace tinytx;
using namespace tinytx::tuner;

namespace {

struct SpaceOfModel {
    Model model;
    platform::BoardProfile board;
    std::vector<Schedule> schedules;  // the space without placement twins
    std::set<tx_variant> kernels;
};

SpaceOfModel setup(const std::string &model_name, const std::string &board_name)
{
    SpaceOfModel s;
    auto r = load_model(std::string(TINYTX_MODELS_DIR) + "/" + model_name + ".json");
    if (!r.ok()) throw std::runtime_error(r.status().message());
    s.model = std::move(*r);
    s.board = platform::BoardCatalog::load_dir(TINYTX_BOARDS_DIR).get(board_name);
    auto space = DesignSpace::create(s.model, s.board, SpaceMode::kShared);
    if (!space.ok()) throw std::runtime_error(space.status().message());
    std::set<std::string> seen;
    for (uint64_t i = 0; i < space->size(); ++i) {
        Schedule sc = space->at(i);
        for (LayerKnobs &k : sc.layers) k.placement.clear();
        if (seen.insert(schedule_hash(sc)).second) s.schedules.push_back(sc);
    }
    for (const LayerKnobs &k : space->layer_knob_sets()) s.kernels.insert(k.variant);
    return s;
}

BuildOptions options()
{
    BuildOptions o;
    o.cache_dir = TINYTX_BUILDER_CACHE;
    return o;
}

agent::RunOptions run_options()
{
    agent::RunOptions ro;
    ro.deadline = std::chrono::milliseconds(300000);
    return ro;
}

// the layer tables of the space's first n schedules, each with its reference CRC
std::vector<agent::TableRun> first_tables(const SpaceOfModel &s, size_t n)
{
    std::vector<agent::TableRun> tables;
    for (size_t i = 0; i < std::min(n, s.schedules.size()); ++i)
        tables.push_back({encode_schedule_table(s.model, s.schedules[i], *plan_codegen(s.model, s.schedules[i]),
                                                uint32_t(i)),
                          run_reference(s.model, s.schedules[i])->crc32});
    return tables;
}

}  // namespace

TEST(ScheduleData, EveryScheduleGivesTheCrcOfItsSpecializedImageInOneLoad)
{
    const SpaceOfModel s = setup("ecgformer", "nucleo-l476rg");
    ASSERT_GT(s.schedules.size(), 10u);
    const Builder builder(options());
    const auto data = builder.build_schedule_data(s.model, s.board, s.kernels);
    ASSERT_TRUE(data.ok()) << data.status().message();
    EXPECT_TRUE(builder.build_schedule_data(s.model, s.board, s.kernels)->cache_hit);

    // the oracle: the host reference, per attention mode
    std::vector<agent::TableRun> tables;
    for (size_t i = 0; i < s.schedules.size(); ++i) {
        const auto p = plan_codegen(s.model, s.schedules[i]);
        ASSERT_TRUE(p.ok()) << p.status().message();
        const auto ref = run_reference(s.model, s.schedules[i]);
        ASSERT_TRUE(ref.ok()) << ref.status().message();
        tables.push_back({encode_schedule_table(s.model, s.schedules[i], *p, uint32_t(i)), ref->crc32});
    }
    const auto image = platform::ElfImage::load_file(data->elf_path.string());
    auto iss = agent::make_iss_backend();
    ASSERT_TRUE(iss->writes_tables());
    const std::vector<platform::Measurement> ms = iss->run_tables(s.board, image, run_options(), tables);
    ASSERT_EQ(ms.size(), tables.size());
    uint32_t loads = 0, runs = 0;
    std::set<uint32_t> crcs;
    for (size_t i = 0; i < ms.size(); ++i) {
        EXPECT_EQ(ms[i].status, platform::RunStatus::kOk) << schedule_summary(s.schedules[i]) << ": " << ms[i].error;
        EXPECT_TRUE(ms[i].output_ok) << schedule_summary(s.schedules[i]);
        crcs.insert(ms[i].output_crc32);
        loads += ms[i].image_loads;
        runs += ms[i].runs;
    }
    EXPECT_EQ(loads, 1u);
    EXPECT_EQ(runs, tables.size());
    EXPECT_EQ(crcs.size(), 2u) << "one output per attention mode (ecgformer has fused weights)";
    std::printf("[schedule-data] %zu schedules of %s in one image load\n", tables.size(), s.model.name.c_str());

    // the specialized images of one schedule per (attention, MHSA schedule): the same
    // CRC, and cycles within 1 % (the code around the kernels differs, the kernels do not)
    std::map<std::pair<AttentionMode, MhsaSchedule>, size_t> sample;
    for (size_t i = 0; i < s.schedules.size(); ++i) {
        const LayerKnobs &k = s.schedules[i].layers.front();
        sample.try_emplace({k.attention, k.mhsa}, i);
    }
    for (const auto &[key, i] : sample) {
        const auto spec = builder.build(s.model, s.schedules[i], s.board);
        ASSERT_TRUE(spec.ok()) << spec.status().message();
        agent::RunOptions ro = run_options();
        ro.expected_crc = tables[i].expected_crc;
        const platform::Measurement m = iss->run(s.board, platform::ElfImage::load_file(spec->elf_path.string()), ro);
        ASSERT_EQ(m.status, platform::RunStatus::kOk) << m.error;
        EXPECT_EQ(m.output_crc32, ms[i].output_crc32) << schedule_summary(s.schedules[i]);
        const double dev = (double(m.cycles_median) - double(ms[i].cycles_median)) / double(ms[i].cycles_median);
        EXPECT_LT(std::abs(dev), 0.01) << schedule_summary(s.schedules[i]) << ": specialized " << m.cycles_median
                                        << ", schedule-as-data " << ms[i].cycles_median;
        std::printf("[schedule-data] %s: %llu cycles specialized, %llu schedule-as-data (%+.3f %%)\n",
                    schedule_summary(s.schedules[i]).c_str(), static_cast<unsigned long long>(m.cycles_median),
                    static_cast<unsigned long long>(ms[i].cycles_median), dev * 100);
    }
}

// A table bounded below its own cycles stops there (ABOVE_BOUND, the cycles reached past the
// bound); the tables after it are measured exactly as without any bound, the image loaded once.
TEST(ScheduleData, IssStopsATableAtItsCycleBoundAndMeasuresTheRest)
{
    const SpaceOfModel s = setup("tiny4", "nucleo-l476rg");
    const auto data = Builder(options()).build_schedule_data(s.model, s.board, s.kernels);
    ASSERT_TRUE(data.ok()) << data.status().message();
    const std::vector<agent::TableRun> tables = first_tables(s, 6);
    const auto image = platform::ElfImage::load_file(data->elf_path.string());
    auto iss = agent::make_iss_backend();
    const std::vector<platform::Measurement> whole = iss->run_tables(s.board, image, run_options(), tables);
    ASSERT_EQ(whole.size(), tables.size());
    for (const auto &m : whole) ASSERT_EQ(m.status, platform::RunStatus::kOk) << m.error;

    // tables 1 and 4 bounded at half their cycles, table 2 exactly at its cycles (not past it)
    std::map<size_t, uint64_t> bound = {{1, whole[1].cycles_median / 2}, {2, whole[2].cycles_median},
                                        {4, whole[4].cycles_median / 2}};
    std::vector<size_t> asked, heard;
    agent::RunOptions ro = run_options();
    ro.table_limits = [&](size_t k) {
        asked.push_back(k);
        agent::TableLimits limits;
        if (auto it = bound.find(k); it != bound.end()) limits.cycle_bound = it->second;
        return limits;
    };
    ro.on_table = [&](size_t k, const platform::Measurement &) { heard.push_back(k); };
    const std::vector<platform::Measurement> ms = iss->run_tables(s.board, image, ro, tables);
    ASSERT_EQ(ms.size(), tables.size());
    uint32_t loads = 0;
    for (size_t k = 0; k < ms.size(); ++k) {
        loads += ms[k].image_loads;
        if (k == 1 || k == 4) {
            EXPECT_EQ(ms[k].status, platform::RunStatus::kAboveBound) << k << ": " << ms[k].error;
            EXPECT_GT(ms[k].cycles_median, bound[k]) << k;
            EXPECT_LT(ms[k].cycles_median, whole[k].cycles_median) << k;
            EXPECT_NE(ms[k].error.find("past its bound"), std::string::npos) << ms[k].error;
            continue;
        }
        EXPECT_EQ(ms[k].status, platform::RunStatus::kOk) << k << ": " << ms[k].error;
        EXPECT_EQ(ms[k].cycles_median, whole[k].cycles_median) << k;
        EXPECT_EQ(ms[k].output_crc32, whole[k].output_crc32) << k;
    }
    EXPECT_EQ(loads, 1u) << "the image is loaded once; a stopped table resets it";
    std::sort(heard.begin(), heard.end());
    EXPECT_EQ(heard, (std::vector<size_t>{0, 1, 2, 3, 4, 5})) << "every table is told, the stopped ones too";
    for (size_t k = 0; k < tables.size(); ++k)
        EXPECT_NE(std::find(asked.begin(), asked.end(), k), asked.end()) << "table " << k << "'s bound asked";
}

// Probes: a run records the cycles at which it enters the functions the host names, four per
// encoder layer (tx_encoder_s8, tx_mhsa_s8, tx_add_s8 twice), as its record counts cycles; a table
// told to stop at a probe hit stops there with those cycles, a table told to skip is not run,
// and the tables after either are measured exactly as without limits.
TEST(ScheduleData, IssProbesSplitARunStopAtTheProbeAskedAndSkipWhatIsKnown)
{
    const SpaceOfModel s = setup("tiny4", "nucleo-l476rg");
    const auto data = Builder(options()).build_schedule_data(s.model, s.board, s.kernels);
    ASSERT_TRUE(data.ok()) << data.status().message();
    const std::vector<agent::TableRun> tables = first_tables(s, 4);
    const auto image = platform::ElfImage::load_file(data->elf_path.string());
    auto iss = agent::make_iss_backend();
    agent::RunOptions ro = run_options();
    ro.probe_symbols = {"tx_encoder_s8", "tx_mhsa_s8", "tx_add_s8"};
    const std::vector<platform::Measurement> whole = iss->run_tables(s.board, image, ro, tables);
    ASSERT_EQ(whole.size(), tables.size());
    const size_t layers = s.model.layers.size();
    for (const auto &m : whole) {
        ASSERT_EQ(m.status, platform::RunStatus::kOk) << m.error;
        ASSERT_EQ(m.probes.size(), 4 * layers);
        for (size_t h = 0; h < m.probes.size(); ++h) {
            EXPECT_EQ(m.probes[h].probe, (std::vector<uint32_t>{0, 1, 2, 2})[h % 4]) << h;
            if (h > 0) EXPECT_GT(m.probes[h].cycles, m.probes[h - 1].cycles) << h;
        }
        EXPECT_LT(m.probes.back().cycles, m.cycles_median);
    }
    // table 1 stops on entering its second layer's attention, table 2 is skipped
    const uint32_t stop_hit = 4 + 2;
    ro.table_limits = [&](size_t k) {
        agent::TableLimits limits;
        if (k == 1) limits.stop_at_probe = stop_hit;
        if (k == 2) limits.skip = true;
        return limits;
    };
    const std::vector<platform::Measurement> ms = iss->run_tables(s.board, image, ro, tables);
    ASSERT_EQ(ms.size(), tables.size());
    EXPECT_EQ(ms[1].status, platform::RunStatus::kProbed) << ms[1].error;
    ASSERT_EQ(ms[1].probes.size(), stop_hit);
    EXPECT_EQ(ms[1].cycles_median, whole[1].probes[stop_hit - 1].cycles);
    for (size_t h = 0; h < stop_hit; ++h) EXPECT_EQ(ms[1].probes[h], whole[1].probes[h]) << h;
    EXPECT_EQ(ms[2].status, platform::RunStatus::kNotRun) << ms[2].error;
    for (size_t k : {size_t(0), size_t(3)}) {
        ASSERT_EQ(ms[k].status, platform::RunStatus::kOk) << k << ": " << ms[k].error;
        EXPECT_EQ(ms[k].cycles_median, whole[k].cycles_median) << k;
        EXPECT_EQ(ms[k].probes, whole[k].probes) << k;
        EXPECT_EQ(ms[k].output_crc32, whole[k].output_crc32) << k;
    }
}

TEST(ScheduleData, TablesTheImageCannotRunAreFailedMeasurements)
{
    const SpaceOfModel s = setup("tiny4", "nucleo-l476rg");
    const Builder builder(options());
    const std::set<tx_variant> only_ref = {TX_VARIANT_REF};
    const auto data = builder.build_schedule_data(s.model, s.board, only_ref);
    ASSERT_TRUE(data.ok()) << data.status().message();
    Schedule good = s.schedules.front(), dsp = good;
    good.layers.assign(good.layers.size(), good.layers.front());
    for (LayerKnobs &k : good.layers) k.variant = TX_VARIANT_REF;
    dsp.layers = good.layers;
    for (LayerKnobs &k : dsp.layers) k.variant = TX_VARIANT_DSP;
    EXPECT_TRUE(schedule_data_fit(good, only_ref).ok());
    EXPECT_FALSE(schedule_data_fit(dsp, only_ref).ok());
    const auto p = plan_codegen(s.model, good);
    ASSERT_TRUE(p.ok());
    std::vector<uint8_t> torn = encode_schedule_table(s.model, good, *p, 2);
    torn[8] = 9;  // layers: not this image's
    const std::vector<agent::TableRun> tables = {
        {encode_schedule_table(s.model, dsp, *plan_codegen(s.model, dsp), 0), std::nullopt},
        {encode_schedule_table(s.model, good, *p, 1), run_reference(s.model, good)->crc32},
        {torn, std::nullopt},
    };
    const auto ms = agent::make_iss_backend()->run_tables(s.board, platform::ElfImage::load_file(data->elf_path.string()),
                                                          run_options(), tables);
    ASSERT_EQ(ms.size(), 3u);
    EXPECT_EQ(ms[0].status, platform::RunStatus::kKernelError) << ms[0].error;  // dsp is not in the image
    EXPECT_EQ(ms[1].status, platform::RunStatus::kOk) << ms[1].error;
    EXPECT_EQ(ms[2].status, platform::RunStatus::kKernelError) << ms[2].error;

    // a table of the wrong size is a protocol error of the whole request, named
    std::vector<agent::TableRun> short_table = {{std::vector<uint8_t>(8, 0), std::nullopt}};
    const auto bad = agent::make_iss_backend()->run_tables(
        s.board, platform::ElfImage::load_file(data->elf_path.string()), run_options(), short_table);
    ASSERT_EQ(bad.size(), 1u);
    EXPECT_EQ(bad[0].status, platform::RunStatus::kInvalidArgument);
    EXPECT_NE(bad[0].error.find("table_bytes"), std::string::npos) << bad[0].error;
}

TEST(ScheduleData, QemuWritesEveryTableOverItsGdbstubInOneProcess)
{
    const SpaceOfModel s = setup("tiny4", "nucleo-l476rg");
    const auto data = Builder(options()).build_schedule_data(s.model, s.board, s.kernels);
    ASSERT_TRUE(data.ok()) << data.status().message();
    // one schedule per (attention, MHSA schedule, variant), and one the image must refuse
    std::map<std::tuple<AttentionMode, MhsaSchedule, tx_variant>, size_t> sample;
    for (size_t i = 0; i < s.schedules.size(); ++i) {
        const LayerKnobs &k = s.schedules[i].layers.front();
        sample.try_emplace({k.attention, k.mhsa, k.variant}, i);
    }
    std::vector<agent::TableRun> tables;
    std::vector<std::string> names;
    for (const auto &[key, i] : sample) {
        const auto p = plan_codegen(s.model, s.schedules[i]);
        ASSERT_TRUE(p.ok()) << p.status().message();
        tables.push_back({encode_schedule_table(s.model, s.schedules[i], *p, uint32_t(i)),
                          run_reference(s.model, s.schedules[i])->crc32});
        names.push_back(schedule_summary(s.schedules[i]));
    }
    ASSERT_GE(tables.size(), 4u);
    std::vector<uint8_t> torn = tables.front().bytes;
    torn[8] = 9;  // layers: not this image's
    tables.insert(tables.begin() + 1, {torn, std::nullopt});
    names.insert(names.begin() + 1, "torn table");

    const auto image = platform::ElfImage::load_file(data->elf_path.string());
    auto qemu = agent::make_qemu_backend();
    ASSERT_TRUE(qemu->writes_tables());
    agent::RunOptions ro = run_options();
    std::vector<size_t> told;
    ro.on_table = [&](size_t k, const platform::Measurement &) { told.push_back(k); };
    const std::vector<platform::Measurement> ms = qemu->run_tables(s.board, image, ro, tables);
    ASSERT_EQ(ms.size(), tables.size());
    uint32_t loads = 0;
    for (size_t i = 0; i < ms.size(); ++i) {
        loads += ms[i].image_loads;
        if (i == 1) {
            EXPECT_EQ(ms[i].status, platform::RunStatus::kKernelError) << ms[i].error;
            continue;
        }
        EXPECT_EQ(ms[i].status, platform::RunStatus::kOk) << names[i] << ": " << ms[i].error;
        EXPECT_TRUE(ms[i].output_ok) << names[i];
        EXPECT_GT(ms[i].cycles_median, 0u) << names[i];
    }
    EXPECT_EQ(loads, 1u) << "one QEMU process for every table";
    EXPECT_EQ(told.size(), tables.size()) << "progress for every table";

    // the iss measures the same outputs from the same tables
    const auto iss = agent::make_iss_backend()->run_tables(s.board, image, run_options(), tables);
    for (size_t i = 0; i < ms.size(); ++i) {
        if (i == 1) continue;  // the torn table
        EXPECT_EQ(iss.at(i).output_crc32, ms[i].output_crc32) << names[i];
    }
    std::printf("[schedule-data] qemu: %zu tables of %s in one QEMU process\n", tables.size(), s.model.name.c_str());

    // a table of the wrong size is refused before anything runs, named
    const auto bad = qemu->run_tables(s.board, image, run_options(), {{std::vector<uint8_t>(8, 0), std::nullopt}});
    ASSERT_EQ(bad.size(), 1u);
    EXPECT_EQ(bad[0].status, platform::RunStatus::kInvalidArgument);
    EXPECT_NE(bad[0].error.find("table_bytes"), std::string::npos) << bad[0].error;
}

// The openocd backend's table path over a GDB server (QEMU's gdbstub standing in for OpenOCD's
// GDB port, the image "flashed" once): every table written and measured in one session; QEMU has
// no DWT, so each says no cycles were measured, with the output of its own table.
TEST(ScheduleData, OpenocdWritesEveryTableOverTheGdbPortAfterOneFlash)
{
    const SpaceOfModel s = setup("tiny4", "nucleo-l476rg");
    const auto data = Builder(options()).build_schedule_data(s.model, s.board, s.kernels);
    ASSERT_TRUE(data.ok()) << data.status().message();
    std::vector<agent::TableRun> tables;
    for (size_t i = 0; i < s.schedules.size() && tables.size() < 4; i += 5) {
        const auto p = plan_codegen(s.model, s.schedules[i]);
        ASSERT_TRUE(p.ok()) << p.status().message();
        tables.push_back({encode_schedule_table(s.model, s.schedules[i], *p, uint32_t(i)),
                          run_reference(s.model, s.schedules[i])->crc32});
    }
    const std::string elf = data->elf_path.string();
    platform::TempDir dir("tinytx-openocd-tables");
    platform::Process qemu = platform::Process::spawn(
        {agent::qemu::qemu_command(s.board, elf, dir.file("gdb.sock"), dir.file("console.txt")), "", "", ""});
    rsp::Client c(platform::Socket::connect_retry(platform::Endpoint::unix_socket(dir.file("gdb.sock")),
                                                  platform::Clock::now() + std::chrono::seconds(5), [&] { return qemu.running(); }));
    c.handshake();
    const platform::Measurement base = platform::begin_measurement("openocd", s.board.name, "", platform::Source::kMeasured);
    const auto ms = agent::openocd::measure_tables_over_gdb(c, s.board, platform::ElfImage::load_file(elf), run_options(),
                                                            tables, platform::Clock::now() + std::chrono::seconds(60), base);
    ASSERT_EQ(ms.size(), tables.size());
    for (size_t i = 0; i < ms.size(); ++i) {
        EXPECT_EQ(ms[i].status, platform::RunStatus::kUnavailable) << ms[i].error;
        EXPECT_NE(ms[i].error.find("DWT cycle counter did not count"), std::string::npos) << ms[i].error;
        EXPECT_TRUE(ms[i].output_ok) << "table " << i << ": its own schedule's output";
        EXPECT_EQ(ms[i].image_loads, i == 0 ? 1u : 0u);
    }
    qemu.kill_and_reap();
}

TEST(ScheduleData, ProtocolVersion2ImagesStillMeasure)
{
    const SpaceOfModel s = setup("tiny4", "nucleo-l476rg");
    const Schedule &sc = s.schedules.front();
    const auto spec = Builder(options()).build(s.model, sc, s.board);
    ASSERT_TRUE(spec.ok()) << spec.status().message();
    // the image as version 2 firmware left it: the mailbox's load image says version 2
    std::ifstream in(spec->elf_path, std::ios::binary);
    std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    // the mailbox's initial bytes (magic, version, size) in the ELF file: one place
    const uint8_t head[12] = {0x54, 0x58, 0x4D, 0x42, uint8_t(platform::mailbox::kVersion), 0, 0, 0,
                              uint8_t(platform::mailbox::kSize), 0, 0, 0};
    bool patched = false;
    for (size_t at = 0; at + sizeof head <= bytes.size(); ++at)
        if (std::equal(head, head + sizeof head, bytes.begin() + std::ptrdiff_t(at))) {
            ASSERT_FALSE(patched) << "two mailbox load images";
            bytes[at + platform::mailbox::kOffVersion] = 2;
            patched = true;
        }
    ASSERT_TRUE(patched);
    agent::RunOptions ro = run_options();
    ro.expected_crc = run_reference(s.model, sc)->crc32;
    const platform::Measurement m = agent::make_iss_backend()->run(s.board, platform::ElfImage::parse(bytes), ro);
    EXPECT_EQ(m.status, platform::RunStatus::kOk) << m.error;
    EXPECT_EQ(m.image_loads, 1u);
    EXPECT_EQ(m.runs, 1u);
    // and it is no schedule-as-data image: tables for it are refused, naming why
    const auto t = agent::make_iss_backend()->run_tables(s.board, platform::ElfImage::parse(bytes), ro,
                                                         {{std::vector<uint8_t>(32, 0), std::nullopt}});
    EXPECT_EQ(t.at(0).status, platform::RunStatus::kInvalidArgument);
    EXPECT_NE(t.at(0).error.find("not a schedule-as-data image"), std::string::npos) << t.at(0).error;
}
