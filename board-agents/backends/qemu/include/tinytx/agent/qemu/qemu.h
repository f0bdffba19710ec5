// The `qemu` backend (make_qemu_backend() in tinytx/agent/backend.h): one QEMU process per run,
// halted at reset (-S) under -icount shift=0, driven over its gdbstub on a unix socket in a
// private directory (no port races between parallel runs) with the shared mailbox loop
// (tinytx/rsp/mailbox_session.h). Semihosting is handled by QEMU (target=native); the console
// is captured to a file and used for fault reports.
//
// Figures: QEMU has no cycle model. Cortex-M: DWT CYCCNT reads 0, the image derives
// instructions from SysTick (ticks x 40, +-40 instructions, flag kFlagInsnFromTicks); RV32:
// minstret is exact. Either way cycles := instructions and cycles_source = kEmulated.
#pragma once

#include <string>
#include <vector>

#include "tinytx/agent/backend.h"

namespace tinytx::agent::qemu {

// Where the wall time of one run went (benchmarks).
struct RunStats {
    double spawn_ms = 0;      // fork/exec of QEMU
    double connect_ms = 0;    // until the gdbstub socket accepted
    double handshake_ms = 0;  // qSupported, target.xml, vCont?, ?
    double to_main_ms = 0;    // reset -> main (breakpoint hit)
    double session_ms = 0;    // the whole mailbox loop
    double teardown_ms = 0;   // kill + reap
    double total_ms = 0;
    uint64_t packets = 0;     // RSP packets sent
};

// The command line for one run (without the gdbstub when gdb_socket is empty, then also
// without -S: a plain run like kernels/firmware/tools/run_qemu.py). The semihosting console
// goes to console_path (a chardev file), or to QEMU's stderr when it is empty.
std::vector<std::string> qemu_command(const platform::BoardProfile &board, const std::string &elf_path,
                                      const std::string &gdb_socket,
                                      const std::string &console_path = "");

// What the backend's run() does, with the time breakdown.
platform::Measurement run_qemu(const platform::BoardProfile &board, const platform::ElfImage &image,
                               const agent::RunOptions &opts, RunStats *stats = nullptr);
// A schedule-as-data image (mailbox protocol 3) in one QEMU process: each table written into the
// image's RAM over the gdbstub when it halts at tx_schedule_load (Backend::run_tables).
std::vector<platform::Measurement> run_qemu_tables(const platform::BoardProfile &board, const platform::ElfImage &image,
                                                   const agent::RunOptions &opts,
                                                   const std::vector<agent::TableRun> &tables);

}  // namespace tinytx::agent::qemu
