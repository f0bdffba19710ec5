// One emulated run of one image: a Unicorn engine, the board's memory, the hooks that count
// instructions and model cycles per block, the measurement-window bookkeeping, semihosting and
// the deadline. Created and destroyed inside one Backend::run() call; nothing is shared between
// machines, so runs on several threads are independent.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unicorn/unicorn.h>
#include <unordered_map>
#include <vector>

#include "access_plan.h"
#include "block_cache.h"
#include "cycle_model.h"
#include "high_water.h"
#include "region_waits.h"
#include "rv32_counters.h"
#include "scs.h"
#include "tinytx/agent/iss/iss.h"
#include "tinytx/agent/iss/semihosting.h"
#include "tinytx/agent/run_failure.h"

namespace tinytx::agent::iss {

using Clock = std::chrono::steady_clock;

// why a table its limits skip has no figures (TableLimits::skip)
inline constexpr const char *kNotRunMessage = "not run: the host has its figures";

// Unicorn could not be opened or configured (status kUnavailable).
class EmulatorUnavailable : public Unavailable {
public:
    using Unavailable::Unavailable;
};

struct Outcome {
    enum class End {
        kExit,      // SYS_EXIT / SYS_EXIT_EXTENDED; exit_status says how
        kTimeout,   // the deadline passed
        kFault,     // CPU exception, invalid instruction, unmapped access
        kHalted,    // emulation stopped on its own (WFI, a jump to the stop page)
        kProtocol,  // the image broke the mailbox protocol (message says how)
        kAboveBound,  // a run passed its table's cycle bound (reached_cycles, past it)
        kProbed,      // a run entered the probe its table's limits stop at (reached_cycles, there)
        kNotRun,      // the next table's limits said not to run it
    };
    End end = End::kHalted;
    int exit_status = 0;
    std::optional<uint32_t> fault_pc;
    std::string message;
    std::vector<RunRecord> records;  // one per tx_bench_done
    uint32_t pc = 0;                 // where emulation ended
    uint64_t reached_cycles = 0;     // kAboveBound, kProbed: the run's cycles when it was stopped
    std::vector<ProbeHit> probes;    // kAboveBound, kProbed: the stopped run's probe hits
};

class Machine {
public:
    enum Marker : uint8_t {
        kBegin = 1, kEnd = 2, kDone = 4, kMain = 8, kStackPaint = 16, kStop = 32, kSchedule = 64, kProbe = 128
    };

    // `expected_runs` = warmups + repeats, written into the mailbox (`runs`, `repeats` = 1);
    // `arena_region`: the board region the arena stands for (RunOptions::arena_region).
    Machine(const BoardProfile &board, const ElfImage &image, uint32_t expected_runs,
            const std::string &arena_region, const IssConfig &config, Clock::time_point deadline,
            IssRunReport &report);
    ~Machine();
    Machine(const Machine &) = delete;
    Machine &operator=(const Machine &) = delete;

    // Schedule-as-data images: before run k the table tables[k / runs_per_table] is written at the
    // image's tx_schedule_table (when it calls tx_schedule_load). Call before run().
    // on_group(k, records) is called once the runs of table k are all recorded; limits(k), when
    // set, before table k's runs (agent::TableLimits): a run that passes its cycle bound or enters
    // its stop probe stops the machine (kAboveBound, kProbed); a table to skip stops it before
    // the table is written (kNotRun).
    void write_tables(const std::vector<TableRun> &tables, uint32_t runs_per_table,
                      std::function<void(size_t, const std::vector<RunRecord> &)> on_group,
                      std::function<TableLimits(size_t)> limits = {})
    {
        tables_ = &tables;
        runs_per_table_ = runs_per_table;
        on_group_ = std::move(on_group);
        limits_of_ = std::move(limits);
    }
    // Functions whose entries each run records (RunRecord::probes; RunOptions::probe_symbols);
    // names the image lacks are never hit. Call before run().
    void probe(const std::vector<std::string> &symbols) { probe_symbols_ = symbols; }

    // Sets up the engine and runs the image to its end. Throws InvalidArgument when the image
    // does not fit the board's emulated memory, EmulatorUnavailable when Unicorn fails.
    Outcome run();

private:
    enum class Stop { kNone, kResume, kRetranslate, kExit, kTimeout, kFault, kProtocol, kAboveBound, kProbed, kNotRun };
    struct Window {
        uint64_t instructions = 0, cycles = 0;
    };

    // setup
    void open_engine();
    void map_memory();
    void load_image();
    void resolve_symbols();
    void install_hooks();
    uint32_t reset();

    // hook bodies
    void on_block(uint32_t addr, uint32_t size);
    const BlockInfo *classify(uint32_t addr, uint32_t size);
    void on_markers(uint32_t addr, uint8_t markers);
    void on_interrupt(uint32_t intno);
    bool on_invalid_instruction();
    void on_invalid_memory(uc_mem_type type, uint64_t addr, int size);
    void on_code(uint32_t addr);
    void on_site(uint32_t addr);
    void hook_site(const UnresolvedSite &s);
    struct Plan;
    void charge(const Plan &p);
    void charge(const Plan &p, const uint32_t *regs);
    void charge(const Access &a, const uint32_t *regs);
    void charge_one(uint32_t addr, uint32_t size, bool store);
    void read_regs(uint16_t mask, uint32_t *regs);
    void on_write(uint32_t addr, uint32_t size)
    {
        if (in_window_) hw_.on_write(addr, size);
    }
    void check_clock();
    void stop_above_bound();
    void on_probe(uint32_t addr);

