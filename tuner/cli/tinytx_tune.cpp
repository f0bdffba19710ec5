// tinytx-tune: tune one model for one board under a RAM budget (README; ARCHITECTURE.md
// "Data flow").
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "farm_client.h"
#include "tinytx/platform/auth.h"
#include "tinytx/platform/plaintext_policy.h"
#include "tinytx/tuner/analyze_report.h"
#include "tinytx/tuner/display_units.h"
#include "tinytx/tuner/emit_c.h"
#include "tinytx/tuner/figure_source.h"
#include "tinytx/tuner/front_picture.h"
#include "tinytx/tuner/importer.h"
#include "tinytx/tuner/reference.h"
#include "tinytx/tuner/report_json.h"
#include "tinytx/tuner/request_limits.h"
#include "tinytx/tuner/runner.h"
#include "tinytx/tuner/tuning.h"

namespace {

using namespace tinytx::tuner;
namespace fs = std::filesystem;

const char *kHelp = R"(tinytx-tune: find the fastest int8 Tiny Transformer schedules that fit a RAM budget

Usage:
  tinytx-tune --model MODEL.json --board BOARD --budget SIZE [options]

Required:
  --model FILE        model spec (schemas/json/model.schema.json), e.g. models/eegformer.json, or an
                      ONNX encoder exported from PyTorch (imported first, see tinytx-import; with
                      --calib X.npy, --min-cosine C and --val DATA.npz, the importer's options:
                      the last, x inputs and y labels, reports float and int8 top-1; with it,
                      --min-accuracy A refuses a model whose int8 top-1 is below A (0.97 = 97%)
                      and keeps fused-weight schedules off the front when only they are below);
                      a .pt/.pth checkpoint must be exported to ONNX first (torch.onnx.export)
  --board NAME        board profile, any case: nucleo-h743zi (Cortex-M7), nucleo-l476rg (Cortex-M4), gap9
                      (on the pulp backend the GAP9 cluster joins the search: cores 1/2/4/8, the
                      split of the work by rows or by heads, the Xpulp kernels)
  --budget SIZE       arena budget: 512KB, 512KiB, 0.5MiB or bytes (K/M units are 1024-based; a
                      plain number below 1024 is refused: write its unit); at most the board's
                      largest RAM region (the arena lives in one); on gap9 the arena is in L2,
                      cluster layers' tiles in L1 (shown beside it)
  --flash-budget SIZE images above it leave the front (default: the board's flash); a model whose
                      weights alone exceed it is refused before anything is built

Search:
  --strategy S        auto (default: every point within the budget when measuring them all is
                      estimated to fit --time-budget, else the guided search with as many trials
                      as fit it; with --trials: exhaustive when the points within the budget are
                      no more, else nsga2) | exhaustive | nsga2 | guided (cost-model ranked)
  --time-budget S     seconds `auto` may spend measuring (default 600); the estimate is printed
  --trials N          candidates to evaluate (default: 160, or what --time-budget allows for
                      auto; at most the points within the budget)
  --seed N            search seed (default 1); the same command reproduces the same run
  --per-layer         let every layer choose its own knobs (default: one knob set for all layers)
  --weights W         auto (default; not on qemu, whose timing has no memory regions): the space
                      also copies the weights at start-up to the RAM region with the fewest
                      load wait states, where that is fewer than the flash's and the weights
                      fit (beside the arena when it is the same region): DTCM or AXI SRAM on
                      nucleo-h743zi, SRAM1 on nucleo-l476rg; flash: the weights stay in flash
  --batch N           proposals per round (default 8)

Measurement:
  --agents LIST       host:port,... of `tinytx-agent serve` instances (default: an in-process agent)
  --token-file FILE   token for the agents (else $TINYTX_AGENT_TOKEN); --tls-ca PEM for TLS
  --backend B         iss | qemu | pulp (the GAP9 cluster simulator) | gvsoc (GVSoC, $TINYTX_GVSOC) |
                      openocd; default for the
                      in-process agent: pulp on gap9, iss on the Cortex-M boards
  --images I          auto (default): where the agent writes layer tables (the in-process iss),
                      every candidate runs in one schedule-as-data image of the model, loaded
                      once per batch, and the best pick is measured again in its specialized
                      image (the one --emit-c writes); specialized: one image per candidate
  --whole-runs        measure every candidate to its end, in a run of its own; by default, in
                      schedule-as-data images on the iss, a candidate stops once it is slower
                      than a measured schedule whose arena is no larger: it cannot enter the
                      front, which stays exactly the front of whole runs (its record:
                      ABOVE_BOUND, the cycles reached); and a candidate whose layers' parts
                      (prologue, attention, tail) other runs timed is composed from them, not
                      run (exact on the iss; the front's composed points are run whole to check)
  --repeats N         runs per measurement, median reported (default 1: emulators are deterministic)
  --jobs N            measurements in flight (default: one per core)
  --deadline-s N      wall-time limit of one measurement, 1..600 s (default 120)

Lab farm:
  --farm ADDR         submit the job to a tinytx-farmd at ADDR instead of running it here; the
                      progress and the results are the same (token: --farm-token-file FILE or
                      $TINYTX_FARM_TOKEN; --priority N, higher first; --farm-tls-ca PEM: over
                      TLS, trusting this CA; --farm-tls-cert/--farm-tls-key PEM: this client's
                      certificate, for a farm that asks for one)
  --insecure          send a token in clear to a farm or agents not on loopback (else refused)

Results:
  --db FILE           results database (default tinytx.db); a run killed at any point and started
                      again with the same command resumes: nothing is measured twice
  --out FILE          write the best schedule (schemas/json/schedule.schema.json)
  --emit-c DIR        write a deployable C folder of the best schedule (Makefile: host, qemu-m4,
                      qemu-m7, nucleo-h743zi, nucleo-l476rg, and gap9-sim for GAP9 cluster
                      schedules: the cluster image on tinytx-pulp-run; see docs/GAP9.md), with
                      REPORT.txt (as --report)
  --report FILE       the analyze report of the best schedule ("-": stdout): per layer its knobs,
                      MACs, weights, scratch and share of the cycles; totals, flash, accuracy
  --json              print the front as JSON on stdout (progress stays on stderr)
  --plot FILE.svg     draw the front (latency against arena peak, the best point and the budget)
                      as an SVG picture, for reports
  --cache-dir DIR     build cache (default: tinytx-cache next to the database)
  --boards-dir DIR    board profiles (default: the source tree's board-agents/boards)
  --quiet             no progress

Figures say where they come from: "emulated" (the in-process ISS cycle model or QEMU, not board
cycles), "measured" (a real board through OpenOCD), "modeled" (the cost model's prediction).

Exit status: 0 done, 1 bad input or a failed run, 2 the budget is below the smallest arena any
schedule needs (the message gives that size and the schedule), 130 interrupted (Ctrl-C: the
measurements in flight finish and are recorded, so the same command resumes with them; Ctrl-C
twice quits at once).

Example:
  tinytx-tune --model models/eegformer.json --board nucleo-h743zi --budget 512KB --out best.json
)";

[[noreturn]] void usage_error(const std::string &msg)
{
    std::cerr << "tinytx-tune: " << msg << "\n(tinytx-tune --help for usage)\n";
    std::exit(1);
}

struct Options {
    std::map<std::string, std::string> values;
    bool json = false, quiet = false, per_layer = false, insecure = false, whole_runs = false;

    bool has(const std::string &k) const { return values.count(k) != 0; }
    const std::string &get(const std::string &k) const { return values.at(k); }
};

Options parse(int argc, char **argv)
{
    static const std::vector<std::string> valued = {
        "--model", "--board", "--budget", "--flash-budget", "--strategy", "--trials", "--seed", "--batch", "--agents",
        "--token-file", "--tls-ca", "--backend", "--repeats", "--jobs", "--deadline-s", "--db",
        "--out", "--emit-c", "--report", "--plot", "--cache-dir", "--boards-dir", "--farm", "--farm-token-file", "--farm-tls-ca", "--farm-tls-cert", "--farm-tls-key", "--priority", "--calib",
        "--min-cosine", "--val", "--min-accuracy", "--time-budget", "--images", "--weights"};
    Options o;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i], value;
        if (a == "--help" || a == "-h") {
            std::cout << kHelp;
            std::exit(0);
        }
        if (a == "--version") {
            std::cout << tool_version() << "\n";
            std::exit(0);
        }
        if (a == "--json" || a == "--quiet" || a == "--per-layer" || a == "--insecure" || a == "--whole-runs") {
            (a == "--json"       ? o.json
             : a == "--quiet"    ? o.quiet
             : a == "--insecure" ? o.insecure
             : a == "--whole-runs" ? o.whole_runs
                                 : o.per_layer) = true;
            continue;
        }
        if (a.rfind("--", 0) != 0)
            usage_error("unexpected argument '" + a + "' (every option starts with --)");
        bool inline_value = false;
        if (auto eq = a.find('='); eq != std::string::npos) {
            value = a.substr(eq + 1);
            a = a.substr(0, eq);
            inline_value = true;
        }
        if (std::find(valued.begin(), valued.end(), a) == valued.end())
            usage_error("unknown option " + a);
        if (!inline_value) {
            if (i + 1 >= argc || std::string(argv[i + 1]).rfind("--", 0) == 0)
                usage_error(a + " needs a value");
            value = argv[++i];
        }
        if (value.empty())
            usage_error(a + " needs a value");
        if (o.has(a))
            usage_error(a + " given twice");
        o.values[a] = value;
    }
    for (const char *k : {"--model", "--board", "--budget"})
        if (!o.has(k))
            usage_error(std::string("missing ") + k);
    return o;
}

uint64_t number(const Options &o, const std::string &key, uint64_t def, uint64_t lo, uint64_t hi)
{
    if (!o.has(key))
        return def;
    const std::string &v = o.get(key);
    char *end = nullptr;
    errno = 0;
    const unsigned long long n = std::strtoull(v.c_str(), &end, 10);
    if (v.empty() || *end || errno || v[0] == '-' || n < lo || n > hi)
        usage_error(key + " expects a whole number in " + std::to_string(lo) + ".." + std::to_string(hi) +
                    ", got '" + v + "'");
    return n;
}

// Progress on stderr: a redrawn bar on a terminal, plain lines otherwise.
class ProgressView {
public:
    explicit ProgressView(bool quiet) : quiet_(quiet), tty_(::isatty(STDERR_FILENO) != 0) {}

    void update(const TuneProgress &p)
    {
        if (quiet_)
            return;
        std::ostringstream o;
        o << "[" << p.done << "/" << p.planned << "] measured " << p.measured << ", reused " << p.reused;
        if (p.above_bound)
            o << ", stopped once dominated " << p.above_bound;
        if (p.failed)
            o << ", failed " << p.failed;
        if (p.eta_s >= 0)
            o << ", ETA " << duration(p.eta_s);
        if (tty_) {
            const int width = 24;
            const int fill = p.planned ? static_cast<int>(width * p.done / p.planned) : width;
            std::cerr << "\r\033[K" << std::string(fill, '#') << std::string(width - fill, '.') << " " << o.str()
                      << std::flush;
            dirty_ = true;
        } else {
            std::cerr << o.str() << ": " << p.last << "\n";
        }
    }
    void note(const std::string &s)
    {
        if (quiet_)
            return;
        finish();
        std::cerr << s << "\n";
    }
    void finish()
    {
        if (dirty_)
            std::cerr << "\n";
        dirty_ = false;
    }
    static std::string duration(double s)
    {
        std::ostringstream o;
        if (s < 90)
            o << static_cast<int>(s + 0.5) << " s";
        else
            o << static_cast<int>(s / 60) << " min " << static_cast<int>(s) % 60 << " s";
        return o.str();
    }

private:
    bool quiet_, tty_, dirty_ = false;
};

// A column of the front table: one unit for every row, the one its smallest entry reads best in,
// so "3597.6 us" and "14.75 ms" are not printed side by side.
struct Column {
    std::string unit;
    double scale = 1;
    int decimals = 0;

    static Column of(const std::vector<double> &values, Quantity q)
    {
        const double lo = values.empty() ? 0 : *std::min_element(values.begin(), values.end());
        const DisplayUnit u = display_unit(q, lo);
        // three significant figures for the smallest entry, at most 3 decimals
        const double small = lo / u.scale;
        const int decimals = small <= 0 ? 0 : std::clamp(2 - static_cast<int>(std::floor(std::log10(small))), 0, 3);
        return {u.name, u.scale, decimals};
    }
    std::string operator()(double v) const
    {
        std::ostringstream o;
        o << std::fixed << std::setprecision(decimals) << v / scale;
        return o.str();
    }
};

// s right-aligned in `width` columns ("µs": one column, two bytes, which std::setw would count)
std::string right(const std::string &s, size_t width)
{
    const size_t columns = std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; });
    return std::string(width > columns ? width - columns : 0, ' ') + s;
}

