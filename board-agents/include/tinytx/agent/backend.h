// A way to run firmware images: the in-process emulator, QEMU, or a real board over OpenOCD.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tinytx/agent/platform.h"
#include "tinytx/platform/board_profile.h"
#include "tinytx/platform/elf_image.h"
#include "tinytx/platform/measurement.h"

namespace tinytx::agent {

// What a host knows of a table before its run, so that it need not run it whole.
struct TableLimits {
    // not run (status kNotRun): the host has its figures already
    bool skip = false;
    // a run whose cycles pass it stops there (status kAboveBound, cycles the lower bound reached):
    // the candidate is dominated once slower than that
    std::optional<uint64_t> cycle_bound;
    // the run stops on its n-th probe hit, counted from 1 (status kProbed, cycles those there):
    // the host knows the rest of the run from other runs
    std::optional<uint32_t> stop_at_probe;
};

struct RunOptions {
    uint32_t repeats = 1;      // measured runs, >= 1
    uint32_t warmups = 0;      // runs before them, not reported
    std::chrono::milliseconds deadline{10000};  // wall time for the whole request
    std::optional<uint32_t> expected_crc;
    // The board region the image's arena stands for (a RAM-like region of the profile; "" = the
    // profile's emulator.arena): only an emulator that charges memory timing (iss) can move it;
    // on other backends the image's link decides (AgentCore refuses a name for them:
    // places_arena() false).
    std::string arena_region;
    // run_tables: told each table's Measurement as soon as its runs are done (progress; the
    // returned vector is the result)
    std::function<void(size_t table, const Measurement &)> on_table;
    // Functions whose entries a run records (RunRecord::probes, by index into this list), in
    // its measurement window. Only the iss probes; elsewhere the list is ignored.
    std::vector<std::string> probe_symbols;
    // run_tables: asked right before each table's runs (TableLimits). Only the iss honours the
    // limits; other backends measure every table whole.
    std::function<TableLimits(size_t table)> table_limits;
};

// A schedule-as-data image's layer table for one candidate (tinytx/firmware/schedule_table.h) and
// the CRC its output must have.
struct TableRun {
    std::vector<uint8_t> bytes;
    std::optional<uint32_t> expected_crc;
};

class Backend {
public:
    virtual ~Backend() = default;
    virtual std::string name() const = 0;
    // Runs the image warmups + repeats times (mailbox `runs`, `repeats` = 1 each) and returns the
    // Measurement: status and error filled, identity fields (backend, board, image_hash) set.
    // Never throws for a bad image or a misbehaving firmware: those are statuses.
    // Safe to call from several threads at once unless the backend says otherwise.
    virtual Measurement run(const BoardProfile &board, const ElfImage &image,
                            const RunOptions &opts) = 0;
    // A schedule-as-data image (mailbox protocol 3) loaded once and run warmups + repeats times
    // per table, each table written into the image's RAM before its runs (opts.expected_crc is
    // ignored: each table has its own). One Measurement per table; the first one carries the
    // image load (Measurement::image_loads). Backends that cannot write target memory between
    // runs (writes_tables() false) answer kInvalidArgument for every table: measure
    // specialized images there.
    virtual bool writes_tables() const { return false; }
    // Whether RunOptions::arena_region is honoured: the arena's accesses charged as the named
    // region's (only an emulator that models region timing can; elsewhere the link decides).
    virtual bool places_arena() const { return false; }
    // Whether Measurement::image_loads is the backend's own count (a board whose flash holds the
    // image already loads none); else the agent counts one load per request of a single image.
    virtual bool counts_image_loads() const { return false; }
    virtual std::vector<Measurement> run_tables(const BoardProfile &board, const ElfImage &image,
                                                const RunOptions &opts, const std::vector<TableRun> &tables);
};

// The Measurements of one schedule-as-data run whose records came in groups of warmups + repeats,
// one group per table in order: every complete group is summarized against its table's CRC; the
// group the image stopped in is the stopped run's to conclude (`conclude_stopped`: its records,
// the options with that table's CRC, the Measurement to fill); the tables after it were not run.
std::vector<Measurement> table_measurements(
    const Measurement &base, const std::vector<RunRecord> &records, const std::vector<TableRun> &tables,
    const RunOptions &opts, const EnergyModel &energy,
    const std::function<void(const std::vector<RunRecord> &, const RunOptions &, Measurement &)> &conclude_stopped);

std::unique_ptr<Backend> make_iss_backend();
std::unique_ptr<Backend> make_qemu_backend();
// the GAP9 cluster simulator (backends/pulp): RV32IMC + XpulpV2, 8 cores, rv32 boards only
std::unique_ptr<Backend> make_pulp_backend();
// GVSoC's pulp-open (backends/gvsoc): gap9 cluster images; prefix = the install ("" =
// $TINYTX_GVSOC), InvalidArgument saying how to install it when there is none
std::unique_ptr<Backend> make_gvsoc_backend(const std::string &prefix);
// serial: the ST-Link serial to select; empty = the only one attached
std::unique_ptr<Backend> make_openocd_backend(const std::string &serial);

}  // namespace tinytx::agent
