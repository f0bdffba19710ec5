// Tuning throughput, old path against new, in one run: candidates per second per core that
// tinytx-tune measures on the iss (EMULATED cycles) with one specialized image per candidate
// (codegen, compile, link, load, run each) and with the model's schedule-as-data image (built
// once, loaded once per worker, a layer table written per candidate), the latter with every
// candidate run whole and, the default, with candidates stopped once dominated (their cycles past
// a measured schedule's with no larger arena: dominance_bound.h) and composed from the segments
// other runs timed (segment_ledger.h). All tune the same points of the same model and board (by
// default every point within the budget, as tinytx-tune's default run does; a candidate counts
// once, placement twins that share one measurement are not counted) from a cold image cache; the kernel library's objects are compiled
// once beforehand for both (what every run after a machine's first finds). Beside the wall-clock
// rate, candidates per CPU second (this process and the compilers it ran): on a machine shared
// with other jobs the wall clock also counts their turns.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <limits>
#include <string>
#include <thread>
#include <utility>

#include <sys/resource.h>

#include "tinytx/tuner/tuning.h"

namespace fs = std::filesystem;
using namespace tinytx::tuner;

namespace {

constexpr const char *kHelp = R"(usage: tinytx_tune_rate_bench [options]

Measures tinytx-tune's candidates per second per core on the iss, specialized images (one per
candidate, the old path) against schedule-as-data images (the new path), side by side.

  --model FILE     model spec (default: models/eegformer.json of the source tree)
  --board NAME     board profile (default nucleo-l476rg)
  --budget BYTES   arena budget (default 98304)
  --trials N       candidates each path measures, the first N of the exhaustive order (default:
                   every point within the budget, as tinytx-tune's default `auto` run measures them)
  --jobs N         workers, one per core (default: the cores of this machine)
  --work DIR       scratch folder, emptied first (default: a folder in the system's temp dir)
)";

struct PathFigures {
    double seconds = 0, cpu_seconds = 0;
    uint64_t measured = 0, image_loads = 0, above_bound = 0, composed = 0;
};

// CPU time of this process and of its children that have ended (the compilers)
double cpu_seconds()
{
    double total = 0;
    for (int who : {RUSAGE_SELF, RUSAGE_CHILDREN}) {
        rusage u{};
        getrusage(who, &u);
        for (const timeval &t : {u.ru_utime, u.ru_stime}) total += double(t.tv_sec) + 1e-6 * double(t.tv_usec);
    }
    return total;
}

[[noreturn]] void usage(const std::string &why)
{
    std::cerr << "tinytx_tune_rate_bench: " << why << "\n\n" << kHelp;
    std::exit(2);
}

PathFigures run_path(TuneRequest req, const fs::path &dir, const std::string &images, const fs::path &warm_objects,
                     bool stop_dominated)
{
    req.stop_dominated = stop_dominated;
    fs::create_directories(dir / "cache");
    fs::copy(warm_objects, dir / "cache" / "obj", fs::copy_options::recursive);  // the kernel library only
    req.images = images;
    req.db_path = dir / "tune.db";
    req.cache_dir = dir / "cache";
    const double cpu0 = cpu_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    const TuneOutcome o = tune(req);
    if (o.exit_code != 0) {
        std::cerr << images << " path failed: " << o.error << "\n";
        std::exit(1);
    }
    PathFigures f;
    f.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    f.cpu_seconds = cpu_seconds() - cpu0;
    f.measured = o.report->progress.measured;
    f.image_loads = o.report->image_loads;
    f.above_bound = o.report->progress.above_bound;
    f.composed = o.report->progress.composed;
    return f;
}

}  // namespace

