// The pulp backend: builds a Cluster from the board profile, loads the image, runs the mailbox
// protocol (runs/repeats written at `main`, one record per tx_bench_done) and turns the outcome
// into a Measurement, as the other backends do.
#include <algorithm>
#include <chrono>
#include <cstdio>

#include "cluster.h"
#include "tinytx/agent/backend.h"
#include "tinytx/agent/iss/semihosting.h"  // the iss backend's semihosting requests, shared
#include "tinytx/agent/pulp/pulp.h"
#include "tinytx/agent/run_failure.h"

namespace tinytx::agent {
namespace pulp {

namespace {

using Clock = std::chrono::steady_clock;
constexpr uint32_t kMaxRuns = 100000;
constexpr uint64_t kSlice = 1u << 20;  // instructions between two deadline checks

std::vector<RegionSpec> regions_of(const BoardProfile &board)
{
    std::vector<RegionSpec> out;
    auto add = [&](const MemoryRegion &m) {
        for (const auto &r : out)
            if (m.origin < r.origin + uint64_t(r.length) && r.origin < m.origin + uint64_t(m.length))
                throw InvalidArgument("pulp: memory regions " + r.name + " and " + m.name + " of board " +
                                      board.name + " overlap");
        out.push_back({m.name, m.origin, m.length, m.kind == "l1"});
    };
    for (const auto &m : board.memory) add(m);
    for (const auto &m : board.emulator_memory) add(m);
    return out;
}

// A cluster with the image loaded and the semihosting console attached.
struct Sim {
    Timing timing;
    Cluster cluster;
    iss::Semihosting semihosting;
    std::string stdout_text;  // what the cores wrote to the stdout peripheral

    Sim(const BoardProfile &board, const ElfImage &image, const PulpConfig &config)
        : timing(make_timing(board, config)), cluster(timing, regions_of(board))
    {
        if (image.arch() != Arch::kRiscv32)
            throw InvalidArgument(std::string("pulp: image is for ") + to_string(image.arch()) +
                                  ", the cluster runs RV32 images");
        for (const auto &s : image.segments()) {
            if (s.data.empty()) continue;
            if (!cluster.write(s.paddr, s.data.data(), s.data.size()))
                throw InvalidArgument("pulp: segment at 0x" + hex(s.paddr) + " (" +
                                      std::to_string(s.data.size()) + " bytes) is outside the memory of " +
                                      board.name);
        }
        // pulp-open images (entry in L2) boot on the fabric controller; RV32 virt images on the cores
        bool in_l2 = false;
        for (const auto &m : board.memory)
            in_l2 |= m.kind == "l2" && image.entry() - m.origin < m.length;
        cluster.reset(image.entry(), in_l2 ? Cluster::Boot::kFabricController : Cluster::Boot::kClusterCores);
        cluster.set_console([this](char ch) {
            if (stdout_text.size() < iss::Semihosting::kConsoleCap) stdout_text.push_back(ch);
        });
        if (config.profile) cluster.enable_profile();
        cluster.set_semihost([this](uint32_t op, uint32_t arg) {
            auto r = semihosting.call(op, arg, [this](uint32_t a, void *d, size_t n) {
                return cluster.read(a, d, n);
            });
            return Cluster::SemihostResult{r.exit, r.exit_status, r.value};
        });
    }

    static Timing make_timing(const BoardProfile &board, const PulpConfig &config)
    {
        Timing t = Timing::from_profile(board.cycle_model.cycles);
        if (config.cores) t.cores = config.cores;
        return t;
    }

    static std::string hex(uint32_t v)
    {
        char b[16];
        snprintf(b, sizeof b, "%08x", v);
        return b;
    }

