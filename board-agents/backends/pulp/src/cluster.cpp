// Execution and timing of the cluster (see cluster.h for the scheduling rule).
#include "cluster.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace tinytx::agent::pulp {

namespace {

constexpr uint32_t kCauseFetchFault = 1, kCauseIllegal = 2, kCauseBreakpoint = 3,
                   kCauseLoadFault = 5, kCauseStoreFault = 7, kCauseEcall = 11;

constexpr uint32_t kSemihostPre = 0x01f01013u;   // slli x0, x0, 0x1f
constexpr uint32_t kSemihostPost = 0x40705013u;  // srai x0, x0, 7

uint32_t access_size(uint8_t kind) { return kind == kW ? 4u : (kind == kH || kind == kHu) ? 2u : 1u; }

int bitlen(uint32_t v)
{
    int n = 0;
    while (v) {
        ++n;
        v >>= 1;
    }
    return n;
}

// lanes of a packed operand: 2 x 16 or 4 x 8 bits, signed or not
inline int32_t lane(uint32_t v, int i, bool half, bool is_signed)
{
    if (half) {
        const uint32_t u = (v >> (16 * i)) & 0xFFFFu;
        return is_signed ? int32_t(int16_t(u)) : int32_t(u);
    }
    const uint32_t u = (v >> (8 * i)) & 0xFFu;
    return is_signed ? int32_t(int8_t(u)) : int32_t(u);
}

// the second SIMD operand after the mode: vector, rs2's lane 0 replicated, or the immediate
inline uint32_t simd_b(uint8_t mode, uint32_t rs2v, int32_t imm)
{
    const bool half = (mode & 1u) == 0;
    uint32_t s;
    if (mode == kVecH || mode == kVecB) return rs2v;
    s = (mode == kScH || mode == kScB) ? rs2v : uint32_t(imm);
    return half ? ((s & 0xFFFFu) * 0x00010001u) : ((s & 0xFFu) * 0x01010101u);
}

inline uint32_t clip(int32_t v, int32_t lo, int32_t hi) { return uint32_t(v < lo ? lo : (v > hi ? hi : v)); }

}  // namespace

Cluster::Cluster(const Timing &t, std::vector<RegionSpec> regions)
    : t_(t), icache_(t.cores, {t.icache_l0_miss, t.icache_l1_miss})
{
    for (auto &spec : regions) {
        Region r;
        r.spec = spec;
        r.mem.assign(spec.length, 0);  // the decode cache is allocated at the first fetch
        regions_.push_back(std::move(r));
    }
    for (auto &r : regions_)
        if (r.spec.tcdm && !l1_) l1_ = &r;
    cores_.resize(t_.cores + 1);
    for (uint32_t i = 0; i < t_.cores; ++i) cores_[i].id = cores_[i].hartid = i;
    cores_.back().id = t_.cores;
    cores_.back().hartid = kHartIdFc;
    bank_free_.assign(t_.tcdm_banks, 0);
    reset(0);
}

void Cluster::reset(uint32_t entry, Boot boot)
{
    running_ = 0;
    for (auto &c : cores_) {
        const uint32_t id = c.id, hartid = c.hartid;
        c = Core{};
        c.id = id;
        c.hartid = hartid;
        c.pc = entry;
        const bool is_fc = hartid == kHartIdFc;
        const bool on = boot == Boot::kFabricController ? is_fc : !is_fc;
        c.state = on ? Core::State::kRunning : Core::State::kOff;
        running_ += on;
    }
    ++epoch_;
    boot_addr_.assign(t_.cores, 0);
    barriers_ = {};
    dma_allocated_ = 0;
    dma_done_ = {};
    dma_free_ = 0;
    icache_.reset();
    std::fill(bank_free_.begin(), bank_free_.end(), 0);
    dma_bytes_ = 0;
    instructions_ = 0;
    trapped_ = false;
    exit_status_ = 0;
    profile_.clear();
}

// ---------------------------------------------------------------- host memory access
Cluster::Region *Cluster::region(uint32_t addr, size_t n)
{
    for (auto &r : regions_)
        if (addr >= r.spec.origin && uint64_t(addr - r.spec.origin) + n <= r.spec.length) return &r;
    return nullptr;
}

const Cluster::Region *Cluster::region(uint32_t addr, size_t n) const
{
    return const_cast<Cluster *>(this)->region(addr, n);
}

bool Cluster::mapped(uint32_t addr, size_t n) const { return region(addr, n) != nullptr; }

bool Cluster::read(uint32_t addr, void *dst, size_t n) const
{
    const Region *r = region(addr, n);
    if (!r) return false;
    std::memcpy(dst, r->mem.data() + (addr - r->spec.origin), n);
    return true;
}

bool Cluster::write(uint32_t addr, const void *src, size_t n)
{
    Region *r = region(addr, n);
    if (!r) return false;
    std::memcpy(r->mem.data() + (addr - r->spec.origin), src, n);
    invalidate(*r, addr, n);
    return true;
}

