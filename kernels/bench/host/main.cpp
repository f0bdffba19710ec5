// tinytx_vs_cmsis: runs the bench images (fw_vs_cmsis_<shape>, fw_vs_cmsis_ops) of each CPU in
// the iss backend under its board profile (cortex-m4: nucleo-l476rg, cortex-m7: nucleo-h743zi;
// the M4 also with every memory at zero wait, the frame of issue 18's figures), two images at a time, prints the tables and writes the JSON. Exit 1 when any run failed, a
// cycle count is zero or tinytx schedules of one mode disagree on the output.
//   tinytx_vs_cmsis --firmware BUILD/firmware [--cpus cortex-m4,cortex-m7] [--shapes a,b]
//                   [--no-ops] [--json PATH] [--no-cmsis-reason TEXT]
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "image_run.h"
#include "report.h"
#include "tinytx/platform/board_profile.h"

using namespace tinytx;

namespace {

std::vector<std::string> split(const std::string &s)
{
    std::vector<std::string> out;
    std::stringstream ss(s);
    for (std::string t; std::getline(ss, t, ',');)
        if (!t.empty()) out.push_back(t);
    return out;
}

int usage(const char *argv0)
{
    std::fprintf(stderr, "usage: %s --firmware DIR [--cpus cortex-m4,cortex-m7] [--shapes a,b] "
                         "[--no-ops] [--json PATH] [--no-cmsis-reason TEXT]\n", argv0);
    return 2;
}

// Issue 18's figures were counted with every memory at zero wait; the profile charges its flash
// wait states on every weight load (docs/CYCLE_MODEL.md). The bench prints both frames.
const char *const kZeroWaitFrame = "zero-wait memory (issue 18's frame: no flash wait states)";

platform::BoardProfile zero_wait(platform::BoardProfile p)
{
    for (auto &r : p.memory) r.timing.load_wait = r.timing.store_wait = 0;
    return p;
}

}  // namespace

int main(int argc, char **argv)
{
    std::string fw_dir, json_path, no_cmsis_reason;
    std::vector<std::string> cpus = {"cortex-m4", "cortex-m7"}, shapes;
    bool ops = true;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
        if (a == "--firmware") fw_dir = next();
        else if (a == "--cpus") cpus = split(next());
        else if (a == "--shapes") shapes = split(next());
        else if (a == "--no-ops") ops = false;
        else if (a == "--json") json_path = next();
        else if (a == "--no-cmsis-reason") no_cmsis_reason = next();
        else return usage(argv[0]);
    }
    if (fw_dir.empty() || shapes.empty()) return usage(argv[0]);

    platform::BoardCatalog catalog;
    try {
        catalog = platform::BoardCatalog::load_dir(TINYTX_BOARDS_DIR);
    } catch (const std::exception &e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }

    // every (cpu, image) is one job; two run at a time (the emulator is single-threaded per run)
    struct Job { size_t board; bool is_op; std::string path; bench::ImageResult result; };
    std::vector<bench::BoardResult> boards;
    std::vector<platform::BoardProfile> profiles;  // one per entry of boards
    std::vector<Job> jobs;
    auto add_board = [&](const std::string &cpu, const platform::BoardProfile &p, const std::string &frame) {
        boards.push_back({cpu, p.name, p.cycle_model.source, {}, {}, frame});
        profiles.push_back(p);
        for (const auto &s : shapes)
            jobs.push_back({boards.size() - 1, false, fw_dir + "/" + cpu + "/bin/fw_vs_cmsis_" + s + ".elf", {}});
        if (ops)
            jobs.push_back({boards.size() - 1, true, fw_dir + "/" + cpu + "/bin/fw_vs_cmsis_ops.elf", {}});
    };
    for (const auto &cpu : cpus) {
        const std::string board = cpu == "cortex-m4" ? "nucleo-l476rg" : cpu == "cortex-m7" ? "nucleo-h743zi" : "";
        if (board.empty()) {
            std::fprintf(stderr, "error: --cpus: unknown cpu '%s' (cortex-m4, cortex-m7)\n", cpu.c_str());
            return 2;
        }
        add_board(cpu, catalog.get(board), "");
        if (cpu == "cortex-m4") add_board(cpu, zero_wait(catalog.get(board)), kZeroWaitFrame);
    }
    std::atomic<size_t> next_job{0};
    auto worker = [&] {
        for (size_t i; (i = next_job++) < jobs.size();) {
            Job &j = jobs[i];
            j.result = bench::run_image(profiles[j.board], j.path);
            std::fprintf(stderr, "  ran %s on %s%s: %s\n", j.path.c_str(), boards[j.board].board.c_str(),
                         boards[j.board].frame.empty() ? "" : " (zero-wait)",
                         j.result.ok ? "ok" : j.result.error.c_str());
        }
    };
    std::thread second(worker);
    worker();
    second.join();
    for (auto &j : jobs)
        (j.is_op ? boards[j.board].ops : boards[j.board].shapes).push_back(std::move(j.result));

    // CMSIS-NN figures exist when the images carry them (the build found its sources)
    bool with_cmsis = no_cmsis_reason.empty();
    for (const auto &b : boards)
        for (const auto &im : b.shapes)
            for (const auto &n : im.notes)
                if (n.find("no CMSIS-NN") != std::string::npos) {
                    with_cmsis = false;
                    if (no_cmsis_reason.empty()) no_cmsis_reason = "the images were built without it";
                }

    std::cout << "tinytx vs CMSIS-NN: int8 MHSA, fully-connected and softmax; ALL CYCLES ARE EMULATED "
                 "(in-process iss backend, Unicorn + per-instruction-class cycle model of the board "
                 "profile, the wait states of its memory regions (docs/CYCLE_MODEL.md), no caches, no dual issue)\n";
    std::vector<bench::Verdict> verdicts;
    int problems = 0;
    for (const auto &b : boards) {
        verdicts.push_back(bench::print_board(std::cout, b, with_cmsis, no_cmsis_reason));
        problems += verdicts.back().problems;
    }
    std::cout << "\nIssue 18's acceptance in two frames: as deployed (weights in flash pay the profile's wait "
                 "states) and with zero-wait memory (the frame of the issue's figures)\n";
    for (size_t i = 0; i < boards.size(); ++i)
        if (boards[i].cpu == "cortex-m4") bench::print_acceptance(std::cout, boards[i], verdicts[i], with_cmsis);
    if (!json_path.empty()) {
        const auto parent = std::filesystem::path(json_path).parent_path();
        if (!parent.empty()) std::filesystem::create_directories(parent);
        std::ofstream(json_path) << bench::to_json(boards, verdicts, with_cmsis, no_cmsis_reason);
        std::cout << "\nJSON: " << json_path << "\n";
    }
    if (problems) {
        std::cout << "\n!! " << problems << " problem(s): see the lines marked !! above\n";
        return 1;
    }
    return 0;
}
