// tinytx::tuner::tune — the tuner's main loop (ARCHITECTURE.md "Data flow"): a model and a board
// -> DesignSpace -> SearchStrategy batches -> MemoryPlanner (budget) + CostModel (prediction) ->
// Builder -> Runner (agents) -> Database -> CostModel calibration -> Pareto front and best point.
//
// Resumable: the run is identified by its command (model spec hash, board, budget, strategy,
// trials, seed, space mode, batch, repeats, backend). Started again, the same strategy replays the
// same proposals; every candidate the database already holds a result for is told from there
// instead of being built and measured again, so an interrupted run ends with the same front as an
// uninterrupted one. Each batch is recorded in one transaction.
//
// Measurement images: where the agents write layer tables (the in-process agent on the iss), the
// candidates run in one schedule-as-data image of the model (schedule_data.h): built once, loaded
// once per request, a table written before each candidate's runs. The best pick is then measured
// in its specialized image too (the one --emit-c deploys) and both figures are reported.
// Elsewhere (or with images = "specialized") every candidate is its own image.
//
// Strategy `auto`: without a trial count, every point within the budget when the estimated time
// to measure them all fits time_budget (exhaustive), else the cost-model-guided search with as
// many trials as fit it (at least kDefaultTrials); with a trial count, exhaustive when the points
// within the budget are no more than it, else NSGA-II.
//
// Placement: the images are the same whatever a schedule's placement (builder.h); where every
// agent places the arena (RunJob::arena_region: the iss), each candidate's measurement puts it in
// its layers[0].placement, and schedule-as-data batches go one request per placement. Candidates
// whose image is identical and whose arena regions have the same wait states (SRAM1 and SRAM2 on
// the L4) are measured once: the second gets a copy of the first's measurement, its agent field
// saying so. Where the agents cannot place the arena (qemu, a board, GAP9's pulp) every placement
// twin shares one measurement with the arena where the image's link put it, and a note says so.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tinytx/platform/status.h"
#include "tinytx/platform/measurement.h"
#include "tinytx/tuner/cost_model.h"
#include "tinytx/tuner/database.h"
#include "tinytx/tuner/design_space.h"
#include "tinytx/tuner/memory_planner.h"
#include "tinytx/tuner/model.h"
#include "tinytx/tuner/schedule.h"