void Cluster::invalidate(Region &r, uint32_t addr, size_t n)
{
    // an instruction starting up to 2 bytes before `addr` overlaps it
    if (r.icache.empty()) return;
    const uint32_t off = addr - r.spec.origin;
    const uint32_t first = off >= 2 ? (off - 2) / 2 : 0;
    const uint32_t last = uint32_t((off + n - 1) / 2);
    for (uint32_t i = first; i <= last && i < r.icache.size(); ++i) {
        const uint8_t w = r.icache[i].watch;
        r.icache[i] = Insn{};
        r.icache[i].watch = w;
    }
}

void Cluster::watch(uint32_t addr)
{
    watched_.push_back(addr);
    if (Region *r = region(addr, 2)) {
        if (r->icache.empty()) r->icache.assign(r->spec.length / 2 + 1, Insn{});
        r->icache[(addr - r->spec.origin) / 2].watch = 1;
    }
}

// ---------------------------------------------------------------- run loop
Cluster::Stop Cluster::run(uint64_t budget)
{
    stopping_ = false;
    skip_watch_ = true;  // resume past a breakpoint
    const uint64_t end = instructions_ + budget;
    while (!stopping_) {
        if (instructions_ >= end) return Stop::kLimit;
        Core *best = nullptr;
        uint64_t second = UINT64_MAX;
        for (auto &c : cores_) {
            if (c.state != Core::State::kRunning) continue;
            if (!best || c.cycle < best->cycle) {
                if (best) second = std::min(second, best->cycle);
                best = &c;
            } else {
                second = std::min(second, c.cycle);
            }
        }
        if (!best) {
            fault_message_ = "no core can run: each one waits in a barrier, is parked or was never started";
            fault_pc_ = cores_[0].pc;
            return Stop::kDeadlock;
        }
        // run the earliest core while it stays the earliest and nothing changes state
        const uint64_t e = epoch_;
        do {
            step(*best);
        } while (!stopping_ && epoch_ == e && best->cycle <= second && instructions_ < end);
    }
    return stop_;
}

const Insn &Cluster::fetch(Core &c, bool &ok)
{
    static const Insn kNone{};
    Region *r = (l1_ && c.pc - l1_->spec.origin < l1_->spec.length) ? l1_ : nullptr;
    if (!r) {
        for (auto &reg : regions_)
            if (c.pc - reg.spec.origin < reg.spec.length) {
                r = &reg;
                break;
            }
    }
    if (!r || (c.pc & 1u)) {
        ok = false;
        return kNone;
    }
    const uint32_t off = c.pc - r->spec.origin;
    if (r->icache.empty()) r->icache.assign(r->spec.length / 2 + 1, Insn{});
    Insn &slot = r->icache[off / 2];
    if (slot.op == Op::kInvalid) {
        uint32_t w = 0;
        const size_t avail = std::min<size_t>(4, r->spec.length - off);
        std::memcpy(&w, r->mem.data() + off, avail);
        if ((w & 3u) == 3u && avail < 4) {
            ok = false;
            return kNone;
        }
        const uint8_t watched = slot.watch;
        slot = decode(w);
        slot.watch = watched;
    }
    ok = true;
    return slot;
}

void Cluster::step(Core &c)
{
    bool ok;
    const Insn &in = fetch(c, ok);
    if (!ok) {
        trap(c, kCauseFetchFault, c.pc, "instruction fetch from an unmapped address");
        return;
    }
    if (in.watch && c.id == 0) {
        if (!skip_watch_) {
            stop_ = Stop::kBreakpoint;
            stopping_ = true;
            return;
        }
    }
    if (c.id == 0) skip_watch_ = false;
    const uint64_t start = c.cycle;
    const uint32_t pc = c.pc;
    const uint8_t ld = c.last_load_rd;
    if (ld && (((in.reads & kReadRs1) && in.rs1 == ld) || ((in.reads & kReadRs2) && in.rs2 == ld) ||
               ((in.reads & kReadRs3) && in.rs3 == ld) || ((in.reads & kReadRd) && in.rd == ld))) {
        if (c.last_is_mul) {
            c.cycle += t_.mul_use;
            c.stalls.muldiv += t_.mul_use;
        } else {
            c.cycle += t_.load_use;
            c.stalls.load_use += t_.load_use;
        }
    }
    c.last_load_rd = 0;
    c.last_is_mul = false;
    if (!l1_ || c.pc - l1_->spec.origin >= l1_->spec.length) {  // the icache holds L2 code
        const InstructionCache::Outcome f = icache_.fetch(c.id, c.pc, in.len, c.cycle);
        c.cycle += f.cycles;
        c.stalls.icache += f.cycles;
    }
    exec(c, in);
    c.x[0] = 0;
    c.cycle += 1;
    ++c.instret;
    ++instructions_;
    if (profile_on_) profile_[pc] += c.cycle - start;
}

void Cluster::trap(Core &c, uint32_t cause, uint32_t tval, const std::string &what)
{
    if (c.mtvec == 0) {
        stop_ = Stop::kFault;
        stopping_ = true;
        fault_pc_ = c.pc;
        fault_message_ = "core " + std::to_string(c.id) + ": " + what;
        return;
    }
    trapped_ = true;
    trap_pc_ = c.pc;
    fault_message_ = "core " + std::to_string(c.id) + ": " + what;
    c.mepc = c.pc;
    c.mcause = cause;
    c.mtval = tval;
    c.pc = c.mtvec & ~3u;
}

