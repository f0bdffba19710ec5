// The tuning loop (tuning.h): propose, plan, build, measure, record, tell; then calibrate and
// select the front.
#include "tinytx/tuner/tuning.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "agent_core.h"
#include "board_fit.h"
#include "measuring_time.h"
#include "table_measurement.h"
#include "tinytx/agent/board_profile.h"
#include "tinytx/agent/elf_image.h"
#include "tinytx/tuner/builder.h"
#include "tinytx/tuner/candidate_result.h"
#include "tinytx/tuner/importer.h"
#include "tinytx/tuner/pareto.h"
#include "tinytx/tuner/reference.h"
#include "tinytx/tuner/request_limits.h"
#include "tinytx/tuner/runner.h"
#include "tinytx/tuner/schedule_data.h"
#include "tinytx/tuner/search.h"

namespace tinytx::tuner {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

const char *tool_version() { return "tinytx 0.1.0"; }

namespace {

std::vector<uint8_t> read_bytes(const fs::path &p)
{
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

json board_json(const agent::BoardProfile &b)
{
    json mem = json::array();
    for (const auto &r : b.memory)
        mem.push_back({{"name", r.name}, {"origin", r.origin}, {"length", r.length}, {"kind", r.kind}});
    return {{"name", b.name}, {"core", b.core}, {"clock_hz", b.clock_hz}, {"memory", mem},
            {"active_mw", b.active_mw}};
}

// The schedule without placement: what reaches the code of an emulator image (builder.h).
std::string code_hash(Schedule s)
{
    for (LayerKnobs &k : s.layers)
        k.placement.clear();
    return schedule_hash(s);
}

uint64_t flash_bytes(const fs::path &elf)
{
    uint64_t n = 0;
    const agent::ElfImage image = agent::ElfImage::load_file(elf.string());
    for (const agent::Section &s : image.sections())
        if (!s.nobits)
            n += s.size;
    return n;
}

double median_of(std::vector<double> v)
{
    if (v.empty())
        return -1;
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

Objectives objectives_of(const Trial &t)
{
    if (!t.ok())
        return Objectives::failure();
    return {static_cast<double>(t.measurement.cycles_median), t.measurement.energy_uj,
            static_cast<double>(t.plan.peak_bytes), false};
}

// Calibration report: error of the model the run started with, a held-out fit (every fourth
// trial in hash order held out), then the final fit on every point.
void calibrate(TuneReport &r, const tx_encoder_dims &dims)
{
    std::vector<std::pair<std::string, CostMeasurement>> pts;
    for (const Trial &t : r.trials)
        if (t.ok() && t.measurement.cycles_median > 0)
            pts.push_back({t.hash, {schedule_features(dims, t.schedule),
                                    static_cast<double>(t.measurement.cycles_median), t.hash}});
    std::sort(pts.begin(), pts.end(), [](const auto &a, const auto &b) { return a.first < b.first; });
    std::vector<CostMeasurement> all, train, held;
    for (size_t i = 0; i < pts.size(); ++i) {
        all.push_back(pts[i].second);
        (i % 4 == 3 ? held : train).push_back(pts[i].second);
    }
    if (all.empty())
        return;
    r.prior_error = r.cost_model.evaluate(all);
    if (held.size() >= 2 && train.size() >= 4) {
        CostModel fit = r.cost_model;
        fit.calibrate(train);
        r.heldout_error = fit.evaluate(held);
        std::vector<double> rel;
        for (const CostMeasurement &p : held)
            rel.push_back(std::fabs(fit.predict_cycles(p.features) - p.cycles) / p.cycles * 100.0);
        r.median_heldout_error_pct = median_of(rel);
    }
    r.cost_model.calibrate(all);
}

// What changes a specialized image's flash: the GEMM variants and attention modes of its layers
// (the other knobs are constants of one size in its layer table).
std::string flash_class(const Schedule &s)
{
    std::string k;
    for (const LayerKnobs &l : s.layers)
        k += std::to_string(int(l.variant)) + (l.attention == AttentionMode::kFused ? "f " : "s ");
    return k;
}

// The best pick of a schedule-as-data run measured again in its specialized image (the one the
// user deploys): both figures reported, and why they may differ when they do by more than 1 %.
void measure_specialized(TuneReport &r, Trial &best,
                         const std::function<std::optional<agent::Measurement>(const Schedule &)> &measure,
                         const std::function<void(const std::string &)> &note)
{
    std::optional<agent::Measurement> ms = measure(best.schedule);
    if (!ms)
        return;
    r.best_specialized = *ms;
    if (ms->status != agent::RunStatus::kOk) {
        note("the best pick's specialized image: " + std::string(agent::to_string(ms->status)) + " (" + ms->error + ")");
        return;
    }
    const double data = double(best.measurement.cycles_median), spec = double(ms->cycles_median);
    r.best_specialized_deviation_pct = data > 0 ? (spec - data) / data * 100.0 : 0.0;
    std::ostringstream o;
    o.setf(std::ios::fixed);
    o.precision(2);
    o << "the best pick in its specialized image (what --emit-c deploys): " << ms->cycles_median
      << " cycles; in the schedule-as-data image: " << best.measurement.cycles_median << " ("
      << (r.best_specialized_deviation_pct >= 0 ? "+" : "") << r.best_specialized_deviation_pct << " %)";
    if (std::fabs(r.best_specialized_deviation_pct) > 1.0)
        o << "; more than 1 % apart: the images differ in code layout (the specialized one calls only its "
             "kernels with constant knobs, the schedule-as-data one reads its layer table from RAM)";
    note(o.str());
}

}  // namespace

void compute_front(TuneReport &r)
{
    std::vector<ParetoPoint> pts;
    std::vector<size_t> trial_of;
    for (size_t i = 0; i < r.trials.size(); ++i) {
        const Trial &t = r.trials[i];
        if (!t.ok() || (r.flash_budget_bytes && t.flash_bytes > r.flash_budget_bytes))
            continue;
        const auto src = parse_source(agent::to_string(t.measurement.cycles_source));
        pts.push_back({t.hash, static_cast<double>(t.measurement.cycles_median), t.measurement.energy_uj,
                       t.plan.peak_bytes, src.value_or(Source::kModeled)});
        trial_of.push_back(i);
    }
    if (pts.empty())
        return;
    // the source most trials have (one backend per run: all of them)
    std::map<Source, size_t> count;
    for (const auto &p : pts)
        ++count[p.source];
    const Source src = std::max_element(count.begin(), count.end(), [](auto &a, auto &b) {
                           return a.second < b.second;
                       })->first;
    r.front_source = source_name(src);
    const auto fronts = pareto_fronts_by_source(pts, r.budget_bytes);
    const auto it = fronts.find(src);
    if (it == fronts.end())
        return;
    // Equal figures (schedules differing only where the emulator cannot tell, e.g. placement):
    // keep the first proposed.
    std::vector<size_t> front;
    for (size_t pi : it->second.front) {
        const size_t ti = trial_of[pi];
        const bool dup = std::any_of(front.begin(), front.end(), [&](size_t o) {
            const Trial &a = r.trials[o], &b = r.trials[ti];
            return a.measurement.cycles_median == b.measurement.cycles_median &&
                   a.measurement.energy_uj == b.measurement.energy_uj && a.plan.peak_bytes == b.plan.peak_bytes;
        });
        if (!dup)
            front.push_back(ti);
    }
    std::sort(front.begin(), front.end(), [&](size_t a, size_t b) {
        const Trial &x = r.trials[a], &y = r.trials[b];
        return std::tuple(x.measurement.cycles_median, x.measurement.energy_uj, x.plan.peak_bytes, a) <
               std::tuple(y.measurement.cycles_median, y.measurement.energy_uj, y.plan.peak_bytes, b);
    });
    r.front = front;
    if (!front.empty())
        r.best = front.front();
}

MinimalPeak minimal_peak(const Model &m, const DesignSpace &space)
{
    MinimalPeak best;
    best.peak_bytes = UINT64_MAX;
    for (const LayerKnobs &k : space.layer_knob_sets()) {
        const size_t scratch = layer_scratch_bytes(m.dims, k);
        if (scratch == 0)
            continue;
        const uint64_t peak = layer_layout_bytes(m.dims, scratch);
        if (peak < best.peak_bytes) {
            best.peak_bytes = peak;
            best.schedule.layers.assign(m.layers.size(), k);
        }
    }
    best.schedule.model = m.name;
    best.schedule.board = space.size() ? space.at(0).board : "";
    // the first region the design space offers (every region fits the smallest plan if any does)
    if (!space.placements().empty())
        for (LayerKnobs &k : best.schedule.layers)
            k.placement = space.placements().front();
    return best;
}

std::string model_hash(const Model &m)
{
    std::vector<uint8_t> all = read_bytes(m.spec_path);
    all.insert(all.end(), m.weights_sha256.begin(), m.weights_sha256.end());
    all.insert(all.end(), m.calibration_input.begin(), m.calibration_input.end());
    return agent::sha256_hex(all);
}

ModelLoadResult load_request_model(const TuneRequest &req)
{
    if (req.model_files_confined)
        return load_model_confined(req.model_path);
    ImportOptions io;
    io.calib = req.calib;
    io.min_cosine = req.min_cosine;
    io.val = req.val;
    io.min_accuracy = req.min_accuracy;
    return load_model_any(req.model_path, io);
}

// The accuracy section of an imported model's report (beside its spec in the import cache), as
// JSON text, and one line per data set and attention mode; "" and none for a plain spec.
std::string import_accuracy(const Model &m, std::vector<std::string> &lines)
{
    if (m.spec_path.empty())
        return "";
    std::ifstream in(m.spec_path.parent_path() / (m.name + ".report.json"));
    const json rep = json::parse(in, nullptr, false);
    if (!in || rep.is_discarded() || !rep.contains("accuracy"))
        return "";
    for (const auto &[set, modes] : rep["accuracy"].items())
        for (const auto &[mode, a] : modes.items()) {
            std::ostringstream s;
            s.setf(std::ios::fixed);
            s.precision(5);
            s << "import accuracy, " << set << " set (" << a.value("samples", 0) << "), " << mode
              << " attention: cosine " << a.value("cosine", 0.0);
            s.precision(2);
            if (a.contains("int8_top1"))
                s << ", top-1 vs labels int8 " << 100 * a.value("int8_top1", 0.0) << " % (float "
                  << 100 * a.value("float_top1", 0.0) << " %)";
            else if (a.contains("top1_agreement"))
                s << ", top-1 agreement with float " << 100 * a.value("top1_agreement", 0.0) << " %";
            lines.push_back(s.str());
        }
    return rep["accuracy"].dump();
}

TuneOutcome tune(const TuneRequest &req, const TuneCallbacks &cb)
{
    TuneOutcome out;
    const auto t0 = Clock::now();
    auto fail = [&](const std::string &msg) {
        out.exit_code = 1;
        out.error = msg;
        return out;
    };
    auto note = [&](const std::string &s) {
        if (cb.note)
            cb.note(s);
    };

    // ---- inputs
    ModelLoadResult lr = load_request_model(req);
    if (!lr.ok())
        return fail("model " + req.model_path.string() + ": " + lr.error->message());
    const Model &m = *lr.model;
    if (!req.val.empty() && !is_onnx_path(req.model_path))
        return fail("--val: only for an ONNX model (the importer measures the float and int8 accuracy)");
    std::vector<std::string> accuracy_lines;
    const std::string accuracy_json = is_onnx_path(req.model_path) ? import_accuracy(m, accuracy_lines) : "";
    for (const std::string &l : accuracy_lines)
        note(l);
    if (m.calibration_input.empty())
        return fail("model " + req.model_path.string() +
                    ": no calibration input (calibration_input.file): the tuner checks every image's output on it");
    agent::BoardProfile board;
    try {
        const std::string dir = req.boards_dir.empty() ? agent::BoardCatalog::default_dir() : req.boards_dir.string();
        board = agent::BoardCatalog::load_dir(dir).get(req.board);
    } catch (const std::exception &e) {
        return fail(std::string("board: ") + e.what());
    }
    if (req.budget_bytes == 0)
        return fail("budget: required (e.g. --budget 512KB)");
    // whole seconds, rounded up; 0 (the agent's default) passes
    const uint64_t deadline_s = std::max<uint64_t>(1, static_cast<uint64_t>(req.run_deadline.count() + 999) / 1000);
    for (const auto &[limit, value] : {std::pair{limits::kBudgetBytes, req.budget_bytes},
                                       std::pair{limits::kBatch, uint64_t(req.batch)},
                                       std::pair{limits::kRepeats, uint64_t(req.repeats)},
                                       std::pair{limits::kSeed, req.seed},
                                       std::pair{limits::kDeadlineS, deadline_s}})
        if (!within(limit, value))
            return fail(out_of_range(limit, value));
    if (std::string e = check_budget_fits_ram(req.budget_bytes, board); !e.empty())
        return fail(e);
    const uint64_t flash_budget = req.flash_budget_bytes ? req.flash_budget_bytes : board_flash_bytes(board);
    // The in-process agent's emulator: the GAP9 cluster simulator for RISC-V boards (it runs
    // plain RV32 images on core 0 too), the ISS for the Cortex-M ones.
    const std::string backend = !req.backend.empty() || !req.agents.empty() ? req.backend
                                : board.arch == agent::Arch::kRiscv32      ? "pulp"
                                                                           : "iss";
    // Only the cluster simulators (pulp, gvsoc) run cluster images: elsewhere their knobs are not in the space.
    SpaceOptions space_opt;
    if (backend == "pulp" || backend == "gvsoc") {
        space_opt.cluster_cores = board_cluster_cores(board);
        space_opt.l1_bytes = board_cluster_l1_free(board);
    }
    DesignSpace::Result sr = DesignSpace::create(m, board, req.mode, space_opt);
    if (!sr.ok())
        return fail("design space: " + sr.error);
    const DesignSpace &space = *sr.space;
    if (space.size() == 0)
        return fail("design space: no schedule of " + m.name + " fits any memory region of " + board.name);

    if (std::string e = check_data_fits_flash(m, space.at(0), flash_budget, board.name); !e.empty())
        return fail(e);

    TuneReport r;
    r.model_name = m.name;
    r.model_hash = model_hash(m);
    r.board = board.name;
    r.budget_bytes = req.budget_bytes;
    r.flash_budget_bytes = flash_budget;
    r.import_accuracy = accuracy_json;
    r.clock_hz = board.clock_hz;
    r.space_size = space.size();
    r.minimal_peak = minimal_peak(m, space);
    if (req.budget_bytes < r.minimal_peak.peak_bytes) {
        out.exit_code = 2;
        out.minimal_peak = r.minimal_peak;
        out.error = "budget " + format_bytes(req.budget_bytes) + " (" + std::to_string(req.budget_bytes) +
                    " B) is below the smallest arena any schedule of " + m.name + " needs on " + board.name +
                    ": " + std::to_string(r.minimal_peak.peak_bytes) + " B (" +
                    format_bytes(r.minimal_peak.peak_bytes) + "), reached by " + schedule_summary(r.minimal_peak.schedule);
        return out;
    }

    if (req.images != "auto" && req.images != "specialized")
        return fail("images: '" + req.images + "' (auto or specialized)");
    if (req.time_budget.count() <= 0)
        return fail("time budget: must be positive, got " + std::to_string(req.time_budget.count()) + " s");

    // ---- agents
    const unsigned jobs = req.jobs ? req.jobs : std::max(1u, std::thread::hardware_concurrency());
    std::vector<std::shared_ptr<Agent>> agents = req.agents;
    if (agents.empty()) {
        agent::AgentConfig ac;
        ac.boards_dir = req.boards_dir.empty() ? agent::BoardCatalog::default_dir() : req.boards_dir.string();
        ac.boards = {{board.name, backend}};
        ac.workers = jobs;
        try {
            agents.push_back(std::make_shared<LocalAgent>(ac));
        } catch (const std::exception &e) {
            return fail(std::string("in-process agent: ") + e.what());
        }
    }
    // the schedule-as-data image carries every single-core GEMM variant of the space
    std::set<tx_variant> kernels;
    for (const LayerKnobs &k : space.layer_knob_sets())
        if (k.cores == 0 && k.variant != TX_VARIANT_XPULP)
            kernels.insert(k.variant);
    const bool table_images = req.images == "auto" && !kernels.empty() &&
                              std::all_of(agents.begin(), agents.end(), [&](const std::shared_ptr<Agent> &a) {
                                  return a->writes_tables(board.name, backend);
                              });
    r.images = table_images ? "schedule-as-data" : "specialized";

    // Which points are within the budget, when the space is small enough to plan whole, and the
    // estimated time to measure them all.
    constexpr uint64_t kCountable = 200000;
    const CostModel prior = CostModel::prior_for(board);
    double space_s = 0;
    if (space.size() <= kCountable) {
        uint64_t n = 0;
        for (uint64_t i = 0; i < space.size(); ++i) {
            const Schedule s = space.at(i);
            PlanResult p = plan_memory(m, s);
            if (!p.ok() || p.plan->peak_bytes > req.budget_bytes)
                continue;
            ++n;
            const bool specialized = !table_images || !schedule_data_unfit(s, kernels).empty();
            space_s += estimated_candidate_seconds(backend, specialized, prior.predict_cycles(schedule_features(m.dims, s)),
                                                   req.warmups + req.repeats, board.clock_hz);
        }
        r.feasible = n;
        r.estimated_space_s = space_s / jobs;
    }
    const uint64_t available = r.feasible.value_or(space.size());
    uint64_t trials = std::min<uint64_t>(req.trials ? req.trials : kDefaultTrials, available);
    std::string kind = req.strategy;
    if (kind == "auto") {
        const double budget_s = double(req.time_budget.count());
        if (req.trials == 0 && r.feasible && r.estimated_space_s <= budget_s) {
            trials = available;
        } else if (req.trials == 0 && r.feasible && *r.feasible > 0) {
            const double per = r.estimated_space_s / double(*r.feasible);
            trials = std::min<uint64_t>(available, std::max<uint64_t>(kDefaultTrials, uint64_t(budget_s / per)));
        }
        // a trial count keeps the evolutionary search's spread; a time budget the model's ranking
        kind = available <= trials ? "exhaustive" : req.trials ? "nsga2" : "guided";
        std::ostringstream n;
        n.setf(std::ios::fixed);
        n.precision(0);
        if (r.feasible)
            n << "auto: measuring all " << available << " points within the budget would take about "
              << r.estimated_space_s << " s (" << jobs << " worker" << (jobs > 1 ? "s" : "") << ", "
              << r.images << " images; time budget " << budget_s << " s): ";
        n << (kind == "exhaustive" ? "exhaustive search" : "guided search of " + std::to_string(trials) + " trials");
        note(n.str());
    }
    r.strategy = kind;

    // ---- database, run, cost model
    std::unique_ptr<Database> db;
    try {
        if (req.db_path.has_parent_path())
            fs::create_directories(req.db_path.parent_path());
        db = std::make_unique<Database>(req.db_path.string());
    } catch (const std::exception &e) {
        return fail("database " + req.db_path.string() + ": " + e.what());
    }
    // the cost model calibrated on one simulator's cycles is not another's: GVSoC's get their own key
    const std::string source = backend == "openocd" ? "measured" : backend == "gvsoc" ? "emulated-gvsoc" : "emulated";
    const std::vector<uint8_t> spec = read_bytes(m.spec_path);
    const int64_t model_id = db->upsert_model(m.name, r.model_hash, std::string(spec.begin(), spec.end()));
    const int64_t board_id = db->upsert_board(board.name, board_json(board).dump());
    const json command = {{"model", m.name},          {"model_hash", r.model_hash},
                          {"board", board.name},      {"budget_bytes", req.budget_bytes},
                          {"strategy", req.strategy}, {"trials", trials},
                          {"seed", req.seed},         {"mode", req.mode == SpaceMode::kShared ? "shared" : "per-layer"},
                          {"batch", req.batch},       {"repeats", req.repeats},
                          {"warmups", req.warmups},   {"backend", backend}};
    r.run = db->start_run(model_id, board_id, command, req.budget_bytes, kind);

    r.cost_model = CostModel::prior_for(board);
    if (auto stored = db->cost_model(board_id, source)) {
        std::string err;
        if (auto cm = CostModel::from_json(json::parse(*stored, nullptr, false), &err)) {
            r.cost_model = *cm;
            note("cost model: calibrated on " + std::to_string(cm->calibration_points) + " earlier " + source +
                 " measurements of " + board.name);
        } else {
            note("cost model: the stored one is unusable (" + err + "); starting from the prior");
        }
    }
    const CostModel start_model = r.cost_model;

    SearchOptions so;
    so.seed = req.seed;
    SpaceSearchContext ctx;
    ctx.dims = m.dims;
    ctx.model = start_model;
    std::string serr;
    std::unique_ptr<SearchStrategy> strategy = make_strategy(kind, space, so, ctx, &serr);
    if (!strategy)
        return fail("strategy: " + serr);

    // What is known already, by schedule hash and by image code (placement twins): from the
    // database, then from every batch of this run.
    struct Known {
        agent::Measurement measurement;
        std::string agent, hash;
        std::optional<int64_t> build_id;
        uint64_t flash_bytes = 0;
    };
    std::map<std::string, Known> known, known_code;
    for (MeasuredCandidate &mc : db->measurements(model_id, board_id)) {
        // "" = whatever the agents run (a farm's pool): any backend's figures are this run's kind
        if (!is_candidate_result(mc.measurement.status) || (!backend.empty() && mc.measurement.backend != backend))
            continue;
        Known k{mc.measurement, mc.agent, mc.schedule_hash, mc.build_id, 0};
        if (mc.build_id)
            if (auto b = db->build(*mc.build_id))
                k.flash_bytes = b->flash_bytes;
        if (auto ps = parse_schedule(mc.schedule_json); ps.ok())
            known_code[code_hash(*ps.schedule)] = k;
        known[mc.schedule_hash] = std::move(k);
    }
    if (r.run.resumed)
        note("resuming run " + std::to_string(r.run.id) + " (" + std::to_string(known.size()) +
             " candidates of " + m.name + " on " + board.name + " already measured in " + req.db_path.string() + ")");

    // ---- runner and builder
    Runner runner(agents, RunnerOptions{.max_in_flight = std::max<unsigned>(jobs, agents.size())});
    BuildOptions bo;
    bo.cache_dir = req.cache_dir.empty() ? (req.db_path.has_parent_path() ? req.db_path.parent_path() : fs::path("."))
                                               / "tinytx-cache"
                                         : req.cache_dir;
    bo.cluster_images = space_opt.cluster_cores > 0;
    const Builder builder(bo);
    // The first build compiles the kernel library for the core (with every core) alone, so no
    // two builds compile the same objects; later ones mostly hit the caches and run side by side.
    std::shared_mutex build_mu;
    bool warmed = false;

    // the schedule-as-data image, built at the first batch that needs it
    std::optional<BuildResult> data_image;
    std::map<std::string, uint64_t> flash_by_class;
    auto measure_job = [&] {
        RunJob job;
        job.board = board.name;
        job.backend = backend;
        job.repeats = req.repeats;
        job.warmups = req.warmups;
        job.deadline = req.run_deadline;
        return job;
    };
    std::mutex count_mu;
    auto count_target_work = [&](const agent::Measurement &ms) {
        std::lock_guard lk(count_mu);
        r.image_loads += ms.image_loads;
        r.firmware_runs += ms.runs;
    };

    std::map<std::vector<AttentionMode>, uint32_t> crc_by_modes;  // output depends on modes only
    // the CRC every image of s must print; nullopt and *error when the host reference cannot run it
    auto expected_crc = [&](const Schedule &s, std::string *error) -> std::optional<uint32_t> {
        std::vector<AttentionMode> modes;
        for (const auto &k : s.layers)
            modes.push_back(k.attention);
        if (auto it = crc_by_modes.find(modes); it != crc_by_modes.end())
            return it->second;
        ReferenceResult ref = run_reference(m, s);
        if (!ref.ok()) {
            *error = ref.error;
            return std::nullopt;
        }
        return crc_by_modes[modes] = ref.crc32;
    };

    TuneProgress &pg = r.progress;
    pg.planned = trials;
    std::mutex pg_mu;
    // The ETA comes from the throughput measured after the first measurement (which also compiles
    // the kernel library: minutes, against seconds for the others) once a few more have come in;
    // before that it is unknown rather than a guess 10x off.
    constexpr uint64_t kMeasuredBeforeEta = 4;
    std::optional<Clock::time_point> warm_at;
    uint64_t done_at_warm = 0, measured_at_warm = 0;
    auto report_progress = [&](const Trial &t, bool measured_now) {
        std::lock_guard lk(pg_mu);
        const auto now = Clock::now();
        ++pg.done;
        if (measured_now) {
            ++pg.measured;
        } else {
            ++pg.reused;
        }
        if (!t.ok())
            ++pg.failed;
        pg.elapsed_s = std::chrono::duration<double>(now - t0).count();
        if (measured_now && !warm_at) {
            warm_at = now;
            done_at_warm = pg.done;
            measured_at_warm = pg.measured;
        }
        if (warm_at && pg.measured - measured_at_warm >= kMeasuredBeforeEta && pg.done > done_at_warm) {
            const double per_trial = std::chrono::duration<double>(now - *warm_at).count() / double(pg.done - done_at_warm);
            pg.eta_s = double(pg.planned - std::min(pg.planned, pg.done)) * per_trial;
        }
        std::ostringstream l;
        l << schedule_summary(t.schedule) << ": " << agent::to_string(t.measurement.status);
        if (t.ok())
            l << ", " << t.measurement.cycles_median << " cycles, " << t.plan.peak_bytes << " B";
        else if (!t.measurement.error.empty())
            l << " (" << t.measurement.error << ")";
        if (t.from_database)
            l << " [recorded earlier]";
        else if (!measured_now)
            l << " [" << t.agent << "]";
        pg.last = l.str();
        if (cb.progress)
            cb.progress(pg);
    };

    // ---- the loop
    while (pg.done < trials && !strategy->done()) {
        if (cb.cancelled && cb.cancelled()) {
            db->finish_run(r.run.id, "cancelled");
            out.exit_code = 3;
            out.error = "cancelled after " + std::to_string(pg.done) + " of " + std::to_string(trials) + " trials";
            return out;
        }
        // An exhaustive search needs no feedback: with schedule-as-data images all its points are
        // one round, each worker's share one image load (a flash on a board) and many runs.
        const bool one_round = table_images && kind == "exhaustive";
        const std::vector<uint64_t> proposal = strategy->propose(one_round ? size_t(trials - pg.done) : req.batch);
        if (proposal.empty())
            break;
        std::vector<std::pair<uint64_t, Objectives>> tells;
        std::vector<Trial> batch;
        for (uint64_t idx : proposal) {
            if (pg.done + batch.size() >= trials)
                break;
            Trial t;
            t.index = idx;
            t.schedule = space.at(idx);
            PlanResult pr = plan_memory(m, t.schedule);
            const bool fits = pr.ok() && pr.plan->peak_bytes <= req.budget_bytes;
            if (!fits) {
                ++pg.over_budget;
                tells.push_back({idx, Objectives::failure()});
                continue;
            }
            t.plan = *pr.plan;
            t.hash = schedule_hash(t.schedule);
            t.predicted_cycles = start_model.predict_cycles(schedule_features(m.dims, t.schedule));
            batch.push_back(std::move(t));
        }
        {
            std::vector<std::pair<std::string, std::string>> hj;
            for (const Trial &t : batch)
                hj.push_back({t.hash, canonical_json(t.schedule)});
            const auto refs = db->candidates(model_id, board_id, hj);
            for (size_t i = 0; i < batch.size(); ++i)
                batch[i].candidate_id = refs[i].id;
        }

        // Three kinds of trial: recorded earlier, a twin of an image measured (its measurement
        // copied, its build referenced), to measure.
        std::vector<int64_t> reused_ids;
        std::vector<std::optional<int64_t>> build_ref(batch.size());  // twins of earlier batches
        std::vector<std::optional<size_t>> twin_of(batch.size());     // twins within this batch
        std::map<std::string, size_t> first_of_code;                   // code hash -> batch index
        std::vector<size_t> to_measure;
        for (size_t i = 0; i < batch.size(); ++i) {
            Trial &t = batch[i];
            const std::string ch = code_hash(t.schedule);
            if (auto it = known.find(t.hash); it != known.end()) {
                t.measurement = it->second.measurement;
                t.agent = it->second.agent;
                t.flash_bytes = it->second.flash_bytes;
                t.from_database = true;
                reused_ids.push_back(t.candidate_id);
            } else if (auto kc = known_code.find(ch); kc != known_code.end()) {
                t.measurement = kc->second.measurement;
                t.flash_bytes = kc->second.flash_bytes;
                t.agent = "same image as candidate " + kc->second.hash.substr(0, 12);
                build_ref[i] = kc->second.build_id;
            } else if (auto fb = first_of_code.find(ch); fb != first_of_code.end()) {
                twin_of[i] = fb->second;
            } else {
                first_of_code[ch] = i;
                to_measure.push_back(i);
            }
        }

        // build (one at a time) and measure (several in flight)
        std::vector<std::future<std::string>> work;
        std::vector<std::optional<BuildRecord>> builds(batch.size());
        std::vector<std::optional<uint32_t>> crcs(batch.size());
        std::vector<std::string> crc_errors(batch.size());
        std::vector<size_t> by_table, by_image;
        for (size_t i : to_measure) {
            crcs[i] = expected_crc(batch[i].schedule, &crc_errors[i]);  // here: the cache is not thread-safe
            (table_images && crcs[i] && schedule_data_unfit(batch[i].schedule, kernels).empty() ? by_table : by_image)
                .push_back(i);
        }
        if (!by_table.empty())
            work.push_back(std::async(std::launch::async, [&]() -> std::string {
                {
                    std::unique_lock first(build_mu);  // the first build of the kernels, alone
                    if (!data_image) {
                        data_image = builder.build_schedule_data(m, board, kernels);
                        warmed = warmed || data_image->ok();
                    }
                }
                const BuildResult &br = *data_image;
                if (!br.ok())
                    return "build of the schedule-as-data image failed: " + br.error;
                // what each candidate's deployed image would hold: its specialized image's flash,
                // which only the variants and attention modes change (one build per such class)
                for (size_t i : by_table) {
                    const std::string key = flash_class(batch[i].schedule);
                    if (flash_by_class.count(key))
                        continue;
                    std::shared_lock later(build_mu);
                    const BuildResult sb = builder.build(m, batch[i].schedule, board);
                    if (!sb.ok())
                        return "build of " + schedule_summary(batch[i].schedule) + " failed: " + sb.error;
                    flash_by_class[key] = flash_bytes(sb.elf_path);
                }
                std::vector<agent::TableRun> tables;
                for (size_t i : by_table)
                    tables.push_back({encode_schedule_table(m, batch[i].schedule, batch[i].plan, uint32_t(i)), crcs[i]});
                // progress as each candidate is done (a round may be the whole space)
                std::vector<char> reported(by_table.size(), 0);
                auto finish = [&](size_t k, const agent::Measurement &ms) {
                    Trial &t = batch[by_table[k]];
                    t.measurement = ms;
                    t.agent = "schedule-as-data";
                    t.flash_bytes = flash_by_class.at(flash_class(t.schedule));
                    if (!reported[k]) {
                        reported[k] = 1;
                        report_progress(t, true);
                    }
                };
                RunJob job = measure_job();
                job.on_table = finish;
                const std::vector<agent::Measurement> ms = measure_tables(agents, job, br.elf_path, tables, jobs);
                for (size_t k = 0; k < by_table.size(); ++k) {
                    finish(k, ms.at(k));
                    const Trial &t = batch[by_table[k]];
                    builds[by_table[k]] = BuildRecord{t.candidate_id, t.measurement.image_hash, br.toolchain_version,
                                                      bo.opt_flags + " " + br.cpu + " " + br.machine + " schedule-as-data",
                                                      static_cast<uint64_t>(fs::file_size(br.elf_path)), t.flash_bytes};
                    count_target_work(t.measurement);
                }
                return "";
            }));
        for (size_t i : by_image) {
            work.push_back(std::async(std::launch::async, [&, i]() -> std::string {
                Trial &t = batch[i];
                if (!crcs[i])   // never measure what cannot be checked
                    return "host reference run of " + schedule_summary(t.schedule) + " failed: " + crc_errors[i];
                BuildResult br;
                {
                    std::unique_lock first(build_mu, std::defer_lock);
                    std::shared_lock later(build_mu, std::defer_lock);
                    first.lock();
                    if (warmed) {
                        first.unlock();
                        later.lock();
                    }
                    br = builder.build(m, t.schedule, board);
                    if (first.owns_lock())
                        warmed = true;
                }
                if (!br.ok())
                    return "build of " + schedule_summary(t.schedule) + " failed: " + br.error;
                t.flash_bytes = flash_bytes(br.elf_path);
                RunJob job = measure_job();
                job.elf = br.elf_path;
                job.expected_crc = crcs[i];
                RunOutcome ro = runner.submit(job).get();  // AgentConfigError, RunCancelled propagate
                t.measurement = ro.measurement;
                t.agent = ro.agent;
                count_target_work(t.measurement);
                builds[i] = BuildRecord{t.candidate_id, t.measurement.image_hash, br.toolchain_version,
                                        bo.opt_flags + " " + br.cpu + " " + br.machine,
                                        static_cast<uint64_t>(fs::file_size(br.elf_path)), t.flash_bytes};
                report_progress(t, true);
                return "";
            }));
        }
        std::string error;
        for (auto &f : work) {
            try {
                std::string e = f.get();
                if (error.empty())
                    error = e;
            } catch (const std::exception &e) {
                if (error.empty())
                    error = e.what();
            }
        }
        if (!error.empty()) {
            db->finish_run(r.run.id, "failed");
            return fail(error + "\n(what was measured is recorded; run the same command again to resume)");
        }

        std::vector<TrialRecord> records;
        std::vector<size_t> record_of(batch.size());
        for (size_t i = 0; i < batch.size(); ++i) {
            Trial &t = batch[i];
            if (twin_of[i]) {
                const Trial &o = batch[*twin_of[i]];
                t.measurement = o.measurement;
                t.flash_bytes = o.flash_bytes;
                t.agent = "same image as candidate " + o.hash.substr(0, 12);
            }
            if (!builds[i])
                report_progress(t, false);
            if (t.from_database)
                continue;
            record_of[i] = records.size();
            TrialRecord rec{MeasurementEntry{t.candidate_id, build_ref[i], t.agent, t.measurement}, builds[i], {}};
            if (twin_of[i])
                rec.same_image_as = record_of[*twin_of[i]];
            records.push_back(std::move(rec));
        }
        // a batch in which no image got a result of its own: the settings or the agents are at
        // fault, and every further batch would fail the same way
        std::string request_failed;
        if (!to_measure.empty() && std::none_of(to_measure.begin(), to_measure.end(), [&](size_t i) {
                return is_candidate_result(batch[i].measurement.status);
            })) {
            const agent::Measurement &first = batch[to_measure.front()].measurement;
            request_failed = std::string(agent::to_string(first.status)) + ": " + first.error;
        }
        const std::vector<RecordedTrial> ids = db->record_trials(r.run.id, records, reused_ids);
        for (size_t i = 0; i < batch.size(); ++i) {
            Trial &t = batch[i];
            if (is_candidate_result(t.measurement.status) && !t.from_database) {
                const Known k{t.measurement, t.agent, t.hash, ids[record_of[i]].build_id, t.flash_bytes};
                known[t.hash] = k;
                known_code.try_emplace(code_hash(t.schedule), k);
            }
            tells.push_back({t.index, objectives_of(t)});
            r.trials.push_back(std::move(t));
        }
        if (!request_failed.empty()) {
            db->finish_run(r.run.id, "failed");
            return fail("no image of this batch was measured (status " + request_failed +
                        "); what was measured is recorded; run the same command again to resume");
        }
        if (cb.batch)
            cb.batch(r);
        std::sort(tells.begin(), tells.end(), [](auto &a, auto &b) { return a.first < b.first; });
        for (const auto &[idx, o] : tells)
            strategy->tell(idx, o);
    }
    db->finish_run(r.run.id, "finished");

    // ---- calibration and selection
    calibrate(r, m.dims);
    if (r.cost_model.calibration_points > 0)
        db->save_cost_model(board_id, source, r.cost_model.to_json().dump());
    compute_front(r);
    if (table_images && r.best && r.trials[*r.best].agent == "schedule-as-data")
        measure_specialized(r, r.trials[*r.best], [&](const Schedule &s) -> std::optional<agent::Measurement> {
            std::string error;
            const BuildResult br = builder.build(m, s, board);
            if (!br.ok()) {
                note("the best pick's specialized image: build failed: " + br.error);
                return std::nullopt;
            }
            RunJob job = measure_job();
            job.elf = br.elf_path;
            job.expected_crc = expected_crc(s, &error);
            agent::Measurement ms = runner.submit(job).get().measurement;
            count_target_work(ms);
            r.best_specialized_flash_bytes = flash_bytes(br.elf_path);
            return ms;
        }, note);
    r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    out.report = std::move(r);
    return out;
}

}  // namespace tinytx::tuner
