// Builder: deterministic codegen, errors as data, and the real thing: cross-compiled images of
// whole models run on the in-process emulator, output CRC equal to the model's expected one.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <regex>
#include <set>

#include "tinytx/agent/backend.h"
#include "tinytx/platform/board_profile.h"
#include "tinytx/platform/elf_image.h"
#include "tinytx/tuner/builder.h"
#include "tinytx/tuner/reference.h"

using namespace tinytx;
using namespace tinytx::tuner;

namespace {

const Model &model(const std::string &name)
{
    static std::map<std::string, Model> models;
    auto it = models.find(name);
    if (it == models.end()) {
        auto r = load_model(std::string(TINYTX_MODELS_DIR) + "/" + name + ".json");
        if (!r.ok())
            throw std::runtime_error("load " + name + ": " + r.status().message());
        it = models.emplace(name, std::move(*r)).first;
    }
    return it->second;
}

const platform::BoardProfile &board(const std::string &name)
{
    static platform::BoardCatalog cat = platform::BoardCatalog::load_dir(TINYTX_BOARDS_DIR);
    return cat.get(name);
}

Schedule schedule(const Model &m, const std::string &board_name, MhsaSchedule mh, tx_variant v, int32_t ffn_tile = 0)
{
    Schedule s;
    s.model = m.name;
    s.board = board_name;
    LayerKnobs k;
    k.attention = AttentionMode::kStandard;
    k.mhsa = mh;
    k.tile_rows = mh == MhsaSchedule::kDepthfirst ? static_cast<int32_t>(std::lround(std::sqrt(m.dims.S))) : 0;
    k.variant = v;
    k.ffn_tile = ffn_tile;
    s.layers.assign(m.layers.size(), k);
    return s;
}

BuildOptions options()
{
    BuildOptions o;
    o.cache_dir = TINYTX_BUILDER_CACHE;
    return o;
}

// Builds, checks a second build is a cache hit, runs on the ISS (or the GAP9 cluster simulator),
// checks status and CRC; returns the cycles.
void build_and_run_into(const Model &m, uint32_t expected_crc, const std::string &board_name, const Schedule &s,
                        bool pulp, uint64_t &cycles)
{
    const std::string &model_name = m.name;
    const platform::BoardProfile &b = board(board_name);
    Builder builder(options());
    auto r = builder.build(m, s, b);
    ASSERT_TRUE(r.ok()) << r.status().message();
    std::printf("[builder] %s on %s: %s in %.2f s (%zu objects compiled, %zu cached, image %s)\n",
                model_name.c_str(), board_name.c_str(), r->cache_hit ? "cache hit" : "built", r->seconds,
                r->objects_compiled, r->objects_cached, r->image_key.substr(0, 12).c_str());
    ASSERT_TRUE(std::filesystem::exists(r->elf_path));

    auto again = builder.build(m, s, b);
    ASSERT_TRUE(again.ok()) << again.status().message();
    EXPECT_TRUE(again->cache_hit);
    EXPECT_EQ(again->image_key, r->image_key);
    EXPECT_EQ(again->elf_path, r->elf_path);
    std::printf("[builder] second build: cache hit in %.3f s\n", again->seconds);

    auto image = platform::ElfImage::load_file(r->elf_path.string());
    agent::RunOptions ro;
    ro.repeats = 2;
    ro.expected_crc = expected_crc;
    ro.deadline = std::chrono::milliseconds(120000);
    auto backend = pulp ? agent::make_pulp_backend() : agent::make_iss_backend();
    platform::Measurement meas = backend->run(b, image, ro);
    cycles = meas.cycles_median;
    EXPECT_EQ(meas.status, platform::RunStatus::kOk) << platform::to_string(meas.status) << ": " << meas.error;
    EXPECT_EQ(meas.output_crc32, expected_crc);
    EXPECT_TRUE(meas.output_ok);
    ASSERT_TRUE(r->plan.has_value());
    EXPECT_GT(meas.arena_peak_bytes, 0u);
    EXPECT_LE(meas.arena_peak_bytes, r->plan->peak_bytes);
    std::printf("[builder] ran: %llu cycles, arena peak %u of %zu planned bytes, crc 0x%08x\n",
                static_cast<unsigned long long>(meas.cycles_median), meas.arena_peak_bytes, r->plan->peak_bytes,
                meas.output_crc32);
}

uint64_t build_and_run(const std::string &model_name, const std::string &board_name, const Schedule &s,
                       bool pulp = false)
{
    const Model &m = model(model_name);
    uint64_t cycles = 0;
    if (!m.expected_output_crc32) {
        ADD_FAILURE() << model_name << " states no expected_output_crc32";
        return 0;
    }
    build_and_run_into(m, *m.expected_output_crc32, board_name, s, pulp, cycles);
    return cycles;
}

Schedule on_cluster(Schedule s, int32_t cores, ClusterSplit split)
{
    for (LayerKnobs &k : s.layers) {
        k.variant = TX_VARIANT_XPULP;
        k.cores = cores;
        k.split = split;
    }
    return s;
}

} // namespace

