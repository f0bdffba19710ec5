// Shared by the emit_c tests: the models, the schedules exported, a temporary folder per test and
// running make in it.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "tinytx/tuner/emit_c.h"
#include "tinytx/tuner/reference.h"

namespace emit_c_test {

using namespace tinytx::tuner;
namespace fs = std::filesystem;

// A shipped model (small: loaded again by every caller).
inline Model model(const std::string &name)
{
    auto r = load_model(fs::path(TINYTX_MODELS_DIR) / (name + ".json"));
    if (!r.ok())
        throw std::runtime_error("model " + name + ": " + r.status().message());
    return std::move(*r);
}

// eegformer: depth-first (T = round(sqrt(S))), the DSP GEMM, FFN tiled over the hidden dimension
inline Schedule eegformer_schedule()
{
    const Model m = model("eegformer");
    Schedule s;
    s.model = m.name;
    s.board = "nucleo-h743zi";
    LayerKnobs k;
    k.mhsa = MhsaSchedule::kDepthfirst;
    k.tile_rows = static_cast<int32_t>(std::lround(std::sqrt(m.dims.S)));
    k.variant = TX_VARIANT_DSP;
    k.ffn_tile = m.dims.F / 4;
    s.layers.assign(m.layers.size(), k);
    return s;
}

// tiny4: different knobs on every layer, fused-weight attention on two of them
inline Schedule tiny4_schedule()
{
    const Model m = model("tiny4");
    Schedule s;
    s.model = m.name;
    s.board = "nucleo-l476rg";
    s.layers.resize(m.layers.size());
    s.layers[0] = {AttentionMode::kStandard, MhsaSchedule::kLayerwise, 0, TX_VARIANT_REF, 0, ""};
    s.layers[1] = {AttentionMode::kFused, MhsaSchedule::kHeadwise, 0, TX_VARIANT_OPT4X2, 32, ""};
    s.layers[2] = {AttentionMode::kFused, MhsaSchedule::kDepthfirst, 4, TX_VARIANT_DSP, 0, ""};
    s.layers[3] = {AttentionMode::kStandard, MhsaSchedule::kDepthfirst, 5, TX_VARIANT_OPT2X2, 48, ""};
    return s;
}

// A fresh folder under the system's temporary directory, removed when the test passed.
class TempDir {
public:
    explicit TempDir(const std::string &tag)
        : path_(fs::temp_directory_path() / ("tinytx-emit-c-" + tag + "-" + std::to_string(::getpid())))
    {
        fs::remove_all(path_);
    }
    ~TempDir()
    {
        if (!::testing::Test::HasFailure()) {
            std::error_code ec;
            fs::remove_all(path_, ec);
        }
    }
    const fs::path &path() const { return path_; }

private:
    fs::path path_;
};

struct Command {
    int status = -1;
    std::string output;   // stdout and stderr
};

inline Command run(const std::string &cmd)
{
    Command c;
    FILE *p = ::popen((cmd + " 2>&1").c_str(), "r");
    if (!p) {
        c.output = "popen failed";
        return c;
    }
    char buf[4096];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;)
        c.output.append(buf, n);
    const int st = ::pclose(p);
    c.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
    return c;
}

inline Command make(const fs::path &dir, const std::string &targets)
{
    return run("make -C '" + dir.string() + "' -j2 " + targets);
}

// the value printed as crc32=0x........ (8 lowercase hex digits), or "" when there is none
inline std::string printed_crc(const std::string &output)
{
    const auto at = output.rfind("crc32=0x");
    if (at == std::string::npos || at + 16 > output.size())
        return "";
    const std::string hex = output.substr(at + 8, 8);
    for (char ch : hex)
        if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')))
            return "";
    return "0x" + hex;
}

// Exports m under s into dir and checks the result.
inline auto export_ok (const Model &m, const Schedule &s, const fs::path &dir)
{
    auto r = emit_c(m, s, dir);
    EXPECT_TRUE(r.ok()) << r.status().message();
    auto ref = run_reference(m, s);
    EXPECT_TRUE(ref.ok()) << ref.status().message();
    EXPECT_EQ(r->expected_crc32, ref->crc32);
    return r;
}

} // namespace emit_c_test
