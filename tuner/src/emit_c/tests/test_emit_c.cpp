// emit_c: exported folders build on their own and compute what the tuner's host reference computes:
// on the host, as board images (symbols of the measurement protocol), and measured by the
// in-process emulator agent. Bad input is an error, not a crash.
#include "emit_c_test_util.h"

#include <chrono>
#include <cmath>
#include <cstring>
#include <random>

#include "tinytx/agent/backend.h"
#include "tinytx/platform/board_profile.h"
#include "tinytx/platform/elf_image.h"
#include "tinytx/tuner/builder.h"
#include "tinytx/tuner/reference.h"

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
    const auto r = export_ok(m, s, dir.path());
    ASSERT_TRUE(r.ok()) << r.status().message();
    for (const char *f : {"network.h", "network.c", "network_model.h", "network_weights.c", "main.c", "Makefile",
                          "README.md", "schedule.json", "kernels/include/tinytx/kernels.h",
                          "kernels/src/ops/encoder.c", "kernels/firmware/include/tinytx/firmware/mailbox.h",
                          "kernels/firmware/bench.c",
                          "kernels/firmware/ld/nucleo_h743zi.ld", "kernels/firmware/ld/cortexm_sections.ld"}) {
        EXPECT_TRUE(fs::is_regular_file(dir.path() / f)) << f;
        EXPECT_NE(std::find(r->files.begin(), r->files.end(), f), r->files.end()) << f;
    }
    expect_self_contained(dir.path());
    EXPECT_NE(read_all(dir.path() / "README.md").find(crc32_hex(r->expected_crc32)), std::string::npos);
    EXPECT_NE(read_all(dir.path() / "network.h").find("#define TX_NETWORK_ARENA_BYTES " +
                                                      std::to_string(r->arena_bytes) + "u"),
              std::string::npos);

    const Command b = make(dir.path(), "host");
    ASSERT_EQ(b.status, 0) << b.output;
    const Command run_host = run("'" + (dir.path() / "network_host").string() + "'");
    EXPECT_EQ(run_host.status, 0) << run_host.output;
    EXPECT_EQ(printed_crc(run_host.output), crc32_hex(r->expected_crc32)) << run_host.output;
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

