// Throughput of the iss backend: back-to-back measurements of one image (default: the EEGFormer
// MHSA agent image on nucleo-l476rg, one repeat each) for a few seconds with 1 and 2 worker
// threads, with the profile's memory-region wait states charged per block (the default), charged
// by per-access memory hooks (IssConfig::access_hooks, the path before block plans) and without
// any (side by side: what charging them costs); prints runs/s per configuration and per thread,
// and runs per CPU second (the process's CPU time: the figure to compare on a shared machine,
// where wall time also counts the other processes' turns; the ratios are of this one).
// Also a driver for one image:
//   tinytx_iss_bench [--board B] [--elf PATH] [--seconds S] [--threads 1,2] [--hooks] [--once]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>
#include <time.h>
#include <vector>

#include "tinytx/platform/board_profile.h"
#include "tinytx/agent/iss/iss.h"

using namespace tinytx::agent;

static double cpu_seconds()
{
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

int main(int argc, char **argv)
{
    std::string board = "nucleo-l476rg";
    std::string elf = std::string(TINYTX_FIRMWARE_DIR) + "/cortex-m4/fw_agent_eegformer.elf";
    double seconds = 3;
    std::vector<int> threads = {1, 2};
    bool once = false;
    iss::IssConfig cfg;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "%s needs a value\n", a.c_str());
                std::exit(2);
            }
            return argv[++i];
        };
        if (a == "--board") board = next();
        else if (a == "--elf") elf = next();
        else if (a == "--seconds") seconds = std::atof(next().c_str());
        else if (a == "--hooks") cfg.write_hooks = true;
        else if (a == "--once") once = true;
        else if (a == "--threads") {
            threads.clear();
            std::stringstream ss(next());
            for (std::string t; std::getline(ss, t, ',');) threads.push_back(std::atoi(t.c_str()));
        } else {
            std::fprintf(stderr, "usage: %s [--board B] [--elf PATH] [--seconds S] [--threads 1,2] [--hooks] [--once]\n", argv[0]);
            return 2;
        }
    }
    try {
        const BoardCatalog cat = BoardCatalog::load_dir(TINYTX_BOARDS_DIR);
        const BoardProfile &profile = cat.get(board);
        const ElfImage image = ElfImage::load_file(elf);
        RunOptions opts;
        opts.repeats = 1;
        opts.deadline = std::chrono::milliseconds(60000);

        if (once) {
            iss::IssRunReport rep;
            const Measurement m = iss::run_iss(profile, image, opts, cfg, &rep);
            std::printf("%s: status %s %s\n  cycles %llu instructions %llu stack %u arena %u crc 0x%08x wall %.1f ms\n",
                        elf.c_str(), to_string(m.status), m.error.c_str(),
                        (unsigned long long)m.cycles_median, (unsigned long long)m.instructions,
                        m.stack_peak_bytes, m.arena_peak_bytes, m.output_crc32, m.wall_time_ms);
            std::printf("  total %llu instructions, %llu cycles, %llu blocks; calibration %llu insns %llu cycles\n",
                        (unsigned long long)rep.total_instructions, (unsigned long long)rep.total_cycles,
                        (unsigned long long)rep.blocks_decoded,
                        (unsigned long long)rep.calibration_instructions,
                        (unsigned long long)rep.calibration_cycles);
            for (const auto &w : rep.windows)
                std::printf("  window: raw %llu insns %llu cycles; mailbox cycles %llu insns %llu stack %u arena %u; "
                            "iss stack %u arena %u (ref 0x%08x)\n",
                            (unsigned long long)w.window_instructions, (unsigned long long)w.window_cycles,
                            (unsigned long long)w.mailbox.cycles, (unsigned long long)w.mailbox.instructions,
                            w.mailbox.stack_peak, w.mailbox.arena_peak, w.diff_stack_peak,
                            w.diff_arena_peak, w.stack_reference);
            std::printf("  console: %s", rep.console.c_str());
            return m.status == RunStatus::kOk ? 0 : 1;
        }

        // the same profile without memory-region wait states: what charging them costs
        BoardProfile no_waits = profile;
        for (MemoryRegion &r : no_waits.memory) r.timing.load_wait = r.timing.store_wait = 0;
        iss::IssConfig per_access = cfg;
        per_access.access_hooks = true;
        struct Configuration {
            const char *name;
            const BoardProfile &profile;
            const iss::IssConfig &config;
        };
        const Configuration configurations[] = {{"wait states per block ", profile, cfg},
                                                {"wait states per access", profile, per_access},
                                                {"no wait states        ", no_waits, cfg}};
        std::printf("iss bench: %s on %s, one repeat per measurement, %.1f s per configuration\n",
                    elf.c_str(), board.c_str(), seconds);
        for (int nt : threads) {
            double rate[3] = {0, 0, 0};
            for (size_t c = 0; c < std::size(configurations); ++c) {
                const Configuration &conf = configurations[c];
                std::atomic<uint64_t> runs{0};
                std::atomic<bool> failed{false};
                const double cpu0 = cpu_seconds();
                const auto t0 = std::chrono::steady_clock::now();
                const auto until = t0 + std::chrono::duration<double>(seconds);
                std::vector<std::thread> pool;
                for (int t = 0; t < nt; ++t)
                    pool.emplace_back([&] {
                        while (std::chrono::steady_clock::now() < until) {
                            const Measurement m = iss::run_iss(conf.profile, image, opts, conf.config, nullptr);
                            if (m.status != RunStatus::kOk) {
                                std::fprintf(stderr, "run failed: %s %s\n", to_string(m.status), m.error.c_str());
                                failed = true;
                                return;
                            }
                            ++runs;
                        }
                    });
                for (auto &th : pool) th.join();
                const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
                const double cpu = cpu_seconds() - cpu0;
                rate[c] = runs / cpu;
                std::printf("  %d thread%s, %s: %llu runs in %.2f s = %.1f runs/s (%.1f per thread); %.1f runs per CPU s\n",
                            nt, nt == 1 ? "" : "s", conf.name, (unsigned long long)runs.load(), dt, runs / dt,
                            runs / dt / nt, runs / cpu);
                if (failed) return 1;
            }
            auto ratio = [](double a, double b) { return b > 0 ? a / b : 0.0; };
            std::printf("  %d thread%s, runs per CPU s: per block / per access = %.2f; against none: per block %.2f, per access %.2f\n",
                        nt, nt == 1 ? "" : "s", ratio(rate[0], rate[1]), ratio(rate[0], rate[2]), ratio(rate[1], rate[2]));
        }
        return 0;
    } catch (const std::exception &e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}
