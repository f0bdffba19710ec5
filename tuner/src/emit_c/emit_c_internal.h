// The parts of emit_c (tinytx/tuner/emit_c.h), one per file: the firmware targets, the files
// copied from the source tree, and the generated network sources, Makefile and README.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "tinytx/platform/status.h"
#include "tinytx/tuner/builder.h"
#include "tinytx/tuner/memory_planner.h"
#include "tinytx/tuner/model.h"
#include "tinytx/tuner/schedule.h"

namespace tinytx::tuner::emit_detail {

// A make target that links a firmware image.
struct FirmwareTarget {
    std::string name;              // qemu-m4, nucleo-h743zi, ...
    TargetInfo target;             // CPU, compiler, flags (builder.h)
    std::string linker_script;     // basename in kernels/firmware/ld, without ".ld"
    std::vector<std::string> run;  // emulator command line without -kernel; empty = build only
    std::string description;       // for the README and the Makefile's help
    bool pulp = false;             // runs under tinytx-pulp-run (the GAP9 cluster simulator), not QEMU
};

// One target per board profile with an Arm core and a linker script of its own
// (kernels/firmware/ld/<name with '_'>.ld), and one QEMU target per core of those boards, run on
// the board's emulated machine and linked like the Builder's images (target_for_core).
// Sorted by name.
platform::Status firmware_targets(const std::filesystem::path &root, const std::filesystem::path &boards_dir,
                                  std::vector<FirmwareTarget> &out);

// For a schedule with GAP9 cluster layers on a board with a cluster: "gap9-sim", the cluster image
// as the Builder links it (gap9.ld, the pulp backend's memory map), run by tinytx-pulp-run.
// Nothing for other schedules.
platform::Status cluster_target(const std::filesystem::path &boards_dir, const Schedule &s,
                                std::vector<FirmwareTarget> &out);

// The copy of the schedule's board's linker script among `files` (kernels/firmware/ld/<board>.ld),
// its ARENA_RAM aliased to the schedule's placement and its WEIGHTS_RAM to the schedule's weights
// region (each matched to the script's MEMORY region of the profile region's origin); unchanged
// where the schedule names neither or the board has no target. A region the script has no MEMORY
// line for is an error.
platform::Status place_regions(const std::filesystem::path &boards_dir, const Schedule &s,
                               const std::vector<FirmwareTarget> &targets, std::vector<GeneratedFile> &files);

// The host build compiles the kernel library only: the lines for every CPU under kernels/src/.
bool is_host_source(const FirmwareSource &f);

// A file of the source tree, whole.
platform::Result<std::string> read_text(const std::filesystem::path &p);

// The files of the source tree the folder needs, relative to root and sorted: the sources of the
// host and of every target's CPU, the headers they and the generated files include (transitively,
// resolved like the compiler with firmware_include_dirs()), the targets' linker scripts and what
// they INCLUDE. An include that resolves nowhere is an error (the folder would not build).
platform::Status fixed_files(const std::filesystem::path &root, const std::vector<FirmwareSource> &sources,
                             const std::vector<FirmwareTarget> &targets, const std::vector<GeneratedFile> &generated,
                             std::vector<std::string> &out);

// What the generated texts describe.
struct Network {
    const Model &model;
    const Schedule &schedule;
    const MemoryPlan &plan;
    uint32_t expected_crc32;
    std::string schedule_hash;
    std::string weights_c;  // network_weights.c (c_model_data)
    size_t data_bytes = 0;  // constant data: tensors, requantization tables, calibration input, the ends'
    std::string ends_c;     // the ends' data in network.c (ends_data)
    uint32_t stack_bytes = 0;  // measured stack need (EmitCOptions); 0 = not measured
    std::string stack_source;
};

// TX_NETWORK_STACK_BYTES in words: measured by what, or not measured
std::string stack_words(const Network &n);
// The firmware arena the images reserve: the plan's peak, 8-byte aligned (the linker's .tx_arena).
size_t reserved_arena_bytes(const MemoryPlan &p);

// The network's two ends (network_ends.cpp), when the model has them: whether network.c can
// run them in the plan's arena (invalid argument saying why not); their constant data (bytes counted); the statements of
// tx_network_run that write the first layer's input x from input (copied when the model has no
// embedding), and output from the last layer's output y (the latter ends with its return).
platform::Status check_ends(const Model &m);
std::string ends_data(const Model &m, size_t &bytes);
std::string input_statements(const Model &m, const Schedule &s);
std::string output_statements(const Model &m, const Schedule &s);

// The network's input and output as network.h states them: the embedding's int8 features and the
// head's int32 logits when the model has them, else the encoder's int8 [S][E].
struct Io {
    size_t tokens, features, in_count, out_count;
    double in_scale, out_scale;  // 0 = unknown
    const char *out_type;        // int8_t | int32_t
};
Io io_of(const Model &m);
// "input: ...\n * output: ..." in words, with network.h's macro names
std::string io_text(const Model &m);

// network.h, network_model.h, network.c, network_weights.c, schedule.json
std::vector<GeneratedFile> network_sources(const Network &n);

// The Makefile: host, one target per firmware target, images, clean.
std::string makefile(const Network &n, const std::vector<FirmwareSource> &sources,
                     const std::vector<FirmwareTarget> &targets);

std::string readme(const Network &n, const std::vector<FirmwareTarget> &targets);

} // namespace tinytx::tuner::emit_detail
