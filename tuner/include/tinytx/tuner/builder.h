// tinytx::tuner::Builder — codegen C (static arena offsets, weights, kernel calls), then
// cross-compile it into an ELF, with content-hash caches (ARCHITECTURE.md "Data flow", Build).
//
// Codegen (generate_sources): for a Model, a Schedule and a BoardProfile, three C files, the
// templates of tuner/src/builder/templates/ filled (ARCHITECTURE.md "Generated C"):
//   model.h       dims, the MemoryPlanner's arena layout as constants, declarations
//   model_data.c  the weights as static const 8-byte aligned arrays, one tx_encoder_weights per
//                 layer pointing into them, and the calibration input (depends on the model only)
//   model_main.c  an agent image (tinytx/firmware/mailbox.h protocol v2, like apps/fw_agent.c):
//                 tx_bench_init, then tx_mailbox.runs measurements; each paints the planned arena,
//                 copies the input to act0 and measures every layer in sequence (tx_encoder_s8
//                 with the layer's config and variant, x/out/scratch at the plan's offsets); the
//                 output CRC is over the final activation buffer.
// Schedule-as-data images (build_schedule_data, schedule_data.h) hold every weight of the model and
// the GEMM kernels of a set, and take their layer table from the agent before each run.
// Same inputs give byte-identical sources. Images are linked for the board's emulator machine,
// so the placement knob does not reach the code: schedules that differ only in placement give
// identical sources and the same image (placement matters on a board, which needs its own link).
// The weights knob does: weights in RAM are emitted into section .tx_weights, which the startup
// code copies from flash to the link's WEIGHTS_RAM, and the image names the region in
// tx_weights_region (what the iss charges their loads with).
//
// Cross-compile (Builder::build): the generated sources plus the fixed part (kernel library and
// firmware core for the board's CPU, listed in tuner/src/builder/firmware_sources.txt) with the
// flags of cmake/toolchains and kernels/firmware/CMakeLists.txt, linked with the emulator
// machine's linker script (cortex-m4: mps2_an386, cortex-m7: mps2_an500, rv32imc: riscv32_virt;
// schedules with cluster layers: gap9, see target_for).
// Every object is cached by (compiler, toolchain version, flags, source content, headers hash);
// the ELF by (generated sources, fixed-part hash, flags, toolchain version, linker scripts).
// Failures (unknown core, bad schedule, compiler failures with their stderr) are the Result's Status.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "tinytx/platform/board_profile.h"
#include "tinytx/platform/status.h"
#include "tinytx/tuner/memory_planner.h"
#include "tinytx/tuner/model.h"
#include "tinytx/tuner/schedule.h"

