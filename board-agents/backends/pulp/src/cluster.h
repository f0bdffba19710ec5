// The PULP cluster simulator: N cores (RV32IMC + XpulpV2) sharing a banked L1 (TCDM), an L2 and
// an instruction cache, the pulp-open peripherals a cluster runtime needs (cluster control, event
// unit barriers, the mchan DMA, performance counters, CORESTATUS and stdout; periph.h), and the
// fabric controller (FC) that boots the cluster. All in one deterministic loop: the core with the
// smallest cycle count always executes next (ties: lowest id), so memory accesses reach the TCDM
// banks in time order and bank conflicts are arbitrated first come, first served.
//
// Boot as on GVSoC's pulp-open: only the FC starts, at the entry point; it starts the cluster
// cores through cluster control. Images that are not pulp-open images (RV32 virt) boot every
// cluster core at the entry instead, and their startup code parks all but core 0.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "icache.h"
#include "insn.h"
#include "periph.h"
#include "timing.h"

namespace tinytx::agent::pulp {

struct RegionSpec {
    std::string name;
    uint32_t origin = 0, length = 0;
    bool tcdm = false;   // banked L1: one cycle, bank conflicts; otherwise L2-class memory
};

// Why a core stalled, per core (the bench prints them)
struct StallCounters {
    uint64_t load_use = 0, tcdm_conflict = 0, l2 = 0, branch = 0, muldiv = 0, misaligned = 0,
             barrier = 0, dma_wait = 0, icache = 0;
};

struct Core {
    enum class State : uint8_t { kRunning, kOff, kWaitBarrier, kParked };
    uint32_t id = 0;          // index: cluster cores 0..N-1, the FC is N
    uint32_t hartid = 0;      // mhartid: cluster core i is i, the FC 0x3E0
    State state = State::kRunning;
    uint32_t x[32] = {0};
    uint32_t pc = 0;
    uint64_t cycle = 0;       // this core's cycle counter (mcycle)
    uint64_t instret = 0;     // retired instructions (minstret)
    uint8_t last_load_rd = 0; // destination of the previous instruction when it was a load, mul or mulh
    bool last_is_mul = false;  // ... and it was a mul or mulh (mul_use, not load_use)
    // hardware loops 0 (inner) and 1
    uint32_t lp_start[2] = {0, 0}, lp_end[2] = {0, 0}, lp_count[2] = {0, 0};
    // machine-mode CSRs
    uint32_t mtvec = 0, mepc = 0, mcause = 0, mtval = 0, mstatus = 0, mscratch = 0;
    // PULP performance counters: event enable and mode; the loads and stores they count
    uint32_t pcer = 0, pcmr = 0;
    uint64_t loads = 0, stores = 0, l2_loads = 0;
    // event unit bookkeeping
    uint8_t wait_rd = 0;      // destination of the load that blocked
    uint64_t wait_since = 0;
    // the DMA command this core is writing (mchan's per-core command queue)
    uint32_t dma_tid = 0, dma_words = 0, dma_cmd = 0, dma_l1 = 0, dma_l2 = 0, dma_row = 0, dma_stride = 0;
    StallCounters stalls;
};

class Cluster {
public:
    enum class Stop {
        kExit,        // a semihosting exit (exit_status())
        kBreakpoint,  // core 0 is about to execute a watched address (pc())
        kLimit,       // the instruction budget of run() is used up
        kFault,       // a trap with no handler installed (mtvec == 0), fault_pc()
        kDeadlock,    // no core can run: every one waits in a barrier, is off or parked
        kHalted,      // core 0 executed wfi
    };
    // semihosting: op (a0), arg (a1) -> a0; sets `exit` to stop
    struct SemihostResult {
        bool exit = false;
        int status = 0;
        uint32_t value = 0;
    };
    using Semihost = std::function<SemihostResult(uint32_t op, uint32_t arg)>;

    enum class Boot { kClusterCores, kFabricController };

    Cluster(const Timing &t, std::vector<RegionSpec> regions);

    // host access to memory (loading, mailbox); false when not mapped
    bool read(uint32_t addr, void *dst, size_t n) const;
    bool write(uint32_t addr, const void *src, size_t n);
    bool mapped(uint32_t addr, size_t n) const;

    void reset(uint32_t entry, Boot boot = Boot::kClusterCores);
    void watch(uint32_t addr);           // core 0 stops with kBreakpoint before executing addr
    void set_semihost(Semihost s) { semihost_ = std::move(s); }
    // bytes the cores write to the stdout peripheral
    void set_console(std::function<void(char)> c) { console_ = std::move(c); }

