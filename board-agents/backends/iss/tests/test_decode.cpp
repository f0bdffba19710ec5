// The instruction classifiers and the per-block cycle model, on encodings taken from the GNU
// assembler (arm-none-eabi-as -mcpu=cortex-m4, riscv64-unknown-elf-as -march=rv32imc_zicsr).
#include <gtest/gtest.h>

#include <vector>

#include "cycle_model.h"
#include "insn_class.h"

using namespace tinytx::agent;
using namespace tinytx::agent::iss;
using C = InsnClass;

namespace {

struct ThumbCase {
    uint16_t hw1, hw2;
    const char *text;
    C cls;
    uint8_t regs;
    bool writes_pc, conditional;
};

Insn thumb(uint16_t hw1, uint16_t hw2 = 0)
{
    return decode_thumb(hw1, hw2);
}

}  // namespace

TEST(IssDecodeThumb, ClassesOfCommonInstructions)
{
    const ThumbCase cases[] = {
        {0x3001, 0, "adds r0, #1", C::kAlu, 0, false, false},
        {0x4348, 0, "muls r0, r1", C::kMul, 0, false, false},
        {0x6808, 0, "ldr r0, [r1]", C::kLoad, 0, false, false},
        {0x6008, 0, "str r0, [r1]", C::kStore, 0, false, false},
        {0xB510, 0, "push {r4, lr}", C::kStoreMultiple, 2, false, false},
        {0xBD10, 0, "pop {r4, pc}", C::kLoadMultiple, 2, true, false},
        {0x4770, 0, "bx lr", C::kBranch, 0, true, false},
        {0xD0FE, 0, "beq.n", C::kBranch, 0, true, true},
        {0xE7FE, 0, "b.n", C::kBranch, 0, true, false},
        {0xB110, 0, "cbz r0, +4", C::kBranch, 0, true, true},
        {0xBEAB, 0, "bkpt 0xab", C::kOther, 0, false, false},
        {0xDE00, 0, "udf #0", C::kOther, 0, false, false},
        {0xC806, 0, "ldmia r0!, {r1, r2}", C::kLoadMultiple, 2, false, false},
        {0x46F7, 0, "mov pc, lr", C::kAlu, 0, true, false},
        {0xB248, 0, "sxtb r0, r1", C::kAlu, 0, false, false},
        {0xF7FF, 0xFFFE, "bl", C::kBranch, 0, true, false},
        {0xFB21, 0x3002, "smlad r0, r1, r2, r3", C::kMac, 0, false, false},
        {0xFB21, 0xF002, "smuad r0, r1, r2", C::kMul, 0, false, false},
        {0xFB01, 0x3002, "mla r0, r1, r2, r3", C::kMac, 0, false, false},
        {0xFB01, 0xF002, "mul.w r0, r1, r2", C::kMul, 0, false, false},
        {0xFB91, 0xF0F2, "sdiv r0, r1, r2", C::kDiv, 0, false, false},
        {0xFB82, 0x0103, "smull r0, r1, r2, r3", C::kMul, 0, false, false},
        {0xFBC2, 0x0103, "smlal r0, r1, r2, r3", C::kMac, 0, false, false},
        {0xFA2F, 0xF081, "sxtb16 r0, r1", C::kDsp, 0, false, false},
        {0xF301, 0x0007, "ssat r0, #8, r1", C::kDsp, 0, false, false},
        {0xFA82, 0xF081, "qadd r0, r1, r2", C::kDsp, 0, false, false},
        {0xFA91, 0xF002, "sadd16 r0, r1, r2", C::kDsp, 0, false, false},
        {0xE9D2, 0x0100, "ldrd r0, r1, [r2]", C::kLoadMultiple, 2, false, false},
        {0xE9C2, 0x0102, "strd r0, r1, [r2, #8]", C::kStoreMultiple, 2, false, false},
        {0xF8D1, 0x0064, "ldr.w r0, [r1, #100]", C::kLoad, 0, false, false},
        {0xF85D, 0xFB04, "ldr.w pc, [sp], #4", C::kLoad, 0, true, false},
        {0xF8C1, 0x0064, "str.w r0, [r1, #100]", C::kStore, 0, false, false},
        {0xF891, 0x0064, "ldrb.w r0, [r1, #100]", C::kLoad, 0, false, false},
        {0xE8B0, 0x800E, "ldmia.w r0!, {r1, r2, r3, pc}", C::kLoadMultiple, 4, true, false},
        {0xE92D, 0x4FF0, "push.w {r4-r11, lr}", C::kStoreMultiple, 9, false, false},
        {0xE8DF, 0xF000, "tbb [pc, r0]", C::kLoad, 0, true, false},
        {0xF000, 0x8062, "beq.w", C::kBranch, 0, true, true},
        {0xF000, 0xBFCE, "b.w", C::kBranch, 0, true, false},
        {0xEB01, 0x0082, "add.w r0, r1, r2, lsl #2", C::kAlu, 0, false, false},
        {0xF44F, 0x5080, "mov.w r0, #4096", C::kAlu, 0, false, false},
        {0xF241, 0x2034, "movw r0, #0x1234", C::kAlu, 0, false, false},
        {0xED9F, 0x7B02, "vldr d7, [pc, #8]", C::kFpu, 0, false, false},
        {0xEE30, 0x0A81, "vadd.f32 s0, s1, s2", C::kFpu, 0, false, false},
        {0xF3BF, 0x8F4F, "dsb sy", C::kOther, 0, false, false},
        {0xF3EF, 0x8010, "mrs r0, primask", C::kOther, 0, false, false},
        {0xEAC1, 0x0002, "pkhbt r0, r1, r2", C::kDsp, 0, false, false},
        {0xFAB1, 0xF081, "clz r0, r1", C::kAlu, 0, false, false},
        {0xFB71, 0xF002, "usad8 r0, r1, r2", C::kDsp, 0, false, false},
    };
    for (const ThumbCase &c : cases) {
        SCOPED_TRACE(c.text);
        const Insn i = thumb(c.hw1, c.hw2);
        EXPECT_EQ(i.length, thumb_is_32bit(c.hw1) ? 4 : 2);
        EXPECT_STREQ(class_name(i.cls), class_name(c.cls));
        EXPECT_EQ(i.regs, c.regs);
        EXPECT_EQ(i.writes_pc, c.writes_pc);
        EXPECT_EQ(i.conditional, c.conditional);
    }
}