void Cluster::hwloop(Core &c, uint32_t next_pc)
{
    // RI5CY: lpend is the address of the loop's last instruction; loop 0 is the inner loop
    const uint32_t pc = c.pc;
    for (int l = 0; l < 2; ++l) {
        if (c.lp_count[l] && pc == c.lp_end[l]) {
            if (--c.lp_count[l]) {
                c.pc = c.lp_start[l];
                return;
            }
        }
    }
    c.pc = next_pc;
}

// ---------------------------------------------------------------- memory from the cores
uint32_t Cluster::memory_cost(Core &c, const Region &r, uint32_t addr, uint32_t size, bool is_load)
{
    uint32_t extra = 0;
    if ((addr & 3u) + size > 4u) {
        extra += t_.misaligned;
        c.stalls.misaligned += t_.misaligned;
    }
    if (r.spec.tcdm) {
        uint64_t &free = bank_free_[(addr >> 2) % t_.tcdm_banks];
        const uint64_t at = c.cycle + extra;
        if (free > at) {
            const uint64_t wait = free - at;
            extra += uint32_t(wait);
            c.stalls.tcdm_conflict += wait;
            free = at + wait + 1;
        } else {
            free = at + 1;
        }
    } else if (c.hartid != kHartIdFc) {
        // a cluster core waits for L2 on loads and on stores alike (no posted writes)
        const uint32_t wait = is_load ? t_.l2_load_latency : t_.l2_store_latency;
        extra += wait;
        c.stalls.l2 += wait;
        c.l2_loads += is_load;
    }
    ++(is_load ? c.loads : c.stores);
    return extra;
}

bool Cluster::load(Core &c, uint32_t addr, uint8_t kind, uint32_t &value)
{
    const uint32_t size = access_size(kind);
    Region *r = (l1_ && addr - l1_->spec.origin < l1_->spec.length - (size - 1)) ? l1_ : region(addr, size);
    if (!r) {
        trap(c, kCauseLoadFault, addr, "load from an unmapped address");
        return false;
    }
    const uint8_t *p = r->mem.data() + (addr - r->spec.origin);
    switch (kind) {
    case kB: value = uint32_t(int32_t(int8_t(p[0]))); break;
    case kBu: value = p[0]; break;
    case kH: value = uint32_t(int32_t(int16_t(uint16_t(p[0] | (p[1] << 8))))); break;
    case kHu: value = uint32_t(p[0] | (p[1] << 8)); break;
    default: std::memcpy(&value, p, 4); break;
    }
    c.cycle += memory_cost(c, *r, addr, size, true);
    return true;
}

bool Cluster::store(Core &c, uint32_t addr, uint32_t size, uint32_t value)
{
    Region *r = (l1_ && addr - l1_->spec.origin < l1_->spec.length - (size - 1)) ? l1_ : region(addr, size);
    if (!r) {
        if (is_periph(addr)) return periph_store(c, addr, value);
        trap(c, kCauseStoreFault, addr, "store to an unmapped address");
        return false;
    }
    std::memcpy(r->mem.data() + (addr - r->spec.origin), &value, size);
    // self-modifying code is rare here; keep the decode cache honest anyway
    const uint32_t off = addr - r->spec.origin;
    if (!r->icache.empty() && (r->icache[off / 2].op != Op::kInvalid || (off >= 2 && r->icache[off / 2 - 1].op != Op::kInvalid) ||
        r->icache[(off + size - 1) / 2].op != Op::kInvalid))
        invalidate(*r, addr, size);
    c.cycle += memory_cost(c, *r, addr, size, false);
    return true;
}

// ---------------------------------------------------------------- pulp-open peripherals
bool Cluster::is_periph(uint32_t addr)
{
    return addr - kClusterPeriphBase < kClusterPeriphSize || addr - kSocPeriphBase < kSocPeriphSize;
}

namespace {

std::string hex32(uint32_t v)
{
    char b[16];
    snprintf(b, sizeof b, "0x%08x", v);
    return b;
}

// the barrier b and register reg of an event-unit offset, false outside the barriers
bool barrier_reg(uint32_t off, uint32_t &b, uint32_t &reg)
{
    if (off < kEuBarrierBase || off >= kEuBarrierBase + kEuBarriers * kEuBarrierStride) return false;
    b = (off - kEuBarrierBase) / kEuBarrierStride;
    reg = (off - kEuBarrierBase) % kEuBarrierStride;
    return true;
}

}  // namespace

