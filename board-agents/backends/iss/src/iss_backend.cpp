// The iss backend: checks the request, runs one Machine, turns its outcome into a Measurement.
#include <algorithm>
#include <chrono>

#include "machine.h"
#include "tinytx/agent/backend.h"
#include "tinytx/agent/iss/iss.h"

namespace tinytx::agent {
namespace iss {

namespace {

constexpr uint32_t kMaxRuns = 100000;

void check_request(const BoardProfile &board, const ElfImage &image, const RunOptions &opts)
{
    if (board.arch != image.arch())
        throw InvalidArgument(std::string("image is for ") + to_string(image.arch()) + ", board " +
                              board.name + " is " + to_string(board.arch));
    if (board.arch == Arch::kArm && board.core != "cortex-m4" && board.core != "cortex-m7")
        throw InvalidArgument("iss: board " + board.name + " has core '" + board.core +
                              "'; the emulator models cortex-m4, cortex-m7 and rv32 cores");
    if (board.arch == Arch::kRiscv32 && board.core.rfind("rv32", 0) != 0)
        throw InvalidArgument("iss: board " + board.name + " has core '" + board.core +
                              "'; the emulator models cortex-m4, cortex-m7 and rv32 cores");
    if (opts.repeats < 1) throw InvalidArgument("repeats must be at least 1");
    if (uint64_t(opts.repeats) + opts.warmups > kMaxRuns)
        throw InvalidArgument("warmups + repeats must not exceed " + std::to_string(kMaxRuns));
    image.require_protocol();
}

std::string with_console(std::string msg, const IssRunReport &r)
{
    if (r.console.empty()) return msg;
    std::string tail = r.console.size() > 400 ? "..." + r.console.substr(r.console.size() - 400)
                                              : r.console;
    while (!tail.empty() && (tail.back() == '\n' || tail.back() == '\r')) tail.pop_back();
    return msg + "; console: " + tail;
}

void conclude(const BoardProfile &board, const RunOptions &opts, Outcome &o,
              const IssRunReport &report, Measurement &m)
{
    const uint32_t expected = opts.warmups + opts.repeats;
    const std::string done = std::to_string(o.records.size()) + " of " + std::to_string(expected) + " runs";
    switch (o.end) {
    case Outcome::End::kTimeout:
        m.status = RunStatus::kTimeout;
        m.error = "timeout: " + o.message + " (" + done + " reported)";
        return;
    case Outcome::End::kFault:
    case Outcome::End::kHalted:
        m.status = RunStatus::kFault;
        m.fault_pc = o.fault_pc;
        m.error = with_console("fault: " + o.message + " (" + done + " reported)", report);
        return;
    case Outcome::End::kProtocol:
        m.status = RunStatus::kInvalidArgument;
        m.error = "mailbox protocol: " + o.message;
        return;
    case Outcome::End::kAboveBound:
    case Outcome::End::kProbed:
        m.status = o.end == Outcome::End::kAboveBound ? RunStatus::kAboveBound : RunStatus::kProbed;
        m.cycles = {o.reached_cycles};
        m.cycles_median = o.reached_cycles;
        m.probes = o.probes;
        m.error = o.message;
        return;
    case Outcome::End::kNotRun:
        m.status = RunStatus::kNotRun;
        m.error = o.message;
        return;
    case Outcome::End::kExit: break;
    }
    if (o.exit_status == 3) {  // TX_FW_EXIT_FAULT: the firmware's fault handler
        m.status = RunStatus::kFault;
        m.fault_pc = o.fault_pc ? o.fault_pc : std::optional<uint32_t>(o.pc);
        m.error = with_console("fault: the firmware's fault handler exited with status 3 (" + done + " reported)", report);
        return;
    }
    if (o.records.size() < expected) {
        if (o.exit_status != 0) {
            m.status = RunStatus::kKernelError;
            m.error = with_console("the image exited with status " + std::to_string(o.exit_status) + " after " + done, report);
        } else {
            m.status = RunStatus::kInvalidArgument;
            m.error = with_console("the image exited after " + done + " (does it honour the mailbox's `runs`?)", report);
        }
        return;
    }
    o.records.resize(expected);
    summarize(o.records, opts.warmups, opts.expected_crc, {double(board.clock_hz), board.active_mw}, m);
    if (m.status == RunStatus::kOk && o.exit_status != 0) {
        m.status = RunStatus::kKernelError;
        m.error = with_console("the image exited with status " + std::to_string(o.exit_status), report);
    }
}

}  // namespace

Measurement run_iss(const BoardProfile &board, const ElfImage &image, const RunOptions &opts,
                    const IssConfig &config, IssRunReport *report)
{
    const auto t0 = Clock::now();
    Measurement m = begin_measurement("iss", board.name, image.sha256(), Source::kEmulated);
    IssRunReport local;
    IssRunReport &rep = report ? *report : local;
    rep = IssRunReport{};
    try {
        check_request(board, image, opts);
        IssConfig cfg = config;
        if (cfg.clock_check_instructions == 0) cfg.clock_check_instructions = 1;
        Machine machine(board, image, opts.warmups + opts.repeats, opts.arena_region, cfg, t0 + opts.deadline, rep);
        machine.probe(opts.probe_symbols);
        Outcome o = machine.run();
        m.image_loads = 1;
        m.runs = uint32_t(o.records.size());
        conclude(board, opts, o, rep, m);
    } catch (...) {
        record_run_failure(m, "iss");
    }
    m.wall_time_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    return m;
}

namespace {

// One Machine for every table: the image is loaded once (Backend::run_tables). A run stopped by
// its table's limits (RunOptions::table_limits: past its bound, at its stop probe, or not run)
// ends that Machine; the next one, the image reset, goes on with the following table.
std::vector<Measurement> run_iss_tables(const BoardProfile &board, const ElfImage &image, const RunOptions &opts,
                                        const std::vector<TableRun> &tables)
{
    const auto t0 = Clock::now();
    const Measurement base = begin_measurement("iss", board.name, image.sha256(), Source::kEmulated);
    std::vector<Measurement> out(tables.size(), base);
    const uint32_t per = opts.warmups + opts.repeats;
    IssRunReport rep;
    bool loaded = false;
    try {
        check_request(board, image, opts);
        if (uint64_t(per) * tables.size() > kMaxRuns)
            throw InvalidArgument("tables x (warmups + repeats) must not exceed " + std::to_string(kMaxRuns));
        const EnergyModel energy{double(board.clock_hz), board.active_mw};
        for (size_t first = 0; first < tables.size();) {
            if (opts.table_limits && opts.table_limits(first).skip) {  // no machine for it
                Measurement &m = out[first];
                m.status = RunStatus::kNotRun;
                m.error = kNotRunMessage;
                if (opts.on_table) opts.on_table(first, m);
                ++first;
                continue;
            }
            const std::vector<TableRun> rest(tables.begin() + std::ptrdiff_t(first), tables.end());
            Machine machine(board, image, per * uint32_t(rest.size()), opts.arena_region, IssConfig{},
                            t0 + opts.deadline, rep);
            std::function<TableLimits(size_t)> limits;
            if (opts.table_limits) limits = [&](size_t k) { return opts.table_limits(first + k); };
            machine.probe(opts.probe_symbols);
            machine.write_tables(rest, per, [&](size_t k, const std::vector<RunRecord> &group) {
                if (!opts.on_table) return;
                Measurement m = base;
                summarize(group, opts.warmups, rest[k].expected_crc, energy, m);
                opts.on_table(first + k, m);
            }, limits);
            const Outcome o = machine.run();
            loaded = true;
            // the table the image stopped in gets the image's ending (conclude), as a single run would
            const std::vector<Measurement> part = table_measurements(
                base, o.records, rest, opts, energy, [&](const std::vector<RunRecord> &group, const RunOptions &one, Measurement &m) {
                    Outcome og = o;
                    og.records = group;
                    conclude(board, one, og, rep, m);
                });
            const bool limited = o.end == Outcome::End::kAboveBound || o.end == Outcome::End::kProbed ||
                                 o.end == Outcome::End::kNotRun;
            const size_t ended = limited ? o.records.size() / per + 1 : rest.size();
            std::copy(part.begin(), part.begin() + std::ptrdiff_t(ended), out.begin() + std::ptrdiff_t(first));
            if (limited && opts.on_table) opts.on_table(first + ended - 1, part[ended - 1]);
            first += ended;
        }
    } catch (...) {
        Measurement failed = base;
        record_run_failure(failed, "iss");
        for (Measurement &m : out) {
            m.status = failed.status;
            m.error = failed.error;
        }
    }
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    for (Measurement &m : out) m.wall_time_ms = ms / double(out.size());
    if (loaded && !out.empty()) out.front().image_loads = 1;
    return out;
}

class IssBackend final : public Backend {
public:
    std::string name() const override { return "iss"; }
    Measurement run(const BoardProfile &board, const ElfImage &image,
                    const RunOptions &opts) override
    {
        return run_iss(board, image, opts, IssConfig{}, nullptr);
    }
    bool writes_tables() const override { return true; }
    bool places_arena() const override { return true; }
    bool counts_image_loads() const override { return true; }
    std::vector<Measurement> run_tables(const BoardProfile &board, const ElfImage &image, const RunOptions &opts,
                                        const std::vector<TableRun> &tables) override
    {
        return run_iss_tables(board, image, opts, tables);
    }
};

}  // namespace
}  // namespace iss

std::unique_ptr<Backend> make_iss_backend()
{
    return std::make_unique<iss::IssBackend>();
}

}  // namespace tinytx::agent
