// Classified translation blocks, looked up on every block execution: a direct-mapped front
// (a few ns per hit) over a map that owns every block seen in the run.
#pragma once

#include <cstdint>
#include <algorithm>
#include <memory>
#include <unordered_map>
#include <vector>

#include "cycle_model.h"

namespace tinytx::agent::iss {

struct BlockInfo {
    static constexpr uint32_t kNoPlan = UINT32_MAX;
    BlockCost cost;
    uint8_t markers = 0;          // Machine::Marker bits of the block's start address
    uint32_t plan = kNoPlan;      // its charged data accesses (Machine::plans_), known at entry
    uint32_t at_exit = kNoPlan;   // ... known when it has run
};

class BlockCache {
public:
    BlockCache() : slots_(kSlots) {}

    const BlockInfo *find(uint32_t addr, uint32_t size)
    {
        Slot &s = slots_[index(addr)];
        if (s.addr == addr && s.size == size) return s.info;
        auto it = all_.find(key(addr, size));
        if (it == all_.end()) return nullptr;
        s = {addr, size, &it->second};
        return &it->second;
    }

    const BlockInfo *insert(uint32_t addr, uint32_t size, const BlockInfo &info)
    {
        BlockInfo &b = all_[key(addr, size)] = info;
        slots_[index(addr)] = {addr, size, &b};
        return &b;
    }

    size_t size() const { return all_.size(); }

    // Drops every block that holds the instruction at `pc` (they are classified again).
    void forget_covering(uint32_t pc)
    {
        std::erase_if(all_, [&](const auto &kv) {
            const uint32_t addr = uint32_t(kv.first >> 32), size = uint32_t(kv.first);
            return pc - addr < size;
        });
        std::fill(slots_.begin(), slots_.end(), Slot{});
    }

private:
    static constexpr size_t kSlots = 1u << 13;
    struct Slot {
        uint32_t addr = UINT32_MAX;
        uint32_t size = 0;
        const BlockInfo *info = nullptr;
    };
    static size_t index(uint32_t addr) { return (addr >> 1) & (kSlots - 1); }
    static uint64_t key(uint32_t addr, uint32_t size) { return uint64_t(addr) << 32 | size; }

    std::vector<Slot> slots_;
    std::unordered_map<uint64_t, BlockInfo> all_;  // node-based: pointers stay valid
};

}  // namespace tinytx::agent::iss