bool Cluster::periph_load(Core &c, uint32_t addr, uint8_t rd, uint32_t &value, bool &blocked)
{
    c.cycle += t_.periph_latency;
    value = 0;
    const bool cluster_core = c.hartid != kHartIdFc;
    uint32_t b, reg;
    if (cluster_core && addr - kEuDemux < 0x400u && barrier_reg(addr - kEuDemux, b, reg)) {
        if (reg == kEuBarrierWaitClear) {
            barrier_arrive(c, b, rd);
            blocked = c.state != Core::State::kRunning;
            return !stopping_;
        }
        if (reg == kEuBarrierTriggerMask || reg == kEuBarrierTargetMask) {
            value = reg == kEuBarrierTriggerMask ? barriers_[b].trigger_mask : barriers_[b].target_mask;
            return true;
        }
    } else if (cluster_core && addr == kDmaDemux + kDmaCmd) {
        for (uint32_t id = 0; id < kDmaIds; ++id)
            if (!(dma_allocated_ & (1u << id))) {
                dma_allocated_ |= 1u << id;
                dma_done_[id] = UINT64_MAX;  // until its command is complete
                c.dma_tid = id;
                c.dma_words = 0;
                value = id;
                return true;
            }
        trap(c, kCauseLoadFault, addr, "DMA: all 16 transfer ids are in use (the firmware never frees them?)");
        return false;
    } else if (cluster_core && addr == kDmaDemux + kDmaStatus) {
        for (uint32_t id = 0; id < kDmaIds; ++id)
            if (dma_allocated_ & (1u << id)) value |= (1u << (16 + id)) | (dma_done_[id] > c.cycle ? 1u << id : 0u);
        return true;
    } else if (addr == kCoreStatus) {
        return true;
    }
    trap(c, kCauseLoadFault, addr, "load from a peripheral register the pulp backend does not model (" + hex32(addr) + ")");
    return false;
}

bool Cluster::periph_store(Core &c, uint32_t addr, uint32_t value)
{
    c.cycle += t_.periph_latency;
    const bool cluster_core = c.hartid != kHartIdFc;
    uint32_t b, reg;
    if (addr == kClCtrlFetchEn) {
        fetch_enable(c, value);
        return true;
    }
    if (addr - kClCtrlBootAddr < 4u * t_.cores && (addr & 3u) == 0) {
        boot_addr_[(addr - kClCtrlBootAddr) / 4] = value;
        return true;
    }
    if (addr == kIcacheEnable) {
        icache_.enable(value != 0);
        return true;
    }
    if (addr == kIcacheFlush) {
        icache_.flush();
        return true;
    }
    if (cluster_core && addr == kEuDemux + kEuMaskOr) return true;  // every barrier raises the one event line
    if (cluster_core && addr - kEuDemux < 0x400u && barrier_reg(addr - kEuDemux, b, reg) &&
        (reg == kEuBarrierTriggerMask || reg == kEuBarrierTargetMask)) {
        (reg == kEuBarrierTriggerMask ? barriers_[b].trigger_mask : barriers_[b].target_mask) = value;
        return true;
    }
    if (cluster_core && addr == kDmaDemux + kDmaCmd) return dma_command(c, value);
    if (cluster_core && addr == kDmaDemux + kDmaStatus) {
        dma_allocated_ &= ~(value & 0xFFFFu);
        return true;
    }
    if (addr == kCoreStatus) {
        if (value & 0x80000000u) {
            exit_status_ = int(value & 0x7FFFFFFFu);
            stop_ = Stop::kExit;
            stopping_ = true;
        }
        return true;
    }
    if (addr - kStdoutBase < kStdoutSize) {
        if (console_) console_(char(value & 0xFFu));
        return true;
    }
    trap(c, kCauseStoreFault, addr, "store to a peripheral register the pulp backend does not model (" + hex32(addr) + ")");
    return false;
}

void Cluster::fetch_enable(const Core &by, uint32_t mask)
{
    for (uint32_t i = 0; i < t_.cores; ++i) {
        Core &c = cores_[i];
        if (!(mask & (1u << i)) || c.state != Core::State::kOff) continue;
        c.pc = boot_addr_[i];
        c.cycle = by.cycle + t_.boot_latency;
        c.state = Core::State::kRunning;
        ++running_;
    }
    ++epoch_;
}

void Cluster::barrier_arrive(Core &c, uint32_t b, uint8_t rd)
{
    Barrier &br = barriers_[b];
    const uint32_t me = 1u << c.id;
    if (!(br.trigger_mask & me)) {
        trap(c, kCauseLoadFault, kEuDemux + kEuBarrierBase + b * kEuBarrierStride + kEuBarrierWaitClear,
             "hardware barrier " + std::to_string(b) + ": this core is not in its trigger mask " + hex32(br.trigger_mask));
        return;
    }
    br.last = std::max(br.last, c.cycle + 1);
    br.arrived |= me;
    if (br.arrived != br.trigger_mask) {
        c.state = Core::State::kWaitBarrier;
        c.wait_rd = rd;
        c.wait_since = c.cycle;
        --running_;
        ++epoch_;
        return;
    }
    const uint64_t release = br.last + t_.barrier_latency;
    for (uint32_t i = 0; i < t_.cores; ++i) {
        Core &w = cores_[i];
        if (&w == &c || !(br.target_mask & (1u << i)) || w.state != Core::State::kWaitBarrier) continue;
        w.x[w.wait_rd] = 0;
        w.x[0] = 0;
        w.state = Core::State::kRunning;
        ++running_;
        if (release > w.cycle) w.stalls.barrier += release - w.cycle;
        w.cycle = std::max(w.cycle, release);
    }
    // the arriving core: step() adds the load's own cycle
    if (release > c.cycle + 1) c.stalls.barrier += release - (c.cycle + 1);
    c.cycle = std::max(c.cycle, release - 1);
    br.arrived = 0;
    br.last = 0;
    ++epoch_;
}