namespace tinytx::tuner {

struct GeneratedFile {
    std::string name;      // "model.h", "model_data.c", "model_main.c"
    std::string content;
};

struct GeneratedSources {
    std::vector<GeneratedFile> files;
    std::optional<MemoryPlan> plan;   // unset for the schedule-as-data image
};

// The C sources of one image. Checks the schedule against the model (check_dims) and plans memory;
// a refusal is invalid_argument naming the field.
platform::Result<GeneratedSources> generate_sources(const Model &m, const Schedule &s, const platform::BoardProfile &b);
// Ok when the weights of an image may be copied to `region` ("" = flash: always): a RAM-like region
// of the board, on a Cortex-M (its startup and linker scripts place section .tx_weights).
platform::Status check_weights_region(const std::string &region, const platform::BoardProfile &b);
// Writes the files into dir (created, and the folders of names like "a/b.c").
platform::Status write_sources(const std::vector<GeneratedFile> &files, const std::filesystem::path &dir);

// The pieces of the generated C, shared with the deployable export (emit_c.h):
// a name rendered safe for C comments and string literals (printable ASCII; '*', '\\', '"' -> '_')
std::string c_safe_text(const std::string &s);
// a static const aligned array `name` of v into o (nothing when v is empty), its bytes added to
// bytes; returns the C expression of its pointer (NULL when empty)
std::string c_tensor(std::ostringstream &o, size_t &bytes, const std::string &name, const std::vector<int8_t> &v);
std::string c_tensor(std::ostringstream &o, size_t &bytes, const std::string &name, const std::vector<int32_t> &v);
// a tx_requant initializer (its per-channel arrays emitted into o first), a tx_add_params one
std::string c_requant(std::ostringstream &o, size_t &bytes, const std::string &name, const Requant &r);
std::string c_add(const tx_add_params &p);
// the checks generate_sources makes (schedule vs model dims, variants, fused weights present,
// calibration input of S*E bytes), then the memory plan with the act0, act1 and scratch buffers
// the generated code addresses; the error names the field
platform::Result<MemoryPlan> plan_codegen(const Model &m, const Schedule &s);
// the includes, TX_MODEL_* constants (dims, the plan's offsets) and the data file's declarations
std::string c_model_constants(const Model &m, const MemoryPlan &p);
// the data file: tx_model_dims, tx_model_input (calibration input) and tx_model_weights, as
// static const aligned arrays; it includes `header` (which holds c_model_constants)
std::string c_model_data(const Model &m, const Schedule &s, const std::string &header,
                         size_t *weight_bytes = nullptr);
// `#define TX_MODEL_GEMM_IMPLS`: the entries of the templates' tx_gemm_table for these variants
// only (with --gc-sections the image carries no other kernel)
std::string c_gemm_impls(const std::set<tx_variant> &variants);
// `#define TX_MODEL_CONFIG`: the image's name in its measurements (the last 63 characters of name)
std::string c_image_config(const std::string &name);
// tuner/src/builder/templates/model_layers.c filled for the schedule: the static layer table and
// `static tx_status tx_model_layers_run(uint8_t *arena)`, one inference from the input at
// TX_MODEL_INPUT_OFFSET to the output at TX_MODEL_OUTPUT_OFFSET (cluster layers: the GAP9 runtime
// with TX_HAVE_XPULP, else tx_cluster_sequential over a static L1 stand-in)
std::string c_model_layers(const Model &m, const Schedule &s, const MemoryPlan &p);

// How a board's core is built for: the toolchain, the CPU flags and the emulator linker script.
struct TargetInfo {
    std::string cpu;                // cortex-m4 | cortex-m7 | rv32 | gap9 (firmware_sources.txt names)
    std::string compiler;           // arm-none-eabi-gcc | riscv64-unknown-elf-gcc
    std::vector<std::string> cpu_flags;
    std::string machine;            // linker script basename in kernels/firmware/ld
};
std::optional<TargetInfo> target_for_core(const std::string &core);
// The target of one image: the core's, or the GAP9 cluster's (cpu "gap9": rv32imc with the Xpulp
// kernels, -DTX_HAVE_XPULP=1, linked with gap9.ld for the pulp backend's memory map) when a layer
// runs on the cluster or uses the xpulp variant, or for every image of a board with a cluster when
// cluster_images is set (the run emulates the cluster: single-core schedules then run on cluster
// core 0 like the cluster ones, stack in L1, data in L2, so their cycles compare). Fails for an
// unknown core, or cluster layers on a board without a cluster.
platform::Result<TargetInfo> target_for(const platform::BoardProfile &b, const Schedule &s, bool cluster_images);
bool uses_cluster(const Schedule &s);
// The board's cluster: its cores (the profile's cycle_model "cluster_cores", 0 = none), and the L1
// bytes left to the kernels' tiles by kernels/firmware/ld/gap9.ld (the l1 region minus the stacks
// of core 0, 8 KiB, and of the 7 workers, 1 KiB each).
inline constexpr uint32_t kGap9L1Reserved = 8 * 1024 + 7 * 1024;
int32_t board_cluster_cores(const platform::BoardProfile &b);
size_t board_cluster_l1_free(const platform::BoardProfile &b);

// Compile options of every firmware object: CPU flags, opt_flags, freestanding C, sections
// (include paths and per-file options not included).
std::vector<std::string> firmware_compile_flags(const TargetInfo &t, const std::string &opt_flags);
// Link options of every image: CPU flags, no libc, section GC, the measurement protocol's symbols
// kept (the linker script, map and libgcc not included).
std::vector<std::string> firmware_link_flags(const TargetInfo &t);
// Include directories of the kernels and the firmware core, relative to the source root.
std::vector<std::string> firmware_include_dirs();

// The C sources of the schedule-as-data image of a model on a board (schedule_data.h), its weights
// in flash or copied to `weights_region` (LayerKnobs::weights: one image per weights region).
platform::Result<GeneratedSources> generate_schedule_data_sources(const Model &m, const platform::BoardProfile &b,
                                                                  const std::set<tx_variant> &kernels,
                                                                  const std::string &weights_region = "");

// One line of tuner/src/builder/firmware_sources.txt: the fixed part of every image.
struct FirmwareSource {
    std::vector<std::string> cpus;    // empty = all CPUs
    std::string rel;                  // path from the source root
    std::vector<std::string> flags;   // extra compile options
    bool for_cpu(const std::string &cpu) const;
};
// Every line of the list (each path checked to exist); a failure names file:line.
platform::Status read_firmware_sources(const std::filesystem::path &root, std::vector<FirmwareSource> &out);

struct BuildOptions {
    std::filesystem::path source_root;   // repository root; "" = the one this was built from
    std::filesystem::path cache_dir;     // required
    std::string opt_flags = "-O3";       // TINYTX_FW_OPT
    int jobs = 0;                        // parallel compiles; 0 = hardware concurrency
    bool cluster_images = false;         // link every image of a cluster board for it (target_for)
    std::string toolchain_prefix_arm = "arm-none-eabi-";
    std::string toolchain_prefix_rv = "riscv64-unknown-elf-";
};

// An image in the cache.
struct BuiltImage {
    std::filesystem::path elf_path;      // in the cache
    std::filesystem::path sources_dir;   // the generated sources of this image
    std::string image_key;               // content hash of everything that went into the ELF
    bool cache_hit = false;              // the ELF came from the cache
    size_t objects_compiled = 0;         // object-cache misses of this build
    size_t objects_cached = 0;           // object-cache hits
    std::string toolchain_version;       // first line of `<gcc> --version`
    std::string cpu, machine;
    std::optional<MemoryPlan> plan;
    double seconds = 0;
};

class Builder {
public:
    explicit Builder(BuildOptions opts);
    // The specialized image of one schedule (the one `--emit-c` deploys). A failure's message
    // carries the compiler's stderr.
    platform::Result<BuiltImage> build(const Model &m, const Schedule &s, const platform::BoardProfile &b) const;
    // The schedule-as-data image of a model on a board with these GEMM kernels
    // (schedule_data.h) and its weights in `weights_region` ("" = flash): built once, cached like
    // every image; its plan is unset.
    platform::Result<BuiltImage> build_schedule_data(const Model &m, const platform::BoardProfile &b,
                                                     const std::set<tx_variant> &kernels,
                                                     const std::string &weights_region = "") const;
    const BuildOptions &options() const { return opts_; }

private:
    platform::Result<BuiltImage> compile_and_link(const platform::Result<GeneratedSources> &gen, const TargetInfo &target,
                                                  std::chrono::steady_clock::time_point t0) const;
    BuildOptions opts_;
};

// The repository root compiled into the library (where kernels/ and tuner/ are).
std::filesystem::path default_source_root();

} // namespace tinytx::tuner