int main(int argc, char **argv)
{
    fs::path model = fs::path(TINYTX_SOURCE_DIR) / "models/eegformer.json";
    std::string board = "nucleo-l476rg";
    uint64_t budget = 96 * 1024, trials = 0;  // 0: every point within the budget
    unsigned jobs = std::max(1u, std::thread::hardware_concurrency());
    fs::path work = fs::temp_directory_path() / "tinytx-tune-rate-bench";
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--help" || a == "-h") {
            std::cout << kHelp;
            return 0;
        }
        if (i + 1 >= argc) usage(a + " needs a value");
        const std::string v = argv[++i];
        auto count = [&](uint64_t lo) {
            char *end = nullptr;
            const unsigned long long n = std::strtoull(v.c_str(), &end, 10);
            if (*end || v.empty() || n < lo) usage(a + " expects a whole number of at least " + std::to_string(lo) + ", got '" + v + "'");
            return uint64_t(n);
        };
        if (a == "--model") model = v;
        else if (a == "--board") board = v;
        else if (a == "--budget") budget = count(1024);
        else if (a == "--trials") trials = count(1);
        else if (a == "--jobs") jobs = unsigned(count(1));
        else if (a == "--work") work = v;
        else usage("unknown option " + a);
    }
    fs::remove_all(work);
    fs::create_directories(work);

    TuneRequest req;
    req.model_path = model;
    req.board = board;
    req.budget_bytes = budget;
    req.strategy = "exhaustive";
    req.trials = trials ? trials : std::numeric_limits<uint32_t>::max();  // the tuner takes at most the points within the budget
    req.jobs = jobs;
    req.boards_dir = fs::path(TINYTX_SOURCE_DIR) / "board-agents/boards";

    // the kernel library for the board's core, compiled once: one candidate of another model
    {
        TuneRequest warm = req;
        warm.model_path = fs::path(TINYTX_SOURCE_DIR) / "models/ecgformer.json";
        warm.budget_bytes = 64 * 1024;
        warm.trials = 1;
        warm.images = "specialized";
        warm.db_path = work / "warm" / "tune.db";
        warm.cache_dir = work / "warm" / "cache";
        const TuneOutcome o = tune(warm);
        if (o.exit_code != 0) {
            std::cerr << "warm-up failed: " << o.error << "\n";
            return 1;
        }
    }
    const fs::path objects = work / "warm" / "cache" / "obj";
    const std::string which = trials ? "the first " + std::to_string(trials) + " points of the exhaustive order"
                                     : "every point within the budget (tinytx-tune's default run)";
    std::printf("tinytx-tune throughput: %s on %s, budget %llu B, %s, %u worker%s, iss backend (EMULATED), cold "
                "image cache\n",
                model.stem().c_str(), board.c_str(), static_cast<unsigned long long>(budget), which.c_str(), jobs,
                jobs > 1 ? "s" : "");
    const PathFigures old_path = run_path(req, work / "specialized", "specialized", objects, false);
    const PathFigures whole_path = run_path(req, work / "schedule-as-data-whole", "auto", objects, false);
    const PathFigures new_path = run_path(req, work / "schedule-as-data", "auto", objects, true);
    auto rate = [&](const PathFigures &f) { return double(f.measured) / f.seconds / jobs; };
    auto per_cpu = [](const PathFigures &f) { return double(f.measured) / f.cpu_seconds; };
    std::printf("%-44s %8s %8s %8s %7s %7s %11s %21s %15s\n", "path", "measured", "stopped", "composed", "wall s", "CPU s",
                "image loads", "candidates/s per core", "per CPU second");
    for (const auto &[name, f] : {std::pair{"specialized images (old)", old_path},
                                  std::pair{"schedule-as-data image, whole runs", whole_path},
                                  std::pair{"schedule-as-data image, stopped and composed (new)", new_path}})
        std::printf("%-44s %8llu %8llu %8llu %7.1f %7.1f %11llu %21.2f %15.2f\n", name,
                    static_cast<unsigned long long>(f.measured), static_cast<unsigned long long>(f.above_bound),
                    static_cast<unsigned long long>(f.composed),
                    f.seconds, f.cpu_seconds, static_cast<unsigned long long>(f.image_loads), rate(f), per_cpu(f));
    std::printf("new / old: %.1fx per core, %.1fx per CPU second\n", rate(new_path) / rate(old_path),
                per_cpu(new_path) / per_cpu(old_path));
    std::printf("whole runs / old: %.1fx per core; stopped: candidates slower than a measured schedule with no "
                "larger arena; composed: cycles added up from segments timed in other runs (exact on the iss, the "
                "front's composed points run whole to check); the front unchanged\n", rate(whole_path) / rate(old_path));
    std::printf("(the new path's figure includes building the schedule-as-data image, one specialized build per "
                "variant and attention mode for the flash figures, and the final specialized check)\n");
    fs::remove_all(work);
    return 0;
}