// The front table, from the same JSON `--json` prints (local and farm runs alike).
void print_table(const nlohmann::json &j)
{
    const std::string source = j.value("front_source", "");
    const uint64_t budget = j.value("budget_bytes", uint64_t(1));
    const auto &front = j["front"];
    std::cout << "\nPareto front of " << j.value("model", "") << " on " << j.value("board", "") << " ("
              << front.size() << " points of " << j.value("trials", 0) << " evaluated; figures "
              << figure_source_text(source, front.empty() ? "" : front[0].value("backend", ""), j.value("board", ""))
              << ")\n";
    // how much of the space the search saw: the front is only as good as that
    const double space = j.value("space_size", 0.0), evaluated = j.value("trials", 0.0);
    if (space > 0) {
        std::cout << "coverage: " << evaluated << " of " << space << " schedules in the space evaluated ("
                  << three_figures(100.0 * evaluated / space) << " %)";
        if (j.contains("feasible") && j["feasible"].is_number() && j["feasible"].get<double>() > 0)
            std::cout << "; " << j["feasible"].get<double>() << " fit the budget, "
                      << three_figures(100.0 * evaluated / j["feasible"].get<double>()) << " % of them evaluated";
        std::cout << "\n";
    }
    if (j.value("measured", 0) > 0 && j.contains("image_loads"))
        std::cout << "measured with " << j.value("images", "") << " images: " << j.value("image_loads", 0)
                  << " image loads, " << j.value("firmware_runs", 0) << " firmware runs\n";
    if (j.value("above_bound", 0) > 0)
        std::cout << j.value("above_bound", 0) << " of the " << j.value("measured", 0)
                  << " measured stopped once slower than a measured schedule with no larger arena (dominated: the "
                  << "front is that of whole runs; --whole-runs measures them to the end)\n";
    if (j.value("composed", 0) > 0)
        std::cout << j.value("composed", 0) << " of the " << j.value("measured", 0)
                  << " measured were composed from segments measured in other runs (not run, or run only up to "
                  << "their last unknown part; exact on the iss, where every segment measured again must agree)";
    if (j.value("composed_checked", 0) > 0)
        std::cout << "; " << j.value("composed_checked", 0) << " front points so composed were run whole: "
                  << (j.value("composed_differed", 0) == 0
                          ? std::string("the same cycles")
                          : std::to_string(j.value("composed_differed", 0)) + " differed (their whole runs' figures "
                                                                              "are used)");
    if (j.value("composed", 0) > 0)
        std::cout << "\n";
    std::vector<double> lat, en, arena, flash;
    for (const auto &p : front) {
        lat.push_back(p.value("latency_us", 0.0));
        en.push_back(p.value("energy_uj", 0.0));
        arena.push_back(double(p.value("peak_memory_bytes", uint64_t(0))));
        flash.push_back(double(p.value("flash_bytes", uint64_t(0))));
    }
    const Column lc = Column::of(lat, Quantity::kMicroseconds), ec = Column::of(en, Quantity::kMicrojoules),
                 ac = Column::of(arena, Quantity::kBytes), fc = Column::of(flash, Quantity::kBytes);
    // the import's accuracy of each point's numerics (ONNX models): top-1 against labels, else cosine
    bool top1 = false, cosine = false;
    for (const auto &p : front)
        if (p.contains("accuracy") && p["accuracy"].is_object()) {
            top1 = top1 || p["accuracy"].contains("int8_top1");
            cosine = cosine || p["accuracy"].contains("cosine");
        }
    const std::string accuracy_header = top1 ? "top-1 (%)" : cosine ? "cosine" : "";
    auto accuracy_cell = [&](const nlohmann::json &p) -> std::string {
        if (accuracy_header.empty())
            return "";
        if (!p.contains("accuracy") || !p["accuracy"].is_object())
            return right("-", 12);
        std::ostringstream c;
        c << std::fixed;
        if (top1)
            c << std::setprecision(2) << 100 * p["accuracy"].value("int8_top1", 0.0);
        else
            c << std::setprecision(5) << p["accuracy"].value("cosine", 0.0);
        return right(c.str(), 12);
    };
    std::cout << "#   " << right("cycles", 13) << right("latency (" + lc.unit + ")", 15)
              << right("energy (" + ec.unit + ")", 14) << right("arena (" + ac.unit + ")", 14) << right("of budget", 12)
              << right("flash (" + fc.unit + ")", 14) << (accuracy_header.empty() ? "" : right(accuracy_header, 12))
              << "  schedule\n";
    const std::string best_id = j["best"].is_object() ? j["best"].value("schedule_id", "") : "";
    for (size_t n = 0; n < front.size(); ++n) {
        const auto &p = front[n];
        std::ostringstream pct;
        pct << std::fixed << std::setprecision(1) << 100.0 * arena[n] / budget << " %";
        nlohmann::json sched = {{"layers", p["knobs"]}};
        const tinytx::platform::Result<Schedule> ps = schedule_from_json(sched);
        std::cout << std::left << std::setw(4) << (p.value("schedule_id", "") == best_id ? "*" : std::to_string(n + 1))
                  << std::right << std::setw(13) << p.value("latency_cycles", uint64_t(0)) << std::setw(15) << lc(lat[n])
                  << std::setw(14) << ec(en[n]) << std::setw(14) << ac(arena[n]) << std::setw(12) << pct.str()
                  << std::setw(14) << fc(flash[n]) << accuracy_cell(p) << "  "
                  << (ps.ok() ? schedule_summary(*ps) : "?");
        // GAP9 cluster tiles live in L1, beside the arena the budget bounds
        if (const uint64_t l1 = p.value("cluster_l1_bytes", uint64_t(0)))
            std::cout << " (L1 tiles " << format_bytes(l1) << ")";
        std::cout << "\n";
    }
    if (!best_id.empty()) {
        const auto &b = j["best"];
        const uint64_t peak = b.value("peak_memory_bytes", uint64_t(0));
        std::cout << "\nbest (*, the schedule --out exports): " << b.value("latency_cycles", uint64_t(0))
                  << " cycles, arena " << format_bytes(peak) << " = " << std::fixed << std::setprecision(1)
                  << 100.0 * peak / budget << " % of the " << format_bytes(budget) << " budget ("
                  << format_bytes(budget - peak) << " to spare); smallest arena any schedule needs: "
                  << format_bytes(j.value("minimal_peak_bytes", uint64_t(0))) << "\n";
        if (j.contains("best_specialized") && j["best_specialized"].is_object()) {
            const auto &sb = j["best_specialized"];
            std::ostringstream d;
            d << std::fixed << std::setprecision(2) << sb.value("deviation_pct", 0.0);
            std::cout << "in its specialized image (what --emit-c deploys): " << sb.value("latency_cycles", uint64_t(0))
                      << " cycles, " << d.str() << " % from its figure in the schedule-as-data image, flash "
                      << format_bytes(sb.value("flash_bytes", uint64_t(0))) << "\n";
        }
    }
    const auto &cal = j["calibration"];
    if (cal.is_object() && cal.value("median_heldout_error_pct", -1.0) >= 0)
        std::cout << "cost model: median |predicted - " << source << "| = " << std::setprecision(1)
                  << cal.value("median_heldout_error_pct", 0.0) << "% on " << cal["heldout"].value("points", 0)
                  << " held-out candidates (the model this run started with: mean " << cal["prior"].value("mape_pct", 0.0)
                  << "% on " << cal["prior"].value("points", 0) << "); calibrated on " << cal.value("points", 0)
                  << " and stored\n";
}

