// The emulated Cortex-M system control space (see scs.h).
#include "scs.h"

namespace tinytx::agent::iss {

namespace {
constexpr uint32_t kDwtCtrl = 0x1000, kDwtCyccnt = 0x1004;
constexpr uint32_t kSystCsr = 0xE010, kSystRvr = 0xE014, kSystCvr = 0xE018, kSystCalib = 0xE01C;
constexpr uint32_t kCpuid = 0xED00, kIcsr = 0xED04, kDemcr = 0xEDFC;
constexpr uint32_t kTrcena = 1u << 24, kCyccntena = 1u << 0, kSystEnable = 1u << 0;
}  // namespace

bool SystemControlSpace::cyccnt_enabled() const
{
    auto get = [&](uint32_t r) {
        auto it = regs_.find(r);
        return it == regs_.end() ? 0u : it->second;
    };
    return (get(kDemcr) & kTrcena) && (get(kDwtCtrl) & kCyccntena);
}

uint32_t SystemControlSpace::cyccnt_now() const
{
    return cyccnt_running_ ? cyccnt_base_ + uint32_t(*cycles_ - cyccnt_origin_) : cyccnt_base_;
}

void SystemControlSpace::cyccnt_update_state()
{
    const bool run = cyccnt_enabled();
    if (run == cyccnt_running_) return;
    cyccnt_base_ = cyccnt_now();
    cyccnt_origin_ = *cycles_;
    cyccnt_running_ = run;
}

uint32_t SystemControlSpace::read32(uint32_t off)
{
    switch (off) {
    case kDwtCyccnt: return cyccnt_now();
    case kCpuid: return cpuid_;
    case kIcsr: return 0;
    case kSystCalib: return 0;
    case kSystCvr: {
        auto csr = regs_.find(kSystCsr);
        auto rvr = regs_.find(kSystRvr);
        const uint32_t reload = rvr == regs_.end() ? 0 : rvr->second & 0xFFFFFFu;
        if (csr == regs_.end() || !(csr->second & kSystEnable) || reload == 0) {
            auto cvr = regs_.find(kSystCvr);
            return cvr == regs_.end() ? 0 : cvr->second;
        }
        const uint64_t elapsed = *cycles_ - systick_origin_;
        if (elapsed == 0) return 0;
        return reload - uint32_t((elapsed - 1) % (uint64_t(reload) + 1));
    }
    default: {
        auto it = regs_.find(off);
        return it == regs_.end() ? 0 : it->second;
    }
    }
}

void SystemControlSpace::write32(uint32_t off, uint32_t v)
{
    switch (off) {
    case kDwtCyccnt:
        cyccnt_base_ = v;
        cyccnt_origin_ = *cycles_;
        return;
    case kCpuid: case kSystCalib: return;  // read-only
    case kSystCvr:  // any write clears the counter; it restarts from the reload value
        regs_[kSystCvr] = 0;
        systick_origin_ = *cycles_;
        return;
    case kSystCsr: {
        auto it = regs_.find(kSystCsr);
        const bool was = it != regs_.end() && (it->second & kSystEnable);
        regs_[kSystCsr] = v & 0x7u;
        if (!was && (v & kSystEnable)) systick_origin_ = *cycles_;
        return;
    }
    default:
        // a fuzzed image could write every word of the range: 256 Ki entries at most
        regs_[off] = v;
        if (off == kDemcr || off == kDwtCtrl) cyccnt_update_state();
        return;
    }
}

uint64_t SystemControlSpace::read(uint64_t offset, unsigned size)
{
    const uint32_t off = uint32_t(offset);
    const uint32_t word = read32(off & ~3u);
    const unsigned shift = (off & 3u) * 8;
    if (size >= 4) return word;
    const uint32_t mask = size == 2 ? 0xFFFFu : 0xFFu;
    return (word >> shift) & mask;
}

void SystemControlSpace::write(uint64_t offset, unsigned size, uint64_t value)
{
    const uint32_t off = uint32_t(offset);
    if (size >= 4 && (off & 3u) == 0) {
        write32(off, uint32_t(value));
        return;
    }
    const uint32_t aligned = off & ~3u;
    const unsigned shift = (off & 3u) * 8;
    const uint32_t mask = (size == 2 ? 0xFFFFu : size == 1 ? 0xFFu : 0xFFFFFFFFu) << shift;
    uint32_t word = read32(aligned);
    word = (word & ~mask) | ((uint32_t(value) << shift) & mask);
    write32(aligned, word);
}

}  // namespace tinytx::agent::iss