// A NumPy .npy file of float32 values (format 1.0, C order).
void write_npy(const fs::path &p, const std::vector<float> &v, const std::vector<size_t> &shape)
{
    std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (";
    for (size_t d : shape)
        dict += std::to_string(d) + ", ";
    dict += "), }";
    while ((10 + dict.size() + 1) % 64 != 0)
        dict += ' ';
    dict += '\n';
    std::ofstream out(p, std::ios::binary);
    out.write("\x93NUMPY\x01\x00", 8);
    const char len[2] = {char(dict.size() & 0xFF), char(dict.size() >> 8)};
    out.write(len, 2);
    out << dict;
    out.write(reinterpret_cast<const char *>(v.data()), std::streamsize(v.size() * sizeof(float)));
}

// The float32 payload of a .npy file written by network_host (and its header, for the shape).
std::vector<float> read_npy(const fs::path &p, std::string &header)
{
    const std::string all = read_all(p);
    if (all.size() < 10 || all.compare(0, 6, "\x93NUMPY") != 0)
        return {};
    const size_t hlen = uint8_t(all[8]) | size_t(uint8_t(all[9])) << 8;
    header = all.substr(10, hlen);
    std::vector<float> v((all.size() - 10 - hlen) / sizeof(float));
    std::memcpy(v.data(), all.data() + 10 + hlen, v.size() * sizeof(float));
    return v;
}

// network.h states the quantization and sizes; network_host runs float .npy files through
// tx_network_run_f32: the dequantized calibration input gives the reference output exactly.
TEST(EmitC, HostRunsNpyFilesThroughTheFloatEntry)
{
    const Model m = model("tiny4");
    ASSERT_GT(m.input_scale, 0);
    ASSERT_GT(m.output_scale(), 0);
    TempDir dir("tiny4-npy");
    const Schedule s = tiny4_schedule();
    const auto r = export_ok(m, s, dir.path());
    ASSERT_TRUE(r.ok()) << r.status().message();
    const std::string h = read_all(dir.path() / "network.h");
    for (const char *macro : {"TX_NETWORK_INPUT_SCALE ", "TX_NETWORK_OUTPUT_SCALE ", "TX_NETWORK_INPUT_ZERO_POINT 0",
                              "TX_NETWORK_WEIGHTS_BYTES ", "tx_network_run_f32("})
        EXPECT_NE(h.find(macro), std::string::npos) << macro;
    const std::string readme = read_all(dir.path() / "README.md");
    EXPECT_NE(readme.find("## Quantization"), std::string::npos);
    EXPECT_NE(readme.find("## Sizes"), std::string::npos);
    const Command b = make(dir.path(), "host");
    ASSERT_EQ(b.status, 0) << b.output;

    const size_t n = size_t(m.dims.S) * m.dims.E;
    std::vector<float> in(2 * n);
    for (size_t i = 0; i < n; ++i) {
        in[i] = float(m.input_scale * m.calibration_input[i]);
        in[n + i] = float(m.input_scale * 40.0 * std::sin(0.1 * double(i))); // another sample
    }
    write_npy(dir.path() / "in.npy", in, {2, size_t(m.dims.S), size_t(m.dims.E)});
    const std::string host = "'" + (dir.path() / "network_host").string() + "'";
    const Command ok = run(host + " '" + (dir.path() / "in.npy").string() + "' '" +
                           (dir.path() / "out.npy").string() + "'");
    ASSERT_EQ(ok.status, 0) << ok.output;
    EXPECT_NE(ok.output.find("2 samples"), std::string::npos) << ok.output;
    std::string header;
    const std::vector<float> out = read_npy(dir.path() / "out.npy", header);
    ASSERT_EQ(out.size(), 2 * n);
    EXPECT_NE(header.find("(2, " + std::to_string(m.dims.S) + ", " + std::to_string(m.dims.E) + ")"),
              std::string::npos)
        << header;
    // NumPy itself reads it (numpy is a test dependency: the golden model)
    const Command np = run("/usr/bin/python3 -c \"import numpy, sys; a = numpy.load(sys.argv[1]); "
                           "assert a.dtype == numpy.float32 and a.shape == (2, " + std::to_string(m.dims.S) + ", " +
                           std::to_string(m.dims.E) + "), a.shape\" '" + (dir.path() / "out.npy").string() + "' 2>&1");
    EXPECT_EQ(np.status, 0) << np.output;
    const auto ref = run_reference(m, s);
    ASSERT_TRUE(ref.ok()) << ref.status().message();
    for (size_t i = 0; i < n; ++i)
        ASSERT_EQ(std::lround(out[i] / m.output_scale()), ref->output[i]) << i;
    EXPECT_NE(std::vector<float>(out.begin(), out.begin() + long(n)),
              std::vector<float>(out.begin() + long(n), out.end()));

    // what a user gets wrong
    std::ofstream(dir.path() / "model.pt") << "PK\x03\x04 a torch zip";
    const Command bad = run(host + " '" + (dir.path() / "model.pt").string() + "' out2.npy 2>&1");
    EXPECT_EQ(bad.status, 1);
    EXPECT_NE(bad.output.find("not a .npy file"), std::string::npos) << bad.output;
    write_npy(dir.path() / "short.npy", std::vector<float>(n - 1), {n - 1});
    const Command shape = run(host + " '" + (dir.path() / "short.npy").string() + "' out3.npy 2>&1");
    EXPECT_EQ(shape.status, 1);
    EXPECT_NE(shape.output.find("shape must end in"), std::string::npos) << shape.output;
}

// Random integers for the network's ends.
struct EndsRng {
    std::mt19937 rng{14};
    std::vector<int32_t> ints(size_t n, int lo, int hi)
    {
        std::uniform_int_distribution<int> d(lo, hi);
        std::vector<int32_t> v(n);
        for (auto &x : v)
            x = d(rng);
        return v;
    }
    std::vector<int8_t> int8s(size_t n)
    {
        const std::vector<int32_t> v = ints(n, -100, 100);
        return std::vector<int8_t>(v.begin(), v.end());
    }
};

// tiny4 with the network's two ends: a CLS token, a positional term, a head of C classes
Model tiny4_with_ends(EndsRng &g, tx_pool_mode pool, int32_t C)
{
    Model m = model("tiny4");
    const int32_t S = m.dims.S, E = m.dims.E, F = 5;
    Prelude p;
    p.features = F;
    p.tokens = S - 1;
    p.input_scale = 0.05;
    p.we = g.int8s(size_t(E) * F);
    p.be = g.ints(size_t(E), -2000, 2000);
    p.rq.mul = 1 << 30; // |acc| <= 5 * 128 * 100 + 2000: about 2^16 -> 2^7
    p.rq.shift = 39;
    p.cls = g.int8s(size_t(E));
    p.pos = g.int8s(size_t(S) * E);
    p.add_pos = {1 << 19, 1 << 18, 20};
    m.prelude = p;
    Head h;
    h.pool = pool;
    h.classes = C;
    h.wh = g.int8s(size_t(C) * E);
    h.bh = g.ints(size_t(C), -5000, 5000);
    h.output_scale = 0.001;
    m.head = h;
    return m;
}

// Exports m, builds network_host and runs two samples of inputs through the float entry: the
// outputs must be exactly the tuner's whole-network reference.
void expect_host_network_is_the_reference(const Model &m, const Schedule &s, const fs::path &dir, EndsRng &g)
{
    const size_t tokens = m.prelude ? size_t(m.prelude->tokens) : size_t(m.dims.S);
    const size_t F = m.prelude ? size_t(m.prelude->features) : size_t(m.dims.E);
    const int32_t C = m.head ? m.head->classes : m.dims.S * m.dims.E;
    const double in_scale = m.prelude ? m.prelude->input_scale : m.input_scale;
    const double out_scale = m.head ? m.head->output_scale : m.encoder_output_scale();
    const auto r = export_ok(m, s, dir);
    ASSERT_TRUE(r.ok()) << r.status().message();
    const Command b = make(dir, "host");
    ASSERT_EQ(b.status, 0) << b.output;

    // two samples on the int8 grid: the float entry quantizes them back exactly
    const size_t n = tokens * F;
    std::vector<int8_t> q[2] = {g.int8s(n), g.int8s(n)};
    std::vector<float> in;
    for (const auto &sample : q)
        for (int8_t v : sample)
            in.push_back(float(in_scale * v));
    write_npy(dir / "in.npy", in, {2, tokens, F});
    const Command ok = run("'" + (dir / "network_host").string() + "' '" + (dir / "in.npy").string() + "' '" +
                           (dir / "out.npy").string() + "'");
    ASSERT_EQ(ok.status, 0) << ok.output;
    std::string header;
    const std::vector<float> out = read_npy(dir / "out.npy", header);
    ASSERT_EQ(out.size(), size_t(2 * C));
    if (m.head)
        EXPECT_NE(header.find("(2, " + std::to_string(C) + ")"), std::string::npos) << header;
    for (int k = 0; k < 2; ++k) {
        const auto ref = run_network_reference(m, s, q[k]);
        ASSERT_TRUE(ref.ok()) << ref.status().message();
        ASSERT_EQ(ref->size(), size_t(C));
        for (int c = 0; c < C; ++c)
            EXPECT_EQ(std::lround(out[size_t(k * C + c)] / out_scale), (*ref)[size_t(c)]) << k << " " << c;
    }
    // the layers alone still check their calibration CRC
    const Command crc = run("'" + (dir / "network_host").string() + "'");
    EXPECT_EQ(crc.status, 0) << crc.output;
}

// tiny4 with the network's two ends (a CLS token, a positional term, first-token pooling and a
// head): network.h states the features in and the logits out, and network_host runs the whole
// network: exactly the tuner's whole-network reference.
TEST(EmitC, WholeNetworkWithEmbeddingAndHeadMatchesTheReference)
{
    EndsRng g;
    const Model m = tiny4_with_ends(g, TX_POOL_FIRST, 7);
    const int32_t S = m.dims.S, E = m.dims.E;
    TempDir dir("tiny4-ends");
    const Schedule s = tiny4_schedule();
    expect_host_network_is_the_reference(m, s, dir.path(), g);
    const std::string hdr = read_all(dir.path() / "network.h");
    for (const std::string &macro : {"TX_NETWORK_INPUT_TOKENS " + std::to_string(S - 1) + "u",
                                    std::string("TX_NETWORK_INPUT_FEATURES 5u"),
                                    std::string("TX_NETWORK_OUTPUT_COUNT 7u"),
                                    std::string("typedef int32_t tx_network_output_t;"), std::string("CLS token")})
        EXPECT_NE(hdr.find(macro), std::string::npos) << macro;

    // features that do not fit where tx_network_run_f32 quantizes them: an error naming them
    Model wide = m;
    wide.prelude->features = S * E;
    wide.prelude->we.assign(size_t(E) * S * E, 1);
    TempDir wide_dir("tiny4-wide");
    const auto bad = emit_c(wide, s, wide_dir.path());
    EXPECT_NE(bad.status().message().find("larger than an activation buffer"), std::string::npos) << bad.status().message();
}

FinalNorm random_final_norm(EndsRng &g, int32_t E)
{
    FinalNorm f;
    f.gamma = g.int8s(size_t(E));
    f.beta = g.ints(size_t(E), -3000, 3000);
    f.rq.mul = 1 << 30; // |z * gamma| <= 2^8 * 4 * 100 (z is within a few units): about 2^17 -> 2^7
    f.rq.shift = 41;
    f.output_scale = 0.02;
    return f;
}

// The ViT form: a final LayerNorm between the last layer and the head (NUMERICS.md "Final
// LayerNorm"), of every row before mean pooling, of the pooled row alone with CLS pooling. Its
// data count in TX_NETWORK_WEIGHTS_BYTES, as Model::ends_data_bytes says.
TEST(EmitC, WholeNetworkWithFinalNormMatchesTheReference)
{
    for (tx_pool_mode pool : {TX_POOL_MEAN, TX_POOL_FIRST}) {
        SCOPED_TRACE(int(pool));
        EndsRng g;
        Model m = tiny4_with_ends(g, pool, 6);
        m.final_norm = random_final_norm(g, m.dims.E);
        TempDir dir(pool == TX_POOL_MEAN ? "tiny4-final-norm-mean" : "tiny4-final-norm-cls");
        const Schedule s = tiny4_schedule();
        expect_host_network_is_the_reference(m, s, dir.path(), g);
        const std::string hdr = read_all(dir.path() / "network.h");
        EXPECT_NE(hdr.find("the final LayerNorm, "), std::string::npos);
        size_t layer_bytes = 0;
        c_model_data(m, s, "network_model.h", &layer_bytes);
        EXPECT_NE(hdr.find("TX_NETWORK_WEIGHTS_BYTES " +
                           std::to_string(layer_bytes + m.ends_data_bytes() + m.calibration_input.size()) + "u"),
                  std::string::npos);
        // with it the reference differs from the same network without it
        Model without = m;
        without.final_norm.reset();
        const std::vector<int8_t> x = g.int8s(size_t(m.prelude->tokens) * m.prelude->features);
        EXPECT_NE(*run_network_reference(m, s, x), *run_network_reference(without, s, x));
    }
}

// Without a head the final LayerNorm writes the network's output, int8 [S][E] in its own scale.
TEST(EmitC, FinalNormWithoutHeadIsTheOutput)
{
    EndsRng g;
    Model m = model("tiny4");
    m.final_norm = random_final_norm(g, m.dims.E);
    TempDir dir("tiny4-final-norm-only");
    expect_host_network_is_the_reference(m, tiny4_schedule(), dir.path(), g);
    const std::string hdr = read_all(dir.path() / "network.h");
    EXPECT_NE(hdr.find("after the final LayerNorm"), std::string::npos);
    EXPECT_NE(hdr.find("TX_NETWORK_OUTPUT_SCALE 0.02f"), std::string::npos);
}

TEST(EmitC, BoardImagesCarryTheMeasurementProtocol)
{
    const Model m = model("tiny4");
    TempDir dir("tiny4-boards");
    const auto r = export_ok(m, tiny4_schedule(), dir.path());
    ASSERT_TRUE(r.ok()) << r.status().message();
    for (const char *t : {"host", "qemu-m4", "qemu-m7", "nucleo-h743zi", "nucleo-l476rg"})
        EXPECT_NE(std::find(r->targets.begin(), r->targets.end(), t), r->targets.end()) << t;
    const Command b = make(dir.path(), "nucleo-h743zi nucleo-l476rg");
    ASSERT_EQ(b.status, 0) << b.output;
    for (const char *board : {"nucleo-h743zi", "nucleo-l476rg"}) {
        const fs::path elf = dir.path() / "build" / board / "network.elf";
        ASSERT_TRUE(fs::is_regular_file(elf)) << elf;
        const Command nm = run("arm-none-eabi-nm '" + elf.string() + "'");
        ASSERT_EQ(nm.status, 0) << nm.output;
        for (const char *sym : {" tx_mailbox\n", " tx_bench_begin\n", " tx_bench_end\n", " tx_bench_done\n",
                                " tx_network_run_layers\n"})
            EXPECT_NE(nm.output.find(sym), std::string::npos) << board << " lacks " << sym;
        // linked for the board's memory: the vector table at the start of its flash
        const auto at = nm.output.find(" __isr_vector_start\n");
        ASSERT_NE(at, std::string::npos) << board;
        EXPECT_EQ(nm.output.substr(nm.output.rfind('\n', at) + 1, 8), "08000000") << board;
        // the arena reserved is the plan's (8-byte aligned), not the board's whole RAM block
        auto address = [&](const char *sym) {
            const auto p = nm.output.find(std::string(" ") + sym + "\n");
            EXPECT_NE(p, std::string::npos) << board << " lacks " << sym;
            return p == std::string::npos ? 0ul : std::stoul(nm.output.substr(nm.output.rfind('\n', p) + 1, 8), nullptr, 16);
        };
        EXPECT_EQ(address("__tx_arena_end") - address("__tx_arena_start"), (r->arena_bytes + 7) / 8 * 8) << board;
    }
}

// The pick's regions reach the board image: the board's linker script in the folder maps ARENA_RAM
// to the placement and WEIGHTS_RAM to the weights' region, whose section loads from flash and is
// copied at start-up (the same image on the iss gives the reference's output).
TEST(EmitC, BoardImagePlacesTheArenaAndTheWeightsInThePicksRegions)
{
    const Model m = model("eegformer");
    Schedule s = eegformer_schedule();
    for (LayerKnobs &k : s.layers) {
        k.placement = "dtcm";
        k.weights = "axi_sram";
    }
    TempDir dir("eegformer-regions");
    const auto r = export_ok(m, s, dir.path());
    ASSERT_TRUE(r.ok()) << r.status().message();
    const std::string ld = read_all(dir.path() / "kernels/firmware/ld/nucleo_h743zi.ld");
    EXPECT_NE(ld.find("REGION_ALIAS(\"ARENA_RAM\", DTCM);"), std::string::npos) << ld;
    EXPECT_NE(ld.find("REGION_ALIAS(\"WEIGHTS_RAM\", AXI_SRAM);"), std::string::npos) << ld;
    EXPECT_NE(read_all(dir.path() / "README.md").find("copied from flash to `axi_sram` at start-up"), std::string::npos);
    const Command b = make(dir.path(), "nucleo-h743zi build/qemu-m7/network.elf");
    ASSERT_EQ(b.status, 0) << b.output;
    const Command nm = run("arm-none-eabi-nm '" + (dir.path() / "build/nucleo-h743zi/network.elf").string() + "'");
    ASSERT_EQ(nm.status, 0) << nm.output;
    auto address = [&](const char *sym) {
        const auto p = nm.output.find(std::string(" ") + sym + "\n");
        EXPECT_NE(p, std::string::npos) << "no " << sym;
        return p == std::string::npos ? 0ul : std::stoul(nm.output.substr(nm.output.rfind('\n', p) + 1, 8), nullptr, 16);
    };
    EXPECT_EQ(address("__tx_arena_start") & 0xFFF00000ul, 0x20000000ul) << "the arena in DTCM";
    EXPECT_EQ(address("__tx_weights_start") & 0xFFF00000ul, 0x24000000ul) << "the weights run from AXI SRAM";
    EXPECT_EQ(address("__tx_weights_load") & 0xFF000000ul, 0x08000000ul) << "loaded from flash";
    EXPECT_GT(address("__tx_weights_end") - address("__tx_weights_start"), 10000ul);

    static const tinytx::platform::BoardCatalog boards = tinytx::platform::BoardCatalog::load_dir(TINYTX_BOARDS_DIR);
    tinytx::agent::RunOptions ro;
    ro.expected_crc = r->expected_crc32;
    ro.deadline = std::chrono::milliseconds(120000);
    const tinytx::platform::Measurement meas = tinytx::agent::make_iss_backend()->run(
        boards.get("nucleo-h743zi"),
        tinytx::platform::ElfImage::load_file((dir.path() / "build/qemu-m7/network.elf").string()), ro);
    EXPECT_EQ(meas.status, tinytx::platform::RunStatus::kOk) << meas.error;
    EXPECT_TRUE(meas.output_ok);
}

TEST(EmitC, NetworkHeaderStatesTheMeasuredStack)
{
    const Model m = model("tiny4");
    TempDir measured_dir("tiny4-stack"), plain_dir("tiny4-no-stack");
    EmitCOptions o;
    o.measured_stack_bytes = 1234;
    o.stack_source = "iss on nucleo-l476rg";
    ASSERT_TRUE(emit_c(m, tiny4_schedule(), measured_dir.path(), o).ok());
    const std::string h = read_all(measured_dir.path() / "network.h");
    EXPECT_NE(h.find("#define TX_NETWORK_STACK_BYTES 1234u"), std::string::npos) << h;
    EXPECT_NE(h.find("iss on nucleo-l476rg"), std::string::npos);
    EXPECT_NE(read_all(measured_dir.path() / "README.md").find("**1234 bytes**"), std::string::npos);
    ASSERT_TRUE(emit_c(m, tiny4_schedule(), plain_dir.path()).ok());
    const std::string plain = read_all(plain_dir.path() / "network.h");
    EXPECT_NE(plain.find("#define TX_NETWORK_STACK_BYTES 0u"), std::string::npos);
    EXPECT_NE(plain.find("not measured"), std::string::npos);
}

TEST(EmitC, QemuM7ImageMeasuredByTheIssAgent)
{
    const Model m = model("eegformer");
    TempDir dir("eegformer-iss");
    const auto r = export_ok(m, eegformer_schedule(), dir.path());
    ASSERT_TRUE(r.ok()) << r.status().message();
    const Command b = make(dir.path(), "build/qemu-m7/network.elf");
    ASSERT_EQ(b.status, 0) << b.output;

    static const tinytx::platform::BoardCatalog boards = tinytx::platform::BoardCatalog::load_dir(TINYTX_BOARDS_DIR);
    const tinytx::platform::BoardProfile &board = boards.get("nucleo-h743zi");
    const auto image = tinytx::platform::ElfImage::load_file((dir.path() / "build/qemu-m7/network.elf").string());
    tinytx::agent::RunOptions ro;
    ro.repeats = 2;
    ro.expected_crc = r->expected_crc32;
    ro.deadline = std::chrono::milliseconds(120000);
    const tinytx::platform::Measurement meas = tinytx::agent::make_iss_backend()->run(board, image, ro);
    EXPECT_EQ(meas.status, tinytx::platform::RunStatus::kOk) << tinytx::platform::to_string(meas.status) << ": "
                                                          << meas.error;
    EXPECT_EQ(meas.output_crc32, r->expected_crc32);
    EXPECT_TRUE(meas.output_ok);
    EXPECT_EQ(meas.cycles.size(), 2u);
    EXPECT_GT(meas.cycles_median, 0u);
    EXPECT_GT(meas.arena_peak_bytes, 0u);
    EXPECT_LE(meas.arena_peak_bytes, r->arena_bytes);
    EXPECT_GT(meas.stack_peak_bytes, 0u);  // what tinytx-tune --emit-c states as TX_NETWORK_STACK_BYTES
    std::printf("[emit_c] eegformer qemu-m7 image on the ISS (nucleo-h743zi): %llu cycles, arena peak %u of %zu "
                "bytes, crc %s\n",
                static_cast<unsigned long long>(meas.cycles_median), meas.arena_peak_bytes, r->arena_bytes,
                crc32_hex(meas.output_crc32).c_str());
}

TEST(EmitC, BadInputIsAnError)
{
    const Model m = model("tiny4");
    TempDir dir("bad");

    Schedule short_s = tiny4_schedule();
    short_s.layers.pop_back();
    auto r = emit_c(m, short_s, dir.path());
    EXPECT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("schedule"), std::string::npos) << r.status().message();
    EXPECT_FALSE(fs::exists(dir.path())) << "nothing written for a bad schedule";

    r = emit_c(m, eegformer_schedule(), dir.path());  // another model's schedule
    EXPECT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("schedule.model"), std::string::npos) << r.status().message();

    Schedule bad_tile = tiny4_schedule();
    bad_tile.layers[2].tile_rows = m.dims.S + 3;
    r = emit_c(m, bad_tile, dir.path());
    EXPECT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("tile_rows"), std::string::npos) << r.status().message();

    // unwritable: a folder below a regular file
    fs::create_directories(dir.path());
    std::ofstream(dir.path() / "file") << "x";
    r = emit_c(m, tiny4_schedule(), dir.path() / "file" / "out");
    EXPECT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("dir"), std::string::npos) << r.status().message();
    EXPECT_THROW(r.value(), tinytx::platform::BadResultAccess);  // no files reported

    EmitCOptions bad_root;
    bad_root.source_root = dir.path();
    r = emit_c(m, tiny4_schedule(), dir.path() / "out", bad_root);
    EXPECT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("source_root"), std::string::npos) << r.status().message();

    r = emit_c(m, tiny4_schedule(), "");
    EXPECT_FALSE(r.ok());
}