// --plot: the front (every point of it is within the budget) with the best point and the budget
bool write_plot(const nlohmann::json &j, const std::string &path)
{
    FrontPicture pic;
    pic.model = j.value("model", "");
    pic.board = j.value("board", "");
    pic.budget_bytes = j.value("budget_bytes", uint64_t(0));
    pic.clock_hz = j.value("clock_hz", uint64_t(0));
    const std::string best_id = j["best"].is_object() ? j["best"].value("schedule_id", "") : "";
    for (const auto &p : j["front"]) {
        PicturePoint q;
        q.latency_cycles = p.value("latency_cycles", uint64_t(0));
        q.latency_us = p.value("latency_us", 0.0);
        q.peak_bytes = p.value("peak_memory_bytes", uint64_t(0));
        q.best = p.value("schedule_id", "") == best_id;
        pic.points.push_back(q);
        if (pic.source.empty())
            pic.source = figure_source_text(p.value("source", ""), p.value("backend", ""), pic.board);
    }
    std::ofstream f(path);
    if (!(f << front_svg(pic))) {
        std::cerr << "tinytx-tune: --plot " << path << ": cannot write\n";
        return false;
    }
    return true;
}

// Ctrl-C once: no new batch starts, the measurements in flight finish and are recorded, exit 130;
// twice (or in farm mode, where the farm keeps the measurements): now.
volatile std::sig_atomic_t g_interrupts = 0;
bool g_graceful_stop = false;

