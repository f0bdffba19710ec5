// "Run the mailbox protocol over RSP": the measurement loop shared by the qemu and openocd
// backends (tinytx/firmware/mailbox.h, version 2).
//
//   halted at reset -> hardware breakpoint at `main`, continue -> at main: check the mailbox
//   (magic, version, size), write `runs` = warmups + repeats and `repeats` = 1 -> hardware
//   breakpoints at tx_bench_done and at the fault handler (Cortex-M tx_fault_handler, RV32
//   tx_trap_entry / tx_trap_handler) -> continue; at every tx_bench_done read the 152-byte
//   mailbox -> mailbox::decode -> mailbox::to_record; step over the breakpoint and continue,
//   until `runs` records were read, the target exits, faults, or the deadline passes (then it
//   is interrupted).
// Schedule-as-data images (version 3) with `tables`: one more hardware breakpoint at
//   tx_schedule_load; each time the image halts there the session writes the layer table of the
//   measurement about to run at tx_schedule_table, so one load of the image measures many
//   schedules (on a board: one flash).
// Hardware breakpoints (Z1) only: the code of a real board is in flash.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tinytx/agent/backend.h"
#include "tinytx/platform/elf_image.h"
#include "tinytx/platform/measurement.h"
#include "tinytx/rsp/client.h"

namespace tinytx::rsp {

struct SessionOptions {
    uint32_t runs = 1;                  // records to collect (warm-ups + repeats)
    platform::Clock::time_point deadline;  // for the whole session
    Millis io_timeout{2000};            // per request while halted (capped by the deadline)
    bool remove_breakpoints_at_end = true;  // leave a real board clean; QEMU is killed anyway
    // Schedule-as-data: record i runs tables[i / runs_per_table]; runs must equal
    // tables->size() * runs_per_table
    const std::vector<agent::TableRun> *tables = nullptr;
    uint32_t runs_per_table = 1;
    // told each table's records as soon as its last run was read (progress)
    std::function<void(size_t table, const std::vector<platform::RunRecord> &)> on_table_records;
};

struct SessionResult {
    enum class End {
        kCompleted,   // `runs` records read; the target is halted at tx_bench_done
        kExited,      // the target exited (W) first: exit_code
        kTerminated,  // the target was terminated by a signal (X): signal
        kFault,       // stopped in the fault handler or with a fault signal: fault_pc
        kTimeout,     // the deadline passed (the target was interrupted)
        kBadImage,    // the mailbox at `main` is not a version-2 mailbox, or the image cannot take
                      // the tables (no tx_schedule_load, another table size): detail
        kLost,        // the connection failed or the stub misbehaved: detail
    };
    End end = End::kLost;
    std::vector<platform::RunRecord> records;
    int exit_code = 0;
    int signal = 0;
    std::optional<uint32_t> fault_pc;
    std::string detail;                 // what happened, for Measurement::error
    std::string console;                // 'O' packets the stub sent (OpenOCD semihosting)
    // timings (ms since the session started) for the benchmarks
    double at_main_ms = 0;
    double end_ms = 0;
};

const char *to_string(SessionResult::End e);

// The image must pass ElfImage::require_protocol() (InvalidArgument otherwise). Never throws
// for what the target or the stub does: that is the result.
SessionResult run_mailbox_session(Client &client, const platform::ElfImage &image,
                                  const SessionOptions &opt);

// Fills `m` from a session result: kCompleted -> summarize(records, warmups, expected_crc,
// {clock_hz, active_mw}) (kOk / kWrongOutput / kKernelError); kFault -> kFault + fault_pc;
// kTimeout -> kTimeout; kBadImage -> kInvalidArgument; kExited: status 3 (the firmware's fault
// exit) -> kFault, other status -> kKernelError, 0 before the last run -> kInvalidArgument;
// kTerminated / kLost -> kUnavailable. The backend adds what it knows (console, stderr) after.
void apply_session(const SessionResult &r, const agent::RunOptions &opts,
                   const platform::BoardProfile &board, platform::Measurement &m);

// The firmware's fault exit status (kernels/firmware/startup.h TX_FW_EXIT_FAULT)
constexpr int kFirmwareFaultExit = 3;

}  // namespace tinytx::rsp
