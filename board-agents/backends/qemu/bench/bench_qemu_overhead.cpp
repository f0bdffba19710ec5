// Per-run overhead of the qemu backend: wall time of a run minus the emulated work.
//
//   start       a QEMU process running fw_exit_code (no gdbstub): process start + exit
//   plain       a QEMU process running fw_agent_<case> once (no gdbstub): start + init + 1 run
//   run(1)      the backend, repeats = 1 (spawn, gdbstub, breakpoints, mailbox, kill)
//   fixed       run(1) - plain: what driving a request over RSP adds to a plain QEMU run
//   rep         (run(R) - run(1)) / (R - 1): wall time of one more measured run
//   free        the same image under the gdbstub with `runs` = R but no breakpoint stops:
//               (T(R) - T(1)) / (R - 1), the emulated work of one run
//   stop        rep - free: the cost of stopping at tx_bench_done for every run (QEMU 7.2
//               flushes its translation cache at every debug stop, so the next run retranslates)
// Medians of several samples. Usage: tinytx_bench_qemu_overhead [samples] [repeats]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "tinytx/agent/backend.h"
#include "tinytx/agent/qemu/qemu.h"
#include "tinytx/platform/board_profile.h"
#include "tinytx/platform/mailbox.h"
#include "tinytx/platform/process.h"
#include "tinytx/rsp/client.h"

using namespace tinytx;
using Clock = std::chrono::steady_clock;

namespace {

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}

double ms(Clock::time_point a, Clock::time_point b)
{
    return std::chrono::duration<double, std::milli>(b - a).count();
}

std::string fw_dir()
{
    const char *env = std::getenv("TINYTX_FIRMWARE_DIR");
    return env && *env ? env : TINYTX_FIRMWARE_DIR;
}

double plain_run_ms(const platform::BoardProfile &b, const std::string &elf)
{
    platform::TempDir d("tinytx-bench");
    const auto t = Clock::now();
    auto p = platform::Process::spawn({agent::qemu::qemu_command(b, elf, "", d.file("console.txt")), "", "", ""});
    p.wait_for(std::chrono::seconds(60));
    return ms(t, Clock::now());
}

// from main to the exit of `runs` runs without breakpoint stops
double free_runs_ms(const platform::BoardProfile &b, const platform::ElfImage &img, const std::string &elf,
                    uint32_t runs)
{
    platform::TempDir d("tinytx-bench");
    auto p = platform::Process::spawn(
        {agent::qemu::qemu_command(b, elf, d.file("gdb.sock"), d.file("console.txt")), "", "", ""});
    rsp::Client c(platform::Socket::connect_retry(platform::Endpoint::unix_socket(d.file("gdb.sock")),
                                                  Clock::now() + std::chrono::seconds(10),
                                                  [&] { return p.running(); }));
    c.handshake();
    const uint32_t kind = img.arch() == platform::Arch::kArm ? 2 : 4;
    const uint32_t main_addr = img.require("main").addr;
    c.insert_breakpoint(rsp::BreakpointType::kHardware, main_addr, kind);
    c.resume_and_wait(Clock::now() + std::chrono::seconds(10));
    c.remove_breakpoint(rsp::BreakpointType::kHardware, main_addr, kind);
    c.write_u32(img.require("tx_mailbox").addr + platform::mailbox::kOffRuns, runs);
    const auto t = Clock::now();
    c.resume_and_wait(Clock::now() + std::chrono::seconds(60));  // W: the image exited
    return ms(t, Clock::now());
}

}  // namespace

int main(int argc, char **argv)
{
    const int samples = argc > 1 ? std::max(1, std::atoi(argv[1])) : 5;
    const uint32_t repeats = argc > 2 ? uint32_t(std::max(2, std::atoi(argv[2]))) : 11;
    const auto catalog = platform::BoardCatalog::load_dir(platform::BoardCatalog::default_dir());
    auto backend = agent::make_qemu_backend();
    struct Board {
        const char *name, *cpu;
    };
    std::printf("qemu backend overhead: medians of %d samples, R = %u repeats, times in ms\n",
                samples, repeats);
    std::printf("%-14s %-10s %10s %7s %7s %7s %7s %8s %7s %7s %7s %6s | %6s %7s %7s %7s\n",
                "board", "case", "insns/run", "start", "plain", "run(1)", "fixed", "run(R)", "rep",
                "free", "stop", "MIPS", "spawn", "connect", "handshk", "to-main");
    int failures = 0;
    for (const Board b : {Board{"nucleo-l476rg", "cortex-m4"}, Board{"nucleo-h743zi", "cortex-m7"},
                          Board{"gap9", "rv32"}}) {
        const auto &profile = catalog.get(b.name);
        const std::string dir = fw_dir() + "/" + b.cpu;
        std::vector<double> p0;
        for (int i = 0; i < samples; ++i) p0.push_back(plain_run_ms(profile, dir + "/fw_exit_code.elf"));
        for (const char *c : {"tiny4", "eegformer"}) {
            const std::string elf = dir + "/fw_agent_" + std::string(c) + ".elf";
            const auto img = platform::ElfImage::load_file(elf);
            std::vector<double> pl, r1, rr, f1, fr, spawn, conn, hs, tomain;
            uint64_t insns = 0;
            for (int i = 0; i < samples; ++i) {
                pl.push_back(plain_run_ms(profile, elf));
                agent::RunOptions o;
                o.repeats = 1;
                o.deadline = std::chrono::seconds(60);
                agent::qemu::RunStats st;
                const auto m1 = agent::qemu::run_qemu(profile, img, o, &st);
                if (m1.status != platform::RunStatus::kOk) {
                    std::fprintf(stderr, "%s %s: %s %s\n", b.name, c, platform::to_string(m1.status),
                                 m1.error.c_str());
                    ++failures;
                }
                insns = m1.instructions;
                r1.push_back(m1.wall_time_ms);
                spawn.push_back(st.spawn_ms);
                conn.push_back(st.connect_ms);
                hs.push_back(st.handshake_ms);
                tomain.push_back(st.to_main_ms);
                o.repeats = repeats;
                const auto mr = backend->run(profile, img, o);
                if (mr.status != platform::RunStatus::kOk) ++failures;
                rr.push_back(mr.wall_time_ms);
                f1.push_back(free_runs_ms(profile, img, elf, 1));
                fr.push_back(free_runs_ms(profile, img, elf, repeats));
            }
            const double rep = (median(rr) - median(r1)) / double(repeats - 1);
            const double free = (median(fr) - median(f1)) / double(repeats - 1);
            std::printf("%-14s %-10s %10llu %7.1f %7.1f %7.1f %7.1f %8.1f %7.2f %7.2f %7.2f %6.0f | "
                        "%6.2f %7.2f %7.2f %7.2f\n",
                        b.name, c, (unsigned long long)insns, median(p0), median(pl), median(r1),
                        median(r1) - median(pl), median(rr), rep, free, rep - free,
                        free > 0 ? double(insns) / free / 1e3 : 0.0, median(spawn), median(conn),
                        median(hs), median(tomain));
        }
    }
    std::printf(
        "start: QEMU process (fw_exit_code); plain: QEMU running the image once, no gdbstub;\n"
        "fixed = run(1) - plain; rep = marginal wall per measured run; free = emulated work per run\n"
        "(no stops); stop = rep - free (per-run breakpoint stop: QEMU retranslates after it);\n"
        "MIPS = measured-window instructions / free (the run also paints and checks)\n");
    return failures ? 1 : 0;
}