void interrupted(int)
{
    if (g_graceful_stop && g_interrupts == 0) {
        g_interrupts = 1;
        static const char msg[] = "\ntinytx-tune: interrupted; recording the measurements in flight (Ctrl-C again "
                                  "to quit now)\n";
        (void)!::write(STDERR_FILENO, msg, sizeof msg - 1);
        return;
    }
    static const char msg[] = "\ntinytx-tune: interrupted; what was measured is recorded: run the same command again to resume\n";
    (void)!::write(STDERR_FILENO, msg, sizeof msg - 1);
    std::_Exit(130);
}

// The tune request the options describe (every value checked: usage_error otherwise).
TuneRequest request_from(const Options &o)
{
    TuneRequest req;
    req.model_path = o.get("--model");
    req.board = o.get("--board");
    const auto budget = parse_byte_size(o.get("--budget"));
    if (!budget.ok())
        usage_error("--budget " + budget.status().message());
    req.budget_bytes = *budget;
    if (o.has("--flash-budget")) {
        const auto flash = parse_byte_size(o.get("--flash-budget"));
        if (!flash.ok())
            usage_error("--flash-budget " + flash.status().message());
        req.flash_budget_bytes = *flash;
    }
    if (o.has("--strategy")) {
        req.strategy = o.get("--strategy");
        if (req.strategy != "auto" && req.strategy != "exhaustive" && req.strategy != "nsga2" && req.strategy != "guided")
            usage_error("--strategy must be auto, exhaustive, nsga2 or guided, got '" + req.strategy + "'");
    }
    // the same ranges the farm and the agents enforce (request_limits.h)
    auto limited = [&](const char *flag, uint64_t def, const RequestLimit &l) { return number(o, flag, def, l.min, l.max); };
    if (!within(limits::kBudgetBytes, req.budget_bytes))
        usage_error("--budget " + out_of_range(limits::kBudgetBytes, req.budget_bytes));
    req.trials = limited("--trials", 0, limits::kTrials);
    req.time_budget = std::chrono::seconds(number(o, "--time-budget", kDefaultTimeBudgetS, 1, 7 * 24 * 3600));
    req.stop_dominated = !o.whole_runs;
    if (o.has("--images")) {
        req.images = o.get("--images");
        if (req.images != "auto" && req.images != "specialized")
            usage_error("--images must be auto or specialized, got '" + req.images + "'");
    }
    if (o.has("--weights")) {
        req.weights = o.get("--weights");
        if (req.weights != "auto" && req.weights != kWeightsInFlash)
            usage_error("--weights must be auto or flash, got '" + req.weights + "'");
    }
    req.seed = limited("--seed", 1, limits::kSeed);
    req.batch = limited("--batch", 8, limits::kBatch);
    req.repeats = static_cast<uint32_t>(limited("--repeats", 1, limits::kRepeats));
    req.jobs = static_cast<unsigned>(number(o, "--jobs", 0, 1, 256));
    req.run_deadline = std::chrono::seconds(limited("--deadline-s", 120, limits::kDeadlineS));
    req.mode = o.per_layer ? SpaceMode::kPerLayer : SpaceMode::kShared;
    if (o.has("--calib"))
        req.calib = o.get("--calib");
    if (o.has("--val"))
        req.val = o.get("--val");
    if (o.has("--min-cosine")) {
        char *end = nullptr;
        const double c = std::strtod(o.get("--min-cosine").c_str(), &end);
        if (*end || !(c >= -1.0 && c <= 1.0))
            usage_error("--min-cosine expects a number in -1..1, got '" + o.get("--min-cosine") + "'");
        req.min_cosine = c;
    }
    if (o.has("--min-accuracy")) {
        char *end = nullptr;
        const double a = std::strtod(o.get("--min-accuracy").c_str(), &end);
        if (*end || !(a >= 0.0 && a <= 1.0))
            usage_error("--min-accuracy expects a top-1 fraction in 0..1 (0.97 for 97%), got '" +
                        o.get("--min-accuracy") + "'");
        if (!o.has("--val"))
            usage_error("--min-accuracy needs --val DATA.npz: the labelled set the int8 top-1 is measured on");
        req.min_accuracy = a;
    }
    if (o.has("--backend")) {
        req.backend = o.get("--backend");
        if (req.backend != "iss" && req.backend != "qemu" && req.backend != "pulp" && req.backend != "gvsoc" &&
            req.backend != "openocd")
            usage_error("--backend must be iss, qemu, pulp, gvsoc or openocd, got '" + req.backend + "'");
    }
    if (o.has("--db"))
        req.db_path = o.get("--db");
    if (o.has("--cache-dir"))
        req.cache_dir = o.get("--cache-dir");
    if (o.has("--boards-dir"))
        req.boards_dir = o.get("--boards-dir");
    if (o.has("--token-file") && !o.has("--agents"))
        usage_error("--token-file is for remote agents: give --agents too");
    if (o.has("--agents")) {
        try {
            RemoteOptions ro;
            ro.token = resolve_agent_token("", o.has("--token-file") ? o.get("--token-file") : "");
            if (o.has("--tls-ca"))
                ro.tls_ca_file = o.get("--tls-ca");
            for (const std::string &address : parse_agents(o.get("--agents")))
                if (const tinytx::platform::Status plain = tinytx::platform::check_plaintext_token(
                        address, !ro.token.empty(), !ro.tls_ca_file.empty(), o.insecure, "--tls-ca");
                    !plain.ok())
                    usage_error(plain.message());
            req.agents = make_remote_agents(o.get("--agents"), ro);
        } catch (const std::exception &e) {
            usage_error(std::string("--agents: ") + e.what());
        }
    }
    if (!fs::exists(req.model_path))
        usage_error("--model " + req.model_path.string() + ": no such file");
    if (const tinytx::platform::Status what = foreign_model_file(req.model_path); !what.ok())
        usage_error("--model " + what.message());

    return req;
}

