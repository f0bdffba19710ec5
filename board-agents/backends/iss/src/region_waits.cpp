// Which board region an emulated address stands for, and its wait states (region_waits.h).
#include "region_waits.h"

namespace tinytx::agent::iss {

namespace {

// the RAM-like region `name` of the board, or InvalidArgument saying what `what` may name
const MemoryRegion &ram_region(const BoardProfile &board, const std::string &name, const char *what)
{
    const MemoryRegion *r = board.region(name);
    if (r && is_ram_kind(r->kind)) return *r;
    std::string known;
    for (const MemoryRegion &m : board.memory)
        if (is_ram_kind(m.kind)) known += (known.empty() ? "" : ", ") + m.name;
    throw InvalidArgument(std::string(what) + " region '" + name + "' is not a RAM-like region of board " + board.name +
                          " (" + known + ")");
}

}  // namespace

WeightsHome weights_home(const ElfImage &image)
{
    const auto start = image.symbol("__tx_weights_start"), end = image.symbol("__tx_weights_end");
    if (!start || !end || end->addr <= start->addr) return {};
    WeightsHome w{start->addr, end->addr, {}};
    const auto name = image.symbol("tx_weights_region");
    for (const Segment &s : image.segments())
        if (name && name->addr >= s.vaddr && name->addr - s.vaddr < s.data.size())
            for (size_t i = name->addr - s.vaddr; i < s.data.size() && s.data[i]; ++i)
                w.region += char(s.data[i]);
    if (w.region.empty())
        throw InvalidArgument("the image's weights section (.tx_weights) names no region (tx_weights_region)");
    return w;
}

RegionWaits::RegionWaits(const BoardProfile &board, uint32_t arena_start, uint32_t arena_end,
                         const std::string &arena_region, const WeightsHome &weights)
{
    const std::string arena = arena_region.empty() ? board.emulator_arena : arena_region;
    if (!arena.empty()) {
        const MemoryRegion &r = ram_region(board, arena, "arena");
        if (arena_end > arena_start) ranges_.push_back({arena_start, arena_end, r.timing.load_wait, r.timing.store_wait});
    }
    if (weights.end > weights.start) {
        const MemoryRegion &r = ram_region(board, weights.region, "weights");
        ranges_.push_back({weights.start, weights.end, r.timing.load_wait, r.timing.store_wait});
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
