// tinytx::tuner::emit_c — the tuner's deployable C export (`tinytx-tune --emit-c DIR`): one
// self-contained folder for a model under a schedule, buildable without this repository.
//
// The folder:
//   network.h           the API: tx_network_run(input, output, arena), TX_NETWORK_ARENA_BYTES (the
//                       MemoryPlanner's exact peak), TX_NETWORK_EXPECTED_CRC32, the calibration input
//   network.c           the layer table (knobs, variants, arena offsets) and tx_network_run
//   network_model.h     the plan's offsets and the weight declarations (private to network.c)
//   network_weights.c   the weights and the calibration input as const arrays
//   main.c              one inference on the calibration input, prints crc32=0x........; in the
//                       firmware images measured with tx_bench_measure (mailbox protocol v2), so
//                       any tinytx board agent can measure them
//   kernels/...         the kernel sources and the firmware core (tuner/src/builder/
//                       firmware_sources.txt), the headers they include, the linker scripts
//   Makefile            host, qemu-m4, qemu-m7 (built and run under QEMU with semihosting), one
//                       target per board profile with a linker script (nucleo-h743zi, ...: ELF only)
//   README.md, schedule.json
// The firmware flags are the Builder's (target_for_core, firmware_compile_flags, ...). No path of
// the source tree is written into the folder. A failure is the Result's Status (the field it names).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "tinytx/platform/status.h"
#include "tinytx/tuner/model.h"
#include "tinytx/tuner/schedule.h"

namespace tinytx::tuner {

struct EmitCOptions {
    std::filesystem::path source_root;   // repository root; "" = default_source_root() (builder.h)
    std::filesystem::path boards_dir;    // board profiles; "" = <source_root>/board-agents/boards
    // The stack the network needs as measured (the painted stack peak of the tuner's measurement
    // of this schedule, the measurement harness included) and what measured it; 0 = not measured.
    uint32_t measured_stack_bytes = 0;
    std::string stack_source;
};

// What emit_c wrote.
struct EmittedC {
    std::vector<std::string> files;      // written, relative to dir
    uint32_t expected_crc32 = 0;         // run_reference(m, s).crc32: what every target prints
    size_t arena_bytes = 0;              // TX_NETWORK_ARENA_BYTES
    std::vector<std::string> targets;    // the Makefile's targets (host, qemu-m4, ...)
};

// Writes a self-contained deployable folder for model m under schedule s into dir (created;
// existing files of the same names overwritten).
platform::Result<EmittedC> emit_c(const Model &m, const Schedule &s, const std::filesystem::path &dir, const EmitCOptions &opt = {});

} // namespace tinytx::tuner
