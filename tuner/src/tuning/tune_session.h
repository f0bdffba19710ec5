// One tuning run as named steps, after TVM's task scheduler: set up, then rounds of propose (and
// plan), match what is known, build and measure, record, tell; then finish (calibrate, select the
// front, check the pick in its specialized image). tune() (tuning.cpp) runs them in this order.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <vector>

#include "tinytx/platform/board_profile.h"
#include "tinytx/tuner/builder.h"
#include "tinytx/tuner/database.h"
#include "tinytx/tuner/runner.h"
#include "tinytx/tuner/search.h"
#include "tinytx/tuner/tuning.h"
#include "dominance_bound.h"
#include "segment_ledger.h"

namespace tinytx::tuner {

std::vector<uint8_t> read_file_bytes(const std::filesystem::path &p);

// One round's trials: proposed, checked against the budget and planned once (the plan travels
// with the trial into the builder), and what this run knows of each already.
struct Batch {
    std::vector<Trial> trials;
    std::vector<std::pair<uint64_t, Objectives>> tells;     // for the strategy, by space index
    std::vector<int64_t> reused_ids;                        // recorded earlier: candidate ids
    std::vector<std::optional<int64_t>> build_ref;          // twins of earlier batches' trials
    std::vector<std::optional<size_t>> twin_of;             // twins within this batch
    std::vector<size_t> to_measure;                         // one per twin key
    std::vector<std::optional<BuildRecord>> builds;         // what measure() built
};

class TuneSession {
public:
    TuneSession(const TuneRequest &req, const TuneCallbacks &cb);

    // Each step returns false when the run stops; outcome() then says why.
    bool set_up();
    bool wants_more() const;
    bool cancelled() const;
    void cancel();
    std::optional<Batch> propose();
    void match_known(Batch &b);
    bool measure(Batch &b);
    bool record(Batch &b);
    void tell(Batch &b);
    void finish();

    TuneOutcome &outcome() { return out_; }

private:
    // what is known already, by schedule hash and by twin key (placement twins)
    struct Known {
        platform::Measurement measurement;
        std::string agent, hash;
        std::optional<int64_t> build_id;
        uint64_t flash_bytes = 0;
        int64_t measurement_id = 0;  // its row in the database
    };

    bool fail(const std::string &msg);
    void note(const std::string &s) const;
    // set_up's parts, in order
    bool load_inputs();
    bool make_space();
    bool connect_agents();
    void choose_strategy();
    bool open_database();
    void load_known();
    void start_workers();
    // measure's two kinds of image; not ok: a build or reference run failed (the run stops)
    platform::Status measure_in_table_image(Batch &b, const std::vector<size_t> &by_table,
                                            const std::vector<std::optional<uint32_t>> &crcs);
    platform::Status measure_in_own_image(Batch &b, size_t i, const std::optional<uint32_t> &crc,
                                          const std::string &crc_error);
    void check_specialized_pick();

    // The board region a measurement of s places its arena in: its placement where the agents
    // place arenas (places_arena_), else "" (where the image's link puts it).
    std::string arena_region(const Schedule &s) const;
    // Schedules with one key get one measurement: the same image (placement aside) with the arena
    // in regions of the same wait states (or not placed at all).
    std::string twin_key(const Schedule &s) const;
    RunJob measure_job(const Schedule &s) const;
    void count_target_work(const platform::Measurement &ms);
    platform::Result<uint32_t> expected_crc(const Schedule &s);
    void report_progress(const Trial &t, bool measured_now);
    void bound_by(const Trial &t);
    Objectives told_objectives(const Trial &t) const;
    // a trial's layer table as measure_by_region runs it: the config id it carries and its CRC
    struct TableOf {
        Trial *trial;
        uint32_t id;
        std::optional<uint32_t> crc;
    };
    std::vector<platform::Measurement> measure_by_region(
        const std::vector<TableOf> &tables, const std::function<void(RunJob &, const std::vector<size_t> &)> &hooks);
    agent::TableLimits table_limits(const Trial &t) const;
    void check_composed_front();
    platform::Measurement settle(const Trial &t, const platform::Measurement &heard, const std::optional<uint32_t> &crc,
                                 bool &composed);

    const TuneRequest &req_;
    const TuneCallbacks &cb_;
    const std::chrono::steady_clock::time_point t0_;
    TuneOutcome out_;
    TuneReport r_;

    // set up
    std::optional<Model> loaded_;
    const Model *m_ = nullptr;
    platform::BoardProfile board_;
    std::string backend_;
    SpaceOptions space_opt_;
    std::optional<DesignSpace> space_result_;
    const DesignSpace *space_ = nullptr;
    unsigned jobs_ = 1;
    std::vector<std::shared_ptr<Agent>> agents_;
    std::set<tx_variant> kernels_;  // the schedule-as-data image's GEMM variants
    bool table_images_ = false;
    bool places_arena_ = false;     // every agent honours RunJob::arena_region on this board
    uint64_t trials_ = 0;
    std::string kind_;
    std::unique_ptr<Database> db_;
    std::string source_;
    int64_t model_id_ = 0, board_id_ = 0;
    CostModel start_model_;
    std::unique_ptr<SearchStrategy> strategy_;
    std::map<std::string, Known> known_, known_twin_;
    std::unique_ptr<Runner> runner_;
    BuildOptions build_options_;
    std::unique_ptr<const Builder> builder_;

    // shared by the measuring threads
    // The first build compiles the kernel library for the core (with every core) alone, so no
    // two builds compile the same objects; later ones mostly hit the caches and run side by side.
    std::shared_mutex build_mu_;
    bool warmed_ = false;
    // the schedule-as-data image per weights region ("" = flash), each built when first needed
    std::map<std::string, platform::Result<BuiltImage>> data_images_;
    std::map<std::string, uint64_t> flash_by_class_;
    DominanceBound dominance_;  // from every front-eligible trial measured or known so far
    // schedule-as-data runs on the iss with dominated candidates stopped: cycles composed from
    // segments measured in other runs (segment_ledger.h); unset elsewhere
    std::optional<SegmentLedger> ledger_;
    std::mutex count_mu_;
    std::map<std::vector<AttentionMode>, uint32_t> crc_by_modes_;  // output depends on modes only
    std::mutex progress_mu_;
    std::optional<std::chrono::steady_clock::time_point> warm_at_;
    uint64_t done_at_warm_ = 0, measured_at_warm_ = 0;
};

}  // namespace tinytx::tuner