// The front (and the best schedule's export) from a farm job: 0, or the exit code.
int tune_on_farm(const Options &o, const TuneRequest &req, ProgressView &view, nlohmann::json &front,
                 nlohmann::json &best_export)
{
    for (const char *k : {"--agents", "--db", "--cache-dir", "--backend", "--jobs", "--boards-dir", "--batch"})
        if (o.has(k))
            usage_error(std::string(k) + " is the farm's to choose: not with --farm");
    FarmRequest fr;
    fr.address = o.get("--farm");
    fr.tls_ca_file = o.has("--farm-tls-ca") ? o.get("--farm-tls-ca") : "";
    if (o.has("--farm-tls-cert") != o.has("--farm-tls-key") || (o.has("--farm-tls-cert") && !o.has("--farm-tls-ca")))
        usage_error("--farm-tls-cert and --farm-tls-key go together, with --farm-tls-ca");
    fr.tls_cert_file = o.has("--farm-tls-cert") ? o.get("--farm-tls-cert") : "";
    fr.tls_key_file = o.has("--farm-tls-key") ? o.get("--farm-tls-key") : "";
    fr.insecure = o.insecure;
    try {
        fr.token = tinytx::platform::resolve_token("", o.has("--farm-token-file") ? o.get("--farm-token-file") : "",
                                                   "TINYTX_FARM_TOKEN");
    } catch (const std::exception &e) {
        usage_error(std::string("--farm-token-file: ") + e.what());
    }
    fr.model_path = req.model_path;
    fr.board = req.board;
    fr.strategy = req.strategy;
    fr.budget_bytes = req.budget_bytes;
    fr.trials = req.trials;
    fr.seed = req.seed;
    fr.repeats = req.repeats;
    fr.deadline_s = static_cast<uint32_t>(req.run_deadline.count() / 1000);
    fr.per_layer = o.per_layer;
    fr.priority = static_cast<int>(number(o, "--priority", 0, 0, 1000));
    const FarmOutcome fo = run_on_farm(fr, [&](const TuneProgress &p) { view.update(p); });
    view.finish();
    if (fo.exit_code != 0) {
        std::cerr << "tinytx-tune: " << (fo.job_id ? "farm job " + std::to_string(fo.job_id) + ": " : "") << fo.error
                  << "\n";
        return fo.exit_code;
    }
    front = nlohmann::json::parse(fo.front_json, nullptr, false);
    if (!fo.best_export_json.empty())
        best_export = nlohmann::json::parse(fo.best_export_json, nullptr, false);
    return 0;
}

