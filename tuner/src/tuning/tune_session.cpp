// The tuning run's steps (tune_session.h).
#include "tune_session.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "board_fit.h"
#include "measuring_time.h"
#include "segment_ledger.h"
#include "table_measurement.h"
#include "tinytx/agent/agent_core.h"
#include "tinytx/platform/elf_image.h"
#include "tinytx/tuner/candidate_result.h"
#include "tinytx/tuner/importer.h"
#include "tinytx/tuner/reference.h"
#include "tinytx/tuner/request_limits.h"
#include "tinytx/tuner/schedule_data.h"

namespace tinytx::tuner {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

std::vector<uint8_t> read_file_bytes(const fs::path &p)
{
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

namespace {

// the agent column of a schedule-as-data figure, measured or composed (segment_ledger.h)
constexpr const char *kTableAgent = "schedule-as-data";
constexpr const char *kComposedAgent = "schedule-as-data, composed";

json board_json(const platform::BoardProfile &b)
{
    json mem = json::array();
    for (const auto &r : b.memory)
        mem.push_back({{"name", r.name}, {"origin", r.origin}, {"length", r.length}, {"kind", r.kind}});
    return {{"name", b.name}, {"core", b.core}, {"clock_hz", b.clock_hz}, {"memory", mem},
            {"active_mw", b.active_mw}};
}

// The schedule without placement: what reaches the code of an image (builder.h).
std::string code_hash(Schedule s)
{
    for (LayerKnobs &k : s.layers)
        k.placement.clear();
    return schedule_hash(s);
}

// The agent field of a placement twin's copied measurement.
std::string twin_note(const std::string &measured_hash)
{
    return "same measurement as candidate " + measured_hash.substr(0, 12) + " (placement twin)";
}

const platform::MemoryRegion *board_region(const platform::BoardProfile &b, const std::string &name)
{
    for (const platform::MemoryRegion &r : b.memory)
        if (r.name == name)
            return &r;
    return nullptr;
}

uint64_t flash_bytes(const fs::path &elf)
{
    uint64_t n = 0;
    const platform::ElfImage image = platform::ElfImage::load_file(elf.string());
    for (const platform::Section &s : image.sections())
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
// trial in hash order held out), then the final fit on every point; each point with the region its
// arena was in and its weights' region.
void calibrate(TuneReport &r, const tx_encoder_dims &dims)
{
    std::vector<std::pair<std::string, CostMeasurement>> pts;
    for (const Trial &t : r.trials)
        if (t.ok() && t.measurement.cycles_median > 0)
            pts.push_back({t.hash, {schedule_features(dims, t.schedule),
                                    static_cast<double>(t.measurement.cycles_median), t.hash, t.arena_region,
                                    weights_region(t.schedule)}});
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
            rel.push_back(std::fabs(fit.predict_cycles(p.features, p.placement, p.weights) - p.cycles) / p.cycles * 100.0);
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
    return weights_region(s).empty() ? k : k + "weights@" + weights_region(s);
}

// The best pick of a schedule-as-data run measured again in its specialized image (the one the
// user deploys): both figures reported, and why they may differ when they do by more than 1 %.
void report_specialized(TuneReport &r, const Trial &best, const platform::Measurement &ms,
                        const std::function<void(const std::string &)> &note)
{
    r.best_specialized = ms;
    if (ms.status != platform::RunStatus::kOk) {
        note("the best pick's specialized image: " + std::string(platform::to_string(ms.status)) + " (" + ms.error + ")");
        return;
    }
    const double data = double(best.measurement.cycles_median), spec = double(ms.cycles_median);
    r.best_specialized_deviation_pct = data > 0 ? (spec - data) / data * 100.0 : 0.0;
    std::ostringstream o;
    o.setf(std::ios::fixed);
    o.precision(2);
    o << "the best pick in its specialized image (what --emit-c deploys): " << ms.cycles_median
      << " cycles; in the schedule-as-data image: " << best.measurement.cycles_median << " ("
      << (r.best_specialized_deviation_pct >= 0 ? "+" : "") << r.best_specialized_deviation_pct << " %)";
    if (std::fabs(r.best_specialized_deviation_pct) > 1.0)
        o << "; more than 1 % apart: the images differ in code layout (the specialized one calls only its "
             "kernels with constant knobs, the schedule-as-data one reads its layer table from RAM)";
    note(o.str());
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

}  // namespace

TuneSession::TuneSession(const TuneRequest &req, const TuneCallbacks &cb) : req_(req), cb_(cb), t0_(Clock::now()) {}

bool TuneSession::fail(const std::string &msg)
{
    out_.exit_code = 1;
    out_.error = msg;
    return false;
}

void TuneSession::note(const std::string &s) const
{
    if (cb_.note)
        cb_.note(s);
}

// ---- set up

bool TuneSession::set_up()
{
    if (!load_inputs() || !make_space() || !connect_agents())
        return false;
    choose_strategy();
    if (!open_database())
        return false;
    load_known();
    start_workers();
    return true;
}

// The model (and its import's accuracy report), the board, the request's limits.
bool TuneSession::load_inputs()
{
    platform::Result<Model> loaded = load_request_model(req_);
    if (!loaded.ok())
        return fail("model " + req_.model_path.string() + ": " + loaded.status().message());
    loaded_ = std::move(*loaded);
    m_ = &*loaded_;
    const Model &m = *m_;
    if (!req_.val.empty() && !is_onnx_path(req_.model_path))
        return fail("--val: only for an ONNX model (the importer measures the float and int8 accuracy)");
    std::vector<std::string> accuracy_lines;
    r_.import_accuracy = is_onnx_path(req_.model_path) ? import_accuracy(m, accuracy_lines) : "";
    for (const std::string &l : accuracy_lines)
        note(l);
    if (m.calibration_input.empty())
        return fail("model " + req_.model_path.string() +
                    ": no calibration input (calibration_input.file): the tuner checks every image's output on it");
    try {
        const std::string dir = req_.boards_dir.empty() ? platform::BoardCatalog::default_dir() : req_.boards_dir.string();
        board_ = platform::BoardCatalog::load_dir(dir).get(req_.board);
    } catch (const std::exception &e) {
        return fail(std::string("board: ") + e.what());
    }
    if (req_.budget_bytes == 0)
        return fail("budget: required (e.g. --budget 512KB)");
    // whole seconds, rounded up; 0 (the agent's default) passes
    const uint64_t deadline_s = std::max<uint64_t>(1, static_cast<uint64_t>(req_.run_deadline.count() + 999) / 1000);
    for (const auto &[limit, value] : {std::pair{limits::kBudgetBytes, req_.budget_bytes},
                                       std::pair{limits::kBatch, uint64_t(req_.batch)},
                                       std::pair{limits::kRepeats, uint64_t(req_.repeats)},
                                       std::pair{limits::kSeed, req_.seed},
                                       std::pair{limits::kDeadlineS, deadline_s}})
        if (!within(limit, value))
            return fail(out_of_range(limit, value));
    if (platform::Status st = check_budget_fits_ram(req_.budget_bytes, board_); !st.ok())
        return fail(st.message());
    if (req_.images != "auto" && req_.images != "specialized")
        return fail("images: '" + req_.images + "' (auto or specialized)");
    if (req_.weights != "auto" && req_.weights != kWeightsInFlash)
        return fail("weights: '" + req_.weights + "' (auto or flash)");
    if (req_.time_budget.count() <= 0)
        return fail("time budget: must be positive, got " + std::to_string(req_.time_budget.count()) + " s");
    return true;
}

// The design space of the model on the board under the backend, checked against the flash and
// the arena budget.
bool TuneSession::make_space()
{
    const Model &m = *m_;
    const uint64_t flash_budget = req_.flash_budget_bytes ? req_.flash_budget_bytes : board_flash_bytes(board_);
    // The in-process agent's emulator: the GAP9 cluster simulator for RISC-V boards (it runs
    // plain RV32 images on core 0 too), the ISS for the Cortex-M ones.
    backend_ = !req_.backend.empty() || !req_.agents.empty() ? req_.backend
               : board_.arch == platform::Arch::kRiscv32       ? "pulp"
                                                            : "iss";
    // Only the cluster simulators (pulp, gvsoc) run cluster images: elsewhere their knobs are not in the space.
    if (backend_ == "pulp" || backend_ == "gvsoc") {
        space_opt_.cluster_cores = board_cluster_cores(board_);
        space_opt_.l1_bytes = board_cluster_l1_free(board_);
    }
    // Weights in RAM: not where the measurement cannot see memory regions (QEMU's icount); any
    // agents' backend ("", a farm's pool) may be the iss, and a board sees them
    if (req_.weights == "auto" && backend_ != "qemu") {
        space_opt_.weights_bytes = layer_tensor_bytes(m, AttentionMode::kStandard);
        space_opt_.fused_weights_bytes = m.has_fused() ? layer_tensor_bytes(m, AttentionMode::kFused) : 0;
    }
    platform::Result<DesignSpace> space_result = DesignSpace::create(m, board_, req_.mode, space_opt_);
    if (!space_result.ok())
        return fail("design space: " + space_result.status().message());
    space_result_ = std::move(*space_result);
    space_ = &*space_result_;
    const DesignSpace &space = *space_;
    if (space.size() == 0)
        return fail("design space: no schedule of " + m.name + " fits any memory region of " + board_.name);
    if (platform::Status st = check_data_fits_flash(m, flash_budget, board_.name); !st.ok())
        return fail(st.message());

    r_.model_name = m.name;
    r_.model_hash = model_hash(m);
    r_.board = board_.name;
    r_.budget_bytes = req_.budget_bytes;
    r_.flash_budget_bytes = flash_budget;
    r_.clock_hz = board_.clock_hz;
    r_.space_size = space.size();
    r_.minimal_peak = minimal_peak(m, space);
    if (req_.budget_bytes < r_.minimal_peak.peak_bytes) {
        out_.exit_code = 2;
        out_.minimal_peak = r_.minimal_peak;
        out_.error = "budget " + format_bytes(req_.budget_bytes) + " (" + std::to_string(req_.budget_bytes) +
                     " B) is below the smallest arena any schedule of " + m.name + " needs on " + board_.name +
                     ": " + std::to_string(r_.minimal_peak.peak_bytes) + " B (" +
                     format_bytes(r_.minimal_peak.peak_bytes) + "), reached by " +
                     schedule_summary(r_.minimal_peak.schedule);
        return false;
    }
    return true;
}

// The agents (one in-process agent unless the request brings some), and whether they all take
// schedule-as-data images.
bool TuneSession::connect_agents()
{
    jobs_ = req_.jobs ? req_.jobs : std::max(1u, std::thread::hardware_concurrency());
    agents_ = req_.agents;
    if (agents_.empty()) {
        agent::AgentConfig ac;
        ac.boards_dir = req_.boards_dir.empty() ? platform::BoardCatalog::default_dir() : req_.boards_dir.string();
        ac.boards = {{board_.name, backend_}};
        ac.workers = jobs_;
        try {
            agents_.push_back(std::make_shared<LocalAgent>(ac));
        } catch (const std::exception &e) {
            return fail(std::string("in-process agent: ") + e.what());
        }
    }
    // the schedule-as-data image carries every single-core GEMM variant of the space
    for (const LayerKnobs &k : space_->layer_knob_sets())
        if (k.cores == 0 && k.variant != TX_VARIANT_XPULP)
            kernels_.insert(k.variant);
    places_arena_ = std::all_of(agents_.begin(), agents_.end(), [&](const std::shared_ptr<Agent> &a) {
        return a->places_arena(board_.name, backend_);
    });
    if (!places_arena_ && std::any_of(space_->homes().begin(), space_->homes().end(),
                                      [&](const DesignSpace::Home &h) { return h.placement != space_->homes()[0].placement; }))
        note("placement: the agents' backend (" + (backend_.empty() ? std::string("theirs") : backend_) +
             ") cannot move the arena: schedules that differ only in placement share one measurement, with the "
             "arena where the image's link puts it");
    table_images_ = req_.images == "auto" && !kernels_.empty() &&
                    std::all_of(agents_.begin(), agents_.end(), [&](const std::shared_ptr<Agent> &a) {
                        return a->writes_tables(board_.name, backend_);
                    });
    r_.images = table_images_ ? "schedule-as-data" : "specialized";
    // the iss's timing adds up segment by segment (segment_ledger.h); a board's caches do not
    if (table_images_ && backend_ == "iss" && req_.stop_dominated && req_.repeats == 1)
        ledger_.emplace(m_->dims.F);
    return true;
}

// Which points are within the budget, when the space is small enough to plan whole, the
// estimated time to measure them all, and from that the strategy and the trial count.
void TuneSession::choose_strategy()
{
    const Model &m = *m_;
    const DesignSpace &space = *space_;
    constexpr uint64_t kCountable = 200000;
    const CostModel prior = CostModel::prior_for(board_);
    double space_s = 0;
    if (space.size() <= kCountable) {
        uint64_t n = 0;
        for (uint64_t i = 0; i < space.size(); ++i) {
            const Schedule s = space.at(i);
            const platform::Result<MemoryPlan> p = plan_memory(m, s);
            if (!p.ok() || p->peak_bytes > req_.budget_bytes)
                continue;
            ++n;
            const bool specialized = !table_images_ || !schedule_data_fit(s, kernels_).ok();
            space_s += estimated_candidate_seconds(backend_, specialized, prior.predict_cycles(schedule_features(m.dims, s), arena_region(s), weights_region(s)),
                                                   req_.warmups + req_.repeats, board_.clock_hz);
        }
        r_.feasible = n;
        r_.estimated_space_s = space_s / jobs_;
    }
    const uint64_t available = r_.feasible.value_or(space.size());
    trials_ = std::min<uint64_t>(req_.trials ? req_.trials : kDefaultTrials, available);
    kind_ = req_.strategy;
    if (kind_ == "auto") {
        const double budget_s = double(req_.time_budget.count());
        if (req_.trials == 0 && r_.feasible && r_.estimated_space_s <= budget_s) {
            trials_ = available;
        } else if (req_.trials == 0 && r_.feasible && *r_.feasible > 0) {
            const double per = r_.estimated_space_s / double(*r_.feasible);
            trials_ = std::min<uint64_t>(available, std::max<uint64_t>(kDefaultTrials, uint64_t(budget_s / per)));
        }
        // a trial count keeps the evolutionary search's spread; a time budget the model's ranking
        kind_ = available <= trials_ ? "exhaustive" : req_.trials ? "nsga2" : "guided";
        std::ostringstream n;
        n.setf(std::ios::fixed);
        n.precision(0);
        if (r_.feasible)
            n << "auto: measuring all " << available << " points within the budget would take about "
              << r_.estimated_space_s << " s (" << jobs_ << " worker" << (jobs_ > 1 ? "s" : "") << ", "
              << r_.images << " images; time budget " << budget_s << " s): ";
        n << (kind_ == "exhaustive" ? "exhaustive search" : "guided search of " + std::to_string(trials_) + " trials");
        note(n.str());
    }
    r_.strategy = kind_;
    r_.progress.planned = trials_;
}

// The run in the database, the cost model stored for the board, the search strategy.
bool TuneSession::open_database()
{
    const Model &m = *m_;
    try {
        if (req_.db_path.has_parent_path())
            fs::create_directories(req_.db_path.parent_path());
        db_ = std::make_unique<Database>(req_.db_path.string());
    } catch (const std::exception &e) {
        return fail("database " + req_.db_path.string() + ": " + e.what());
    }
    // the cost model calibrated on one simulator's cycles is not another's: GVSoC's get their own key
    source_ = backend_ == "openocd" ? "measured" : backend_ == "gvsoc" ? "emulated-gvsoc" : "emulated";
    const std::vector<uint8_t> spec = read_file_bytes(m.spec_path);
    model_id_ = db_->upsert_model(m.name, r_.model_hash, std::string(spec.begin(), spec.end()));
    board_id_ = db_->upsert_board(board_.name, board_json(board_).dump());
    json command = {{"model", m.name},           {"model_hash", r_.model_hash},
                    {"board", board_.name},      {"budget_bytes", req_.budget_bytes},
                    {"strategy", req_.strategy}, {"trials", trials_},
                    {"seed", req_.seed},         {"mode", req_.mode == SpaceMode::kShared ? "shared" : "per-layer"},
                    {"batch", req_.batch},       {"repeats", req_.repeats},
                    {"warmups", req_.warmups},   {"backend", backend_}};
    if (req_.weights != "auto")
        command["weights"] = req_.weights;  // the space differs (a run of the default keeps its identity)
    r_.run = db_->start_run(model_id_, board_id_, command, req_.budget_bytes, kind_);

    r_.cost_model = CostModel::prior_for(board_);
    if (auto stored = db_->cost_model(board_id_, source_)) {
        if (auto cm = CostModel::from_json(json::parse(*stored, nullptr, false)); cm.ok()) {
            r_.cost_model = *cm;
            note("cost model: calibrated on " + std::to_string(cm->calibration_points) + " earlier " + source_ +
                 " measurements of " + board_.name);
        } else {
            note("cost model: the stored one is unusable (" + cm.status().message() + "); starting from the prior");
        }
    }
    start_model_ = r_.cost_model;

    SearchOptions so;
    so.seed = req_.seed;
    SpaceSearchContext ctx;
    ctx.dims = m.dims;
    ctx.model = start_model_;
    auto made = make_strategy(kind_, *space_, so, ctx);
    if (!made.ok())
        return fail("strategy: " + made.status().message());
    strategy_ = std::move(*made);
    return true;
}

// What the database holds for this model on this board (an interrupted run's batches too).
void TuneSession::load_known()
{
    std::vector<std::pair<MeasuredCandidate, std::optional<uint64_t>>> stopped;  // and its planned arena
    DominanceBound recorded;  // the recorded points that may enter this run's front
    auto peak_of = [&](const Schedule &s) -> std::optional<uint64_t> {
        const platform::Result<MemoryPlan> pr = plan_memory(*m_, s);
        return pr.ok() ? std::optional<uint64_t>(pr->peak_bytes) : std::nullopt;
    };
    for (MeasuredCandidate &mc : db_->measurements(model_id_, board_id_)) {
        // "" = whatever the agents run (a farm's pool): any backend's figures are this run's kind
        if (!is_candidate_result(mc.measurement.status) || (!backend_.empty() && mc.measurement.backend != backend_))
            continue;
        // a figure counts for this run only with the arena where this run would put it
        const platform::Result<Schedule> ps = parse_schedule(mc.schedule_json);
        if (!ps.ok() || mc.arena_region != arena_region(*ps))
            continue;
        if (mc.measurement.status == platform::RunStatus::kAboveBound) {
            if (req_.stop_dominated)
                stopped.push_back({std::move(mc), peak_of(*ps)});
            continue;
        }
        Known k{mc.measurement, mc.agent, mc.schedule_hash, mc.build_id, 0, mc.measurement_id};
        if (mc.build_id)
            if (auto b = db_->build(*mc.build_id))
                k.flash_bytes = b->flash_bytes;
        known_twin_[twin_key(*ps)] = k;
        if (k.measurement.status == platform::RunStatus::kOk &&
            !(r_.flash_budget_bytes && k.flash_bytes > r_.flash_budget_bytes))
            if (auto peak = peak_of(*ps))
                recorded.add(*peak, k.measurement.cycles_median);
        known_[mc.schedule_hash] = std::move(k);
    }
    // a run stopped at its bound stays known while a recorded point of this run's front-eligible
    // kind dominates it (a run with a lower flash budget may have lost that point: measured again)
    for (const auto &[mc, peak] : stopped) {
        if (known_.count(mc.schedule_hash))
            continue;
        const auto bound = peak ? recorded.at(*peak) : std::nullopt;
        if (bound && *bound < mc.measurement.cycles_median)
            known_[mc.schedule_hash] = Known{mc.measurement, mc.agent, mc.schedule_hash, mc.build_id, 0, mc.measurement_id};
    }
    if (r_.run.resumed)
        note("resuming run " + std::to_string(r_.run.id) + " (" + std::to_string(known_.size()) + " candidates of " +
             m_->name + " on " + board_.name + " already measured in " + req_.db_path.string() + ")");
}

void TuneSession::start_workers()
{
    runner_ = std::make_unique<Runner>(agents_, RunnerOptions{.max_in_flight = std::max<unsigned>(jobs_, agents_.size())});
    build_options_.cache_dir = req_.cache_dir.empty()
                                   ? (req_.db_path.has_parent_path() ? req_.db_path.parent_path() : fs::path(".")) /
                                         "tinytx-cache"
                                   : req_.cache_dir;
    build_options_.cluster_images = space_opt_.cluster_cores > 0;
    builder_ = std::make_unique<const Builder>(build_options_);
}

// ---- the rounds

bool TuneSession::wants_more() const { return r_.progress.done < trials_ && !strategy_->done(); }

bool TuneSession::cancelled() const { return cb_.cancelled && cb_.cancelled(); }

void TuneSession::cancel()
{
    db_->finish_run(r_.run.id, "cancelled");
    out_.exit_code = 3;
    out_.error = "cancelled after " + std::to_string(r_.progress.done) + " of " + std::to_string(trials_) + " trials";
}

// The strategy's next proposals, each checked against the budget and planned once; nullopt when
// the strategy has nothing more to propose.
std::optional<Batch> TuneSession::propose()
{
    TuneProgress &pg = r_.progress;
    // An exhaustive search needs no feedback: with schedule-as-data images all its points are
    // one round, each worker's share one image load (a flash on a board) and many runs.
    const bool one_round = table_images_ && kind_ == "exhaustive";
    const std::vector<uint64_t> proposal = strategy_->propose(one_round ? size_t(trials_ - pg.done) : req_.batch);
    if (proposal.empty())
        return std::nullopt;
    Batch b;
    for (uint64_t idx : proposal) {
        if (pg.done + b.trials.size() >= trials_)
            break;
        Trial t;
        t.index = idx;
        t.schedule = space_->at(idx);
        platform::Result<MemoryPlan> pr = plan_memory(*m_, t.schedule);
        if (!pr.ok() || pr->peak_bytes > req_.budget_bytes) {
            ++pg.over_budget;
            b.tells.push_back({idx, Objectives::failure()});
            continue;
        }
        t.plan = *pr;
        t.hash = schedule_hash(t.schedule);
        t.arena_region = arena_region(t.schedule);
        t.predicted_cycles =
            start_model_.predict_cycles(schedule_features(m_->dims, t.schedule), t.arena_region, weights_region(t.schedule));
        b.trials.push_back(std::move(t));
    }
    std::vector<std::pair<std::string, std::string>> hj;
    for (const Trial &t : b.trials)
        hj.push_back({t.hash, canonical_json(t.schedule)});
    const auto refs = db_->candidates(model_id_, board_id_, hj);
    for (size_t i = 0; i < b.trials.size(); ++i)
        b.trials[i].candidate_id = refs[i].id;
    return b;
}

// Three kinds of trial: recorded earlier, a twin of a measured one (its measurement copied, its
// build referenced), to measure.
void TuneSession::match_known(Batch &b)
{
    const size_t n = b.trials.size();
    b.build_ref.assign(n, std::nullopt);
    b.twin_of.assign(n, std::nullopt);
    b.builds.assign(n, std::nullopt);
    std::map<std::string, size_t> first_of_twins;  // twin key -> batch index
    for (size_t i = 0; i < n; ++i) {
        Trial &t = b.trials[i];
        const std::string key = twin_key(t.schedule);
        if (auto it = known_.find(t.hash); it != known_.end()) {
            t.measurement = it->second.measurement;
            t.agent = it->second.agent;
            t.flash_bytes = it->second.flash_bytes;
            t.from_database = true;
            b.reused_ids.push_back(t.candidate_id);
        } else if (auto kt = known_twin_.find(key); kt != known_twin_.end()) {
            t.measurement = kt->second.measurement;
            t.flash_bytes = kt->second.flash_bytes;
            t.agent = twin_note(kt->second.hash);
            b.build_ref[i] = kt->second.build_id;
        } else if (auto fb = first_of_twins.find(key); fb != first_of_twins.end()) {
            b.twin_of[i] = fb->second;
        } else {
            first_of_twins[key] = i;
            b.to_measure.push_back(i);
        }
    }
}

// Build (one at a time) and measure (several in flight): the trials a schedule-as-data image
// can run in it, the others in images of their own.
bool TuneSession::measure(Batch &b)
{
    std::vector<std::future<platform::Status>> work;
    std::vector<std::optional<uint32_t>> crcs(b.trials.size());
    std::vector<std::string> crc_errors(b.trials.size());
    std::vector<size_t> by_table, by_image;
    for (size_t i : b.to_measure) {
        const auto crc = expected_crc(b.trials[i].schedule);  // here: the cache is not thread-safe
        crcs[i] = crc.ok() ? std::optional<uint32_t>(*crc) : std::nullopt;
        crc_errors[i] = crc.status().message();
        (table_images_ && crcs[i] && schedule_data_fit(b.trials[i].schedule, kernels_).ok() ? by_table : by_image)
            .push_back(i);
    }
    // the likely fastest first: their figures bound the others early (dominance_bound.h)
    std::stable_sort(by_table.begin(), by_table.end(),
                     [&](size_t x, size_t y) { return b.trials[x].predicted_cycles < b.trials[y].predicted_cycles; });
    if (!by_table.empty())
        work.push_back(std::async(std::launch::async, [&] { return measure_in_table_image(b, by_table, crcs); }));
    for (size_t i : by_image)
        work.push_back(
            std::async(std::launch::async, [&, i] { return measure_in_own_image(b, i, crcs[i], crc_errors[i]); }));
    std::string error;
    for (auto &f : work) {
        try {
            const platform::Status st = f.get();
            if (error.empty())
                error = st.message();
        } catch (const std::exception &e) {
            if (error.empty())
                error = e.what();
        }
    }
    if (error.empty())
        return true;
    db_->finish_run(r_.run.id, "failed");
    return fail(error + "\n(what was measured is recorded; run the same command again to resume)");
}

platform::Status TuneSession::measure_in_table_image(Batch &b, const std::vector<size_t> &by_table,
                                                     const std::vector<std::optional<uint32_t>> &crcs)
{
    const Model &m = *m_;
    {
        std::unique_lock first(build_mu_);  // the first build of the kernels, alone
        for (size_t i : by_table) {
            const std::string &w = weights_region(b.trials[i].schedule);
            if (!data_images_.count(w)) {
                data_images_.emplace(w, builder_->build_schedule_data(m, board_, kernels_, w));
                warmed_ = warmed_ || data_images_.at(w).ok();
            }
            if (!data_images_.at(w).ok())
                return platform::Status::internal("build of the schedule-as-data image" +
                                                  (w.empty() ? std::string() : " (weights in " + w + ")") +
                                                  " failed: " + data_images_.at(w).status().message());
        }
    }
    // what each candidate's deployed image would hold: its specialized image's flash, which only
    // the variants and attention modes change (one build per such class)
    for (size_t i : by_table) {
        const std::string key = flash_class(b.trials[i].schedule);
        if (flash_by_class_.count(key))
            continue;
        std::shared_lock later(build_mu_);
        const platform::Result<BuiltImage> sb = builder_->build(m, b.trials[i].schedule, board_);
        if (!sb.ok())
            return platform::Status::internal("build of " + schedule_summary(b.trials[i].schedule) + " failed: " +
                                              sb.status().message());
        flash_by_class_[key] = flash_bytes(sb->elf_path);
    }
    // progress as each candidate is done (a round may be the whole space); a table is settled once
    // (the first time it is heard of): composed where its run was skipped or stopped at a probe
    std::vector<std::optional<platform::Measurement>> settled(by_table.size());
    std::mutex settle_mu;
    auto finish = [&](size_t k, const platform::Measurement &heard) {
        Trial &t = b.trials[by_table[k]];
        bool composed = false;
        {
            std::lock_guard lock(settle_mu);
            if (settled[k])
                return;
            settled[k] = settle(t, heard, crcs[by_table[k]], composed);
        }
        t.measurement = *settled[k];
        t.agent = composed ? kComposedAgent : kTableAgent;
        t.flash_bytes = flash_by_class_.at(flash_class(t.schedule));
        bound_by(t);
        report_progress(t, true);
    };
    std::vector<TableOf> tables;
    for (size_t i : by_table)
        tables.push_back({&b.trials[i], uint32_t(i), crcs[i]});
    const std::vector<platform::Measurement> ms = measure_by_region(tables, [&](RunJob &job, const std::vector<size_t> &ks) {
        job.on_table = [&finish, &ks](size_t j, const platform::Measurement &one) { finish(ks[j], one); };
        if (ledger_)
            job.probe_symbols = SegmentLedger::probe_symbols();
        // a median of one run only: of several, one run past the bound says nothing of the median
        if (req_.stop_dominated && req_.repeats == 1)
            job.table_limits = [&](size_t j) { return table_limits(b.trials[by_table[ks[j]]]); };
    });
    for (size_t k = 0; k < by_table.size(); ++k) {
        finish(k, ms.at(k));
        Trial &t = b.trials[by_table[k]];
        const BuiltImage &br = *data_images_.at(weights_region(t.schedule));
        t.measurement.image_loads = ms.at(k).image_loads;  // the request's load: on its first table
        b.builds[by_table[k]] = BuildRecord{t.candidate_id, t.measurement.image_hash, br.toolchain_version,
                                            build_options_.opt_flags + " " + br.cpu + " " + br.machine +
                                                " schedule-as-data",
                                            static_cast<uint64_t>(fs::file_size(br.elf_path)), t.flash_bytes};
        count_target_work(ms.at(k));
    }
    return {};
}

// Trials through the schedule-as-data images, one request per arena region and weights region (the
// image of the weights' region, loaded again for each arena region: the arena moves with it);
// `hooks`, when set, gives a request's job its callbacks, told the positions in `tables` of that
// request's tables. The Measurements come in `tables`' order.
std::vector<platform::Measurement> TuneSession::measure_by_region(
    const std::vector<TableOf> &tables, const std::function<void(RunJob &, const std::vector<size_t> &)> &hooks)
{
    // (arena region, weights region) -> positions in tables
    std::map<std::pair<std::string, std::string>, std::vector<size_t>> by_region;
    for (size_t k = 0; k < tables.size(); ++k)
        by_region[{tables[k].trial->arena_region, weights_region(tables[k].trial->schedule)}].push_back(k);
    std::vector<platform::Measurement> ms(tables.size());
    for (const auto &[regions, ks] : by_region) {
        std::vector<agent::TableRun> runs;
        for (size_t k : ks) {
            const Trial &t = *tables[k].trial;
            runs.push_back({encode_schedule_table(*m_, t.schedule, t.plan, tables[k].id), tables[k].crc});
        }
        RunJob job = measure_job(tables[ks.front()].trial->schedule);
        if (hooks)
            hooks(job, ks);
        const std::vector<platform::Measurement> part =
            measure_tables(agents_, job, data_images_.at(regions.second)->elf_path, runs, jobs_);
        for (size_t j = 0; j < ks.size(); ++j)
            ms[ks[j]] = part.at(j);
    }
    return ms;
}

// What is known of a candidate before its table runs: the cycles that make it dominated, and
// with composition, whether it needs to run at all and how far.
agent::TableLimits TuneSession::table_limits(const Trial &t) const
{
    agent::TableLimits limits;
    limits.cycle_bound = dominance_.at(t.plan.peak_bytes);
    if (!ledger_)
        return limits;
    const SegmentLedger::Composition c = ledger_->compose(t.schedule, t.arena_region);
    limits.skip = c.cycles || (limits.cycle_bound && c.known_cycles > *limits.cycle_bound);
    limits.stop_at_probe = c.stop_at_probe;
    // with every attention known and still within the bound, the rest (prologues, FFN tails) is a
    // small part: run it to its end, whatever the bound, and its siblings compose from it
    if (c.attentions_known)
        limits.cycle_bound.reset();
    // else stop a little past the bound (1/64 more): the lower bound the run leaves of the segment
    // it stopped in then passes the bound of a sibling that lacks only a small segment of it (an
    // FFN-tiled prologue), so that sibling is not run
    else if (limits.cycle_bound)
        *limits.cycle_bound += *limits.cycle_bound / 64;
    return limits;
}

// A table's figures, once heard: a run that was skipped or stopped at a probe gets the cycles its
// segments add up to (`composed`), or, where they already pass its bound, a stop above it.
platform::Measurement TuneSession::settle(const Trial &t, const platform::Measurement &heard,
                                          const std::optional<uint32_t> &crc, bool &composed)
{
    composed = false;
    if (!ledger_)
        return heard;
    const bool exact = ledger_->learn(t.schedule, t.arena_region, heard);
    if (heard.status != platform::RunStatus::kNotRun && heard.status != platform::RunStatus::kProbed)
        return heard;
    platform::Measurement m = heard;
    if (!exact) {  // (from a hook inside the agent's run: no exception)
        m.status = platform::RunStatus::kInternal;
        m.error = "a segment of this run contradicts one measured in another run: composing is not exact on this "
                  "agent (--whole-runs measures without it)";
        return m;
    }
    const SegmentLedger::Composition c = ledger_->compose(t.schedule, t.arena_region);
    composed = true;
    m.probes.clear();
    m.error.clear();
    if (c.cycles) {
        m.status = platform::RunStatus::kOk;
        m.cycles = {*c.cycles};
        m.cycles_median = *c.cycles;
        m.instructions = 0;  // not composed: unknown
        m.stack_peak_bytes = m.arena_peak_bytes = 0;
        m.energy_uj = board_.clock_hz > 0 ? double(*c.cycles) / double(board_.clock_hz) * board_.active_mw * 1e3 : 0.0;
        // every segment ran in runs whose outputs were bit-exact; the front's points run whole
        m.output_crc32 = crc.value_or(0);
        m.output_ok = true;
        return m;
    }
    m.status = platform::RunStatus::kAboveBound;
    m.cycles = {c.known_cycles};
    m.cycles_median = c.known_cycles;
    m.error = "not run: the segments other runs measured add up to " + std::to_string(c.known_cycles) +
              " cycles, past its bound";
    return m;
}

platform::Status TuneSession::measure_in_own_image(Batch &b, size_t i, const std::optional<uint32_t> &crc,
                                                   const std::string &crc_error)
{
    Trial &t = b.trials[i];
    if (!crc)  // never measure what cannot be checked
        return platform::Status::internal("host reference run of " + schedule_summary(t.schedule) + " failed: " + crc_error);
    const platform::Result<BuiltImage> built = [&] {
        std::unique_lock first(build_mu_, std::defer_lock);
        std::shared_lock later(build_mu_, std::defer_lock);
        first.lock();
        if (warmed_) {
            first.unlock();
            later.lock();
        }
        platform::Result<BuiltImage> r = builder_->build(*m_, t.schedule, board_);
        if (first.owns_lock())
            warmed_ = true;
        return r;
    }();
    if (!built.ok())
        return platform::Status::internal("build of " + schedule_summary(t.schedule) + " failed: " +
                                          built.status().message());
    const BuiltImage &br = *built;
    t.flash_bytes = flash_bytes(br.elf_path);
    RunJob job = measure_job(t.schedule);
    job.elf = br.elf_path;
    job.expected_crc = crc;
    RunOutcome ro = runner_->submit(job).get();  // AgentConfigError, RunCancelled propagate
    t.measurement = ro.measurement;
    t.agent = ro.agent;
    count_target_work(t.measurement);
    b.builds[i] = BuildRecord{t.candidate_id, t.measurement.image_hash, br.toolchain_version,
                              build_options_.opt_flags + " " + br.cpu + " " + br.machine,
                              static_cast<uint64_t>(fs::file_size(br.elf_path)), t.flash_bytes};
    report_progress(t, true);
    return {};
}

// Every trial of the batch into the database (twins get their image's measurement), and the
// batch's trials into the report.
bool TuneSession::record(Batch &b)
{
    std::vector<TrialRecord> records;
    std::vector<size_t> record_of(b.trials.size());
    for (size_t i = 0; i < b.trials.size(); ++i) {
        Trial &t = b.trials[i];
        if (b.twin_of[i]) {
            const Trial &o = b.trials[*b.twin_of[i]];
            t.measurement = o.measurement;
            t.flash_bytes = o.flash_bytes;
            t.agent = twin_note(o.hash);
        }
        if (!b.builds[i])
            report_progress(t, false);
        bound_by(t);
        if (t.from_database)
            continue;
        record_of[i] = records.size();
        TrialRecord rec{MeasurementEntry{t.candidate_id, b.build_ref[i], t.agent, t.measurement, t.arena_region},
                        b.builds[i], {}};
        if (b.twin_of[i])
            rec.same_image_as = record_of[*b.twin_of[i]];
        records.push_back(std::move(rec));
    }
    // a batch in which no image got a result of its own: the settings or the agents are at
    // fault, and every further batch would fail the same way
    std::string request_failed;
    if (!b.to_measure.empty() && std::none_of(b.to_measure.begin(), b.to_measure.end(), [&](size_t i) {
            return is_candidate_result(b.trials[i].measurement.status);
        })) {
        const platform::Measurement &first = b.trials[b.to_measure.front()].measurement;
        request_failed = std::string(platform::to_string(first.status)) + ": " + first.error;
    }
    const std::vector<RecordedTrial> ids = db_->record_trials(r_.run.id, records, b.reused_ids);
    for (size_t i = 0; i < b.trials.size(); ++i) {
        Trial &t = b.trials[i];
        if (is_candidate_result(t.measurement.status) && !t.from_database) {
            const Known k{t.measurement, t.agent, t.hash, ids[record_of[i]].build_id, t.flash_bytes,
                          ids[record_of[i]].measurement_id};
            known_[t.hash] = k;
            known_twin_.try_emplace(twin_key(t.schedule), k);
        }
        b.tells.push_back({t.index, told_objectives(t)});
        r_.trials.push_back(std::move(t));
    }
    if (!request_failed.empty()) {
        db_->finish_run(r_.run.id, "failed");
        return fail("no image of this batch was measured (status " + request_failed +
                    "); what was measured is recorded; run the same command again to resume");
    }
    if (cb_.batch)
        cb_.batch(r_);
    return true;
}

void TuneSession::tell(Batch &b)
{
    std::sort(b.tells.begin(), b.tells.end(), [](auto &x, auto &y) { return x.first < y.first; });
    for (const auto &[idx, o] : b.tells)
        strategy_->tell(idx, o);
}

// ---- the end: calibrate, select, check the pick

void TuneSession::finish()
{
    db_->finish_run(r_.run.id, "finished");
    calibrate(r_, m_->dims);
    if (r_.cost_model.calibration_points > 0)
        db_->save_cost_model(board_id_, source_, r_.cost_model.to_json().dump());
    compute_front(r_);
    check_composed_front();
    if (table_images_ && r_.best && r_.trials[*r_.best].agent.starts_with(kTableAgent))
        check_specialized_pick();
    r_.seconds = std::chrono::duration<double>(Clock::now() - t0_).count();
    out_.report = std::move(r_);
}

// The front's composed points run whole in the schedule-as-data image, as every front point
// would have been without composition: their figures (measured peaks, output CRC, instructions)
// replace the composed ones in the report and in their database rows. Their cycles
// must be those composed; a difference is counted and said. (The other composed points rest on
// the segments measured again in later runs, each of which must agree: SegmentLedger::learn.)
void TuneSession::check_composed_front()
{
    if (data_images_.empty())
        return;
    if (ledger_ && !ledger_->exact())
        note("composing stopped during the run: a segment measured again differed from its first measurement, so "
             "the points composed before may be off; the front's are run whole below (--whole-runs composes none)");
    std::vector<TableOf> tables;
    for (size_t i : r_.front)
        if (r_.trials[i].agent == kComposedAgent && data_images_.count(weights_region(r_.trials[i].schedule)) &&
            data_images_.at(weights_region(r_.trials[i].schedule)).ok()) {
            const auto crc = expected_crc(r_.trials[i].schedule);
            tables.push_back({&r_.trials[i], uint32_t(i), crc.ok() ? std::optional<uint32_t>(*crc) : std::nullopt});
        }
    if (tables.empty())
        return;
    const std::vector<platform::Measurement> ms = measure_by_region(tables, {});
    for (size_t j = 0; j < tables.size(); ++j) {
        Trial &t = *tables[j].trial;
        count_target_work(ms[j]);
        ++r_.composed_checked;
        if (ms[j].status != platform::RunStatus::kOk || ms[j].cycles_median != t.measurement.cycles_median) {
            ++r_.composed_differed;
            note("composed " + schedule_summary(t.schedule) + ": " + std::to_string(t.measurement.cycles_median) +
                 " cycles; run whole: " + platform::to_string(ms[j].status) + ", " + std::to_string(ms[j].cycles_median) +
                 " cycles" + (ms[j].error.empty() ? "" : " (" + ms[j].error + ")") + ": the whole run's figures are used");
        }
        t.measurement = ms[j];
        t.agent = kTableAgent;
        if (const auto known = known_.find(t.hash); known != known_.end() && known->second.measurement_id)
            db_->replace_measurement(known->second.measurement_id,
                                     {t.candidate_id, known->second.build_id, t.agent, t.measurement, t.arena_region});
    }
    if (r_.composed_differed > 0)
        compute_front(r_);
}

// The pick of a schedule-as-data run measured again in its specialized image (what the user deploys).
void TuneSession::check_specialized_pick()
{
    const Trial &best = r_.trials[*r_.best];
    const platform::Result<BuiltImage> br = builder_->build(*m_, best.schedule, board_);
    if (!br.ok()) {
        note("the best pick's specialized image: build failed: " + br.status().message());
        return;
    }
    RunJob job = measure_job(best.schedule);
    job.elf = br->elf_path;
    if (const auto crc = expected_crc(best.schedule); crc.ok())
        job.expected_crc = *crc;
    const platform::Measurement ms = runner_->submit(job).get().measurement;
    count_target_work(ms);
    r_.best_specialized_flash_bytes = flash_bytes(br->elf_path);
    report_specialized(r_, best, ms, [this](const std::string &s) { note(s); });
}

// ---- shared by the steps

std::string TuneSession::arena_region(const Schedule &s) const
{
    return places_arena_ && !s.layers.empty() ? s.layers[0].placement : "";
}

std::string TuneSession::twin_key(const Schedule &s) const
{
    const std::string region = arena_region(s);
    if (region.empty())
        return code_hash(s);
    const platform::MemoryRegion *r = board_region(board_, region);
    return code_hash(s) + " arena waits " + (r ? std::to_string(r->timing.load_wait) + "/" + std::to_string(r->timing.store_wait)
                                               : region);
}

RunJob TuneSession::measure_job(const Schedule &s) const
{
    RunJob job;
    job.board = board_.name;
    job.backend = backend_;
    job.repeats = req_.repeats;
    job.warmups = req_.warmups;
    job.deadline = req_.run_deadline;
    job.arena_region = arena_region(s);
    return job;
}

// What the strategy hears of a trial. With stop_dominated, a trial slower than a point with no
// larger arena is told as failed whether its run was stopped or, measured whole, was not (which
// depends on which measurement finished first): the search then goes the same way every time,
// and a resumed run the way the uninterrupted one went. Called once the batch bounds (record).
Objectives TuneSession::told_objectives(const Trial &t) const
{
    if (req_.stop_dominated && t.ok())
        if (const auto bound = dominance_.at(t.plan.peak_bytes); bound && *bound < t.measurement.cycles_median)
            return Objectives::failure();
    return objectives_of(t);
}

// A trial that may enter the front bounds the candidates after it.
void TuneSession::bound_by(const Trial &t)
{
    if (t.ok() && !(r_.flash_budget_bytes && t.flash_bytes > r_.flash_budget_bytes))
        dominance_.add(t.plan.peak_bytes, t.measurement.cycles_median);
}

void TuneSession::count_target_work(const platform::Measurement &ms)
{
    std::lock_guard lk(count_mu_);
    r_.image_loads += ms.image_loads;
    r_.firmware_runs += ms.runs;
}

// The CRC every image of s must print; fails when the host reference cannot run it.
platform::Result<uint32_t> TuneSession::expected_crc(const Schedule &s)
{
    std::vector<AttentionMode> modes;
    for (const auto &k : s.layers)
        modes.push_back(k.attention);
    if (auto it = crc_by_modes_.find(modes); it != crc_by_modes_.end())
        return it->second;
    const platform::Result<ReferenceOutput> ref = run_reference(*m_, s);
    if (!ref.ok())
        return platform::Status::internal(ref.status().message());
    return crc_by_modes_[modes] = ref->crc32;
}

// The ETA comes from the throughput measured after the first measurement (which also compiles
// the kernel library: minutes, against seconds for the others) once a few more have come in;
// before that it is unknown rather than a guess 10x off.
void TuneSession::report_progress(const Trial &t, bool measured_now)
{
    constexpr uint64_t kMeasuredBeforeEta = 4;
    std::lock_guard lk(progress_mu_);
    TuneProgress &pg = r_.progress;
    const auto now = Clock::now();
    ++pg.done;
    if (measured_now) {
        ++pg.measured;
    } else {
        ++pg.reused;
    }
    if (measured_now && t.agent == kComposedAgent)
        ++pg.composed;
    if (t.above_bound()) {
        if (measured_now)
            ++pg.above_bound;
    } else if (!t.ok()) {
        ++pg.failed;
    }
    pg.elapsed_s = std::chrono::duration<double>(now - t0_).count();
    if (measured_now && !warm_at_) {
        warm_at_ = now;
        done_at_warm_ = pg.done;
        measured_at_warm_ = pg.measured;
    }
    if (warm_at_ && pg.measured - measured_at_warm_ >= kMeasuredBeforeEta && pg.done > done_at_warm_) {
        const double per_trial = std::chrono::duration<double>(now - *warm_at_).count() / double(pg.done - done_at_warm_);
        pg.eta_s = double(pg.planned - std::min(pg.planned, pg.done)) * per_trial;
    }
    std::ostringstream l;
    l << schedule_summary(t.schedule) << ": " << platform::to_string(t.measurement.status);
    if (t.ok())
        l << ", " << t.measurement.cycles_median << " cycles, " << t.plan.peak_bytes << " B";
    else if (!t.measurement.error.empty())
        l << " (" << t.measurement.error << ")";
    if (t.from_database)
        l << " [recorded earlier]";
    else if (!measured_now)
        l << " [" << t.agent << "]";
    pg.last = l.str();
    if (cb_.progress)
        cb_.progress(pg);
}

}  // namespace tinytx::tuner
