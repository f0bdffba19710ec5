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
                       // (RunOptions::table_limits): cycles_median is a lower bound, the
                       // output was not checked
    kProbed,           // stopped on entering the probe the host asked to stop at (TableLimits::
                       // stop_at_probe): cycles_median is the cycles there, the output was not
                       // checked; the host composes the rest (segment_ledger.h)
    kNotRun,           // the host asked not to run it (TableLimits::skip): it knows the figures
};
const char *to_string(RunStatus s);

// Where a figure comes from (ARCHITECTURE.md "Measurement"): never mixed without saying so.
enum class Source { kMeasured, kEmulated, kModeled };
const char *to_string(Source s);

// A run entering one of the functions the host asked to hear of (RunOptions::probe_symbols;
// `probe` indexes them), at `cycles` counted as a record's cycles are: the segments between
// probes add up to the run's cycles.
struct ProbeHit {
    uint32_t probe = 0;
    uint64_t cycles = 0;
    bool operator==(const ProbeHit &) const = default;
};

// One run as the image's mailbox reported it at tx_bench_done, completed by the backend.
struct RunRecord {
    uint64_t cycles = 0;           // modelled (iss), ticks-derived or 0 (qemu), DWT (board)
    uint64_t instructions = 0;     // exact where the backend counts them, else 0
    uint32_t stack_peak = 0;       // bytes
    uint32_t arena_peak = 0;       // bytes from the arena start
    uint32_t crc32 = 0;            // of the output
    int32_t kernel_status = 0;     // tx_status
    uint32_t flags = 0;            // mailbox TX_MB_F_*
    std::vector<ProbeHit> probes;  // in the measurement window, in order (backends that probe: iss)
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
    std::vector<ProbeHit> probes;  // the last measured run's (RunRecord::probes)
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
