// One emulated run (see machine.h).
//
// Unicorn 2.0.1 facts this code is built on (checked on Debian 12's libunicorn2):
//  - Cortex-M: UC_MODE_THUMB | UC_MODE_MCLASS, model via uc_ctl; the reset vector is not read
//    by Unicorn, so SP and PC are set from the image's vector table here. PC values written
//    from hooks need bit 0 set.
//  - `bkpt` arrives at UC_HOOK_INTR (intno 7, PC = the bkpt); `udf` at UC_HOOK_INSN_INVALID.
//    uc_emu_stop() is ignored inside an interrupt hook, so the hook moves the PC to a stop
//    address that is also the `until` address of uc_emu_start.
//  - RV32 `ebreak` arrives at UC_HOOK_INSN_INVALID and ends uc_emu_start whatever the hook
//    returns: semihosting calls resume with a new uc_emu_start. Other traps (illegal
//    instruction, access faults) arrive at UC_HOOK_INTR with the cause as intno.
//  - uc_emu_start's count argument installs a per-instruction hook and its timeout argument
//    starts a helper thread that polls every few microseconds, so neither is used: the block
//    hook counts instructions and looks at the clock every IssConfig::clock_check_instructions.
//  - Any memory hook (read or write, any range) sends every load and store through the slow
//    path: about 2x slower. Hence the snapshot high-water by default (high_water.h), and wait
//    states charged per block from its decoded accesses (access_plan.h).
//  - uc_emu_stop() in a block hook ends emulation before the block's first instruction (the
//    block's exit check comes after the hook); the PC is the block's address.
//  - A code hook fires before its instruction, predicated-false ones included, and only in code
//    translated after it was added: blocks holding a newly hooked instruction are removed from
//    the translation cache (uc_ctl_remove_cache) before emulation resumes.
//  - A translation block ends before an instruction that crosses a (1 KiB) page, inside an IT
//    block too: the next block starts mid-IT, and at its block hook CPSR holds that ITSTATE.
//  - A memory hook sees one call per register of LDM/STM, two for LDRD/STRD, one 8-byte call per
//    VFP double register; an unaligned load across a page is seen again as its two aligned
//    halves (a store is not).
#include "machine.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "tinytx/platform/mailbox.h"