TEST(Builder, CodegenIsDeterministic)
{
    const Model &m = model("eegformer");
    const Schedule s = schedule(m, "nucleo-l476rg", MhsaSchedule::kDepthfirst, TX_VARIANT_DSP);
    auto a = generate_sources(m, s, board("nucleo-l476rg"));
    auto b = generate_sources(m, s, board("nucleo-l476rg"));
    ASSERT_TRUE(a.ok()) << a.status().message();
    ASSERT_EQ(a->files.size(), 3u);
    ASSERT_EQ(a->files.size(), b->files.size());
    for (size_t i = 0; i < a->files.size(); ++i) {
        EXPECT_EQ(a->files[i].name, b->files[i].name);
        EXPECT_EQ(a->files[i].content, b->files[i].content) << a->files[i].name;
    }
    // another schedule changes the main file, not the weights
    const Schedule s2 = schedule(m, "nucleo-l476rg", MhsaSchedule::kHeadwise, TX_VARIANT_OPT4X2);
    auto c = generate_sources(m, s2, board("nucleo-l476rg"));
    ASSERT_TRUE(c.ok()) << c.status().message();
    EXPECT_EQ(a->files[1].content, c->files[1].content);
    EXPECT_NE(a->files[2].content, c->files[2].content);
    EXPECT_NE(a->files[2].content.find("TX_MHSA_DEPTHFIRST, 9}"), std::string::npos);
    EXPECT_NE(a->files[0].content.find("#define TX_MODEL_ARENA_BYTES " + std::to_string(a->plan->peak_bytes) + "u"),
              std::string::npos);
}

TEST(Builder, BadInputsAreErrors)
{
    const Model &m = model("tiny4");
    Builder builder(options());
    Schedule s = schedule(m, "nucleo-l476rg", MhsaSchedule::kDepthfirst, TX_VARIANT_DSP);
    s.layers.pop_back();
    auto r = builder.build(m, s, board("nucleo-l476rg"));
    EXPECT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("schedule"), std::string::npos) << r.status().message();

    platform::BoardProfile odd = board("nucleo-l476rg");
    odd.core = "z80";
    r = builder.build(m, schedule(m, "nucleo-l476rg", MhsaSchedule::kHeadwise, TX_VARIANT_REF), odd);
    EXPECT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("z80"), std::string::npos) << r.status().message();

    r = builder.build(m, schedule(m, "gap9", MhsaSchedule::kHeadwise, TX_VARIANT_REF), board("nucleo-l476rg"));
    EXPECT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("board"), std::string::npos) << r.status().message();

    BuildOptions missing = options();
    missing.toolchain_prefix_arm = "no-such-toolchain-";
    r = Builder(missing).build(m, schedule(m, "nucleo-l476rg", MhsaSchedule::kHeadwise, TX_VARIANT_REF),
                               board("nucleo-l476rg"));
    EXPECT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("no-such-toolchain-gcc"), std::string::npos) << r.status().message();
}

TEST(Builder, CompilerErrorsCarryStderr)
{
    const Model &m = model("tiny4");
    BuildOptions o = options();
    o.opt_flags = "-O3 -fno-such-flag-tinytx";
    auto r = Builder(o).build(m, schedule(m, "nucleo-l476rg", MhsaSchedule::kHeadwise, TX_VARIANT_REF),
                              board("nucleo-l476rg"));
    EXPECT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("-fno-such-flag-tinytx"), std::string::npos) << r.status().message();
    EXPECT_NE(r.status().message().find("compile"), std::string::npos) << r.status().message();
}

