// The pulp backend: the project's own GAP9 cluster simulator (RV32IMC + XpulpV2, 8 cores, banked
// L1, L2, event unit, DMA, cycle model; see backends/pulp/README.md). make_pulp_backend()
// (backend.h) is the normal entry point; run_pulp() is the same run with knobs and a report.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tinytx/agent/backend.h"
#include "tinytx/platform/mailbox.h"
#include "tinytx/platform/status.h"

namespace tinytx::agent::pulp {

struct PulpConfig {
    uint32_t cores = 0;                    // 0: the profile's cluster_cores (8 on gap9)
    uint64_t max_instructions = 0;         // 0: no limit besides the deadline
    bool profile = false;                  // fill PulpRunReport::profile
};

struct CoreReport {
    uint64_t cycles = 0, instructions = 0;
    uint64_t load_use = 0, tcdm_conflict = 0, l2 = 0, branch = 0, muldiv = 0, misaligned = 0,
             barrier = 0, dma_wait = 0, icache = 0;
};

struct PulpRunReport {
    std::vector<mailbox::View> windows;    // the mailbox at every tx_bench_done, warm-ups first
    std::vector<CoreReport> cores;         // at the end of emulation
    uint64_t total_instructions = 0;
    uint64_t dma_bytes = 0;
    std::optional<int> exit_status;
    platform::Status stop;                 // run_to_exit: why there is no exit_status (deadline, fault)
    std::string console;
    uint32_t final_pc = 0;
    std::vector<std::pair<uint32_t, uint64_t>> profile;  // (pc, cycles over all cores), hottest first
};

// Never throws (see Backend::run).
Measurement run_pulp(const BoardProfile &board, const ElfImage &image, const RunOptions &opts,
                     const PulpConfig &config, PulpRunReport *report);

// Runs any RV32 image to its semihosting exit (no mailbox protocol): self-tests, check images,
// benches. Returns the report; its `stop` says why when it did not exit on its own.
PulpRunReport run_to_exit(const BoardProfile &board, const ElfImage &image, const PulpConfig &config,
                          std::chrono::milliseconds deadline);

}  // namespace tinytx::agent::pulp
