#include "icache.h"

#include <algorithm>

namespace tinytx::agent::pulp {

InstructionCache::InstructionCache(uint32_t cores, Costs costs) : costs_(costs), l0_(cores), buffer_(cores, 0)
{
    for (auto &l : l0_) l.sets = 8;
    for (auto &l : l1_) l.sets = 32;
    reset();
}

void InstructionCache::reset()
{
    enabled_ = false;
    flush();
}

void InstructionCache::flush()
{
    for (auto &l : l0_) l = Level{l.sets, std::vector<Set>(l.sets, Set{}), 1, 0};
    for (auto &l : l1_) l = Level{l.sets, std::vector<Set>(l.sets, Set{}), 1, 0};
    std::fill(buffer_.begin(), buffer_.end(), 0);
}

uint64_t *InstructionCache::Level::lookup(uint32_t line, bool &hit)
{
    Set &s = set[line % sets];
    const uint32_t tag = line / sets;
    int victim = -1;
    hit = false;
    for (int w = 0; w < 4; ++w) {
        if (s.valid[w] && s.tag[w] == tag) {
            hit = true;
            return &s.ready[w];
        }
        if (!s.valid[w] && victim < 0) victim = w;
    }
    if (victim < 0) {
        // x^8 + x^6 + x^5 + x^4 + 1: a maximal-length 8-bit Fibonacci LFSR
        const uint8_t bit = uint8_t(((lfsr >> 7) ^ (lfsr >> 5) ^ (lfsr >> 4) ^ (lfsr >> 3)) & 1u);
        lfsr = uint8_t((lfsr << 1) | bit);
        victim = lfsr & 3;
    }
    s.tag[victim] = tag;
    s.valid[victim] = true;
    return &s.ready[victim];
}

InstructionCache::Outcome InstructionCache::fetch_line(uint32_t core, uint32_t line, uint64_t now)
{
    Outcome o;
    if (buffer_[core] == line + 1) return o;
    buffer_[core] = line + 1;
    bool hit;
    uint64_t *l0_ready = l0_[core].lookup(line, hit);
    if (hit) return o;
    o.l0_miss = true;
    // L1 lines alternate over the two banks; each bank indexes with the line number without its bank bit
    Level &bank = l1_[line & 1u];
    uint64_t *ready = bank.lookup(line >> 1, hit);
    if (!hit) {
        o.l1_miss = true;
        *ready = std::max(now, bank.refill_free) + costs_.l1_miss;
        bank.refill_free = *ready;
    }
    *l0_ready = std::max(now + costs_.l0_miss, *ready);
    o.cycles = uint32_t(*l0_ready - now);
    return o;
}

InstructionCache::Outcome InstructionCache::fetch(uint32_t core, uint32_t pc, uint32_t len, uint64_t now)
{
    if (!enabled_ || core >= l0_.size()) return {};
    const uint32_t first = pc >> kLineBits, last = (pc + len - 1) >> kLineBits;
    Outcome o = fetch_line(core, first, now);
    if (last != first) {
        const Outcome second = fetch_line(core, last, now + o.cycles);
        o.cycles += second.cycles;
        o.l0_miss |= second.l0_miss;
        o.l1_miss |= second.l1_miss;
    }
    return o;
}

}  // namespace tinytx::agent::pulp