// The front (and the best schedule's export) from a tuning run in this process: 0, or the exit code.
int tune_here(const Options &o, const TuneRequest &req, ProgressView &view, nlohmann::json &front,
              nlohmann::json &best_export)
{
    if (o.has("--farm-token-file") || o.has("--priority") || o.has("--farm-tls-ca"))
        usage_error("--farm-token-file, --farm-tls-ca and --priority are for --farm");
    TuneCallbacks cb;
    cb.progress = [&](const TuneProgress &p) { view.update(p); };
    cb.note = [&](const std::string &s) { view.note(s); };
    cb.cancelled = [] { return g_interrupts > 0; };
    g_graceful_stop = true;
    TuneOutcome out = tune(req, cb);
    view.finish();
    if (out.exit_code == 3) {   // cancelled by Ctrl-C between batches: every finished one is recorded
        std::cerr << "tinytx-tune: interrupted (" << out.error
                  << "); what was measured is recorded: run the same command again to resume\n";
        return 130;
    }
    if (out.exit_code != 0) {
        std::cerr << "tinytx-tune: " << out.error << "\n";
        if (out.minimal_peak && o.json)
            std::cout << nlohmann::json{{"error", out.error},
                                        {"minimal_peak_bytes", out.minimal_peak->peak_bytes},
                                        {"schedule", to_json(out.minimal_peak->schedule)}}
                             .dump(2)
                      << "\n";
        return out.exit_code;
    }
    const TuneReport &r = *out.report;
    front = front_json(r);
    if (r.best && (o.has("--out") || o.has("--emit-c") || o.has("--report"))) {
        tinytx::platform::Result<Model> lr = load_request_model(req);
        using tinytx::platform::Status;
        auto exported = lr.ok() ? schedule_export_json(r, r.trials[*r.best], *lr)
                                : tinytx::platform::Result<nlohmann::json>(lr.status());
        if (!exported.ok()) {
            std::cerr << "tinytx-tune: export of the best schedule: " << exported.status().message() << "\n";
            return 1;
        }
        best_export = std::move(*exported);
    }
    return 0;
}

