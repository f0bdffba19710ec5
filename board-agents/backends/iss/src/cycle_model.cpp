// Per-block cycle costs (see cycle_model.h).
#include "cycle_model.h"

namespace tinytx::agent::iss {

CostTable CostTable::from(const CycleModel &m)
{
    CostTable t;
    for (size_t c = 0; c < size_t(InsnClass::kCount); ++c)
        t.cls[c] = m.of(class_name(InsnClass(c)));
    t.cls[size_t(InsnClass::kBranch)] = m.of("branch_not_taken");
    t.multiple_base = m.of("alu");
    t.per_reg = m.of("load_multiple_per_reg");
    const uint32_t taken = m.of("branch_taken"), not_taken = m.of("branch_not_taken");
    t.refill = taken > not_taken ? taken - not_taken : 0;
    return t;
}

uint32_t CostTable::cost(const Insn &i) const
{
    if (i.cls == InsnClass::kLoadMultiple || i.cls == InsnClass::kStoreMultiple)
        return multiple_base + uint32_t(i.regs) * per_reg;
    return cls[size_t(i.cls)];
}

// The last instruction decides how the block ends; an earlier one that writes the PC can only
// be a misdecode (Unicorn ends a block at every control transfer) and is charged as not taken.
static void add(BlockCost &b, const Insn &i, bool last, bool predicated, const CostTable &t)
{
    ++b.instructions;
    b.cycles += t.cost(i);
    if (!last || !i.writes_pc) return;
    if (i.conditional || predicated) {
        b.conditional_exit = true;
        b.taken_extra = t.refill;
    } else {
        b.cycles += t.refill;
    }
}

static uint16_t le16(const uint8_t *p)
{
    return uint16_t(p[0] | p[1] << 8);
}

BlockCost thumb_block_cost(const uint8_t *code, uint32_t n, const CostTable &t)
{
    BlockCost b;
    unsigned it_left = 0;
    uint32_t off = 0;
    while (off + 2 <= n) {
        const uint16_t hw1 = le16(code + off);
        const bool wide = thumb_is_32bit(hw1) && off + 4 <= n;
        const Insn i = decode_thumb(hw1, wide ? le16(code + off + 2) : 0);
        const uint32_t len = wide ? 4 : 2;
        const bool predicated = it_left > 0;
        if (it_left) --it_left;
        add(b, i, off + len >= n, predicated, t);
        if (i.it_count) it_left = i.it_count;
        off += len;
    }
    return b;
}

BlockCost rv32_block_cost(const uint8_t *code, uint32_t n, const CostTable &t)
{
    BlockCost b;
    uint32_t off = 0;
    while (off + 2 <= n) {
        uint32_t w = le16(code + off);
        const bool wide = !rv32_is_compressed(w) && off + 4 <= n;
        if (wide) w |= uint32_t(le16(code + off + 2)) << 16;
        const Insn i = decode_rv32(w);
        const uint32_t len = wide ? 4 : 2;
        add(b, i, off + len >= n, false, t);
        off += len;
    }
    return b;
}

}  // namespace tinytx::agent::iss
