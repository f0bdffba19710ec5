// The parts of emit_c (tinytx/tuner/emit_c.h), one per file: the firmware targets, the files
// copied from the source tree, and the generated network sources, Makefile and README.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

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
// Sorted by name. "" or the error.
std::string firmware_targets(const std::filesystem::path &root, const std::filesystem::path &boards_dir,
                             std::vector<FirmwareTarget> &out);

// For a schedule with GAP9 cluster layers on a board with a cluster: "gap9-sim", the cluster image
// as the Builder links it (gap9.ld, the pulp backend's memory map), run by tinytx-pulp-run.
// Nothing for other schedules. "" or the error.
std::string cluster_target(const std::filesystem::path &boards_dir, const Schedule &s,
                           std::vector<FirmwareTarget> &out);

// The host build compiles the kernel library only: the lines for every CPU under kernels/src/.
bool is_host_source(const FirmwareSource &f);

// The files of the source tree the folder needs, relative to root and sorted: the sources of the
// host and of every target's CPU, the headers they and the generated files include (transitively,
// resolved like the compiler with firmware_include_dirs()), the targets' linker scripts and what
// they INCLUDE. An include that resolves nowhere is an error (the folder would not build).
std::string fixed_files(const std::filesystem::path &root, const std::vector<FirmwareSource> &sources,
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
    size_t data_bytes = 0;  // its constant data: tensors, requantization tables, calibration input
};

// network.h, network_model.h, network.c, network_weights.c, schedule.json
std::vector<GeneratedFile> network_sources(const Network &n);

// The Makefile: host, one target per firmware target, images, clean.
std::string makefile(const Network &n, const std::vector<FirmwareSource> &sources,
                     const std::vector<FirmwareTarget> &targets);

std::string readme(const Network &n, const std::vector<FirmwareTarget> &targets);

} // namespace tinytx::tuner::emit_detail