// The front on stdout, then what the options ask for beside it (--out, --plot, --report,
// --emit-c): 0, or the exit code.
int write_outputs(const Options &o, const TuneRequest &req, nlohmann::json &front, const nlohmann::json &best_export)
{
    if (!front.is_object() || !front.contains("front")) {
        std::cerr << "tinytx-tune: no front came back\n";
        return 1;
    }
    if (o.json)
        std::cout << front.dump(2) << "\n";
    else
        print_table(front);
    if (!front["best"].is_object()) {
        std::cerr << "tinytx-tune: no candidate ran successfully within the budget\n";
        return 1;
    }
    if (o.has("--out")) {
        std::ofstream f(o.get("--out"));
        if (best_export.is_null() || !(f << best_export.dump(2) << "\n")) {
            std::cerr << "tinytx-tune: --out " << o.get("--out") << ": cannot write\n";
            return 1;
        }
        if (!o.json)
            std::cout << "best schedule written to " << o.get("--out") << "\n";
    }
    if (o.has("--plot")) {
        if (!write_plot(front, o.get("--plot")))
            return 1;
        if (!o.json)
            std::cout << "front drawn in " << o.get("--plot") << "\n";
    }
    if (o.has("--emit-c") || o.has("--report")) {
        tinytx::platform::Result<Model> lr = load_request_model(req);
        const tinytx::platform::Result<Schedule> ps = schedule_from_json(best_export);
        if (!lr.ok() || !ps.ok()) {
            std::cerr << "tinytx-tune: --emit-c/--report: " << (lr.ok() ? ps.status().message() : lr.status().message())
                      << "\n";
            return 1;
        }
        std::string report;
        try {
            const std::string dir = req.boards_dir.empty() ? tinytx::platform::BoardCatalog::default_dir()
                                                           : req.boards_dir.string();
            report = analyze_report(*lr, *ps, tinytx::platform::BoardCatalog::load_dir(dir).get(req.board),
                                    front["best"], front.value("import_accuracy", nlohmann::json()));
        } catch (const std::exception &e) {
            std::cerr << "tinytx-tune: --report: " << e.what() << "\n";
            return 1;
        }
        if (o.has("--report")) {
            if (o.get("--report") == "-") {
                std::cout << "\n" << report;
            } else if (std::ofstream f(o.get("--report")); !(f << report)) {
                std::cerr << "tinytx-tune: --report " << o.get("--report") << ": cannot write\n";
                return 1;
            } else if (!o.json) {
                std::cout << "analyze report written to " << o.get("--report") << "\n";
            }
        }
        if (!o.has("--emit-c"))
            return 0;
        EmitCOptions eo;
        eo.boards_dir = req.boards_dir;
        eo.measured_stack_bytes = front["best"].value("measured_stack_peak_bytes", 0u);
        eo.stack_source = front["best"].value("backend", std::string()) + " on " + req.board;
        const tinytx::platform::Result<EmittedC> e = emit_c(*lr, *ps, o.get("--emit-c"), eo);
        if (!e.ok()) {
            std::cerr << "tinytx-tune: --emit-c " << o.get("--emit-c") << ": " << e.status().message() << "\n";
            return 1;
        }
        if (std::ofstream f(fs::path(o.get("--emit-c")) / "REPORT.txt"); !(f << report)) {
            std::cerr << "tinytx-tune: --emit-c " << o.get("--emit-c") << ": cannot write REPORT.txt\n";
            return 1;
        }
        if (!o.json)
            std::cout << "deployable C written to " << o.get("--emit-c") << " (make host && ./network_host prints crc32="
                      << crc32_hex(e->expected_crc32) << ")\n";
    }
    return 0;
}

}  // namespace

int main(int argc, char **argv)
{
    const Options o = parse(argc, argv);
    const TuneRequest req = request_from(o);
    std::signal(SIGINT, interrupted);
    std::signal(SIGTERM, interrupted);
    ProgressView view(o.quiet);
    nlohmann::json front, best_export;
    if (const int rc = o.has("--farm") ? tune_on_farm(o, req, view, front, best_export)
                                       : tune_here(o, req, view, front, best_export))
        return rc;
    return write_outputs(o, req, front, best_export);
}