namespace tinytx::tuner {

class Agent;

// The version every export and database row of this tuner names.
const char *tool_version();

// "512KB", "512KiB", "0.5MiB", "65536", "64k" -> bytes. KB/KiB/K are 1024 (MCU datasheets count
// RAM in binary units), MB/MiB/M 1024^2. A failure's message names the input.
platform::Result<uint64_t> parse_byte_size(const std::string &text);
// 53248 -> "52.0 KiB"
std::string format_bytes(uint64_t bytes);

inline constexpr int64_t kDefaultTimeBudgetS = 600;

struct TuneRequest {
    std::filesystem::path model_path;     // a model spec (.json) or an ONNX encoder (imported)
    bool model_files_confined = false;    // a farm's stored upload: its files only beside it
                                          // (load_model_confined), never a path it names
    std::filesystem::path calib;          // ONNX only: calibration inputs (.npy); "" = next to it
    std::optional<double> min_cosine;     // ONNX only: the importer's accuracy floor
    std::filesystem::path val;            // ONNX only: a labelled validation set (.npz x, y)
    std::optional<double> min_accuracy;   // ONNX with val: the int8 top-1 floor (the importer's)
    std::string board;                    // board profile name
    uint64_t budget_bytes = 0;            // arena budget; required
    uint64_t flash_budget_bytes = 0;      // images above it leave the front; 0 = the board's flash
    std::string strategy = "auto";        // auto | exhaustive | nsga2 | guided
    uint64_t trials = 0;                  // candidates to evaluate; 0 = kDefaultTrials, or for
                                          // `auto` what time_budget allows (see above)
    std::chrono::seconds time_budget{kDefaultTimeBudgetS};  // `auto`'s bound on measuring time
    std::string images = "auto";          // auto | specialized (see above)
    bool stop_dominated = true;           // schedule-as-data runs on the iss: a candidate stops
                                          // once it is slower than a measured point with no
                                          // larger arena (dominance_bound.h); false: every
                                          // candidate measured whole
    std::string weights = "auto";         // auto: the space also puts the weights in RAM where they
                                          // fit and load faster than from flash, but on qemu
                                          // (weights_region_choice); flash: they stay in flash
    uint64_t seed = 1;
    SpaceMode mode = SpaceMode::kShared;
    size_t batch = 8;                     // proposals per round (part of the run's identity)
    uint32_t repeats = 1, warmups = 0;    // per measurement
    std::string backend;                  // iss | qemu | pulp | openocd; "" = for the in-process
                                          // agent pulp on RISC-V boards (GAP9), iss on Cortex-M
    std::chrono::milliseconds run_deadline{120000};
    std::filesystem::path db_path = "tinytx.db";
    std::filesystem::path cache_dir;      // builder cache; "" = <db dir>/tinytx-cache
    std::filesystem::path boards_dir;     // "" = the source tree's board-agents/boards
    std::vector<std::shared_ptr<Agent>> agents;  // empty = one in-process agent
    unsigned jobs = 0;                    // measurements in flight; 0 = hardware concurrency
};

inline constexpr uint64_t kDefaultTrials = 160;

// One evaluated candidate.
struct Trial {
    uint64_t index = 0;                   // in the design space
    Schedule schedule;
    std::string hash;                     // schedule_hash
    int64_t candidate_id = 0;
    platform::Measurement measurement;
    std::string agent;                    // who measured it (or "reused ..." for a copy)
    std::string arena_region;             // the board region its arena was in when measured
                                          // (its placement where the agents place arenas); ""
                                          // = where the image's link put it
    bool from_database = false;           // recorded by an earlier (interrupted) run
    MemoryPlan plan;
    uint64_t flash_bytes = 0;             // text + rodata + data of its specialized image (0 when
                                          // not built; measured in a schedule-as-data image: of
                                          // the specialized image of its variants and modes)
    double predicted_cycles = 0;          // by the cost model before calibration on this run,
                                          // with the arena in arena_region
    bool ok() const { return measurement.status == platform::RunStatus::kOk; }
    bool above_bound() const { return measurement.status == platform::RunStatus::kAboveBound; }
};

struct TuneProgress {
    uint64_t planned = 0;                 // trials this run will evaluate
    uint64_t done = 0;                    // evaluated so far (measured + reused)
    uint64_t measured = 0;                // measured by this process
    uint64_t reused = 0;                  // recorded earlier, or a placement twin of one measured
    uint64_t failed = 0;                  // status other than OK (and ABOVE_BOUND)
    uint64_t above_bound = 0;             // of `measured`, stopped once dominated (kAboveBound)
    uint64_t composed = 0;                // of `measured`, cycles composed from segments other runs
                                          // measured (segment_ledger.h), not run or run in part
    uint64_t over_budget = 0;             // proposals skipped: planned peak above the budget
    double elapsed_s = 0;
    double eta_s = -1;                    // < 0 = unknown
    std::string last;                     // a line about the newest trial
};

struct MinimalPeak {
    uint64_t peak_bytes = 0;
    Schedule schedule;
};

struct TuneReport {
    std::string model_name, model_hash, board, strategy;
    uint64_t budget_bytes = 0;
    uint64_t flash_budget_bytes = 0;      // 0 = unchecked (the board lists no flash)
    uint64_t clock_hz = 0;
    TuningRun run;
    uint64_t space_size = 0;
    std::optional<uint64_t> feasible;     // points within the budget, when countable
    MinimalPeak minimal_peak;
    std::vector<Trial> trials;            // in proposal order
    std::vector<size_t> front;            // indices into trials: the Pareto front (ok, in both budgets)
    std::string front_source;             // emulated | measured
    std::optional<size_t> best;           // fastest front point (ties: less energy, memory)
    CostModel cost_model;                 // calibrated on every ok trial of this board
    CostErrorReport prior_error;          // the cost model this run started with, on its trials
    CostErrorReport heldout_error;        // fit on 75% of the trials, evaluated on the rest
    double median_heldout_error_pct = -1; // median |pred - meas| / meas on held-out (-1: too few)
    TuneProgress progress;
    double seconds = 0;
    // how the candidates were measured: "schedule-as-data" or "specialized" (images per candidate)
    std::string images;
    // what the measurements of this process took on the targets (the agents' counters):
    // image loads (flashes on a board) and firmware runs, warm-ups and the final check included
    uint64_t image_loads = 0, firmware_runs = 0;
    // the front's points whose cycles were composed (TuneProgress::composed), run whole at the end
    // (their whole runs' figures are reported and recorded): how many, and how many differed
    uint64_t composed_checked = 0, composed_differed = 0;
    double estimated_space_s = -1;        // the estimated time to measure every point in the budget
    // schedule-as-data runs: the best pick measured in its specialized image, and how far its
    // cycles are from the schedule-as-data figure (percent of that figure)
    std::optional<platform::Measurement> best_specialized;
    uint64_t best_specialized_flash_bytes = 0;
    double best_specialized_deviation_pct = 0;
    std::string import_accuracy;          // ONNX models: the import report's "accuracy" (JSON text)
};

struct TuneOutcome {
    int exit_code = 0;                    // 0 ok, 1 bad input or failure, 2 budget below the minimum,
                                          // 3 cancelled
    std::string error;                    // for exit_code != 0
    std::optional<MinimalPeak> minimal_peak;  // set when exit_code == 2
    std::optional<TuneReport> report;
};

struct TuneCallbacks {
    std::function<void(const TuneProgress &)> progress;   // after every trial
    std::function<void(const std::string &)> note;        // one-line notes (resume, calibration)
    // after every recorded batch, with the trials so far (front not computed: compute_front)
    std::function<void(const TuneReport &)> batch;
    // polled before every batch: true stops the run (exit code 3, run state "cancelled")
    std::function<bool()> cancelled;
};

TuneOutcome tune(const TuneRequest &req, const TuneCallbacks &cb = {});

// Fills r.front, r.front_source and r.best from r.trials (the OK ones within the budget).
void compute_front(TuneReport &r);

// The identity a run records for its model (models.spec_hash): sha256 over the spec file's text
// (m.spec_path), the weights' sha256 and the calibration input.
std::string model_hash(const Model &m);

// The model of a request: a spec, or an ONNX encoder imported with the request's options.
platform::Result<Model> load_request_model(const TuneRequest &req);

// The smallest planned arena over the space's knob sets (shared mode: every layer alike).
MinimalPeak minimal_peak(const Model &m, const DesignSpace &space);

}  // namespace tinytx::tuner
