// The in-process instruction-set simulator backend (Unicorn 2): what it offers beyond the
// Backend interface, for tests, benchmarks and debugging. make_iss_backend() (backend.h) is the
// normal entry point; run_iss() is the same run with knobs and a detailed report.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tinytx/agent/backend.h"
#include "tinytx/platform/mailbox.h"

namespace tinytx::agent::iss {

struct IssConfig {
    // Also track stack and arena peaks with Unicorn memory-write hooks (every store, including
    // stores that leave memory unchanged). Unicorn 2.0 then routes every load and store through
    // its slow path: about 2x slower. Off: peaks come from snapshots taken at tx_bench_begin and
    // compared at tx_bench_end (every store that changes memory; see high_water.h).
    bool write_hooks = false;
    // Charge memory-region wait states with Unicorn memory hooks, one call per access (every load
    // and store then takes the slow path), instead of per translation block from its decoded
    // accesses (access_plan.h). The reference the block plans are checked against; RV32 always.
    bool access_hooks = false;
    // Wall-clock checks happen every this many emulated instructions (the deadline's granularity).
    uint32_t clock_check_instructions = 1u << 20;
};

// What one measured window looked like from inside the emulator.
struct IssWindowReport {
    mailbox::View mailbox;           // the record exactly as the firmware wrote it
    RunRecord record;                // what went into summarize(): mailbox + emulator figures
    uint64_t window_instructions = 0;  // raw tx_bench_begin..tx_bench_end (harness included)
    uint64_t window_cycles = 0;
    uint32_t stack_reference = 0;    // the stack pointer the stack peak is measured from
    uint32_t diff_stack_peak = 0;    // snapshot comparison (see high_water.h)
    uint32_t diff_arena_peak = 0;
    std::optional<uint32_t> hook_stack_peak;  // memory-write hooks (IssConfig::write_hooks)
    std::optional<uint32_t> hook_arena_peak;
    bool stack_overflow = false;     // the lowest stack word was written
};

struct IssRunReport {
    std::vector<IssWindowReport> windows;  // one per tx_bench_done, warm-ups first
    uint64_t calibration_instructions = 0;  // the harness's empty window (tx_bench_init)
    uint64_t calibration_cycles = 0;
    uint64_t total_instructions = 0;       // from reset to the end of emulation
    uint64_t total_cycles = 0;
    uint64_t blocks_decoded = 0;           // distinct translation blocks classified
    std::optional<int> exit_status;        // semihosting SYS_EXIT(_EXTENDED), if reached
    std::string console;                   // semihosting output (capped)
    uint32_t final_pc = 0;
};

// The iss backend's run() with knobs; `report` (optional) receives the details.
// Never throws (see Backend::run).
Measurement run_iss(const BoardProfile &board, const ElfImage &image, const RunOptions &opts,
                    const IssConfig &config, IssRunReport *report);

}  // namespace tinytx::agent::iss
