// emit_c: exported folders build on their own and compute what the tuner's host reference computes:
// on the host, as board images (symbols of the measurement protocol), and measured by the
// in-process emulator agent. Bad input is an error, not a crash.
#include "emit_c_test_util.h"

#include <chrono>

#include "tinytx/agent/backend.h"
#include "tinytx/agent/board_profile.h"
#include "tinytx/agent/elf_image.h"
#include "tinytx/tuner/builder.h"

using namespace emit_c_test;

namespace {

std::string read_all(const fs::path &p)
{
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// No file of the folder names the source tree: it must build anywhere.
void expect_self_contained(const fs::path &dir)
{
    const std::string root = fs::absolute(default_source_root()).lexically_normal().string();
    size_t n = 0;
    for (const auto &e : fs::recursive_directory_iterator(dir)) {
        if (!e.is_regular_file())
            continue;
        ++n;
        const std::string text = read_all(e.path());
        EXPECT_EQ(text.find(root), std::string::npos) << e.path() << " names " << root;
        EXPECT_EQ(text.find("/work/main"), std::string::npos) << e.path();
    }
    EXPECT_GT(n, 20u);
}

// Exports, checks the folder, builds and runs ./network_host.
void host_matches_reference(const std::string &name, const Schedule &s)
{
    const Model m = model(name);
    TempDir dir(name + "-host");
    const auto t0 = std::chrono::steady_clock::now();
    const EmitCResult r = export_ok(m, s, dir.path());
    ASSERT_TRUE(r.ok()) << r.error;
    for (const char *f : {"network.h", "network.c", "network_model.h", "network_weights.c", "main.c", "Makefile",
                          "README.md", "schedule.json", "kernels/include/tinytx/kernels.h",
                          "kernels/src/ops/encoder.c", "kernels/firmware/mailbox.h", "kernels/firmware/bench.c",
                          "kernels/firmware/ld/nucleo_h743zi.ld", "kernels/firmware/ld/cortexm_sections.ld"}) {
        EXPECT_TRUE(fs::is_regular_file(dir.path() / f)) << f;
        EXPECT_NE(std::find(r.files.begin(), r.files.end(), f), r.files.end()) << f;
    }
    expect_self_contained(dir.path());
    EXPECT_NE(read_all(dir.path() / "README.md").find(crc32_hex(r.expected_crc32)), std::string::npos);
    EXPECT_NE(read_all(dir.path() / "network.h").find("#define TX_NETWORK_ARENA_BYTES " +
                                                      std::to_string(r.arena_bytes) + "u"),
              std::string::npos);

    const Command b = make(dir.path(), "host");
    ASSERT_EQ(b.status, 0) << b.output;
    const Command run_host = run("'" + (dir.path() / "network_host").string() + "'");
    EXPECT_EQ(run_host.status, 0) << run_host.output;
    EXPECT_EQ(printed_crc(run_host.output), crc32_hex(r.expected_crc32)) << run_host.output;
    std::printf("[emit_c] %s: exported, built and run on the host in %.1f s: %s",
                name.c_str(), std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(),
                run_host.output.c_str());
}

} // namespace

TEST(EmitC, EegformerDepthFirstDspTiledFfnOnHost)
{
    host_matches_reference("eegformer", eegformer_schedule());
}

TEST(EmitC, Tiny4MixedKnobsOnHost)
{
    const Schedule s = tiny4_schedule();
    ASSERT_TRUE(model("tiny4").has_fused());
    host_matches_reference("tiny4", s);
}

TEST(EmitC, BoardImagesCarryTheMeasurementProtocol)
{
    const Model m = model("tiny4");
    TempDir dir("tiny4-boards");
    const EmitCResult r = export_ok(m, tiny4_schedule(), dir.path());
    ASSERT_TRUE(r.ok()) << r.error;
    for (const char *t : {"host", "qemu-m4", "qemu-m7", "nucleo-h743zi", "nucleo-l476rg"})
        EXPECT_NE(std::find(r.targets.begin(), r.targets.end(), t), r.targets.end()) << t;
    const Command b = make(dir.path(), "nucleo-h743zi nucleo-l476rg");
    ASSERT_EQ(b.status, 0) << b.output;
    for (const char *board : {"nucleo-h743zi", "nucleo-l476rg"}) {
        const fs::path elf = dir.path() / "build" / board / "network.elf";
        ASSERT_TRUE(fs::is_regular_file(elf)) << elf;
        const Command nm = run("arm-none-eabi-nm '" + elf.string() + "'");
        ASSERT_EQ(nm.status, 0) << nm.output;
        for (const char *sym : {" tx_mailbox\n", " tx_bench_begin\n", " tx_bench_end\n", " tx_bench_done\n",
                                " tx_network_run\n"})
            EXPECT_NE(nm.output.find(sym), std::string::npos) << board << " lacks " << sym;
        // linked for the board's memory: the vector table at the start of its flash
        const auto at = nm.output.find(" __isr_vector_start\n");
        ASSERT_NE(at, std::string::npos) << board;
        EXPECT_EQ(nm.output.substr(nm.output.rfind('\n', at) + 1, 8), "08000000") << board;
    }
}

TEST(EmitC, QemuM7ImageMeasuredByTheIssAgent)
{
    const Model m = model("eegformer");
    TempDir dir("eegformer-iss");
    const EmitCResult r = export_ok(m, eegformer_schedule(), dir.path());
    ASSERT_TRUE(r.ok()) << r.error;
    const Command b = make(dir.path(), "build/qemu-m7/network.elf");
    ASSERT_EQ(b.status, 0) << b.output;

    static const tinytx::agent::BoardCatalog boards = tinytx::agent::BoardCatalog::load_dir(TINYTX_BOARDS_DIR);
    const tinytx::agent::BoardProfile &board = boards.get("nucleo-h743zi");
    const auto image = tinytx::agent::ElfImage::load_file((dir.path() / "build/qemu-m7/network.elf").string());
    tinytx::agent::RunOptions ro;
    ro.repeats = 2;
    ro.expected_crc = r.expected_crc32;
    ro.deadline = std::chrono::milliseconds(120000);
    const tinytx::agent::Measurement meas = tinytx::agent::make_iss_backend()->run(board, image, ro);
    EXPECT_EQ(meas.status, tinytx::agent::RunStatus::kOk) << tinytx::agent::to_string(meas.status) << ": "
                                                          << meas.error;
    EXPECT_EQ(meas.output_crc32, r.expected_crc32);
    EXPECT_TRUE(meas.output_ok);
    EXPECT_EQ(meas.cycles.size(), 2u);
    EXPECT_GT(meas.cycles_median, 0u);
    EXPECT_GT(meas.arena_peak_bytes, 0u);
    EXPECT_LE(meas.arena_peak_bytes, r.arena_bytes);
    std::printf("[emit_c] eegformer qemu-m7 image on the ISS (nucleo-h743zi): %llu cycles, arena peak %u of %zu "
                "bytes, crc %s\n",
                static_cast<unsigned long long>(meas.cycles_median), meas.arena_peak_bytes, r.arena_bytes,
                crc32_hex(meas.output_crc32).c_str());
}

TEST(EmitC, BadInputIsAnError)
{
    const Model m = model("tiny4");
    TempDir dir("bad");

    Schedule short_s = tiny4_schedule();
    short_s.layers.pop_back();
    EmitCResult r = emit_c(m, short_s, dir.path());
    EXPECT_FALSE(r.ok());
    EXPECT_NE(r.error.find("schedule"), std::string::npos) << r.error;
    EXPECT_FALSE(fs::exists(dir.path())) << "nothing written for a bad schedule";

    r = emit_c(m, eegformer_schedule(), dir.path());  // another model's schedule
    EXPECT_FALSE(r.ok());
    EXPECT_NE(r.error.find("schedule.model"), std::string::npos) << r.error;

    Schedule bad_tile = tiny4_schedule();
    bad_tile.layers[2].tile_rows = m.dims.S + 3;
    r = emit_c(m, bad_tile, dir.path());
    EXPECT_FALSE(r.ok());
    EXPECT_NE(r.error.find("tile_rows"), std::string::npos) << r.error;

    // unwritable: a folder below a regular file
    fs::create_directories(dir.path());
    std::ofstream(dir.path() / "file") << "x";
    r = emit_c(m, tiny4_schedule(), dir.path() / "file" / "out");
    EXPECT_FALSE(r.ok());
    EXPECT_NE(r.error.find("dir"), std::string::npos) << r.error;
    EXPECT_TRUE(r.files.empty());

    EmitCOptions bad_root;
    bad_root.source_root = dir.path();
    r = emit_c(m, tiny4_schedule(), dir.path() / "out", bad_root);
    EXPECT_FALSE(r.ok());
    EXPECT_NE(r.error.find("source_root"), std::string::npos) << r.error;

    r = emit_c(m, tiny4_schedule(), "");
    EXPECT_FALSE(r.ok());
}
