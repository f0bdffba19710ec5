// What one Run of a firmware image produces, and how per-run records become a Measurement.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace tinytx::platform {

enum class RunStatus {
    kOk,               // every run completed, output as expected (or no expectation given)
    kTimeout,          // the image did not reach the end of its runs before the deadline
    kFault,            // the core faulted (fault_pc says where)
    kWrongOutput,      // the output CRC differs from the expected one
    kKernelError,      // the firmware reported a tx_status other than TX_OK
    kInvalidArgument,  // the request or the image is unusable (error says why)
    kUnavailable,      // the board or emulator could not be used (busy, not connected, crashed)
    kInternal,         // a bug of the agent
    kAboveBound,       // stopped once its cycles passed the bound the host set for it
                       // (RunOptions::table_cycle_bound): cycles_median is a lower bound, the
                       // output was not checked
};
const char *to_string(RunStatus s);

// Where a figure comes from (ARCHITECTURE.md "Measurement"): never mixed without saying so.
enum class Source { kMeasured, kEmulated, kModeled };
const char *to_string(Source s);

// One run as the image's mailbox reported it at tx_bench_done, completed by the backend.
struct RunRecord {
    uint64_t cycles = 0;           // modelled (iss), ticks-derived or 0 (qemu), DWT (board)
    uint64_t instructions = 0;     // exact where the backend counts them, else 0
    uint32_t stack_peak = 0;       // bytes
    uint32_t arena_peak = 0;       // bytes from the arena start
    uint32_t crc32 = 0;            // of the output
    int32_t kernel_status = 0;     // tx_status
    uint32_t flags = 0;            // mailbox TX_MB_F_*
};

struct Measurement {
    RunStatus status = RunStatus::kInternal;
    std::string error;             // empty when status is kOk
    std::string backend;           // iss | qemu | openocd | pulp | gvsoc
    std::string board;             // profile name
    std::string board_serial;
    std::string image_hash;        // sha256 of the ELF bytes, hex
    std::string agent_version;

    std::vector<uint64_t> cycles;  // every measured repeat (warm-ups excluded)
    uint64_t cycles_median = 0;
    Source cycles_source = Source::kEmulated;
    uint64_t instructions = 0;     // median over repeats; 0 when unknown
    uint32_t stack_peak_bytes = 0; // max over repeats
    uint32_t arena_peak_bytes = 0; // max over repeats
    double energy_uj = 0;
    Source energy_source = Source::kModeled;
    uint32_t output_crc32 = 0;
    bool output_ok = false;        // CRC equal to the expected one (true when none was given)
    std::optional<uint32_t> fault_pc;
    double wall_time_ms = 0;
    // What it took on the target: image loads (a flash on a board; the first table of a
    // schedule-as-data batch carries its batch's one load, the others 0) and firmware runs
    // (warm-ups included) reported through the mailbox.
    uint32_t image_loads = 0;
    uint32_t runs = 0;
};

// A measurement before its run: which backend, board profile and image (the sha256 of its
// bytes), and where its cycles come from; energy is always modeled from the profile's power.
Measurement begin_measurement(const std::string &backend, const std::string &board, const std::string &image_hash,
                              Source cycles_source);

// Folds the per-run records (warm-ups first) into a Measurement: median cycles, peaks, CRC check,
// energy from the board's active power (energy_uj = cycles / clock * power). Leaves identity
// fields (backend, board, ...) untouched; sets status kWrongOutput, kKernelError or kOk.
struct EnergyModel {
    double clock_hz = 0;
    double active_mw = 0;
};
void summarize(const std::vector<RunRecord> &runs, uint32_t warmups,
               std::optional<uint32_t> expected_crc, const EnergyModel &energy, Measurement &m);

nlohmann::json to_json(const Measurement &m);  // snake_case fields, as `tinytx-agent --json`

}  // namespace tinytx::platform
