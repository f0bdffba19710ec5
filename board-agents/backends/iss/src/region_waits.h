// Memory-region timing of the cycle model: the wait states a data access pays on top of its
// instruction class, by the board region the emulated address stands for (docs/CYCLE_MODEL.md).
//
// The image is linked for the emulator's memory (QEMU's mps2 map), not the board's, so each
// emulator region names the board region it stands for (`stands_for`: code and constants ->
// flash, data and stack -> the board's RAM), and the arena [__tx_arena_start, __tx_arena_end)
// stands for the region the run places it in (RunOptions::arena_region, else the profile's
// emulator.arena), and the weights a schedule copies to RAM [__tx_weights_start, __tx_weights_end)
// the region the image names in tx_weights_region (WeightsHome). Instruction fetches are not charged
// (see the profile's flash `source`).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tinytx/agent/platform.h"
#include "tinytx/platform/board_profile.h"
#include "tinytx/platform/elf_image.h"

namespace tinytx::agent::iss {

// Where an image's weights run from when its schedule copies them to RAM (an empty range: they
// stay in flash, or the image predates the weights knob).
struct WeightsHome {
    uint32_t start = 0, end = 0;   // [start, end)
    std::string region;            // the board region the image names
};
// Read from the image's symbols; InvalidArgument when a non-empty weights section names no region.
WeightsHome weights_home(const ElfImage &image);

class RegionWaits {
public:
    // InvalidArgument when arena_region or weights.region names no RAM-like region of the board
    RegionWaits(const BoardProfile &board, uint32_t arena_start, uint32_t arena_end,
                const std::string &arena_region, const WeightsHome &weights = {});

    struct Range {
        uint32_t lo = 0, hi = 0;  // [lo, hi)
        uint32_t load = 0, store = 0;
    };

    bool charges_loads() const { return any_load_; }
    bool charges_stores() const { return any_store_; }
    uint32_t load(uint32_t addr) const { return find(addr).load; }
    uint32_t store(uint32_t addr) const { return find(addr).store; }

    // The timing of every address of [lo, lo + n) (n > 0), or nullptr when they differ in region.
    const Range *uniform(uint32_t lo, uint32_t n) const
    {
        for (const Range &r : ranges_) {
            if (lo - r.lo < r.hi - r.lo) return n <= r.hi - lo ? &r : nullptr;
            if (r.lo - lo < n) return nullptr;  // starts inside the span: the span is split
        }
        return &none_;
    }

private:
    const Range &find(uint32_t addr) const
    {
        for (const Range &r : ranges_)  // arena and weights first: they lie inside an emulator region
            if (addr - r.lo < r.hi - r.lo) return r;
        return none_;
    }

    std::vector<Range> ranges_;
    Range none_;
    bool any_load_ = false, any_store_ = false;
};

}  // namespace tinytx::agent::iss