bool Cluster::dma_command(Core &c, uint32_t word)
{
    switch (c.dma_words++) {
    case 0: c.dma_cmd = word; return true;
    case 1: c.dma_l1 = word; return true;
    case 2: c.dma_l2 = word; return (c.dma_cmd & kDmaTwoDimExt) ? true : dma_transfer(c);
    case 3: c.dma_row = word; return true;
    case 4: c.dma_stride = word; return dma_transfer(c);
    default:
        trap(c, kCauseStoreFault, kDmaDemux + kDmaCmd, "DMA: a command word without a transfer id (read CMD first)");
        return false;
    }
}

bool Cluster::dma_transfer(Core &c)
{
    const uint32_t len = c.dma_cmd & kDmaLenMask;
    const bool two_d = c.dma_cmd & kDmaTwoDimExt, to_l1 = c.dma_cmd & kDmaExt2Loc;
    const uint32_t row = two_d ? c.dma_row : len, stride = two_d ? c.dma_stride : len;
    if (row == 0 || len % row) {
        trap(c, kCauseStoreFault, kDmaDemux + kDmaCmd, "DMA: 2-D length " + std::to_string(len) +
                                                           " is not a multiple of the row length " + std::to_string(row));
        return false;
    }
    const uint32_t rows = len / row;
    std::vector<uint8_t> buf(row);
    for (uint32_t r = 0; r < rows; ++r) {
        const uint32_t l1 = c.dma_l1 + r * row, l2 = c.dma_l2 + r * stride;
        const bool ok = to_l1 ? read(l2, buf.data(), row) && write(l1, buf.data(), row)
                              : read(l1, buf.data(), row) && write(l2, buf.data(), row);
        if (!ok) {
            trap(c, kCauseStoreFault, c.dma_l2, "DMA transfer between unmapped addresses (L1 " + hex32(c.dma_l1) +
                                                    ", L2 " + hex32(c.dma_l2) + ")");
            return false;
        }
    }
    dma_bytes_ += len;
    const uint64_t start = std::max(c.cycle, dma_free_) + t_.dma_setup;
    const uint64_t end = start + (len + t_.dma_bytes_per_cycle - 1) / t_.dma_bytes_per_cycle +
                         uint64_t(rows - 1) * t_.dma_row_overhead;
    dma_free_ = end;
    dma_done_[c.dma_tid] = end;
    c.dma_words = 0;
    return true;
}

// ---------------------------------------------------------------- CSRs
bool Cluster::csr(Core &c, uint32_t num, uint32_t *old, uint32_t value, int how)
{
    // how: 0 = write, 1 = set, 2 = clear, -1 = read only
    uint32_t *reg = nullptr;
    uint32_t ro = 0;
    bool read_only = false;
    switch (num) {
    case 0x300: reg = &c.mstatus; break;
    case 0x305: reg = &c.mtvec; break;
    case 0x340: reg = &c.mscratch; break;
    case 0x341: reg = &c.mepc; break;
    case 0x342: reg = &c.mcause; break;
    case 0x343: reg = &c.mtval; break;
    case 0x301: ro = 0x40001104u; read_only = true; break;  // misa: RV32 I M C X
    case 0x320: ro = 0; read_only = true; break;            // mcountinhibit: counters always on
    case 0xB00: case 0xC00: ro = uint32_t(c.cycle); read_only = true; break;
    case 0xB80: case 0xC80: ro = uint32_t(c.cycle >> 32); read_only = true; break;
    case 0xB02: case 0xC02: ro = uint32_t(c.instret); read_only = true; break;
    case 0xB82: case 0xC82: ro = uint32_t(c.instret >> 32); read_only = true; break;
    case 0xF11: case 0xF12: case 0xF13: ro = 0; read_only = true; break;
    case 0xF14: ro = c.hartid; read_only = true; break;
    case 0xCC0: reg = &c.pcer; break;  // PULP performance counters: event enable
    case 0xCC1: reg = &c.pcmr; break;  // mode
    case 0x780: ro = uint32_t(c.cycle); read_only = true; break;
    case 0x781: ro = uint32_t(c.instret); read_only = true; break;
    case 0x782: ro = uint32_t(c.stalls.load_use); read_only = true; break;
    case 0x783: ro = uint32_t(c.stalls.branch); read_only = true; break;
    case 0x784: ro = uint32_t(c.stalls.icache); read_only = true; break;
    case 0x785: ro = uint32_t(c.loads); read_only = true; break;
    case 0x786: ro = uint32_t(c.stores); read_only = true; break;
    case 0x78B: ro = uint32_t(c.l2_loads); read_only = true; break;
    case 0x78D: ro = uint32_t(c.stalls.l2); read_only = true; break;
    case 0x790: ro = uint32_t(c.stalls.tcdm_conflict); read_only = true; break;
    case 0x7B0: reg = &c.lp_start[0]; break;
    case 0x7B1: reg = &c.lp_end[0]; break;
    case 0x7B2: reg = &c.lp_count[0]; break;
    case 0x7B4: reg = &c.lp_start[1]; break;
    case 0x7B5: reg = &c.lp_end[1]; break;
    case 0x7B6: reg = &c.lp_count[1]; break;
    default: return false;
    }
    if (old) *old = reg ? *reg : ro;
    if (read_only || how < 0) return true;  // writes to counters are ignored (the time base)
    if (how == 0) *reg = value;
    else if (how == 1) *reg |= value;
    else *reg &= ~value;
    return true;
}

