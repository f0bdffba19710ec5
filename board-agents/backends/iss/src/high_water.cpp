// Stack and arena high-water marks (see high_water.h).
#include "high_water.h"

#include <algorithm>
#include <cstring>

namespace tinytx::agent::iss {

void HighWater::configure(uint32_t stack_bottom, uint32_t stack_top, uint32_t arena_start,
                          uint32_t arena_end)
{
    stack_lo_ = stack_bottom;
    stack_hi_ = std::max(stack_bottom, stack_top);
    arena_lo_ = arena_start;
    arena_hi_ = std::max(arena_start, arena_end);
}

void HighWater::begin(uint32_t stack_ref, bool painted, const Reader &read)
{
    stack_ref_ = std::clamp(stack_ref, stack_lo_, stack_hi_);
    guard_ = painted ? kPaintGuard : 0;
    hook_stack_low_ = UINT32_MAX;
    hook_arena_end_ = 0;
    have_snapshot_ = true;
    stack_snap_.resize(stack_ref_ - stack_lo_);
    if (!stack_snap_.empty() && !read(stack_lo_, stack_snap_.data(), stack_snap_.size()))
        have_snapshot_ = false;
    arena_snap_.resize(arena_hi_ - arena_lo_);
    if (!arena_snap_.empty() && !read(arena_lo_, arena_snap_.data(), arena_snap_.size()))
        have_snapshot_ = false;
}

HighWater::Peaks HighWater::peaks(uint32_t stack_low, uint32_t arena_end) const
{
    Peaks p;
    if (stack_low < stack_ref_) {
        const uint32_t word = stack_low & ~3u;
        p.stack = stack_ref_ - word + guard_;
        p.overflow = word <= stack_lo_;
    }
    if (arena_end > arena_lo_) p.arena = ((arena_end - arena_lo_) + 3u) & ~3u;
    return p;
}

HighWater::Peaks HighWater::hook_peaks() const
{
    return peaks(hook_stack_low_, hook_arena_end_);
}

HighWater::Peaks HighWater::end(const Reader &read)
{
    if (!have_snapshot_) return {};
    uint32_t stack_low = UINT32_MAX, arena_end = 0;

    // lowest changed byte of the stack below the reference
    const size_t ns = stack_snap_.size();
    scratch_.resize(ns);
    if (ns && read(stack_lo_, scratch_.data(), ns)) {
        constexpr size_t kChunk = 256;
        for (size_t off = 0; off < ns; off += kChunk) {
            const size_t len = std::min(kChunk, ns - off);
            if (std::memcmp(scratch_.data() + off, stack_snap_.data() + off, len) == 0) continue;
            size_t i = off;
            while (scratch_[i] == stack_snap_[i]) ++i;
            stack_low = stack_lo_ + uint32_t(i);
            break;
        }
    }

    // highest changed byte of the arena
    const size_t na = arena_snap_.size();
    scratch_.resize(na);
    if (na && read(arena_lo_, scratch_.data(), na)) {
        constexpr size_t kChunk = 256;
        for (size_t end = na; end > 0;) {
            const size_t len = std::min(kChunk, end);
            const size_t off = end - len;
            if (std::memcmp(scratch_.data() + off, arena_snap_.data() + off, len) != 0) {
                size_t i = end;
                while (scratch_[i - 1] == arena_snap_[i - 1]) --i;
                arena_end = arena_lo_ + uint32_t(i);
                break;
            }
            end = off;
        }
    }
    return peaks(stack_low, arena_end);
}

}  // namespace tinytx::agent::iss
