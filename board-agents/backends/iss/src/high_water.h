// Stack and arena high-water marks of a measured window (tx_bench_begin..tx_bench_end), defined
// as the firmware's painting defines them (kernels/firmware/paint.c, bench.c):
//  - stack peak = (ref - lowest written word) + 64, where ref is the value tx_stack_paint()
//    returned (its stack pointer - 64, word aligned: the top of the painted range) and only
//    words in [__stack_bottom, ref) count; 0 if none was written. The 64 bytes are the painter's
//    guard (TX_STACK_GUARD), so the figure is measured from the painter's stack pointer.
//    Without a tx_stack_paint symbol, ref is the stack pointer at tx_bench_begin and the guard 0.
//  - arena peak = bytes from __tx_arena_start up to and including the last written word.
//  - overflow = the word at __stack_bottom was written.
// Two ways to see the writes:
//  - snapshot (always): the stack and the arena are copied at tx_bench_begin and compared at
//    tx_bench_end. Sees every store that changed memory. The painting sees exactly the same
//    thing inside the painted ranges (there the snapshot holds the paint word), so both agree
//    except where a run writes past the painted margin (the snapshot sees it, painting cannot).
//  - write hooks (IssConfig::write_hooks): every store, including ones that rewrote the value
//    already there. Costs about 2x emulation speed under Unicorn 2.0 (all memory accesses take
//    the slow path once any memory hook exists).
// What neither sees: writes before the window (the inputs copied into the arena; always below
// the outputs the window writes), and stores below __stack_bottom.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

namespace tinytx::agent::iss {

class HighWater {
public:
    static constexpr uint32_t kPaintGuard = 64;  // TX_STACK_GUARD in paint.c

    // reads guest memory; false when not mapped
    using Reader = std::function<bool(uint32_t addr, void *dst, size_t n)>;

    struct Peaks {
        uint32_t stack = 0;
        uint32_t arena = 0;
        bool overflow = false;
    };

    // [stack_bottom, stack_top) and [arena_start, arena_end); empty ranges disable tracking
    void configure(uint32_t stack_bottom, uint32_t stack_top, uint32_t arena_start,
                   uint32_t arena_end);

    // At tx_bench_begin: the stack reference (see above) and whether it came from the painter.
    void begin(uint32_t stack_ref, bool painted, const Reader &read);
    // At tx_bench_end: compares with the snapshot; returns the snapshot peaks.
    Peaks end(const Reader &read);
    // Hook path: a store of `size` bytes at `addr` inside the window.
    void on_write(uint32_t addr, uint32_t size)
    {
        if (addr >= stack_lo_ && addr < stack_ref_ && addr < hook_stack_low_) hook_stack_low_ = addr;
        if (addr < arena_hi_ && addr + size > arena_lo_ && addr + size > hook_arena_end_)
            hook_arena_end_ = addr + size;
    }
    Peaks hook_peaks() const;

    uint32_t stack_reference() const { return stack_ref_; }
    bool tracking_stack() const { return stack_hi_ > stack_lo_; }
    bool tracking_arena() const { return arena_hi_ > arena_lo_; }

private:
    Peaks peaks(uint32_t stack_low, uint32_t arena_end) const;

    uint32_t stack_lo_ = 0, stack_hi_ = 0, arena_lo_ = 0, arena_hi_ = 0;
    uint32_t stack_ref_ = 0;
    uint32_t guard_ = 0;
    std::vector<uint8_t> stack_snap_, arena_snap_, scratch_;
    bool have_snapshot_ = false;
    uint32_t hook_stack_low_ = UINT32_MAX;
    uint32_t hook_arena_end_ = 0;
};

}  // namespace tinytx::agent::iss