// ---------------------------------------------------------------- one instruction
void Cluster::exec(Core &c, const Insn &in)
{
    uint32_t *x = c.x;
    const uint32_t a = x[in.rs1], b = x[in.rs2];
    const uint32_t next = c.pc + in.len;
    switch (in.op) {
    case Op::kLui: x[in.rd] = uint32_t(in.imm); break;
    case Op::kAuipc: x[in.rd] = c.pc + uint32_t(in.imm); break;
    case Op::kJal:
        x[in.rd] = next;
        c.pc += uint32_t(in.imm);
        c.cycle += t_.jal - 1;
        c.stalls.branch += t_.jal - 1;
        return;
    case Op::kJalr: {
        const uint32_t target = (a + uint32_t(in.imm)) & ~1u;
        x[in.rd] = next;
        c.pc = target;
        c.cycle += t_.jalr - 1;
        c.stalls.branch += t_.jalr - 1;
        return;
    }
    case Op::kBeq: case Op::kBne: case Op::kBlt: case Op::kBge: case Op::kBltu: case Op::kBgeu: {
        bool taken;
        switch (in.op) {
        case Op::kBeq: taken = a == b; break;
        case Op::kBne: taken = a != b; break;
        case Op::kBlt: taken = int32_t(a) < int32_t(b); break;
        case Op::kBge: taken = int32_t(a) >= int32_t(b); break;
        case Op::kBltu: taken = a < b; break;
        default: taken = a >= b; break;
        }
        if (taken) {
            c.pc += uint32_t(in.imm);
            c.cycle += t_.branch_taken - 1;
            c.stalls.branch += t_.branch_taken - 1;
            return;
        }
        break;
    }
    case Op::kLb: case Op::kLh: case Op::kLw: case Op::kLbu: case Op::kLhu: {
        static constexpr uint8_t kinds[] = {kB, kH, kW, kBu, kHu};
        const uint8_t kind = kinds[int(in.op) - int(Op::kLb)];
        const uint32_t addr = a + uint32_t(in.imm);
        uint32_t v;
        if (is_periph(addr)) {
            bool blocked = false;
            if (!periph_load(c, addr, in.rd, v, blocked)) return;
            if (blocked) {
                c.pc = next;
                return;
            }
        } else if (!load(c, addr, kind, v)) {
            return;
        }
        x[in.rd] = v;
        c.last_load_rd = in.rd;
        break;
    }
    case Op::kSb: case Op::kSh: case Op::kSw: {
        const uint32_t size = 1u << (int(in.op) - int(Op::kSb));
        if (!store(c, a + uint32_t(in.imm), size, b)) return;
        break;
    }
    case Op::kLoadPostImm: case Op::kLoadPostReg: case Op::kLoadRegReg: {
        uint32_t addr = a, v;
        if (in.op == Op::kLoadRegReg) addr = a + b;
        if (!load(c, addr, in.imm2, v)) return;
        if (in.op == Op::kLoadPostImm) x[in.rs1] = a + uint32_t(in.imm);
        else if (in.op == Op::kLoadPostReg) x[in.rs1] = a + b;
        x[in.rd] = v;
        c.last_load_rd = in.rd;
        break;
    }
    case Op::kStorePostImm: case Op::kStorePostReg: case Op::kStoreRegReg: {
        const uint32_t size = 1u << in.imm2;
        const uint32_t addr = in.op == Op::kStoreRegReg ? a + x[in.rs3] : a;
        if (!store(c, addr, size, b)) return;
        if (in.op == Op::kStorePostImm) x[in.rs1] = a + uint32_t(in.imm);
        else if (in.op == Op::kStorePostReg) x[in.rs1] = a + x[in.rs3];
        break;
    }
    case Op::kAddi: x[in.rd] = a + uint32_t(in.imm); break;
    case Op::kSlti: x[in.rd] = int32_t(a) < in.imm; break;
    case Op::kSltiu: x[in.rd] = a < uint32_t(in.imm); break;
    case Op::kXori: x[in.rd] = a ^ uint32_t(in.imm); break;
    case Op::kOri: x[in.rd] = a | uint32_t(in.imm); break;
    case Op::kAndi: x[in.rd] = a & uint32_t(in.imm); break;
    case Op::kSlli: x[in.rd] = a << in.imm; break;
    case Op::kSrli: x[in.rd] = a >> in.imm; break;
    case Op::kSrai: x[in.rd] = uint32_t(int32_t(a) >> in.imm); break;
    case Op::kAdd: x[in.rd] = a + b; break;
    case Op::kSub: x[in.rd] = a - b; break;
    case Op::kSll: x[in.rd] = a << (b & 31); break;
    case Op::kSlt: x[in.rd] = int32_t(a) < int32_t(b); break;
    case Op::kSltu: x[in.rd] = a < b; break;
    case Op::kXor: x[in.rd] = a ^ b; break;
    case Op::kSrl: x[in.rd] = a >> (b & 31); break;
    case Op::kSra: x[in.rd] = uint32_t(int32_t(a) >> (b & 31)); break;
    case Op::kOr: x[in.rd] = a | b; break;
    case Op::kAnd: x[in.rd] = a & b; break;
    case Op::kMul:
        x[in.rd] = a * b;
        c.cycle += t_.mul - 1;
        c.stalls.muldiv += t_.mul - 1;
        c.last_load_rd = in.rd;
        c.last_is_mul = true;
        break;
    case Op::kMulh: case Op::kMulhsu: case Op::kMulhu: {
        int64_t r;
        if (in.op == Op::kMulh) r = int64_t(int32_t(a)) * int64_t(int32_t(b));
        else if (in.op == Op::kMulhsu) r = int64_t(int32_t(a)) * int64_t(uint64_t(b));
        else r = int64_t(uint64_t(a) * uint64_t(b));
        x[in.rd] = uint32_t(uint64_t(r) >> 32);
        c.cycle += t_.mulh - 1;
        c.stalls.muldiv += t_.mulh - 1;
        c.last_load_rd = in.rd;  // its result is late for the next instruction too (mul_use)
        c.last_is_mul = true;
        break;
    }
    case Op::kDiv: case Op::kDivu: case Op::kRem: case Op::kRemu: {
        const bool sgn = in.op == Op::kDiv || in.op == Op::kRem;
        uint32_t r;
        if (b == 0) {
            r = (in.op == Op::kDiv || in.op == Op::kDivu) ? UINT32_MAX : a;
        } else if (sgn && a == 0x80000000u && b == UINT32_MAX) {
            r = in.op == Op::kDiv ? a : 0;
        } else if (in.op == Op::kDiv) {
            r = uint32_t(int32_t(a) / int32_t(b));
        } else if (in.op == Op::kRem) {
            r = uint32_t(int32_t(a) % int32_t(b));
        } else if (in.op == Op::kDivu) {
            r = a / b;
        } else {
            r = a % b;
        }
        // serial divider: div_min cycles plus one per leading zero of the divisor's magnitude (one
        // fewer for a negative divisor), div_min - 2 for a zero divisor
        const uint32_t ub = sgn && int32_t(b) < 0 ? 0u - b : b;
        const uint32_t zeros = 32u - uint32_t(bitlen(ub)) - (sgn && int32_t(b) < 0 ? 1u : 0u);
        const uint32_t total = b == 0 ? std::max(1u, t_.div_min - 2) : std::min(t_.div_max, t_.div_min + zeros);
        c.cycle += total - 1;
        c.stalls.muldiv += total - 1;
        x[in.rd] = r;
        break;
    }
    case Op::kFence: break;
    case Op::kEcall: trap(c, kCauseEcall, 0, "ecall"); return;
    case Op::kEbreak: {
        uint32_t pre = 0, post = 0;
        if (in.len == 4 && read(c.pc - 4, &pre, 4) && read(c.pc + 4, &post, 4) && pre == kSemihostPre &&
            post == kSemihostPost && semihost_) {
            const SemihostResult r = semihost_(x[10], x[11]);
            x[10] = r.value;
            if (r.exit) {
                exit_status_ = r.status;
                stop_ = Stop::kExit;
                stopping_ = true;
            }
            break;
        }
        trap(c, kCauseBreakpoint, c.pc, "ebreak");
        return;
    }
    case Op::kMret: c.pc = c.mepc; return;
    case Op::kWfi:
        if (c.id == 0 && c.hartid == 0) {
            stop_ = Stop::kHalted;
            stopping_ = true;
            fault_pc_ = c.pc;
            fault_message_ = "core 0 executed wfi";
            return;
        }
        c.state = Core::State::kParked;
        --running_;
        ++epoch_;
        c.pc = next;
        return;
    case Op::kCsrrw: case Op::kCsrrs: case Op::kCsrrc: case Op::kCsrrwi: case Op::kCsrrsi: case Op::kCsrrci: {
        const bool imm = in.op == Op::kCsrrwi || in.op == Op::kCsrrsi || in.op == Op::kCsrrci;
        const uint32_t v = imm ? in.rs1 : a;
        int how = (in.op == Op::kCsrrw || in.op == Op::kCsrrwi) ? 0 : (in.op == Op::kCsrrs || in.op == Op::kCsrrsi) ? 1 : 2;
        if (how != 0 && in.rs1 == 0) how = -1;  // csrr: no write
        uint32_t old;
        if (!csr(c, uint32_t(in.imm), &old, v, how)) {
            trap(c, kCauseIllegal, in.raw, "unknown CSR " + std::to_string(in.imm));
            return;
        }
        x[in.rd] = old;
        break;
    }
    // ---- XpulpV2 hardware loops
    case Op::kLpStarti: c.lp_start[in.imm2] = c.pc + uint32_t(in.imm); break;
    case Op::kLpEndi: c.lp_end[in.imm2] = c.pc + uint32_t(in.imm); break;
    case Op::kLpCount: c.lp_count[in.imm2] = a; break;
    case Op::kLpCounti: c.lp_count[in.imm2] = uint32_t(in.imm); break;
    case Op::kLpSetup:
        c.lp_start[in.imm2] = next;
        c.lp_end[in.imm2] = c.pc + uint32_t(in.imm);
        c.lp_count[in.imm2] = a;
        break;
    case Op::kLpSetupi:
        c.lp_start[in.imm2] = next;
        c.lp_end[in.imm2] = c.pc + (uint32_t(in.rs3) << 1);
        c.lp_count[in.imm2] = uint32_t(in.imm);
        break;
    // ---- XpulpV2 ALU
    case Op::kPAbs: x[in.rd] = int32_t(a) < 0 ? 0u - a : a; break;
    case Op::kPMin: x[in.rd] = int32_t(a) < int32_t(b) ? a : b; break;
    case Op::kPMinu: x[in.rd] = a < b ? a : b; break;
    case Op::kPMax: x[in.rd] = int32_t(a) > int32_t(b) ? a : b; break;
    case Op::kPMaxu: x[in.rd] = a > b ? a : b; break;
    case Op::kPClip: {
        const int32_t n = in.imm > 0 ? in.imm - 1 : 0;
        x[in.rd] = clip(int32_t(a), -(int32_t(1) << n), (int32_t(1) << n) - 1);
        break;
    }
    case Op::kPClipu: {
        const int32_t n = in.imm > 0 ? in.imm - 1 : 0;
        x[in.rd] = clip(int32_t(a), 0, (int32_t(1) << n) - 1);
        break;
    }
    case Op::kPClipr: x[in.rd] = clip(int32_t(a), -int32_t(b) - 1, int32_t(b)); break;
    case Op::kPClipur: x[in.rd] = clip(int32_t(a), 0, int32_t(b)); break;
    case Op::kPExths: x[in.rd] = uint32_t(int32_t(int16_t(a))); break;
    case Op::kPExthz: x[in.rd] = a & 0xFFFFu; break;
    case Op::kPExtbs: x[in.rd] = uint32_t(int32_t(int8_t(a))); break;
    case Op::kPExtbz: x[in.rd] = a & 0xFFu; break;
    case Op::kPMac: x[in.rd] += a * b; break;
    case Op::kPMsu: x[in.rd] -= a * b; break;
    case Op::kPAddRNr: {
        const uint32_t sh = b & 31u, sum = x[in.rd] + a + (sh ? 1u << (sh - 1) : 0u);
        x[in.rd] = uint32_t(int32_t(sum) >> sh);
        break;
    }
    // ---- XpulpV2 packed SIMD
    case Op::kPvAdd: case Op::kPvSub: case Op::kPvMin: case Op::kPvMax: {
        const bool half = (in.imm2 & 1u) == 0;
        const uint32_t bv = simd_b(in.imm2, b, in.imm);
        const int n = half ? 2 : 4, w = half ? 16 : 8;
        const uint32_t mask = half ? 0xFFFFu : 0xFFu;
        uint32_t r = 0;
        for (int i = 0; i < n; ++i) {
            const int32_t l = lane(a, i, half, true), m = lane(bv, i, half, true);
            int32_t v;
            switch (in.op) {
            case Op::kPvAdd: v = l + m; break;
            case Op::kPvSub: v = l - m; break;
            case Op::kPvMin: v = l < m ? l : m; break;
            default: v = l > m ? l : m; break;
            }
            r |= (uint32_t(v) & mask) << (w * i);
        }
        x[in.rd] = r;
        break;
    }
    case Op::kPvDotup: case Op::kPvDotusp: case Op::kPvDotsp:
    case Op::kPvSdotup: case Op::kPvSdotusp: case Op::kPvSdotsp: {
        const bool half = (in.imm2 & 1u) == 0;
        const uint32_t bv = simd_b(in.imm2, b, in.imm);
        const bool sa = in.op == Op::kPvDotsp || in.op == Op::kPvSdotsp;
        const bool sb = sa || in.op == Op::kPvDotusp || in.op == Op::kPvSdotusp;
        const bool acc = in.op == Op::kPvSdotup || in.op == Op::kPvSdotusp || in.op == Op::kPvSdotsp;
        uint32_t r = acc ? x[in.rd] : 0;
        const int n = half ? 2 : 4;
        for (int i = 0; i < n; ++i)
            r += uint32_t(int64_t(lane(a, i, half, sa)) * lane(bv, i, half, sb));
        x[in.rd] = r;
        break;
    }
    case Op::kInvalid:
    case Op::kIllegal:
    default: trap(c, kCauseIllegal, in.raw, "illegal instruction"); return;
    }
    hwloop(c, next);
}

}  // namespace tinytx::agent::pulp