namespace tinytx::agent::iss {

namespace {

std::string hex(uint64_t v)
{
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%08" PRIx64, v);
    return buf;
}

const char *arm_exception_name(uint32_t intno)
{
    switch (intno) {  // QEMU target/arm EXCP_* numbers
    case 1: return "undefined instruction";
    case 2: return "SVC";
    case 3: return "prefetch abort";
    case 4: return "data abort";
    case 5: return "IRQ";
    case 6: return "FIQ";
    case 7: return "breakpoint";
    case 8: return "exception return";
    case 17: return "coprocessor access (NOCP)";
    case 18: return "invalid state (INVSTATE)";
    case 19: return "stack overflow (STKOF)";
    case 22: return "unaligned access";
    default: return "exception";
    }
}

const char *rv_cause_name(uint32_t cause)
{
    switch (cause) {
    case 0: return "instruction address misaligned";
    case 1: return "instruction access fault";
    case 2: return "illegal instruction";
    case 3: return "breakpoint";
    case 4: return "load address misaligned";
    case 5: return "load access fault";
    case 6: return "store address misaligned";
    case 7: return "store access fault";
    case 8: case 9: case 11: return "environment call";
    default: return "trap";
    }
}

const char *mem_type_name(uc_mem_type t)
{
    switch (t) {
    case UC_MEM_READ_UNMAPPED: return "read of unmapped memory";
    case UC_MEM_WRITE_UNMAPPED: return "write to unmapped memory";
    case UC_MEM_FETCH_UNMAPPED: return "fetch from unmapped memory";
    case UC_MEM_READ_PROT: return "read of protected memory";
    case UC_MEM_WRITE_PROT: return "write to protected memory";
    case UC_MEM_FETCH_PROT: return "fetch from protected memory";
    default: return "invalid memory access";
    }
}

constexpr uint32_t kArmCpuidM4 = 0x410FC241;  // Cortex-M4 r0p1
constexpr uint32_t kArmCpuidM7 = 0x411FC272;  // Cortex-M7 r1p2
constexpr uint32_t kExcpBkpt = 7;
constexpr uint16_t kBkptSemihosting = 0xBEAB;
constexpr uint32_t kRvSlli = 0x01F01013, kRvEbreak = 0x00100073, kRvSrai = 0x40705013;
constexpr size_t kMaxCounterSites = 256;
constexpr uint32_t kMaxTrackedBytes = 64u << 20;
constexpr size_t kMaxExtraRecords = 64;

}  // namespace

Machine::Machine(const BoardProfile &board, const ElfImage &image, uint32_t expected_runs,
                 const std::string &arena_region, const IssConfig &config, Clock::time_point deadline,
                 IssRunReport &report)
    : board_(board),
      image_(image),
      expected_runs_(expected_runs),
      arena_region_(arena_region),
      config_(config),
      deadline_(deadline),
      report_(report),
      arm_(board.arch == Arch::kArm),
      costs_(CostTable::from(board.cycle_model)),
      scs_(&cycles_, board.core == "cortex-m7" ? kArmCpuidM7 : kArmCpuidM4)
{
}

Machine::~Machine()
{
    if (uc_) uc_close(uc_);
}

// ---------------------------------------------------------------------------------------------
// setup

void Machine::open_engine()
{
    uc_err e;
    if (arm_) {
        e = uc_open(UC_ARCH_ARM, uc_mode(UC_MODE_THUMB | UC_MODE_MCLASS), &uc_);
        if (e == UC_ERR_OK) {
            const int model = board_.core == "cortex-m7" ? UC_CPU_ARM_CORTEX_M7 : UC_CPU_ARM_CORTEX_M4;
            e = uc_ctl_set_cpu_model(uc_, model);
        }
    } else {
        e = uc_open(UC_ARCH_RISCV, UC_MODE_RISCV32, &uc_);
    }
    if (e != UC_ERR_OK) throw EmulatorUnavailable(std::string("unicorn: ") + uc_strerror(e));
    size_t ps = 0;
    if (uc_query(uc_, UC_QUERY_PAGE_SIZE, &ps) == UC_ERR_OK && ps) page_size_ = uint32_t(ps);
}

void Machine::map_memory()
{
    const uint64_t page = page_size_;
    std::vector<std::pair<uint64_t, uint64_t>> regions;
    for (const MemoryRegion &r : board_.emulator_memory) {
        if (r.length == 0) throw InvalidArgument("board " + board_.name + ": emulator memory '" + r.name + "' is empty");
        const uint64_t lo = r.origin / page * page;
        const uint64_t hi = (uint64_t(r.origin) + r.length + page - 1) / page * page;
        if (hi > (uint64_t(1) << 32))
            throw InvalidArgument("board " + board_.name + ": emulator memory '" + r.name + "' ends past 4 GiB");
        regions.emplace_back(lo, hi);
    }
    if (regions.empty()) throw InvalidArgument("board " + board_.name + ": no emulator memory");
    if (arm_) regions.emplace_back(SystemControlSpace::kBase, uint64_t(SystemControlSpace::kBase) + SystemControlSpace::kSize);
    std::sort(regions.begin(), regions.end());
    for (size_t i = 1; i < regions.size(); ++i)
        if (regions[i].first < regions[i - 1].second)
            throw InvalidArgument("board " + board_.name + ": emulator memory regions overlap (or cover the Cortex-M system space) at " + hex(regions[i].first));

    // a page for the stop address: executable under the Cortex-M default memory map
    const uint32_t candidates[] = {0x1FFFF000u, 0x3FFFF000u, 0x7FFFF000u, 0x9FFFF000u, 0x00001000u};
    bool found = false;
    for (uint32_t c : candidates) {
        const uint64_t lo = c / page * page, hi = lo + page;
        const bool clash = std::any_of(regions.begin(), regions.end(), [&](auto &r) { return lo < r.second && r.first < hi; });
        if (!clash) {
            stop_addr_ = uint32_t(lo);
            found = true;
            break;
        }
    }
    if (!found) throw InvalidArgument("board " + board_.name + ": emulator memory leaves no room for the emulator's stop page");

    for (const auto &[lo, hi] : regions) {
        if (arm_ && lo == SystemControlSpace::kBase) continue;
        const uc_err e = uc_mem_map(uc_, lo, size_t(hi - lo), UC_PROT_ALL);
        if (e != UC_ERR_OK) throw EmulatorUnavailable("unicorn: mapping " + hex(lo) + ".." + hex(hi) + ": " + uc_strerror(e));
    }
    if (arm_) {
        const uc_err e = uc_mmio_map(uc_, SystemControlSpace::kBase, SystemControlSpace::kSize, &Machine::mmio_read, this, &Machine::mmio_write, this);
        if (e != UC_ERR_OK) throw EmulatorUnavailable(std::string("unicorn: mapping the system control space: ") + uc_strerror(e));
    }
    if (uc_mem_map(uc_, stop_addr_, page_size_, UC_PROT_ALL) != UC_ERR_OK)
        throw EmulatorUnavailable("unicorn: mapping the stop page");
    mapped_ = regions;
    mapped_.emplace_back(stop_addr_, uint64_t(stop_addr_) + page_size_);
    std::sort(mapped_.begin(), mapped_.end());
}

bool Machine::covered(uint64_t addr, uint64_t len) const
{
    uint64_t at = addr;
    const uint64_t end = addr + len;
    for (const auto &[lo, hi] : mapped_) {
        if (at >= end) break;
        if (hi <= at) continue;
        if (lo > at) return false;
        at = hi;
    }
    return at >= end;
}

void Machine::load_image()
{
    for (const Segment &s : image_.segments()) {
        if (!s.data.empty()) {
            if (!covered(s.paddr, s.data.size()))
                throw InvalidArgument("image segment at " + hex(s.paddr) + " (" + std::to_string(s.data.size()) + " bytes) lies outside the emulator memory of board " + board_.name);
            if (!write(s.paddr, s.data.data(), s.data.size()))
                throw InvalidArgument("image segment at " + hex(s.paddr) + " could not be loaded");
        }
        if (!covered(s.vaddr, s.memsz))
            throw InvalidArgument("image segment at " + hex(s.vaddr) + " (" + std::to_string(s.memsz) + " bytes in memory) lies outside the emulator memory of board " + board_.name);
    }
}

void Machine::resolve_symbols()
{
    mailbox_ = image_.require("tx_mailbox").addr;
    begin_ = image_.require("tx_bench_begin").addr;
    end_ = image_.require("tx_bench_end").addr;
    done_ = image_.require("tx_bench_done").addr;
    stack_bottom_ = image_.require("__stack_bottom").addr;
    stack_top_ = image_.require("__stack_top").addr;
    arena_start_ = image_.require("__tx_arena_start").addr;
    arena_end_ = image_.require("__tx_arena_end").addr;
    if (auto s = image_.symbol("main")) main_ = s->addr;
    if (auto s = image_.symbol("tx_stack_paint")) stack_paint_ = s->addr;
    std::optional<uint32_t> schedule_load;
    if (tables_) {
        const auto load = image_.symbol("tx_schedule_load"), table = image_.symbol("tx_schedule_table");
        if (!load || !table)
            throw InvalidArgument("the image has no layer table (tx_schedule_load, tx_schedule_table): not a "
                                  "schedule-as-data image, measure it without tables");
        schedule_load = load->addr;
        table_ = table->addr;
    }
    if (!covered(mailbox_, mailbox::kSize))
        throw InvalidArgument("tx_mailbox at " + hex(mailbox_) + " lies outside the emulator memory of board " + board_.name);

    // `runs` and `repeats` in the mailbox's load image: the startup code copies them into place
    const auto runs = mailbox::le32(expected_runs_), one = mailbox::le32(1);
    for (const Segment &s : image_.segments()) {
        if (mailbox_ < s.vaddr || uint64_t(mailbox_) + mailbox::kSize > uint64_t(s.vaddr) + s.data.size()) continue;
        const uint32_t at = s.paddr + (mailbox_ - s.vaddr);
        write(at + mailbox::kOffRuns, runs.data(), 4);
        write(at + mailbox::kOffRepeats, one.data(), 4);
    }

    // tracked ranges: only sane ones (a broken image may have anything in its symbols)
    auto sane = [&](uint32_t lo, uint32_t hi) { return hi > lo && hi - lo <= kMaxTrackedBytes && covered(lo, hi - lo); };
    if (!sane(stack_bottom_, stack_top_)) stack_top_ = stack_bottom_;
    if (!sane(arena_start_, arena_end_)) arena_end_ = arena_start_;
    hw_.configure(stack_bottom_, stack_top_, arena_start_, arena_end_);
    waits_.emplace(board_, arena_start_, arena_end_, arena_region_, weights_home(image_));
    plan_waits_ = arm_ && !config_.access_hooks && (waits_->charges_loads() || waits_->charges_stores());

    std::vector<std::pair<uint32_t, uint8_t>> m = {{begin_, kBegin}, {end_, kEnd}, {done_, kDone}, {stop_addr_, kStop}};
    if (main_) m.emplace_back(*main_, kMain);
    if (stack_paint_) m.emplace_back(*stack_paint_, kStackPaint);
    if (schedule_load) m.emplace_back(*schedule_load, kSchedule);
    for (uint32_t i = 0; i < probe_symbols_.size(); ++i)
        if (auto s = image_.symbol(probe_symbols_[i])) {
            const uint32_t entry = s->addr & ~1u;  // a Thumb symbol's address has bit 0 set
            probe_at_.emplace_back(entry, i);
            m.emplace_back(entry, kProbe);
        }
    std::sort(probe_at_.begin(), probe_at_.end());
    std::sort(m.begin(), m.end());
    for (const auto &[a, bits] : m) {
        if (!markers_.empty() && markers_.back().first == a) markers_.back().second |= bits;
        else markers_.emplace_back(a, bits);
    }
}

void Machine::install_hooks()
{
    auto add = [&](int type, void *cb, uint64_t lo, uint64_t hi) {
        uc_hook h;
        const uc_err e = uc_hook_add(uc_, &h, type, cb, this, lo, hi);
        if (e != UC_ERR_OK) throw EmulatorUnavailable(std::string("unicorn: adding a hook: ") + uc_strerror(e));
        hooks_.push_back(h);
    };
    add(UC_HOOK_BLOCK, reinterpret_cast<void *>(&Machine::hook_block), 1, 0);
    add(UC_HOOK_INTR, reinterpret_cast<void *>(&Machine::hook_intr), 1, 0);
    intr_hook_ = hooks_.back();
    add(UC_HOOK_INSN_INVALID, reinterpret_cast<void *>(&Machine::hook_invalid), 1, 0);
    add(UC_HOOK_MEM_INVALID, reinterpret_cast<void *>(&Machine::hook_mem_invalid), 1, 0);
    if (!arm_) {
        counter_reads_ = find_counter_reads(image_.segments(), kMaxCounterSites);
        std::vector<uint32_t> at;
        for (const CounterRead &c : counter_reads_) {
            at.push_back(c.addr);
            at.push_back(c.addr + 4);
        }
        std::sort(at.begin(), at.end());
        at.erase(std::unique(at.begin(), at.end()), at.end());
        for (uint32_t a : at) add(UC_HOOK_CODE, reinterpret_cast<void *>(&Machine::hook_code), a, a);
    }
    // memory-region wait states per access: RV32, or asked for (every load or store then takes
    // Unicorn's slow path, see the facts above); else per block (plan_waits_)
    const bool per_access = !plan_waits_;
    if (per_access && waits_->charges_loads()) add(UC_HOOK_MEM_READ, reinterpret_cast<void *>(&Machine::hook_load_wait), 1, 0);
    if (per_access && waits_->charges_stores()) add(UC_HOOK_MEM_WRITE, reinterpret_cast<void *>(&Machine::hook_store_wait), 1, 0);
    if (config_.write_hooks) {
        if (hw_.tracking_stack()) add(UC_HOOK_MEM_WRITE, reinterpret_cast<void *>(&Machine::hook_write), stack_bottom_, stack_top_ - 1);
        if (hw_.tracking_arena()) add(UC_HOOK_MEM_WRITE, reinterpret_cast<void *>(&Machine::hook_write), arena_start_, arena_end_ - 1);
    }
}

uint32_t Machine::reset()
{
    if (!arm_) return image_.entry();
    // Cortex-M: initial SP and PC from the vector table (VTOR = 0 at reset, or where the image
    // put .isr_vector)
    uint32_t vtor = 0;
    for (const Section &s : image_.sections())
        if (s.name == ".isr_vector") vtor = s.addr;
    uint32_t v[2];
    if (!covered(vtor, 8) || !read(vtor, v, sizeof v))
        throw InvalidArgument("no vector table at " + hex(vtor) + " in the emulator memory of board " + board_.name);
    if (!(v[1] & 1u)) throw InvalidArgument("reset vector " + hex(v[1]) + " is not a Thumb address");
    set_reg(UC_ARM_REG_MSP, v[0]);
    set_reg(UC_ARM_REG_SP, v[0]);
    set_reg(UC_ARM_REG_LR, 0xFFFFFFFFu);
    return v[1] & ~1u;
}

// ---------------------------------------------------------------------------------------------
// the run

Outcome Machine::run()
{
    open_engine();
    map_memory();
    load_image();
    resolve_symbols();
    install_hooks();
    uint32_t start = reset();

    for (;;) {
        stop_ = Stop::kNone;
        const uc_err e = uc_emu_start(uc_, arm_ ? (start | 1u) : start, stop_addr_, 0, 0);
        if (stop_ == Stop::kRetranslate) {  // new code hooks: run the block again, translated anew
            const auto [at, len] = *retranslate_;
            retranslate_.reset();
            uc_ctl_remove_cache(uc_, at, uint64_t(at) + len);
            if (pc() == at) {
                start = at;
                continue;
            }
            stop_ = Stop::kNone;
            fault("the emulator ran a block it was stopped before", at);
        }
        if (stop_ == Stop::kResume) {  // RV32 semihosting call handled
            if (Clock::now() >= deadline_) {
                stop_ = Stop::kTimeout;
            } else {
                start = pc();
                continue;
            }
        }
        out_.pc = pc();
        switch (stop_) {
        case Stop::kExit: out_.end = Outcome::End::kExit; break;
        case Stop::kTimeout:
            out_.end = Outcome::End::kTimeout;
            out_.message = "deadline passed after " + std::to_string(instructions_) + " instructions, pc " + hex(out_.pc);
            break;
        case Stop::kFault: out_.end = Outcome::End::kFault; break;
        case Stop::kProtocol: out_.end = Outcome::End::kProtocol; break;
        case Stop::kAboveBound: out_.end = Outcome::End::kAboveBound; break;
        case Stop::kProbed: out_.end = Outcome::End::kProbed; break;
        case Stop::kNotRun: out_.end = Outcome::End::kNotRun; break;
        case Stop::kResume:
        case Stop::kRetranslate:
        case Stop::kNone:
            if (e != UC_ERR_OK) {
                out_.end = Outcome::End::kFault;
                out_.fault_pc = out_.pc;
                out_.message = std::string(uc_strerror(e)) + " at pc " + hex(out_.pc);
                if (bad_access_)
                    out_.message = std::string(mem_type_name(bad_access_->first)) + " at " + hex(bad_access_->second) + ", pc " + hex(out_.pc);
            } else {
                out_.end = Outcome::End::kHalted;
                out_.fault_pc = out_.pc;
                out_.message = out_.pc == stop_addr_ ? "the image jumped to " + hex(out_.pc) + " (unmapped)"
                                                     : "the core halted (WFI with no interrupt source) at pc " + hex(out_.pc);
            }
            break;
        }
        break;
    }

    if (out_.end == Outcome::End::kExit && out_.exit_status == 3 && !out_.fault_pc) {
        // the firmware's own fault handler: on RV32 mepc is the faulting instruction
        if (!arm_) {
            uint32_t mepc = reg(UC_RISCV_REG_MEPC);
            if (mepc) out_.fault_pc = mepc;
        }
    }
    report_.total_instructions = instructions_;
    report_.total_cycles = cycles_;
    report_.blocks_decoded = cache_.size();
    report_.calibration_instructions = calibration_.instructions;
    report_.calibration_cycles = calibration_.cycles;
    report_.console = semihosting_.console();
    report_.final_pc = out_.pc;
    if (out_.end == Outcome::End::kExit) report_.exit_status = out_.exit_status;
    return std::move(out_);
}

// A bounded run has passed its bound: what it would measure is already known to be more.
void Machine::stop_above_bound()
{
    stop_at_cycles_ = UINT64_MAX;
    out_.reached_cycles = cycles_ - window_start_.cycles - calibration_.cycles;
    out_.message = "stopped at " + std::to_string(out_.reached_cycles) + " cycles, past its bound of " +
                   std::to_string(*bound_);
    out_.probes = hits_;
    stop_ = Stop::kAboveBound;
    uc_emu_stop(uc_);
}

// A probed function entered: its cycles as a record counts them (the window's less the harness's
// empty window), so that the segments between hits add up to the record's cycles.
void Machine::on_probe(uint32_t addr)
{
    const auto it = std::lower_bound(probe_at_.begin(), probe_at_.end(), std::make_pair(addr, uint32_t(0)));
    if (it == probe_at_.end() || it->first != addr) return;
    hits_.push_back({it->second, cycles_ - window_start_.cycles - calibration_.cycles});
    if (stop_probe_ && hits_.size() == *stop_probe_) {
        stop_at_cycles_ = UINT64_MAX;
        out_.reached_cycles = hits_.back().cycles;
        out_.message = "stopped on entering " + probe_symbols_[it->second] + " (probe hit " +
                       std::to_string(hits_.size()) + ") at " + std::to_string(out_.reached_cycles) + " cycles";
        out_.probes = hits_;
        stop_ = Stop::kProbed;
        uc_emu_stop(uc_);
    }
}

void Machine::check_clock()
{
    next_clock_check_ = instructions_ + config_.clock_check_instructions;
    if (Clock::now() >= deadline_) {
        stop_ = Stop::kTimeout;
        uc_emu_stop(uc_);
    }
}

// ---------------------------------------------------------------------------------------------
// blocks and markers

const BlockInfo *Machine::classify(uint32_t addr, uint32_t size)
{
    BlockInfo info;
    std::vector<uint8_t> code(size);
    if (size && read(addr, code.data(), size)) {
        info.cost = arm_ ? thumb_block_cost(code.data(), size, costs_) : rv32_block_cost(code.data(), size, costs_);
        if (plan_waits_) {
            const uint8_t entry_it = itstate_of(reg(UC_ARM_REG_CPSR));  // a block split inside an IT block
            AccessPlan p = plan_thumb_block(code.data(), size, addr, entry_it, waits_->charges_loads(), waits_->charges_stores(), hooked_);
            if (!p.unresolved.empty()) {
                for (const UnresolvedSite &s : p.unresolved) hook_site(s);
                retranslate_ = {addr, size};
                stop_ = Stop::kRetranslate;
                uc_emu_stop(uc_);
                return nullptr;
            }
            if (!p.planned.empty()) {
                info.plan = uint32_t(plans_.size());
                plans_.emplace_back(std::move(p.planned));
            }
            if (!p.at_exit.empty()) {
                info.at_exit = uint32_t(plans_.size());
                plans_.emplace_back(std::move(p.at_exit));
            }
        }
    }
    auto it = std::lower_bound(markers_.begin(), markers_.end(), std::make_pair(addr, uint8_t(0)));
    if (it != markers_.end() && it->first == addr) info.markers = it->second;
    return cache_.insert(addr, size, info);
}

void Machine::on_block(uint32_t addr, uint32_t size)
{
    entry_have_ = 0;  // this block's entry registers are the last block's exit registers
    if (pending_exit_ != BlockInfo::kNoPlan) {
        charge(plans_[pending_exit_]);
        pending_exit_ = BlockInfo::kNoPlan;
    }
    const BlockInfo *b = cache_.find(addr, size);
    if (!b) {
        b = classify(addr, size);
        if (!b) return;  // stopped before the block: it runs again with its new code hooks
    }
    if (prev_conditional_ && addr != prev_fallthrough_) cycles_ += prev_taken_extra_;
    prev_conditional_ = b->cost.conditional_exit;
    prev_fallthrough_ = addr + size;
    prev_taken_extra_ = b->cost.taken_extra;
    if (b->markers || addr == watch_return_) [[unlikely]] {
        if (b->markers & kStop) return;  // Unicorn's own halt at the `until` address
        on_markers(addr, b->markers);
    }
    instructions_ += b->cost.instructions;
    cycles_ += b->cost.cycles;
    if (b->plan != BlockInfo::kNoPlan) charge(plans_[b->plan]);
    pending_exit_ = b->at_exit;
    if (instructions_ >= next_clock_check_) [[unlikely]]
        check_clock();
    if (cycles_ >= stop_at_cycles_) [[unlikely]]
        stop_above_bound();
}

void Machine::on_markers(uint32_t addr, uint8_t markers)
{
    auto reader = [this](uint32_t a, void *d, size_t n) { return read(a, d, n); };
    if (addr == watch_return_) {  // back from tx_stack_paint: r0/a0 = the painted range's top
        paint_end_ = reg(arm_ ? int(UC_ARM_REG_R0) : int(UC_RISCV_REG_A0));
        watch_return_ = UINT32_MAX;
    }
    if (markers & kStackPaint) watch_return_ = reg(arm_ ? int(UC_ARM_REG_LR) : int(UC_RISCV_REG_RA)) & ~1u;
    if (markers & kMain) {  // also written into the running image, in case it was not copied
        const auto runs = mailbox::le32(expected_runs_), one = mailbox::le32(1);
        write(mailbox_ + mailbox::kOffRuns, runs.data(), 4);
        write(mailbox_ + mailbox::kOffRepeats, one.data(), 4);
    }
    if ((markers & kEnd) && in_window_) {
        last_window_ = {instructions_ - window_start_.instructions, cycles_ - window_start_.cycles};
        stop_at_cycles_ = UINT64_MAX;
        last_diff_ = hw_.end(reader);
        last_hook_ = hw_.hook_peaks();
        last_stack_ref_ = hw_.stack_reference();
        in_window_ = false;
        window_closed_ = true;
        window_consumed_ = false;
    }
    if (markers & kBegin) {
        // a window closed without a record is the harness's empty calibration window
        if (window_closed_ && !window_consumed_) {
            calibration_ = last_window_;
            window_consumed_ = true;
        }
        const bool painted = paint_end_.has_value();
        const uint32_t ref = painted ? *paint_end_ : reg(arm_ ? int(UC_ARM_REG_SP) : int(UC_RISCV_REG_SP));
        paint_end_.reset();
        hw_.begin(ref, painted, reader);
        window_start_ = {instructions_, cycles_};
        in_window_ = true;
        hits_.clear();
        // a record's cycles are the window's less the harness's empty window (take_record)
        stop_at_cycles_ = bound_ ? window_start_.cycles + calibration_.cycles + *bound_ + 1 : UINT64_MAX;
    }
    if ((markers & kProbe) && in_window_) on_probe(addr);
    if (markers & kDone) take_record();
    if (markers & kSchedule) load_table();
}

void Machine::load_table()
{
    auto protocol = [&](const std::string &why) {
        out_.message = why;
        stop_ = Stop::kProtocol;
        uc_emu_stop(uc_);
    };
    const size_t k = out_.records.size() / runs_per_table_;
    if (k >= tables_->size())
        return protocol("the image asked for a layer table after the last one (" + std::to_string(tables_->size()) +
                        " tables of " + std::to_string(runs_per_table_) + " runs each)");
    uint8_t bytes[4];
    if (!read(mailbox_ + mailbox::kOffTableBytes, bytes, 4))
        return protocol("tx_mailbox is not readable");
    const uint32_t capacity = uint32_t(bytes[0]) | uint32_t(bytes[1]) << 8 | uint32_t(bytes[2]) << 16 | uint32_t(bytes[3]) << 24;
    const TableLimits limits = limits_of_ ? limits_of_(k) : TableLimits{};
    bound_ = limits.cycle_bound;
    stop_probe_ = limits.stop_at_probe;
    if (limits.skip) {
        out_.message = kNotRunMessage;
        stop_ = Stop::kNotRun;
        uc_emu_stop(uc_);
        return;
    }
    const std::vector<uint8_t> &t = (*tables_)[k].bytes;
    if (t.size() != capacity)
        return protocol("layer table of " + std::to_string(t.size()) + " bytes, the image's tx_schedule_table holds " +
                        std::to_string(capacity) + " (mailbox table_bytes)");
    if (!covered(table_, t.size()) || !write(table_, t.data(), t.size()))
        return protocol("tx_schedule_table at " + hex(table_) + " is not writable");
}

void Machine::take_record()
{
    uint8_t bytes[mailbox::kSize];
    IssWindowReport w;
    if (!read(mailbox_, bytes, sizeof bytes)) {
        out_.message = "tx_mailbox at " + hex(mailbox_) + " is not readable";
        stop_ = Stop::kProtocol;
        uc_emu_stop(uc_);
        return;
    }
    try {
        w.mailbox = mailbox::decode(bytes, sizeof bytes);
    } catch (const InvalidArgument &e) {
        out_.message = e.what();
        stop_ = Stop::kProtocol;
        uc_emu_stop(uc_);
        return;
    }
    RunRecord r = mailbox::to_record(w.mailbox);
    if (window_closed_ && !window_consumed_) {
        window_consumed_ = true;
        w.window_instructions = last_window_.instructions;
        w.window_cycles = last_window_.cycles;
        w.stack_reference = last_stack_ref_;
        w.diff_stack_peak = last_diff_.stack;
        w.diff_arena_peak = last_diff_.arena;
        if (config_.write_hooks) {
            w.hook_stack_peak = last_hook_.stack;
            w.hook_arena_peak = last_hook_.arena;
        }
        const HighWater::Peaks &p = config_.write_hooks ? last_hook_ : last_diff_;
        w.stack_overflow = p.overflow;
        auto sub = [](uint64_t a, uint64_t b) { return a > b ? a - b : 0; };
        r.instructions = sub(last_window_.instructions, calibration_.instructions);
        r.cycles = sub(last_window_.cycles, calibration_.cycles);
        r.stack_peak = p.stack;
        r.arena_peak = p.arena;
        r.flags = (r.flags & ~uint32_t(mailbox::kFlagInsnFromTicks)) | mailbox::kFlagCycles | mailbox::kFlagInstructions;
        if (p.overflow) r.flags |= mailbox::kFlagStackOverflow;
    }
    r.probes = std::move(hits_);
    hits_.clear();
    w.record = r;
    out_.records.push_back(r);
    report_.windows.push_back(std::move(w));
    if (on_group_ && out_.records.size() % runs_per_table_ == 0 && out_.records.size() / runs_per_table_ <= tables_->size()) {
        const auto last = out_.records.end();
        on_group_(out_.records.size() / runs_per_table_ - 1,
                  std::vector<RunRecord>(last - std::ptrdiff_t(runs_per_table_), last));
    }
    if (out_.records.size() > expected_runs_ + kMaxExtraRecords) {
        out_.message = "the image reported more than " + std::to_string(out_.records.size() - 1) + " runs, " + std::to_string(expected_runs_) + " were requested";
        stop_ = Stop::kProtocol;
        uc_emu_stop(uc_);
    }
}

// ---------------------------------------------------------------------------------------------
// traps

void Machine::fault(const std::string &what, uint32_t at)
{
    if (stop_ == Stop::kFault) return;  // keep the first
    stop_ = Stop::kFault;
    out_.fault_pc = at;
    out_.message = what + " at pc " + hex(at);
}

void Machine::redirect(uint32_t addr)
{
    set_reg(arm_ ? int(UC_ARM_REG_PC) : int(UC_RISCV_REG_PC), arm_ ? (addr | 1u) : addr);
}

void Machine::semihost(uint32_t op, uint32_t arg, uint32_t next_pc, bool from_interrupt)
{
    auto reader = [this](uint32_t a, void *d, size_t n) { return read(a, d, n); };
    const Semihosting::Result r = semihosting_.call(op, arg, reader);
    if (r.exit) {
        stop_ = Stop::kExit;
        out_.exit_status = r.exit_status;
        if (from_interrupt) redirect(stop_addr_);
        return;
    }
    set_reg(arm_ ? int(UC_ARM_REG_R0) : int(UC_RISCV_REG_A0), r.value);
    if (from_interrupt) {
        redirect(next_pc);
    } else {
        set_reg(UC_RISCV_REG_PC, next_pc);
        stop_ = Stop::kResume;
    }
}

void Machine::on_interrupt(uint32_t intno)
{
    const uint32_t at = pc();
    if (arm_) {
        uint16_t insn = 0;
        if (intno == kExcpBkpt && read(at, &insn, 2) && insn == kBkptSemihosting) {
            semihost(reg(UC_ARM_REG_R0), reg(UC_ARM_REG_R1), at + 2, true);
            return;
        }
        fault(std::string("CPU exception ") + std::to_string(intno) + " (" + arm_exception_name(intno) + ")", at);
    } else {
        // Unicorn's RISC-V has advanced the PC by 4 before calling the hook (whatever the
        // instruction's length: checked with a 16-bit c.unimp too)
        fault(std::string("trap cause ") + std::to_string(intno) + " (" + rv_cause_name(intno) + ")", at - 4);
    }
    // Continue at the stop address. Some broken states fault on every fetch (e.g. after a
    // v8-M BXNS executed on a v7-M core); there neither the redirect nor uc_emu_stop() ends
    // the exception loop, but an exception nobody hooks does: so this hook removes itself.
    redirect(stop_addr_);
    if (intr_hook_) {
        uc_hook_del(uc_, *intr_hook_);
        intr_hook_.reset();
    }
}

bool Machine::on_invalid_instruction()
{
    const uint32_t at = pc();
    if (!arm_) {
        uint32_t w[3];
        if (at >= 4 && read(at - 4, w, sizeof w) && w[0] == kRvSlli && w[1] == kRvEbreak && w[2] == kRvSrai) {
            semihost(reg(UC_RISCV_REG_A0), reg(UC_RISCV_REG_A1), at + 4, false);
            return true;  // emulation stops anyway; run() resumes unless the image exited
        }
        uint32_t insn = 0;
        if (read(at, &insn, 4) && insn == kRvEbreak) {
            fault("ebreak (not a semihosting call)", at);
            return false;
        }
    }
    fault("undefined instruction", at);
    return false;
}

void Machine::on_invalid_memory(uc_mem_type type, uint64_t addr, int)
{
    if (!bad_access_) bad_access_ = std::make_pair(type, addr);
}

void Machine::on_code(uint32_t addr)
{
    if (pending_.active && pending_.next == addr) {  // the counter CSR read just executed
        set_reg(UC_RISCV_REG_X0 + pending_.rd, pending_.value);
        pending_.active = false;
    }
    auto it = std::lower_bound(counter_reads_.begin(), counter_reads_.end(), addr,
                               [](const CounterRead &c, uint32_t a) { return c.addr < a; });
    if (it != counter_reads_.end() && it->addr == addr) {
        pending_ = {true, addr + 4, it->rd, *counter_value(it->csr, cycles_, instructions_)};
    }
}

// ---------------------------------------------------------------------------------------------
// wait states of data accesses

void Machine::hook_site(const UnresolvedSite &s)
{
    std::vector<Access> charged;
    for (const Access &a : thumb_accesses_now(s))
        if (a.store ? waits_->charges_stores() : waits_->charges_loads()) charged.push_back(a);
    sites_.insert_or_assign(s.pc, Site{s.cond, Plan(std::move(charged))});
    hooked_.insert(std::upper_bound(hooked_.begin(), hooked_.end(), s.pc), s.pc);
    cache_.forget_covering(s.pc);  // their plans hold this instruction
    uc_hook h;
    const uc_err e = uc_hook_add(uc_, &h, UC_HOOK_CODE, reinterpret_cast<void *>(&Machine::hook_site_code), this, s.pc, s.pc);
    if (e != UC_ERR_OK) throw EmulatorUnavailable(std::string("unicorn: adding a hook: ") + uc_strerror(e));
    hooks_.push_back(h);
}

void Machine::on_site(uint32_t addr)
{
    const auto it = sites_.find(addr);
    if (it == sites_.end()) return;
    const Site &s = it->second;
    if (s.cond < 0xE && !condition_passes(s.cond, reg(UC_ARM_REG_CPSR))) return;
    uint32_t regs[16];
    read_regs(s.plan.regs, regs);
    charge(s.plan, regs);
}

Machine::Plan::Plan(std::vector<Access> a) : accesses(std::move(a)), spans(spans_of(accesses))
{
    for (const Access &x : accesses)
        for (const Operand &o : {x.base, x.index})
            if (o.reg >= 0) regs |= uint16_t(1u << o.reg);
}

// a block's plan: the registers it reads, once per block (entry_have_), then its accesses
void Machine::charge(const Plan &p)
{
    if (const uint16_t missing = p.regs & ~entry_have_) {
        read_regs(missing, entry_regs_);
        entry_have_ |= missing;
    }
    charge(p, entry_regs_);
}

// a span in one region and one page at once (no access of it split), else access by access
void Machine::charge(const Plan &p, const uint32_t *regs)
{
    auto value = [&](const Operand &o) { return (o.reg >= 0 ? regs[o.reg] : 0u) + o.add; };
    for (const AccessSpan &s : p.spans) {
        const uint32_t lo = value(s.base) + (value(s.index) << s.shift), last = lo + s.bytes - 1;
        const RegionWaits::Range *r = (lo ^ last) < page_size_ ? waits_->uniform(lo, s.bytes) : nullptr;
        if (r) {
            cycles_ += s.loads * r->load + s.stores * r->store;
            continue;
        }
        for (uint32_t k = s.first; k < s.first + s.count; ++k) charge(p.accesses[k], regs);
    }
}

void Machine::charge(const Access &a, const uint32_t *regs)
{
    auto value = [&](const Operand &o) { return (o.reg >= 0 ? regs[o.reg] : 0u) + o.add; };
    const uint32_t at = value(a.base) + (value(a.index) << a.shift);
    for (uint32_t k = 0; k < a.count; ++k) charge_one(at + k * a.size, a.size, a.store);
}

void Machine::charge_one(uint32_t addr, uint32_t size, bool store)
{
    auto wait = [&](uint32_t a) { return store ? waits_->store(a) : waits_->load(a); };
    cycles_ += wait(addr);
    if (!store && size > 1 && (addr & (page_size_ - 1)) + size - 1 >= page_size_) {  // seen again in halves
        const uint32_t lo = addr & ~(size - 1);
        cycles_ += wait(lo) + wait(lo + size);
    }
}

static int arm_core_reg(int r)
{
    return r == 13 ? UC_ARM_REG_SP : r == 14 ? UC_ARM_REG_LR : UC_ARM_REG_R0 + r;
}

// the core registers of `mask` into regs[r], in one call
void Machine::read_regs(uint16_t mask, uint32_t *regs)
{
    int ids[16];
    void *vals[16];
    int n = 0;
    for (int r = 0; r < 15; ++r) {
        if (!(mask >> r & 1)) continue;
        ids[n] = arm_core_reg(r);
        vals[n++] = &regs[r];
    }
    if (n) uc_reg_read_batch(uc_, ids, vals, n);
}

// ---------------------------------------------------------------------------------------------
// helpers and trampolines

bool Machine::read(uint32_t addr, void *dst, size_t n)
{
    return uc_mem_read(uc_, addr, dst, n) == UC_ERR_OK;
}

bool Machine::write(uint32_t addr, const void *src, size_t n)
{
    return uc_mem_write(uc_, addr, src, n) == UC_ERR_OK;
}

uint32_t Machine::reg(int r)
{
    uint32_t v = 0;
    uc_reg_read(uc_, r, &v);
    return v;
}

void Machine::set_reg(int r, uint32_t v)
{
    uc_reg_write(uc_, r, &v);
}

uint32_t Machine::pc()
{
    return reg(arm_ ? int(UC_ARM_REG_PC) : int(UC_RISCV_REG_PC)) & (arm_ ? ~1u : ~0u);
}

void Machine::hook_block(uc_engine *, uint64_t addr, uint32_t size, void *self)
{
    static_cast<Machine *>(self)->on_block(uint32_t(addr), size);
}

void Machine::hook_intr(uc_engine *, uint32_t intno, void *self)
{
    static_cast<Machine *>(self)->on_interrupt(intno);
}

bool Machine::hook_invalid(uc_engine *, void *self)
{
    return static_cast<Machine *>(self)->on_invalid_instruction();
}

bool Machine::hook_mem_invalid(uc_engine *, uc_mem_type type, uint64_t addr, int size, int64_t, void *self)
{
    static_cast<Machine *>(self)->on_invalid_memory(type, addr, size);
    return false;
}

void Machine::hook_code(uc_engine *, uint64_t addr, uint32_t, void *self)
{
    static_cast<Machine *>(self)->on_code(uint32_t(addr));
}

void Machine::hook_site_code(uc_engine *, uint64_t addr, uint32_t, void *self)
{
    static_cast<Machine *>(self)->on_site(uint32_t(addr));
}

void Machine::hook_write(uc_engine *, uc_mem_type, uint64_t addr, int size, int64_t, void *self)
{
    static_cast<Machine *>(self)->on_write(uint32_t(addr), uint32_t(size));
}

void Machine::hook_load_wait(uc_engine *, uc_mem_type, uint64_t addr, int, int64_t, void *self)
{
    auto *m = static_cast<Machine *>(self);
    m->cycles_ += m->waits_->load(uint32_t(addr));
}

void Machine::hook_store_wait(uc_engine *, uc_mem_type, uint64_t addr, int, int64_t, void *self)
{
    auto *m = static_cast<Machine *>(self);
    m->cycles_ += m->waits_->store(uint32_t(addr));
}

uint64_t Machine::mmio_read(uc_engine *, uint64_t offset, unsigned size, void *self)
{
    return static_cast<Machine *>(self)->scs_.read(offset, size);
}

void Machine::mmio_write(uc_engine *, uint64_t offset, unsigned size, uint64_t value, void *self)
{
    static_cast<Machine *>(self)->scs_.write(offset, size, value);
}

}  // namespace tinytx::agent::iss