TEST(IssDecodeThumb, ItBlockLength)
{
    EXPECT_EQ(thumb(0xBF08).it_count, 1);  // it eq
    EXPECT_EQ(thumb(0xBF1A).it_count, 3);  // itte ne
    EXPECT_EQ(thumb(0xBF00).it_count, 0);  // nop
}

TEST(IssDecodeRv32, ClassesOfCommonInstructions)
{
    struct Case {
        uint32_t w;
        const char *text;
        C cls;
        bool writes_pc, conditional;
        uint8_t length;
    };
    const Case cases[] = {
        {0x00150513, "addi a0, a0, 1", C::kAlu, false, false, 4},
        {0x12345537, "lui a0, 0x12345", C::kAlu, false, false, 4},
        {0x02c58533, "mul a0, a1, a2", C::kMul, false, false, 4},
        {0x02c5b533, "mulhu a0, a1, a2", C::kMul, false, false, 4},
        {0x02c5c533, "div a0, a1, a2", C::kDiv, false, false, 4},
        {0x02c5f533, "remu a0, a1, a2", C::kDiv, false, false, 4},
        {0x0045a503, "lw a0, 4(a1)", C::kLoad, false, false, 4},
        {0x00a5a223, "sw a0, 4(a1)", C::kStore, false, false, 4},
        {0x00b50063, "beq a0, a1, .", C::kBranch, true, true, 4},
        {0x000000ef, "jal ra, .", C::kBranch, true, false, 4},
        {0x00008067, "jalr zero, 0(ra)", C::kBranch, true, false, 4},
        {0xb0002573, "csrr a0, mcycle", C::kOther, false, false, 4},
        {0x00100073, "ebreak", C::kOther, false, false, 4},
        {0x0ff0000f, "fence", C::kOther, false, false, 4},
        {0x0505, "c.addi a0, 1", C::kAlu, false, false, 2},
        {0x41c8, "c.lw a0, 4(a1)", C::kLoad, false, false, 2},
        {0xc1c8, "c.sw a0, 4(a1)", C::kStore, false, false, 2},
        {0xa001, "c.j .", C::kBranch, true, false, 2},
        {0x2001, "c.jal .", C::kBranch, true, false, 2},
        {0xc101, "c.beqz a0, .", C::kBranch, true, true, 2},
        {0x8082, "c.jr ra", C::kBranch, true, false, 2},
        {0x9502, "c.jalr a0", C::kBranch, true, false, 2},
        {0x852e, "c.mv a0, a1", C::kAlu, false, false, 2},
        {0x952e, "c.add a0, a1", C::kAlu, false, false, 2},
        {0x9002, "c.ebreak", C::kOther, false, false, 2},
        {0x4512, "c.lwsp a0, 4(sp)", C::kLoad, false, false, 2},
        {0xc22a, "c.swsp a0, 4(sp)", C::kStore, false, false, 2},
        {0x450d, "c.li a0, 3", C::kAlu, false, false, 2},
    };
    for (const Case &c : cases) {
        SCOPED_TRACE(c.text);
        const Insn i = decode_rv32(c.w);
        EXPECT_EQ(i.length, c.length);
        EXPECT_EQ(rv32_is_compressed(c.w), c.length == 2);
        EXPECT_STREQ(class_name(i.cls), class_name(c.cls));
        EXPECT_EQ(i.writes_pc, c.writes_pc);
        EXPECT_EQ(i.conditional, c.conditional);
    }
}