TEST(Builder, EegformerDepthFirstDspOnNucleoL476rg)
{
    const Model &m = model("eegformer");
    build_and_run("eegformer", "nucleo-l476rg",
                  schedule(m, "nucleo-l476rg", MhsaSchedule::kDepthfirst, TX_VARIANT_DSP));
}

TEST(Builder, EegformerDepthFirstRv32OnGap9)
{
    const Model &m = model("eegformer");
    build_and_run("eegformer", "gap9", schedule(m, "gap9", MhsaSchedule::kDepthfirst, TX_VARIANT_RV32));
}

// The GAP9 cluster: images with tx_encoder_s8_cluster calls, linked with the GAP9 runtime, run on
// the cluster simulator with the reference's output; more cores, fewer cycles.
TEST(Builder, EegformerOnTheGap9Cluster)
{
    const Model &m = model("eegformer");
    const Schedule df = schedule(m, "gap9", MhsaSchedule::kDepthfirst, TX_VARIANT_RV32, 32);
    const uint64_t one = build_and_run("eegformer", "gap9", on_cluster(df, 1, ClusterSplit::kRows), true);
    const uint64_t eight = build_and_run("eegformer", "gap9", on_cluster(df, 8, ClusterSplit::kRows), true);
    const uint64_t heads = build_and_run("eegformer", "gap9", on_cluster(df, 4, ClusterSplit::kHeads), true);
    std::printf("[builder] eegformer on the gap9 cluster (emulated): 1 core %llu, 8 cores (rows) %llu, "
                "4 cores (heads) %llu cycles\n",
                static_cast<unsigned long long>(one), static_cast<unsigned long long>(eight),
                static_cast<unsigned long long>(heads));
    EXPECT_LT(eight * 3, one);
    EXPECT_LT(heads * 2, one);
    // the single-core library kernels with the Xpulp GEMM, from L2, in the cluster image
    Schedule lib = df;
    for (LayerKnobs &k : lib.layers)
        k.variant = TX_VARIANT_XPULP;
    build_and_run("eegformer", "gap9", lib, true);
}

// A run that emulates the cluster links every gap9 image for it: a single-core schedule runs on
// cluster core 0, with the reference output.
TEST(Builder, Gap9ClusterImagesForSingleCoreSchedules)
{
    const Model &m = model("tiny4");
    BuildOptions o = options();
    o.cluster_images = true;
    const Schedule s = schedule(m, "gap9", MhsaSchedule::kHeadwise, TX_VARIANT_RV32);
    auto r = Builder(o).build(m, s, board("gap9"));
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->cpu, "gap9");
    EXPECT_EQ(r->machine, "gap9");
    EXPECT_EQ(Builder(options()).build(m, s, board("gap9"))->machine, "riscv32_virt");
    agent::RunOptions ro;
    ro.expected_crc = *m.expected_output_crc32;
    ro.deadline = std::chrono::milliseconds(120000);
    const platform::Measurement meas =
        agent::make_pulp_backend()->run(board("gap9"), platform::ElfImage::load_file(r->elf_path.string()), ro);
    EXPECT_EQ(meas.status, platform::RunStatus::kOk) << meas.error;
    EXPECT_TRUE(meas.output_ok);
    // boards without a cluster are not affected
    EXPECT_EQ(Builder(o).build(m, schedule(m, "nucleo-l476rg", MhsaSchedule::kHeadwise, TX_VARIANT_REF),
                               board("nucleo-l476rg"))->cpu,
              "cortex-m4");
}

