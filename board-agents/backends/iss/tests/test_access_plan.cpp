// The per-block access plan (access_plan.h) on encodings taken from the GNU assembler
// (arm-none-eabi-as -mcpu=cortex-m7), as they appear in the kernels.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "access_plan.h"

using namespace tinytx::agent::iss;

namespace {

std::vector<uint8_t> bytes(std::initializer_list<uint16_t> halfwords)
{
    std::vector<uint8_t> b;
    for (uint16_t h : halfwords) {
        b.push_back(uint8_t(h));
        b.push_back(uint8_t(h >> 8));
    }
    return b;
}

AccessPlan plan(const std::vector<uint8_t> &code, uint8_t entry_it)
{
    return plan_thumb_block(code.data(), uint32_t(code.size()), 0x87FE, entry_it, true, true, {});
}

}  // namespace

// dsp_columns' tail on M7: `itt eq` at 0x87FC, its first instruction across the 1 KiB page at
// 0x8800, so the translation block at 0x87FE starts inside the IT block with ITSTATE 0x04.
TEST(IssAccessPlan, BlockEnteredInsideAnItBlockKeepsItsCondition)
{
    const auto ldrbeq = bytes({0xF89E, 0x8002});  // ldrbeq.w r8, [lr, #2]
    const AccessPlan in_it = plan(ldrbeq, 0x04);
    EXPECT_TRUE(in_it.planned.empty());
    ASSERT_EQ(in_it.unresolved.size(), 1u);
    EXPECT_EQ(in_it.unresolved[0].pc, 0x87FEu);
    EXPECT_EQ(in_it.unresolved[0].cond, 0x0);  // EQ

    const AccessPlan outside = plan(ldrbeq, 0);  // the same bytes outside an IT block always load
    EXPECT_TRUE(outside.unresolved.empty());
    ASSERT_EQ(outside.planned.size(), 1u);
    EXPECT_EQ(outside.planned[0].base.reg, 14);
    EXPECT_EQ(outside.planned[0].base.add, 2u);
    EXPECT_EQ(outside.planned[0].size, 1);
}

// Entered on an IT block's last instruction (ITSTATE 0x28: CS, mask 1000): that load is
// conditional, the next one is not.
TEST(IssAccessPlan, ItStateAtEntryRunsOutWithinTheBlock)
{
    const auto code = bytes({0xF89E, 0x8001,    // ldrbcs.w r8, [lr, #1]
                             0xF89A, 0x7000});  // ldrb.w r7, [sl]
    const AccessPlan p = plan(code, 0x28);
    ASSERT_EQ(p.unresolved.size(), 1u);
    EXPECT_EQ(p.unresolved[0].pc, 0x87FEu);
    EXPECT_EQ(p.unresolved[0].cond, 0x2);  // CS
    ASSERT_EQ(p.planned.size(), 1u);
    EXPECT_EQ(p.planned[0].base.reg, 10);
    EXPECT_EQ(p.planned[0].base.add, 0u);
}

TEST(IssAccessPlan, ItStateFromCpsr)
{
    EXPECT_EQ(itstate_of(0x800A05F3u), 0x04);  // CPSR read at the block hook of 0x87FE
    EXPECT_EQ(itstate_of(0x800A09F3u), 0x08);  // ... and of 0x8802
    EXPECT_EQ(itstate_of(0x06000000u), 0x03);  // IT[1:0] in bits 26..25
    EXPECT_EQ(itstate_of(0x81000000u), 0x00);  // N, T: no IT block
}

// Spans: the same address registers within AccessSpan::kMaxSpanBytes, loads and stores counted
// per register of a multiple transfer.
TEST(IssAccessPlan, SpansJoinAccessesThroughTheSameRegistersNearby)
{
    auto access = [](int8_t base, uint32_t add, bool store, uint8_t count = 1) {
        Access a;
        a.base = {base, add};
        a.store = store;
        a.count = count;
        return a;
    };
    std::vector<Access> accesses = {access(1, 8, false), access(2, 0, true), access(1, 0, false, 2),
                                    access(1, 8 + AccessSpan::kMaxSpanBytes, false), access(1, 0u - 4, true)};
    const std::vector<AccessSpan> spans = spans_of(accesses);
    ASSERT_EQ(spans.size(), 3u);
    EXPECT_EQ(spans[0].base.reg, 1);  // r1 - 4 .. r1 + 12: a store, three loaded words
    EXPECT_EQ(spans[0].base.add, 0u - 4);
    EXPECT_EQ(spans[0].bytes, 16u);
    EXPECT_EQ(spans[0].loads, 3u);
    EXPECT_EQ(spans[0].stores, 1u);
    EXPECT_EQ(spans[0].count, 3u);
    EXPECT_EQ(spans[1].base.add, 8 + AccessSpan::kMaxSpanBytes);  // too far: a span of its own
    EXPECT_EQ(spans[1].first, 3u);
    EXPECT_EQ(spans[2].base.reg, 2);
    EXPECT_EQ(spans[2].stores, 1u);
    for (const AccessSpan &s : spans)
        for (uint32_t k = s.first; k < s.first + s.count; ++k) EXPECT_EQ(accesses[k].base.reg, s.base.reg);
}
