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