// kGap9L1Reserved is what gap9.ld puts in L1 before the kernels' buffer: the stacks
TEST(Builder, Gap9L1ReserveMatchesTheLinkerScript)
{
    std::ifstream in(default_source_root() / "kernels/firmware/ld/gap9.ld");
    const std::string ld((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto value = [&](const std::string &sym) {
        std::smatch m;
        const std::regex re(sym + R"( = (?:DEFINED\(\w+\) \? \w+ : )?(\d+)(K?);)");
        EXPECT_TRUE(std::regex_search(ld, m, re)) << sym;
        return m.empty() ? 0u : uint32_t(std::stoul(m[1])) * (m[2] == "K" ? 1024u : 1u);
    };
    EXPECT_EQ(value("__stack_size") + value("__worker_stack_size") * value("__worker_count"), kGap9L1Reserved);
    EXPECT_EQ(board_cluster_l1_free(board("gap9")), 128u * 1024u - kGap9L1Reserved);
    EXPECT_EQ(board_cluster_cores(board("gap9")), 8);
    EXPECT_EQ(board_cluster_cores(board("nucleo-h743zi")), 0);
}

TEST(Builder, ClusterLayersNeedACluster)
{
    const Model &m = model("tiny4");
    const Schedule s = on_cluster(schedule(m, "nucleo-l476rg", MhsaSchedule::kHeadwise, TX_VARIANT_REF), 8,
                                  ClusterSplit::kRows);
    auto r = Builder(options()).build(m, s, board("nucleo-l476rg"));
    EXPECT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("cluster"), std::string::npos) << r.status().message();
    // the generated code runs the cluster layers through a tx_cluster; the L1 stand-in elsewhere
    auto g = generate_sources(m, on_cluster(schedule(m, "gap9", MhsaSchedule::kHeadwise, TX_VARIANT_REF), 8,
                                            ClusterSplit::kHeads),
                              board("gap9"));
    ASSERT_TRUE(g.ok()) << g.status().message();
    EXPECT_NE(g->files[2].content.find("tx_encoder_s8_cluster(&cl"), std::string::npos);
    EXPECT_NE(g->files[2].content.find("TX_SPLIT_HEADS"), std::string::npos);
    EXPECT_NE(g->files[2].content.find("tx_cluster_sequential"), std::string::npos);
}

// The shipped tiny4 weights run as pre-norm layers: the image prints the host reference's CRC
// (tx_encoder_s8 with TX_NORM_PRE, checked against the golden model in the kernel tests), which is
// not the post-norm one, so the generated C really carries the norm position.
TEST(Builder, Tiny4AsPreNormLayersOnNucleoL476rg)
{
    Model m = model("tiny4");
    m.norm = TX_NORM_PRE;
    m.name = "tiny4_prenorm";
    const Schedule s = schedule(m, "nucleo-l476rg", MhsaSchedule::kDepthfirst, TX_VARIANT_DSP, 32);
    const auto pre = run_reference(m, s);
    ASSERT_TRUE(pre.ok()) << pre.status().message();
    const auto post = run_reference(model("tiny4"), s);
    ASSERT_TRUE(post.ok()) << post.status().message();
    EXPECT_NE(pre->crc32, post->crc32);
    const std::set<int8_t> distinct(pre->output.begin(), pre->output.end());
    EXPECT_GT(distinct.size(), 32u) << "a degenerate pre-norm output";
    uint64_t cycles = 0;
    build_and_run_into(m, pre->crc32, "nucleo-l476rg", s, false, cycles);
}

// An image links the GEMM variants its schedule runs and no other: a Cortex-M4 image of a dsp
// schedule has no RISC-V kernel and no portable variant.
TEST(Builder, ImagesLinkOnlyTheirGemmVariants)
{
    const Model &m = model("tiny4");
    Schedule s = schedule(m, "nucleo-l476rg", MhsaSchedule::kDepthfirst, TX_VARIANT_DSP, 32);
    s.layers[1].variant = TX_VARIANT_OPT2X2;
    auto r = Builder(options()).build(m, s, board("nucleo-l476rg"));
    ASSERT_TRUE(r.ok()) << r.status().message();
    const std::string cmd = "arm-none-eabi-nm '" + r->elf_path.string() + "'";
    std::string syms;
    if (FILE *p = popen(cmd.c_str(), "r")) {
        char buf[512];
        while (fgets(buf, sizeof buf, p))
            syms += buf;
        pclose(p);
    }
    ASSERT_NE(syms.find(" tx_gemm_dsp\n"), std::string::npos) << syms;
    EXPECT_NE(syms.find(" tx_gemm_opt2x2\n"), std::string::npos);
    for (const char *absent : {" tx_gemm_ref\n", " tx_gemm_opt4x2\n", " tx_gemm_rv32\n", " tx_gemm_xpulp\n"})
        EXPECT_EQ(syms.find(absent), std::string::npos) << absent;
}

TEST(Builder, Tiny4HeadwiseTiledFfnOnNucleoL476rg)
{
    const Model &m = model("tiny4");
    ASSERT_EQ(m.layers.size(), 4u);
    build_and_run("tiny4", "nucleo-l476rg",
                  schedule(m, "nucleo-l476rg", MhsaSchedule::kHeadwise, TX_VARIANT_OPT4X2, 32));
}