    // helpers
    bool read(uint32_t addr, void *dst, size_t n);
    bool write(uint32_t addr, const void *src, size_t n);
    bool covered(uint64_t addr, uint64_t len) const;
    uint32_t reg(int r);
    void set_reg(int r, uint32_t v);
    uint32_t pc();
    void redirect(uint32_t addr);  // from an interrupt hook: continue at addr
    void fault(const std::string &what, uint32_t at);
    void semihost(uint32_t op, uint32_t arg, uint32_t next_pc, bool from_interrupt);
    void take_record();
    void load_table();

    static void hook_block(uc_engine *, uint64_t, uint32_t, void *);
    static void hook_intr(uc_engine *, uint32_t, void *);
    static bool hook_invalid(uc_engine *, void *);
    static bool hook_mem_invalid(uc_engine *, uc_mem_type, uint64_t, int, int64_t, void *);
    static void hook_code(uc_engine *, uint64_t, uint32_t, void *);
    static void hook_site_code(uc_engine *, uint64_t, uint32_t, void *);
    static void hook_write(uc_engine *, uc_mem_type, uint64_t, int, int64_t, void *);
    static void hook_load_wait(uc_engine *, uc_mem_type, uint64_t, int, int64_t, void *);
    static void hook_store_wait(uc_engine *, uc_mem_type, uint64_t, int, int64_t, void *);
    static uint64_t mmio_read(uc_engine *, uint64_t, unsigned, void *);
    static void mmio_write(uc_engine *, uint64_t, unsigned, uint64_t, void *);

    const BoardProfile &board_;
    const ElfImage &image_;
    const uint32_t expected_runs_;
    const std::string arena_region_;
    const IssConfig config_;
    const Clock::time_point deadline_;
    IssRunReport &report_;
    const bool arm_;

    uc_engine *uc_ = nullptr;
    uint32_t page_size_ = 4096;
    std::vector<std::pair<uint64_t, uint64_t>> mapped_;  // [lo, hi), sorted
    uint32_t stop_addr_ = 0;
    CostTable costs_;
    BlockCache cache_;
    SystemControlSpace scs_;
    Semihosting semihosting_;
    HighWater hw_;
    std::optional<RegionWaits> waits_;  // set once the arena's symbols are known

    // wait states per block (access_plan.h): the blocks' planned accesses, the instructions
    // charged by their own code hooks (sorted pcs, and their accesses), a block to translate again
    bool plan_waits_ = false;
    struct Plan {
        std::vector<Access> accesses;  // in the order of their spans
        std::vector<AccessSpan> spans;
        uint16_t regs = 0;  // the core registers their addresses read
        Plan(std::vector<Access> a);
    };
    std::vector<Plan> plans_;
    std::vector<uint32_t> hooked_;
    struct Site {
        uint8_t cond = 0xE;
        Plan plan;
    };
    std::unordered_map<uint32_t, Site> sites_;
    std::optional<std::pair<uint32_t, uint32_t>> retranslate_;
    uint32_t pending_exit_ = BlockInfo::kNoPlan;  // the last block's accesses known at its exit
    uint32_t entry_regs_[16] = {};
    uint16_t entry_have_ = 0;  // bits of entry_regs_ read in this block

    // symbols
    uint32_t mailbox_ = 0, begin_ = 0, end_ = 0, done_ = 0;
    std::optional<uint32_t> main_, stack_paint_;
    uint32_t stack_bottom_ = 0, stack_top_ = 0, arena_start_ = 0, arena_end_ = 0;
    std::vector<std::pair<uint32_t, uint8_t>> markers_;  // sorted by address
    const std::vector<TableRun> *tables_ = nullptr;
    std::function<void(size_t, const std::vector<RunRecord> &)> on_group_;
    uint32_t runs_per_table_ = 1, table_ = 0;  // table_: tx_schedule_table's address
    std::function<TableLimits(size_t)> limits_of_;
    std::optional<uint64_t> bound_;         // the current table's cycle bound
    std::optional<uint32_t> stop_probe_;    // the current table's stop probe (a hit count)
    std::vector<std::string> probe_symbols_;
    std::vector<std::pair<uint32_t, uint32_t>> probe_at_;  // entry address -> probe index, sorted
    std::vector<ProbeHit> hits_;            // the current window's

    // counting
    uint64_t instructions_ = 0, cycles_ = 0;
    bool prev_conditional_ = false;
    uint32_t prev_fallthrough_ = 0, prev_taken_extra_ = 0;
    uint64_t next_clock_check_ = 0;
    uint64_t stop_at_cycles_ = UINT64_MAX;  // inside a bounded run's window: where its bound is passed

    // measurement windows
    bool in_window_ = false, window_closed_ = false, window_consumed_ = true;
    Window window_start_, last_window_, calibration_;
    HighWater::Peaks last_diff_, last_hook_;
    uint32_t last_stack_ref_ = 0;
    uint32_t watch_return_ = UINT32_MAX;  // return address of tx_stack_paint
    std::optional<uint32_t> paint_end_;

    // RV32 counter CSR reads
    std::vector<CounterRead> counter_reads_;
    struct Pending {
        bool active = false;
        uint32_t next = 0;
        uint8_t rd = 0;
        uint32_t value = 0;
    } pending_;

    // how emulation stopped
    Stop stop_ = Stop::kNone;
    Outcome out_;
    std::optional<std::pair<uc_mem_type, uint64_t>> bad_access_;
    std::vector<uc_hook> hooks_;
    std::optional<uc_hook> intr_hook_;
};

}  // namespace tinytx::agent::iss
