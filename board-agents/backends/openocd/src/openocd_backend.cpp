// The openocd backend (see openocd_backend.h).
#include "tinytx/agent/openocd/openocd.h"

#include <map>
#include <mutex>

#include "tinytx/agent/openocd/tcl_client.h"
#include "tinytx/agent/run_failure.h"
#include "tinytx/platform/mailbox.h"
#include "tinytx/platform/process.h"
#include "tinytx/rsp/client.h"
#include "tinytx/rsp/mailbox_session.h"

namespace tinytx::agent::openocd {

namespace {

using platform::Measurement;
using platform::RunStatus;
using agent::record_run_failure;
using agent::RuntimeErrorIs;
using agent::StatusSet;
using platform::Clock;

constexpr uint32_t kDemcr = 0xE000EDFCu, kDemcrTrcena = 1u << 24;
constexpr uint32_t kDwtCtrl = 0xE0001000u, kDwtCyccnt = 0xE0001004u, kDwtLar = 0xE0001FB0u;
constexpr uint32_t kDwtLarKey = 0xC5ACCE55u;

double ms_since(Clock::time_point t)
{
    return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

Millis left(Clock::time_point deadline, Millis cap)
{
    const auto l = std::chrono::duration_cast<Millis>(deadline - Clock::now());
    if (l.count() <= 0) return Millis(1);
    return std::min(l, cap);
}

std::string trim(std::string s)
{
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
    size_t b = 0;
    while (b < s.size() && (s[b] == '\n' || s[b] == ' ')) ++b;
    return s.substr(b);
}

// OpenOCD's own error lines ("Error: open failed"), else the tail of its log
std::string openocd_message(const std::string &log)
{
    std::string errors;
    size_t pos = 0;
    while (pos < log.size()) {
        size_t nl = log.find('\n', pos);
        if (nl == std::string::npos) nl = log.size();
        const std::string line = log.substr(pos, nl - pos);
        if (line.rfind("Error", 0) == 0) errors += (errors.empty() ? "" : "; ") + line;
        pos = nl + 1;
    }
    if (!errors.empty()) return errors;
    std::string t = trim(log);
    return t.size() > 400 ? "..." + t.substr(t.size() - 400) : t;
}

// one mutex per probe: one image at a time per board
std::shared_ptr<std::timed_mutex> board_lock(const std::string &serial)
{
    static std::mutex m;
    static std::map<std::string, std::shared_ptr<std::timed_mutex>> locks;
    std::lock_guard<std::mutex> g(m);
    auto &l = locks[serial];
    if (!l) l = std::make_shared<std::timed_mutex>();
    return l;
}

std::vector<Measurement> measure_session(rsp::Client &client, const platform::BoardProfile &board,
                                         const platform::ElfImage &image, const agent::RunOptions &opts,
                                         const std::vector<agent::TableRun> *tables, Clock::time_point deadline,
                                         Measurement base);

class OpenocdBackend : public agent::Backend {
public:
    explicit OpenocdBackend(Options o) : opt_(std::move(o)), lock_(board_lock(opt_.serial)) {}
    std::string name() const override { return "openocd"; }
    Measurement run(const platform::BoardProfile &board, const platform::ElfImage &image,
                    const agent::RunOptions &opts) override
    {
        return run_session(board, image, opts, nullptr).front();
    }
    // a schedule-as-data image: flashed once, every table written over the GDB port
    bool writes_tables() const override { return true; }
    // a request whose image the board's flash holds already flashes nothing (program_unless_present)
    bool counts_image_loads() const override { return true; }
    std::vector<Measurement> run_tables(const platform::BoardProfile &board, const platform::ElfImage &image,
                                        const agent::RunOptions &opts,
                                        const std::vector<agent::TableRun> &tables) override
    {
        if (tables.empty()) return {};
        return run_session(board, image, opts, &tables);
    }

private:
    std::vector<Measurement> run_session(const platform::BoardProfile &board, const platform::ElfImage &image,
                                         const agent::RunOptions &opts, const std::vector<agent::TableRun> *tables);

    Options opt_;
    std::shared_ptr<std::timed_mutex> lock_;
};

std::vector<Measurement> OpenocdBackend::run_session(const platform::BoardProfile &board, const platform::ElfImage &image,
                                                     const agent::RunOptions &opts,
                                                     const std::vector<agent::TableRun> *tables)
{
    const auto t0 = Clock::now();
    // cycles from DWT CYCCNT; energy modeled: no power monitor configured
    Measurement m = begin_measurement("openocd", board.name, image.sha256(), platform::Source::kMeasured);
    m.board_serial = opt_.serial;
    const auto deadline = t0 + opts.deadline;
    std::vector<Measurement> out;

    std::optional<platform::TempDir> dir;
    platform::Process proc;
    std::string log_path;
    auto died = [&](const std::string &what) {
        const auto st = proc.wait_for(Millis(200));
        std::string msg = what;
        if (st) msg += ": " + opt_.program + " " + platform::Process::describe(*st);
        const std::string said = openocd_message(platform::read_file_tail(log_path, 8192));
        if (!said.empty()) msg += ": " + said;
        if (said.find("open failed") != std::string::npos)
            msg += " (no ST-Link probe" +
                   (opt_.serial.empty() ? std::string() : " with serial " + opt_.serial) +
                   " attached?)";
        return msg;
    };

    std::unique_lock<std::timed_mutex> board_guard(*lock_, std::defer_lock);
    bool flashed = false;
    try {
        if (board.openocd_config.empty())
            throw platform::InvalidArgument("board '" + board.name +
                                            "' has no OpenOCD configuration (openocd.config)");
        if (image.arch() != board.arch)
            throw platform::InvalidArgument(std::string("image is ") + platform::to_string(image.arch()) +
                                            ", board '" + board.name + "' (" + board.core +
                                            ") runs " + platform::to_string(board.arch) + " images");
        image.require_protocol();
        if (opts.repeats == 0) throw platform::InvalidArgument("repeats must be >= 1");
        if (opts.deadline.count() <= 0) throw platform::InvalidArgument("deadline must be > 0 ms");

        if (!board_guard.try_lock_until(deadline)) {
            m.status = RunStatus::kUnavailable;
            m.error = "board '" + board.name + "' is busy with another image until the deadline";
            throw StatusSet{};
        }

        dir.emplace("tinytx-openocd");
        const std::string elf = dir->file("image.elf");
        log_path = dir->file("openocd.log");
        platform::write_file(elf, image.bytes());
        const uint16_t tcl_port = opt_.tcl_port ? opt_.tcl_port : platform::pick_free_tcp_port();
        const uint16_t gdb_port = opt_.gdb_port ? opt_.gdb_port : platform::pick_free_tcp_port();
        proc = platform::Process::spawn({openocd_command(board, opt_, tcl_port, gdb_port), log_path,
                                    log_path, ""});

        // the TCL port opens before the adapter is initialised: a connection alone does not
        // mean the probe is there; the first command tells
        std::optional<TclClient> tcl;
        try {
            tcl.emplace(platform::Socket::connect_retry(platform::Endpoint::tcp("127.0.0.1", tcl_port),
                                                        deadline, [&] { return proc.running(); }));
            tcl->command("version", left(deadline, Millis(5000)));
            flashed = program_unless_present(*tcl, elf, deadline);
        } catch (const platform::Error &e) {
            if (proc.wait_for(Millis(300))) {  // no probe: OpenOCD exits at init
                m.status = RunStatus::kUnavailable;
                m.error = died("OpenOCD exited");
            } else if (Clock::now() >= deadline) {
                m.status = RunStatus::kTimeout;
                m.error = std::string("programming the board: ") + e.what();
            } else {
                m.status = RunStatus::kUnavailable;
                m.error = std::string("programming the board: ") + e.what();
            }
            throw StatusSet{};
        }
        try {
            // printing and exit through semihosting instead of halting on BKPT 0xAB
            tcl->command("arm semihosting enable", left(deadline, Millis(2000)));
        } catch (const TclError &) {
        }

        std::optional<rsp::Client> client;
        try {
            client.emplace(platform::Socket::connect_retry(platform::Endpoint::tcp("127.0.0.1", gdb_port),
                                                           deadline, [&] { return proc.running(); }),
                           Millis(5000));
            client->handshake(left(deadline, Millis(5000)));
        } catch (const platform::Error &e) {
            m.status = RunStatus::kUnavailable;
            m.error = proc.wait_for(Millis(300)) ? died("OpenOCD exited")
                                                 : std::string("OpenOCD's GDB port: ") + e.what();
            throw StatusSet{};
        }
        out = measure_session(*client, board, image, opts, tables, deadline, m);
        out.front().image_loads = flashed ? 1 : 0;
        for (Measurement &mk : out)
            if (mk.status == RunStatus::kUnavailable && !proc.running()) mk.error = died(mk.error);
        client->detach();
        try {
            tcl->eval("shutdown", Millis(500));
        } catch (const platform::Error &) {
        }
        proc.wait_for(Millis(500));
    } catch (...) {
        record_run_failure(m, "openocd backend", RuntimeErrorIs::kUnavailable);  // openocd missing, ...
    }
    proc.kill_and_reap();
    dir.reset();
    if (out.empty() || m.status != RunStatus::kOk)  // failed before or after the session
        out.assign(tables ? tables->size() : 1, m);
    for (Measurement &mk : out) mk.wall_time_ms = ms_since(t0) / double(out.size());
    return out;
}

}  // namespace

std::vector<std::string> openocd_command(const platform::BoardProfile &board, const Options &opt,
                                         uint16_t tcl_port, uint16_t gdb_port)
{
    std::vector<std::string> argv{opt.program,
                                  "-c", "tcl_port " + std::to_string(tcl_port),
                                  "-c", "gdb_port " + std::to_string(gdb_port),
                                  "-c", "telnet_port disabled"};
    for (const auto &f : board.openocd_config) argv.insert(argv.end(), {"-f", f});
    if (!opt.serial.empty()) argv.insert(argv.end(), {"-c", "adapter serial " + opt.serial});
    for (const auto &c : opt.extra_commands) argv.insert(argv.end(), {"-c", c});
    return argv;
}

bool program_unless_present(TclClient &tcl, const std::string &elf, Clock::time_point deadline)
{
    tcl.command("reset halt", left(deadline, Millis(10000)));
    try {
        tcl.command("verify_image {" + elf + "}", left(deadline, Millis(60000)));
        return false;
    } catch (const TclError &) {  // another image, or none: program it
    }
    // `program` resets and halts the core (reset init), writes and verifies the flash
    tcl.command("program {" + elf + "} verify", left(deadline, Millis(120000)));
    tcl.command("reset halt", left(deadline, Millis(10000)));
    return true;
}

platform::Status enable_dwt_cyccnt(rsp::Client &c, Millis timeout)
{
    std::string failed;
    auto step = [&](const char *what, auto fn) {
        try {
            fn();
        } catch (const platform::Error &e) {
            failed += (failed.empty() ? "" : "; ") + std::string(what) + ": " + e.what();
        }
    };
    step("DEMCR.TRCENA", [&] { c.write_u32(kDemcr, c.read_u32(kDemcr, timeout) | kDemcrTrcena, timeout); });
    // Cortex-M7: the DWT is locked after reset (the lock register is write-ignored elsewhere)
    try {
        c.write_u32(kDwtLar, kDwtLarKey, timeout);
    } catch (const platform::Error &) {
    }
    step("DWT_CYCCNT", [&] { c.write_u32(kDwtCyccnt, 0, timeout); });
    step("DWT_CTRL.CYCCNTENA", [&] {
        c.write_u32(kDwtCtrl, c.read_u32(kDwtCtrl, timeout) | 1u, timeout);
        if (!(c.read_u32(kDwtCtrl, timeout) & 1u))
            throw platform::Error("the bit did not stick (no DWT, or DWT_CTRL.NOCYCCNT?)");
    });
    return failed.empty() ? platform::Status() : platform::Status::unavailable(failed);
}

namespace {

// A board's figures are its DWT cycle counter's: records without it make the run kUnavailable.
void require_dwt_cycles(const std::vector<platform::RunRecord> &records, const platform::Status &dwt, Measurement &m)
{
    for (const auto &rec : records) {
        if (!(rec.flags & platform::mailbox::kFlagCycles)) {
            m.status = RunStatus::kUnavailable;
            m.error = "the board's DWT cycle counter did not count (mailbox flags " + std::to_string(rec.flags) +
                      "): no cycle measurement" +
                      (dwt.ok() ? std::string() : " (enabling it: " + dwt.message() + ")");
            return;
        }
    }
}

// One mailbox session over the GDB connection: the plain image (tables == nullptr, one
// Measurement) or a schedule-as-data image run once per table (one Measurement per table).
std::vector<Measurement> measure_session(rsp::Client &client, const platform::BoardProfile &board,
                                         const platform::ElfImage &image, const agent::RunOptions &opts,
                                         const std::vector<agent::TableRun> *tables, Clock::time_point deadline,
                                         Measurement base)
{
    platform::Status dwt;
    if (image.arch() == platform::Arch::kArm) dwt = enable_dwt_cyccnt(client, left(deadline, Millis(2000)));
    const uint32_t per = opts.warmups + opts.repeats;
    const platform::EnergyModel energy{double(board.clock_hz), board.active_mw};
    base.cycles_source = platform::Source::kMeasured;
    rsp::SessionOptions so;
    so.runs = per * uint32_t(tables ? tables->size() : 1);
    so.deadline = deadline;
    so.io_timeout = Millis(5000);  // a debug probe is slower than a socket
    so.remove_breakpoints_at_end = true;
    so.tables = tables;
    so.runs_per_table = per;
    if (tables && opts.on_table)
        so.on_table_records = [&](size_t k, const std::vector<platform::RunRecord> &group) {
            Measurement m = base;
            summarize(group, opts.warmups, (*tables)[k].expected_crc, energy, m);
            require_dwt_cycles(group, dwt, m);
            opts.on_table(k, m);
        };
    const rsp::SessionResult r = rsp::run_mailbox_session(client, image, so);
    // the session's ending, for the measurement of the run it ended in
    const auto conclude = [&](const rsp::SessionResult &ending, const agent::RunOptions &o, Measurement &m) {
        rsp::apply_session(ending, o, board, m);
        if (ending.end == rsp::SessionResult::End::kCompleted) require_dwt_cycles(ending.records, dwt, m);
        if (!ending.console.empty() && m.status != RunStatus::kOk) {
            std::string c = trim(ending.console);
            if (c.size() > 300) c = "..." + c.substr(c.size() - 300);
            m.error += " (console: " + c + ")";
        }
    };
    if (!tables) {
        conclude(r, opts, base);
        return {base};
    }
    base.image_loads = 1;
    std::vector<Measurement> out = agent::table_measurements(
        base, r.records, *tables, opts, energy,
        [&](const std::vector<platform::RunRecord> &group, const agent::RunOptions &one, Measurement &m) {
            rsp::SessionResult rk = r;
            rk.records = group;
            conclude(rk, one, m);
        });
    for (size_t k = 0; k < out.size(); ++k) {
        if (k) out[k].image_loads = 0;
        if (out[k].status == RunStatus::kOk) require_dwt_cycles(r.records, dwt, out[k]);
    }
    return out;
}

}  // namespace

void measure_over_gdb(rsp::Client &client, const platform::BoardProfile &board,
                      const platform::ElfImage &image, const agent::RunOptions &opts,
                      Clock::time_point deadline, Measurement &m)
{
    m = measure_session(client, board, image, opts, nullptr, deadline, m).front();
}

std::vector<Measurement> measure_tables_over_gdb(rsp::Client &client, const platform::BoardProfile &board,
                                                 const platform::ElfImage &image, const agent::RunOptions &opts,
                                                 const std::vector<agent::TableRun> &tables,
                                                 Clock::time_point deadline, const Measurement &base)
{
    return measure_session(client, board, image, opts, &tables, deadline, base);
}

std::unique_ptr<agent::Backend> make_openocd_backend(const Options &opt)
{
    return std::make_unique<OpenocdBackend>(opt);
}

}  // namespace tinytx::agent::openocd

namespace tinytx::agent {

std::unique_ptr<Backend> make_openocd_backend(const std::string &serial)
{
    openocd::Options o;
    o.serial = serial;
    return openocd::make_openocd_backend(o);
}

}  // namespace tinytx::agent
