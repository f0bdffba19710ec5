// tinytx-pulp-run: runs an RV32 image on the GAP9 cluster simulator to its exit (semihosting or
// CORESTATUS) and prints its console and the per-core figures. Used by the gap9 firmware tests and
// the bench. --cores changes the cluster's size: gap9 images need the 8 cores their runtime starts.
//   tinytx-pulp-run [--board gap9] [--boards-dir DIR] [--cores N] [--timeout SECONDS] [--expect-status N] [--json]
//                   [--profile] image.elf      (--profile: cycles per instruction address)
// Exit status 0 when the image exited with the expected status (default 0), 1 otherwise, 2 on
// bad usage.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "tinytx/agent/pulp/pulp.h"
#include "tinytx/platform/board_profile.h"

using namespace tinytx::agent;

int main(int argc, char **argv)
{
    std::string board_name = "gap9", boards_dir = BoardCatalog::default_dir(), path;
    pulp::PulpConfig cfg;
    int expect = 0;
    double timeout = 60;
    bool json = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::cerr << a << " needs a value\n";
                std::exit(2);
            }
            return argv[++i];
        };
        if (a == "--board") board_name = value();
        else if (a == "--boards-dir") boards_dir = value();
        else if (a == "--cores") cfg.cores = uint32_t(std::stoul(value()));
        else if (a == "--timeout") timeout = std::stod(value());
        else if (a == "--expect-status") expect = std::stoi(value());
        else if (a == "--json") json = true;
        else if (a == "--profile") cfg.profile = true;
        else if (a == "--help" || a == "-h") {
            std::cout << "usage: tinytx-pulp-run [--board gap9] [--boards-dir DIR] [--cores N] [--timeout S] "
                         "[--expect-status N] [--json] [--profile] image.elf\n";
            return 0;
        } else if (!a.empty() && a[0] == '-') {
            std::cerr << "unknown option " << a << "\n";
            return 2;
        } else {
            path = a;
        }
    }
    if (path.empty()) {
        std::cerr << "usage: tinytx-pulp-run [options] image.elf\n";
        return 2;
    }
    try {
        const BoardCatalog cat = BoardCatalog::load_dir(boards_dir);
        const BoardProfile &board = cat.get(board_name);
        const ElfImage image = ElfImage::load_file(path);
        const auto t0 = std::chrono::steady_clock::now();
        const pulp::PulpRunReport r =
            pulp::run_to_exit(board, image, cfg, std::chrono::milliseconds(int64_t(timeout * 1000)));
        const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        std::cout << r.console;
        if (json) {
            nlohmann::json j;
            j["exit_status"] = r.exit_status ? nlohmann::json(*r.exit_status) : nlohmann::json();
            j["error"] = r.stop.message();
            j["instructions"] = r.total_instructions;
            j["wall_ms"] = ms;
            for (const auto &c : r.cores)
                j["cores"].push_back({{"cycles", c.cycles}, {"instructions", c.instructions},
                                      {"load_use", c.load_use}, {"tcdm_conflict", c.tcdm_conflict},
                                      {"l2", c.l2}, {"branch", c.branch}, {"muldiv", c.muldiv},
                                      {"barrier", c.barrier}, {"dma_wait", c.dma_wait},
                                      {"icache", c.icache}});
            std::cout << j.dump() << "\n";
        }
        if (cfg.profile) {
            std::cout << "PROFILE pc cycles (all cores)\n";
            for (size_t i = 0; i < r.profile.size(); ++i)
                std::printf("%08x %llu\n", r.profile[i].first, (unsigned long long)r.profile[i].second);
        }
        if (!r.exit_status) {
            std::cout << "pulp: no exit: " << r.stop.message() << "\n";
            return 1;
        }
        std::printf("pulp: exit status %d (expected %d), %llu instructions, %.0f ms\n", *r.exit_status, expect,
                    (unsigned long long)r.total_instructions, ms);
        return *r.exit_status == expect ? 0 : 1;
    } catch (const std::exception &e) {
        std::cerr << "tinytx-pulp-run: " << e.what() << "\n";
        return 2;
    }
}
