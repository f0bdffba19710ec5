// The qemu backend (see qemu_backend.h).
#include "tinytx/agent/qemu/qemu.h"

#include <cstdio>
#include <regex>

#include "tinytx/agent/run_failure.h"
#include "tinytx/platform/mailbox.h"
#include "tinytx/platform/process.h"
#include "tinytx/rsp/client.h"
#include "tinytx/rsp/mailbox_session.h"

namespace tinytx::agent::qemu {

namespace {

using platform::Measurement;
using platform::RunStatus;
using agent::record_run_failure;
using agent::RuntimeErrorIs;
using agent::StatusSet;
using platform::Clock;
using rsp::Millis;

double ms_since(Clock::time_point t)
{
    return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

std::string trim(std::string s)
{
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
    return s;
}

// The firmware's fault report ("FAULT exception=3 cfsr=... " / "FAULT mcause=... mepc=0x...").
std::string fault_line(const std::string &console)
{
    const size_t p = console.find("FAULT ");
    if (p == std::string::npos) return {};
    const size_t e = console.find('\n', p);
    return console.substr(p, e == std::string::npos ? std::string::npos : e - p);
}

std::optional<uint32_t> mepc_of(const std::string &line)
{
    static const std::regex re("mepc=0x([0-9a-fA-F]{1,8})");
    std::smatch m;
    if (std::regex_search(line, m, re)) return uint32_t(std::stoul(m[1].str(), nullptr, 16));
    return std::nullopt;
}

// M-class under QEMU: no DWT, cycles := the instruction count derived from SysTick; RV32: mcycle
// already equals minstret under -icount shift=0
void instructions_as_cycles(std::vector<platform::RunRecord> &records)
{
    for (auto &rec : records)
        if (!(rec.flags & platform::mailbox::kFlagCycles) || rec.cycles == 0) rec.cycles = rec.instructions;
}

class QemuBackend : public agent::Backend {
public:
    std::string name() const override { return "qemu"; }
    Measurement run(const platform::BoardProfile &board, const platform::ElfImage &image,
                    const agent::RunOptions &opts) override
    {
        return run_qemu(board, image, opts, nullptr);
    }
    bool writes_tables() const override { return true; }
    std::vector<Measurement> run_tables(const platform::BoardProfile &board, const platform::ElfImage &image,
                                        const agent::RunOptions &opts,
                                        const std::vector<agent::TableRun> &tables) override
    {
        return run_qemu_tables(board, image, opts, tables);
    }
};

void check_request(const platform::BoardProfile &board, const platform::ElfImage &image,
                   const agent::RunOptions &opts)
{
    if (board.qemu_system.empty() || board.qemu_machine.empty())
        throw platform::InvalidArgument("board '" + board.name +
                                        "' has no QEMU machine (emulator.qemu_system / qemu_machine)");
    if (image.arch() != board.arch)
        throw platform::InvalidArgument(std::string("image is ") + platform::to_string(image.arch()) +
                                        ", board '" + board.name + "' (" + board.core + ") runs " +
                                        platform::to_string(board.arch) + " images");
    image.require_protocol();
    if (opts.repeats == 0) throw platform::InvalidArgument("repeats must be >= 1");
    if (opts.deadline.count() <= 0) throw platform::InvalidArgument("deadline must be > 0 ms");
}

}  // namespace

std::vector<std::string> qemu_command(const platform::BoardProfile &board, const std::string &elf_path,
                                      const std::string &gdb_socket, const std::string &console_path)
{
    std::vector<std::string> argv{board.qemu_system, "-M", board.qemu_machine};
    if (!board.qemu_cpu.empty()) argv.insert(argv.end(), {"-cpu", board.qemu_cpu});
    // the riscv virt machine would otherwise load OpenSBI at the image's address
    if (board.arch == platform::Arch::kRiscv32) argv.insert(argv.end(), {"-bios", "none"});
    argv.insert(argv.end(), {"-nographic", "-monitor", "none", "-serial", "null"});
    if (console_path.empty()) {
        argv.insert(argv.end(), {"-semihosting-config", "enable=on,target=native"});
    } else {
        argv.insert(argv.end(), {"-chardev", "file,id=tinytx_console,path=" + console_path,
                                 "-semihosting-config",
                                 "enable=on,target=native,chardev=tinytx_console"});
    }
    // one instruction = 1 ns of virtual time: deterministic counters
    argv.insert(argv.end(), {"-icount", "shift=0"});
    if (!gdb_socket.empty())
        argv.insert(argv.end(), {"-S", "-chardev",
                                 "socket,id=tinytx_gdb,path=" + gdb_socket + ",server=on,wait=off",
                                 "-gdb", "chardev:tinytx_gdb"});
    argv.insert(argv.end(), {"-kernel", elf_path});
    return argv;
}

namespace {

// Clears the figures of a measurement that did not complete.
void drop_failed_figures(Measurement &m)
{
    if (m.status != RunStatus::kOk && m.status != RunStatus::kWrongOutput && m.status != RunStatus::kKernelError) {
        m.cycles.clear();
        m.cycles_median = 0;
    }
}

// One QEMU process and one mailbox session: a plain image (tables == nullptr, one Measurement)
// or a schedule-as-data image run once per table (one Measurement per table).
std::vector<Measurement> run_qemu_session(const platform::BoardProfile &board, const platform::ElfImage &image,
                                          const agent::RunOptions &opts, const std::vector<agent::TableRun> *tables,
                                          RunStats *stats)
{
    const auto t0 = Clock::now();
    RunStats st;
    // QEMU has no cycle model: cycles are instruction counts (see the header)
    Measurement m = begin_measurement("qemu", board.name, image.sha256(), platform::Source::kEmulated);
    std::vector<Measurement> per_table;

    std::optional<platform::TempDir> dir;
    platform::Process proc;
    std::string console_path, stderr_path;
    auto process_report = [&](const std::string &what) {
        // the process is gone (or will be killed now): its status and what it said
        std::optional<int> status = proc.wait_for(Millis(300));
        std::string text = trim(platform::read_file_tail(stderr_path, 2000));
        std::string out = what;
        if (status) out += ": " + board.qemu_system + " " + platform::Process::describe(*status);
        if (!text.empty()) out += ": " + text;
        return out;
    };
    try {
        check_request(board, image, opts);
        const auto deadline = t0 + opts.deadline;
        dir.emplace("tinytx-qemu");
        const std::string elf = dir->file("image.elf"), sock = dir->file("gdb.sock");
        console_path = dir->file("console.txt");
        stderr_path = dir->file("stderr.txt");
        platform::write_file(elf, image.bytes());

        auto t = Clock::now();
        proc = platform::Process::spawn(
            {qemu_command(board, elf, sock, console_path), stderr_path, stderr_path, ""});
        st.spawn_ms = ms_since(t);

        t = Clock::now();
        platform::Socket s;
        try {
            s = platform::Socket::connect_retry(platform::Endpoint::unix_socket(sock), deadline,
                                                [&] { return proc.running(); });
        } catch (const platform::Error &e) {
            if (!proc.running()) {
                m.status = RunStatus::kUnavailable;
                m.error = process_report("QEMU did not start");
            } else {
                m.status = RunStatus::kTimeout;
                m.error = std::string("QEMU's gdbstub did not accept a connection before the "
                                      "deadline: ") + e.what();
            }
            throw StatusSet{};
        }
        st.connect_ms = ms_since(t);

        rsp::Client client(std::move(s), Millis(2000));
        rsp::SessionResult r;
        t = Clock::now();
        bool handshake_ok = false;
        try {
            client.handshake(std::min(Millis(2000), std::chrono::duration_cast<Millis>(deadline - Clock::now())));
            handshake_ok = true;
        } catch (const platform::Error &e) {
            r.end = Clock::now() >= deadline ? rsp::SessionResult::End::kTimeout
                                             : rsp::SessionResult::End::kLost;
            r.detail = std::string("gdbstub handshake: ") + e.what();
        }
        st.handshake_ms = ms_since(t);

        const platform::EnergyModel energy{double(board.clock_hz), board.active_mw};
        const uint32_t per = opts.warmups + opts.repeats;
        if (handshake_ok) {
            rsp::SessionOptions so;
            so.runs = per * uint32_t(tables ? tables->size() : 1);
            so.deadline = deadline;
            so.remove_breakpoints_at_end = false;  // QEMU is killed next
            so.tables = tables;
            so.runs_per_table = per;
            if (tables && opts.on_table)
                so.on_table_records = [&](size_t k, std::vector<platform::RunRecord> group) {
                    Measurement mk = m;
                    instructions_as_cycles(group);
                    summarize(group, opts.warmups, (*tables)[k].expected_crc, energy, mk);
                    opts.on_table(k, mk);
                };
            t = Clock::now();
            r = rsp::run_mailbox_session(client, image, so);
            st.session_ms = ms_since(t);
            st.to_main_ms = r.at_main_ms;
        }
        st.packets = client.packets_sent();

        instructions_as_cycles(r.records);
        // the session's ending, for the measurement of the run it ended in
        const auto conclude = [&](const rsp::SessionResult &ending, const agent::RunOptions &o, Measurement &out) {
            using End = rsp::SessionResult::End;
            rsp::apply_session(ending, o, board, out);
            if (ending.end == End::kExited || ending.end == End::kFault) {
                proc.wait_for(Millis(ending.end == End::kExited ? 300 : 0));
                proc.kill_and_reap();
                const std::string line = fault_line(platform::read_file_tail(console_path, 8192));
                if (!line.empty()) {
                    out.status = RunStatus::kFault;
                    if (!out.fault_pc) out.fault_pc = mepc_of(line);
                    out.error += ": " + line;
                } else if (ending.end == End::kExited && out.status != RunStatus::kFault) {
                    const std::string c = trim(platform::read_file_tail(console_path, 500));
                    if (!c.empty()) out.error += " (console: " + c + ")";
                }
            } else if (ending.end == End::kLost || ending.end == End::kTerminated) {
                out.status = RunStatus::kUnavailable;
                out.error = process_report(ending.detail);
            }
        };
        if (!tables) {
            conclude(r, opts, m);
        } else {
            m.image_loads = 1;
            per_table = agent::table_measurements(m, r.records, *tables, opts, energy,
                                                  [&](const std::vector<platform::RunRecord> &group,
                                                      const agent::RunOptions &one, Measurement &mk) {
                                                      rsp::SessionResult rk = r;
                                                      rk.records = group;
                                                      conclude(rk, one, mk);
                                                  });
            for (size_t k = 1; k < per_table.size(); ++k) per_table[k].image_loads = 0;
        }
    } catch (...) {
        record_run_failure(m, "qemu backend", RuntimeErrorIs::kUnavailable);  // QEMU missing, ...
    }
    const auto td = Clock::now();
    proc.kill_and_reap();
    dir.reset();
    st.teardown_ms = ms_since(td);
    m.wall_time_ms = ms_since(t0);
    st.total_ms = m.wall_time_ms;
    if (stats) *stats = st;
    if (!tables) {
        drop_failed_figures(m);
        return {m};
    }
    if (per_table.empty()) per_table.assign(tables->size(), m);  // failed before the session
    for (Measurement &mk : per_table) {
        mk.wall_time_ms = m.wall_time_ms / double(per_table.size());
        drop_failed_figures(mk);
    }
    return per_table;
}

}  // namespace

Measurement run_qemu(const platform::BoardProfile &board, const platform::ElfImage &image, const agent::RunOptions &opts,
                     RunStats *stats)
{
    return run_qemu_session(board, image, opts, nullptr, stats).front();
}

std::vector<Measurement> run_qemu_tables(const platform::BoardProfile &board, const platform::ElfImage &image,
                                         const agent::RunOptions &opts, const std::vector<agent::TableRun> &tables)
{
    if (tables.empty()) return {};
    return run_qemu_session(board, image, opts, &tables, nullptr);
}

}  // namespace tinytx::agent::qemu

namespace tinytx::agent {

std::unique_ptr<Backend> make_qemu_backend()
{
    return std::make_unique<qemu::QemuBackend>();
}

}  // namespace tinytx::agent
