// Throughput of the iss backend: back-to-back measurements of one image (default: the EEGFormer
// MHSA agent image on nucleo-l476rg, one repeat each) for a few seconds with 1 and 2 worker
// threads, with the profile's memory-region wait states and without (side by side: what the
// iss's memory hooks cost); prints runs/s per configuration and per thread. Also a driver for one image:
//   tinytx_iss_bench [--board B] [--elf PATH] [--seconds S] [--threads 1,2] [--hooks] [--once]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tinytx/platform/board_profile.h"
#include "tinytx/agent/iss/iss.h"

using namespace tinytx::agent;

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

        // the same profile without memory-region wait states: what the wait-state hooks cost
        BoardProfile no_waits = profile;
        for (MemoryRegion &r : no_waits.memory) r.timing.load_wait = r.timing.store_wait = 0;
        std::printf("iss bench: %s on %s, one repeat per measurement, %.1f s per configuration\n",
                    elf.c_str(), board.c_str(), seconds);
        for (int nt : threads) {
            double rate[2] = {0, 0};
            for (int waits = 1; waits >= 0; --waits) {
                const BoardProfile &p = waits ? profile : no_waits;
                std::atomic<uint64_t> runs{0};
                std::atomic<bool> failed{false};
                const auto t0 = std::chrono::steady_clock::now();
                const auto until = t0 + std::chrono::duration<double>(seconds);
                std::vector<std::thread> pool;
                for (int t = 0; t < nt; ++t)
                    pool.emplace_back([&] {
                        while (std::chrono::steady_clock::now() < until) {
                            const Measurement m = iss::run_iss(p, image, opts, cfg, nullptr);
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
                rate[waits] = runs / dt;
                std::printf("  %d thread%s, region wait states %s: %llu runs in %.2f s = %.1f runs/s (%.1f per thread)\n",
                            nt, nt == 1 ? "" : "s", waits ? "on " : "off", (unsigned long long)runs.load(), dt,
                            runs / dt, runs / dt / nt);
                if (failed) return 1;
            }
            std::printf("  %d thread%s: wait states on / off = %.2f\n", nt, nt == 1 ? "" : "s",
                        rate[0] > 0 ? rate[1] / rate[0] : 0.0);
        }
        return 0;
    } catch (const std::exception &e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}
