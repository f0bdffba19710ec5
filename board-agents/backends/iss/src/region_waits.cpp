// Which board region an emulated address stands for, and its wait states (region_waits.h).
#include "region_waits.h"

namespace tinytx::agent::iss {

RegionWaits::RegionWaits(const BoardProfile &board, uint32_t arena_start, uint32_t arena_end,
                         const std::string &arena_region)
{
    const std::string arena = arena_region.empty() ? board.emulator_arena : arena_region;
    if (!arena.empty()) {
        const MemoryRegion *r = board.region(arena);
        if (!r || !is_ram_kind(r->kind)) {
            std::string known;
            for (const MemoryRegion &m : board.memory)
                if (is_ram_kind(m.kind)) known += (known.empty() ? "" : ", ") + m.name;
            throw InvalidArgument("arena region '" + arena + "' is not a RAM-like region of board " + board.name +
                                  " (" + known + ")");
        }
        if (arena_end > arena_start) ranges_.push_back({arena_start, arena_end, r->timing.load_wait, r->timing.store_wait});
    }
    for (const MemoryRegion &e : board.emulator_memory) {
        const MemoryRegion *r = e.stands_for.empty() ? nullptr : board.region(e.stands_for);
        if (r) ranges_.push_back({e.origin, e.origin + e.length, r->timing.load_wait, r->timing.store_wait});
    }
    for (const Range &r : ranges_) {
        any_load_ |= r.load > 0;
        any_store_ |= r.store > 0;
    }
}

}  // namespace tinytx::agent::iss