namespace {

CostTable m4_costs()
{
    CycleModel m;
    m.cycles = {{"alu", 1}, {"mul", 1}, {"mac", 1}, {"div", 7}, {"dsp", 1}, {"fpu", 1},
                {"load", 2}, {"store", 1}, {"load_multiple_per_reg", 1},
                {"branch_taken", 3}, {"branch_not_taken", 1}, {"other", 1}};
    return CostTable::from(m);
}

std::vector<uint8_t> le16s(std::initializer_list<uint16_t> hws)
{
    std::vector<uint8_t> b;
    for (uint16_t h : hws) {
        b.push_back(uint8_t(h));
        b.push_back(uint8_t(h >> 8));
    }
    return b;
}

}  // namespace

TEST(IssCycleModel, BlockEndingInConditionalBranch)
{
    // ldr r0, [r1]; smlad r0, r1, r2, r3; push {r4, lr}; beq.n
    const auto code = le16s({0x6808, 0xFB21, 0x3002, 0xB510, 0xD0FE});
    const BlockCost b = thumb_block_cost(code.data(), uint32_t(code.size()), m4_costs());
    EXPECT_EQ(b.instructions, 4u);
    EXPECT_EQ(b.cycles, 2u + 1u + 3u + 1u);  // load 2, mac 1, push 1+2, branch not taken 1
    EXPECT_TRUE(b.conditional_exit);
    EXPECT_EQ(b.taken_extra, 2u);  // taken 3 - not taken 1
}

TEST(IssCycleModel, UnconditionalExitsPayTheRefill)
{
    const CostTable t = m4_costs();
    const auto bl = le16s({0x3001, 0xF7FF, 0xFFFE});  // adds; bl
    BlockCost b = thumb_block_cost(bl.data(), uint32_t(bl.size()), t);
    EXPECT_EQ(b.instructions, 2u);
    EXPECT_EQ(b.cycles, 1u + 3u);
    EXPECT_FALSE(b.conditional_exit);
    const auto pop = le16s({0xBD10});  // pop {r4, pc}: 1 + 2 regs + refill 2
    b = thumb_block_cost(pop.data(), uint32_t(pop.size()), t);
    EXPECT_EQ(b.cycles, 1u + 2u + 2u);
}

TEST(IssCycleModel, PredicatedReturnIsConditional)
{
    const auto code = le16s({0xBF08, 0x4770});  // it eq; bxeq lr
    const BlockCost b = thumb_block_cost(code.data(), uint32_t(code.size()), m4_costs());
    EXPECT_EQ(b.instructions, 2u);
    EXPECT_TRUE(b.conditional_exit);
    EXPECT_EQ(b.cycles, 1u + 1u);
    EXPECT_EQ(b.taken_extra, 2u);
}

TEST(IssCycleModel, Rv32MixedLengths)
{
    CycleModel m;
    m.cycles = {{"alu", 1}, {"load", 1}, {"store", 1}, {"mul", 1}, {"div", 20},
                {"branch_taken", 3}, {"branch_not_taken", 1}, {"other", 1}};
    const CostTable t = CostTable::from(m);
    // c.lw; div; c.addi; beq
    std::vector<uint8_t> code = {0xc8, 0x41, 0x33, 0xc5, 0xc5, 0x02, 0x05, 0x05,
                                 0x63, 0x00, 0xb5, 0x00};
    const BlockCost b = rv32_block_cost(code.data(), uint32_t(code.size()), t);
    EXPECT_EQ(b.instructions, 4u);
    EXPECT_EQ(b.cycles, 1u + 20u + 1u + 1u);
    EXPECT_TRUE(b.conditional_exit);
    EXPECT_EQ(b.taken_extra, 2u);
}