    void fill(PulpRunReport &rep) const
    {
        rep.cores.clear();
        for (uint32_t i = 0; i < cluster.cores(); ++i) {
            const Core &c = cluster.core(i);
            const StallCounters &s = c.stalls;
            rep.cores.push_back({c.cycle, c.instret, s.load_use, s.tcdm_conflict, s.l2, s.branch, s.muldiv,
                                 s.misaligned, s.barrier, s.dma_wait, s.icache});
        }
        rep.total_instructions = cluster.instructions();
        rep.dma_bytes = cluster.dma_bytes();
        rep.console = semihosting.console() + stdout_text;
        rep.final_pc = cluster.pc();
        rep.profile.assign(cluster.profile().begin(), cluster.profile().end());
        std::sort(rep.profile.begin(), rep.profile.end(),
                  [](const auto &a, const auto &b) { return a.second != b.second ? a.second > b.second : a.first < b.first; });
    }
};

void check_request(const BoardProfile &board, const ElfImage &image, const RunOptions &opts)
{
    if (board.arch != Arch::kRiscv32 || board.core.rfind("rv32", 0) != 0)
        throw InvalidArgument("pulp: board " + board.name + " has core '" + board.core +
                              "'; the cluster simulator runs rv32 boards (gap9)");
    if (image.arch() != board.arch)
        throw InvalidArgument(std::string("image is for ") + to_string(image.arch()) + ", board " +
                              board.name + " is " + to_string(board.arch));
    if (opts.repeats < 1) throw InvalidArgument("repeats must be at least 1");
    if (uint64_t(opts.repeats) + opts.warmups > kMaxRuns)
        throw InvalidArgument("warmups + repeats must not exceed " + std::to_string(kMaxRuns));
    image.require_protocol();
}

std::string console_tail(const std::string &console)
{
    std::string t = console.size() > 400 ? "..." + console.substr(console.size() - 400) : console;
    while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.pop_back();
    return t.empty() ? "" : "; console: " + t;
}

}  // namespace

Measurement run_pulp(const BoardProfile &board, const ElfImage &image, const RunOptions &opts,
                     const PulpConfig &config, PulpRunReport *report)
{
    const auto t0 = Clock::now();
    Measurement m = begin_measurement("pulp", board.name, image.sha256(), Source::kEmulated);
    PulpRunReport local;
    PulpRunReport &rep = report ? *report : local;
    rep = PulpRunReport{};
    try {
        check_request(board, image, opts);
        Sim sim(board, image, config);
        Cluster &cl = sim.cluster;
        const uint32_t runs = opts.warmups + opts.repeats;
        const uint32_t mb = image.require("tx_mailbox").addr;
        const uint32_t done = image.require("tx_bench_done").addr;
        const auto main_sym = image.symbol("main");
        if (main_sym) cl.watch(main_sym->addr);
        cl.watch(done);
        auto write_runs = [&] {
            const auto r = mailbox::le32(runs), one = mailbox::le32(1);
            if (!cl.write(mb + mailbox::kOffRuns, r.data(), 4) || !cl.write(mb + mailbox::kOffRepeats, one.data(), 4))
                throw InvalidArgument("pulp: tx_mailbox is outside the board's memory");
        };
        if (!main_sym) write_runs();
        std::vector<RunRecord> records;
        const auto deadline = t0 + opts.deadline;
        Cluster::Stop stop;
        for (;;) {
            stop = cl.run(kSlice);
            if (stop == Cluster::Stop::kLimit) {
                if (Clock::now() > deadline) break;
                if (config.max_instructions && cl.instructions() >= config.max_instructions) break;
                continue;
            }
            if (stop != Cluster::Stop::kBreakpoint) break;
            if (main_sym && cl.pc() == main_sym->addr) {
                write_runs();
                continue;
            }
            uint8_t bytes[mailbox::kSize];
            if (!cl.read(mb, bytes, sizeof bytes)) throw InvalidArgument("pulp: tx_mailbox is unreadable");
            const mailbox::View v = mailbox::decode(bytes, sizeof bytes);
            rep.windows.push_back(v);
            records.push_back(mailbox::to_record(v));
        }
        sim.fill(rep);
        if (stop == Cluster::Stop::kExit) rep.exit_status = cl.exit_status();
        const std::string tail = console_tail(rep.console);
        const std::string count = std::to_string(records.size()) + " of " + std::to_string(runs) + " runs";
        if (stop == Cluster::Stop::kLimit) {
            m.status = RunStatus::kTimeout;
            m.error = "timeout: the deadline passed (" + count + " reported)";
        } else if (stop == Cluster::Stop::kFault || stop == Cluster::Stop::kDeadlock || stop == Cluster::Stop::kHalted) {
            m.status = RunStatus::kFault;
            m.fault_pc = cl.fault_pc();
            m.error = "fault: " + cl.fault_message() + " (" + count + " reported)" + tail;
        } else if (cl.exit_status() == 3) {  // TX_FW_EXIT_FAULT: the firmware's trap handler
            m.status = RunStatus::kFault;
            m.fault_pc = cl.trapped() ? cl.trap_pc() : cl.pc();
            m.error = "fault: the firmware's fault handler exited with status 3 (" + count + " reported)" + tail;
        } else if (records.size() < runs) {
            m.status = cl.exit_status() ? RunStatus::kKernelError : RunStatus::kInvalidArgument;
            m.error = cl.exit_status() ? "the image exited with status " + std::to_string(cl.exit_status()) +
                                             " after " + count + tail
                                       : "the image exited after " + count + " (does it honour the mailbox's `runs`?)" + tail;
        } else {
            records.resize(runs);
            summarize(records, opts.warmups, opts.expected_crc, {double(board.clock_hz), board.active_mw}, m);
            if (m.status == RunStatus::kOk && cl.exit_status() != 0) {
                m.status = RunStatus::kKernelError;
                m.error = "the image exited with status " + std::to_string(cl.exit_status()) + tail;
            }
        }
    } catch (...) {
        record_run_failure(m, "pulp");
    }
    m.wall_time_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    return m;
}

PulpRunReport run_to_exit(const BoardProfile &board, const ElfImage &image, const PulpConfig &config,
                          std::chrono::milliseconds deadline)
{
    PulpRunReport rep;
    const auto end = Clock::now() + deadline;
    Sim sim(board, image, config);
    Cluster::Stop stop;
    do {
        stop = sim.cluster.run(kSlice);
    } while ((stop == Cluster::Stop::kLimit && Clock::now() < end &&
              (!config.max_instructions || sim.cluster.instructions() < config.max_instructions)) ||
             stop == Cluster::Stop::kBreakpoint);
    sim.fill(rep);
    if (stop == Cluster::Stop::kExit)
        rep.exit_status = sim.cluster.exit_status();
    else if (stop == Cluster::Stop::kLimit)
        rep.stop = platform::Status::deadline_exceeded("the deadline passed");
    else
        rep.stop = platform::Status::internal(sim.cluster.fault_message() + " at pc 0x" +
                                              Sim::hex(sim.cluster.fault_pc()));
    return rep;
}

namespace {

class PulpBackend final : public Backend {
public:
    std::string name() const override { return "pulp"; }
    Measurement run(const BoardProfile &board, const ElfImage &image, const RunOptions &opts) override
    {
        return run_pulp(board, image, opts, PulpConfig{}, nullptr);
    }
};

}  // namespace
}  // namespace pulp

std::unique_ptr<Backend> make_pulp_backend()
{
    return std::make_unique<pulp::PulpBackend>();
}

}  // namespace tinytx::agent
