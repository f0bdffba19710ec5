// The `openocd` backend (make_openocd_backend() in tinytx/agent/backend.h): a real board behind
// an ST-Link, through OpenOCD. Per run() (run_tables: the same with one flash for every table):
//   start `openocd -f <profile.openocd_config...> [-c "adapter serial <serial>"]` with its TCL
//   and GDB ports on free loopback ports -> TCL: program_unless_present (a request whose image
//   the flash holds already flashes nothing: Measurement::image_loads 0), `arm semihosting
//   enable` -> GDB port: the RSP client; DWT CYCCNT enabled through memory
//   writes (DEMCR.TRCENA, DWT_LAR, DWT_CTRL.CYCCNTENA) -> the shared mailbox loop
//   (tinytx/rsp/mailbox_session.h) -> `shutdown`; OpenOCD is killed and reaped in every path.
// cycles_source = kMeasured (DWT CYCCNT), energy kModeled from the profile (no power monitor).
// One image at a time per board: runs on the same probe serial are serialised by a mutex.
// When OpenOCD cannot start (no probe: it exits at init) -> kUnavailable with its message.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tinytx/agent/backend.h"
#include "tinytx/platform/status.h"

namespace tinytx::rsp {
class Client;
}

namespace tinytx::agent::openocd {

class TclClient;

struct Options {
    std::string serial;                  // ST-Link serial; "" = the only probe attached
    std::string program = "openocd";     // the executable
    uint16_t tcl_port = 0;               // 0 = a free loopback port (OpenOCD's default is 6666)
    uint16_t gdb_port = 0;               // 0 = a free loopback port (OpenOCD's default is 3333)
    std::vector<std::string> extra_commands;  // -c commands after the config files
};

std::unique_ptr<agent::Backend> make_openocd_backend(const Options &opt);

// `reset halt`, then `program <elf> verify` and `reset halt` again unless the board's flash holds
// the image already (`verify_image`: the flash against the ELF's load segments, by a checksum the
// target computes, a fraction of a second against seconds to erase and write): the requests of a
// tuning run with one schedule-as-data image flash the board once, and so does an agent started
// again. True when it programmed. TclError / platform errors as TclClient::command.
bool program_unless_present(TclClient &tcl, const std::string &elf, std::chrono::steady_clock::time_point deadline);

// openocd's argument list for a board
std::vector<std::string> openocd_command(const platform::BoardProfile &board, const Options &opt,
                                         uint16_t tcl_port, uint16_t gdb_port);

// The part after programming, over any GDB server with the core halted at reset: enables the
// DWT cycle counter (Cortex-M), runs the mailbox loop and fills `m` (cycles measured). Records
// without a running cycle counter make the run kUnavailable (a board must count cycles).
void measure_over_gdb(rsp::Client &client, const platform::BoardProfile &board,
                      const platform::ElfImage &image, const agent::RunOptions &opts,
                      std::chrono::steady_clock::time_point deadline, platform::Measurement &m);

// The same for a schedule-as-data image (mailbox protocol 3): flashed once, each table written
// over the GDB connection when the image halts at tx_schedule_load; one Measurement per table
// (Backend::run_tables), each a copy of `base` filled in.
std::vector<platform::Measurement> measure_tables_over_gdb(rsp::Client &client, const platform::BoardProfile &board,
                                                           const platform::ElfImage &image, const agent::RunOptions &opts,
                                                           const std::vector<agent::TableRun> &tables,
                                                           std::chrono::steady_clock::time_point deadline,
                                                           const platform::Measurement &base);

// DEMCR.TRCENA, DWT_LAR unlock (Cortex-M7), CYCCNT = 0, DWT_CTRL.CYCCNTENA (read back). Returns
// ok or unavailable naming every step that failed (the firmware enables the counter too, so a
// failure here is reported with the result, not fatal).
platform::Status enable_dwt_cyccnt(rsp::Client &client, std::chrono::milliseconds timeout);

}  // namespace tinytx::agent::openocd