    // Runs until a stop or until `budget` instructions (all cores) executed. After kBreakpoint,
    // the next run() executes the watched instruction first.
    Stop run(uint64_t budget);

    Core &core(uint32_t i) { return cores_[i]; }
    const Core &core(uint32_t i) const { return cores_[i]; }
    uint32_t cores() const { return uint32_t(cores_.size()) - 1; }  // cluster cores
    const Core &fc() const { return cores_.back(); }
    uint32_t pc() const { return cores_[0].pc; }
    int exit_status() const { return exit_status_; }
    uint32_t fault_pc() const { return fault_pc_; }
    const std::string &fault_message() const { return fault_message_; }
    // the trap that reached a handler last (the firmware's fault handler then exits with 3)
    bool trapped() const { return trapped_; }
    uint32_t trap_pc() const { return trap_pc_; }
    uint64_t instructions() const { return instructions_; }
    const Timing &timing() const { return t_; }
    uint64_t dma_bytes() const { return dma_bytes_; }
    // cycles spent per instruction address, summed over the cores (profiling; off by default)
    void enable_profile() { profile_on_ = true; }
    const std::unordered_map<uint32_t, uint64_t> &profile() const { return profile_; }

private:
    struct Region {
        RegionSpec spec;
        std::vector<uint8_t> mem;
        std::vector<Insn> icache;  // decoded instructions per halfword, Op::kInvalid = not yet
    };

    void step(Core &c);
    void exec(Core &c, const Insn &in);
    const Insn &fetch(Core &c, bool &ok);
    void trap(Core &c, uint32_t cause, uint32_t tval, const std::string &what);
    void hwloop(Core &c, uint32_t next_pc);

    // memory from a core: value, extra cycles into c.cycle; false on an access fault
    bool load(Core &c, uint32_t addr, uint8_t kind, uint32_t &value);
    bool store(Core &c, uint32_t addr, uint32_t size, uint32_t value);
    Region *region(uint32_t addr, size_t n);
    const Region *region(uint32_t addr, size_t n) const;
    void invalidate(Region &r, uint32_t addr, size_t n);
    uint32_t memory_cost(Core &c, const Region &r, uint32_t addr, uint32_t size, bool is_load);

    // peripherals: false = the access faulted; a load may also block the core (blocked = true)
    static bool is_periph(uint32_t addr);
    bool periph_load(Core &c, uint32_t addr, uint8_t rd, uint32_t &value, bool &blocked);
    bool periph_store(Core &c, uint32_t addr, uint32_t value);
    void barrier_arrive(Core &c, uint32_t b, uint8_t rd);
    bool dma_command(Core &c, uint32_t word);
    bool dma_transfer(Core &c);
    void fetch_enable(const Core &by, uint32_t mask);

    bool csr(Core &c, uint32_t num, uint32_t *old, uint32_t value, int how);

    Timing t_;
    std::vector<Region> regions_;
    Region *l1_ = nullptr;
    std::vector<Core> cores_;           // cluster cores, then the FC
    InstructionCache icache_;
    std::vector<uint64_t> bank_free_;   // first cycle each TCDM bank is free again
    std::vector<uint32_t> watched_;
    bool skip_watch_ = false;
    Semihost semihost_;
    std::function<void(char)> console_;
    uint64_t epoch_ = 0;                // bumps whenever a core changes state
    uint32_t running_ = 1;

    // cluster control
    std::vector<uint32_t> boot_addr_;
    // event unit: the hardware barriers
    struct Barrier {
        uint32_t trigger_mask = 0, target_mask = 0, arrived = 0;
        uint64_t last = 0;              // the latest arrival
    };
    std::array<Barrier, kEuBarriers> barriers_{};
    // DMA: transfer ids allocated, the cycle each one completes, the engine's next free cycle
    uint32_t dma_allocated_ = 0;
    std::array<uint64_t, kDmaIds> dma_done_{};
    uint64_t dma_free_ = 0;
    uint64_t dma_bytes_ = 0;

    // how the last run() ended
    Stop stop_ = Stop::kLimit;
    bool stopping_ = false;
    int exit_status_ = 0;
    uint32_t fault_pc_ = 0;
    std::string fault_message_;
    bool trapped_ = false;
    uint32_t trap_pc_ = 0;
    uint64_t instructions_ = 0;
    bool profile_on_ = false;
    std::unordered_map<uint32_t, uint64_t> profile_;
};

}  // namespace tinytx::agent::pulp
