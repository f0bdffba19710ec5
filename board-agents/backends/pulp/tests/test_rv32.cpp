// RV32IMC on the PULP core model: each instruction against hand-computed results and costs.
#include <gtest/gtest.h>

#include "asm.h"
#include "rig.h"

using namespace tinytx::agent::pulp;
using namespace tinytx::agent::pulp::test;

TEST(Rv32, AluImmediate)
{
    Rig r;
    r.program({addi(5, 0, -7), i_type(3, 5, 2, 6, 0x13) /*slti*/, i_type(3, 5, 3, 7, 0x13) /*sltiu*/,
               i_type(0xFF, 5, 4, 8, 0x13) /*xori*/, i_type(0x70, 0, 6, 9, 0x13) /*ori*/,
               i_type(0x0F, 5, 7, 10, 0x13) /*andi*/, i_type(4, 5, 1, 11, 0x13) /*slli*/,
               i_type(28, 5, 5, 12, 0x13) /*srli*/, i_type(0x400 | 1, 5, 5, 13, 0x13) /*srai*/,
               lui(14, 0xABCDE), 0x00001f17u /*auipc t5, 1*/});
    EXPECT_EQ(r.run(11), 11u);  // one cycle each
    EXPECT_EQ(r.x(5), uint32_t(-7));
    EXPECT_EQ(r.x(6), 1u);                 // -7 < 3
    EXPECT_EQ(r.x(7), 0u);                 // 0xFFFFFFF9 <u 3 is false
    EXPECT_EQ(r.x(8), 0xFFFFFF06u);        // 0xF9 ^ 0xFF = 0x06 in the low byte
    EXPECT_EQ(r.x(9), 0x70u);
    EXPECT_EQ(r.x(10), 9u);                // 0xF9 & 0x0F
    EXPECT_EQ(r.x(11), uint32_t(-112));    // -7 << 4
    EXPECT_EQ(r.x(12), 0xFu);              // 0xFFFFFFF9 >> 28
    EXPECT_EQ(r.x(13), uint32_t(-4));      // -7 >> 1 arithmetic
    EXPECT_EQ(r.x(14), 0xABCDE000u);
    EXPECT_EQ(r.x(30), kCode + 40 + 0x1000);
}

TEST(Rv32, AluRegister)
{
    Rig r;
    r.program({add(7, 5, 6), r_type(0x20, 6, 5, 0, 8, 0x33) /*sub*/, r_type(0, 6, 5, 1, 9, 0x33) /*sll*/,
               r_type(0, 6, 5, 2, 10, 0x33) /*slt*/, r_type(0, 6, 5, 3, 11, 0x33) /*sltu*/,
               r_type(0, 6, 5, 4, 12, 0x33) /*xor*/, r_type(0, 6, 5, 5, 13, 0x33) /*srl*/,
               r_type(0x20, 6, 5, 5, 14, 0x33) /*sra*/, r_type(0, 6, 5, 6, 15, 0x33) /*or*/,
               r_type(0, 6, 5, 7, 16, 0x33) /*and*/});
    r.x(5) = 0x80000010u;
    r.x(6) = 3;
    r.run(10);
    EXPECT_EQ(r.x(7), 0x80000013u);
    EXPECT_EQ(r.x(8), 0x8000000Du);
    EXPECT_EQ(r.x(9), 0x00000080u);
    EXPECT_EQ(r.x(10), 1u);   // negative < 3
    EXPECT_EQ(r.x(11), 0u);   // unsigned: large
    EXPECT_EQ(r.x(12), 0x80000013u);
    EXPECT_EQ(r.x(13), 0x10000002u);
    EXPECT_EQ(r.x(14), 0xF0000002u);
    EXPECT_EQ(r.x(15), 0x80000013u);
    EXPECT_EQ(r.x(16), 0u);
}

TEST(Rv32, LoadsStoresAndLoadUseStall)
{
    Rig r;
    r.put(kData, 0x8081F2F3u);
    r.program({i_type(0, 5, 0, 6, 0x03) /*lb*/, i_type(1, 5, 4, 7, 0x03) /*lbu*/, i_type(2, 5, 1, 8, 0x03) /*lh*/,
               i_type(2, 5, 5, 9, 0x03) /*lhu*/, lw(10, 5, 0), s_type(4, 10, 5, 0, 0x23) /*sb*/,
               s_type(8, 10, 5, 1, 0x23) /*sh*/, sw(10, 5, 12)});
    r.x(5) = kData;
    // L2 accesses from a cluster core: 1 + l2_load_latency / l2_store_latency (14) each; sb reads
    // the register lw loaded just before: one load-use stall
    EXPECT_EQ(r.run(8), 5u * 15u + 3u * 15u + 1u);
    EXPECT_EQ(r.x(6), 0xFFFFFFF3u);
    EXPECT_EQ(r.x(7), 0xF2u);
    EXPECT_EQ(r.x(8), 0xFFFF8081u);
    EXPECT_EQ(r.x(9), 0x8081u);
    EXPECT_EQ(r.x(10), 0x8081F2F3u);
    EXPECT_EQ(r.word(kData + 4), 0xF3u);
    EXPECT_EQ(r.word(kData + 8), 0xF2F3u);
    EXPECT_EQ(r.word(kData + 12), 0x8081F2F3u);

    // TCDM: one cycle; the next instruction using the loaded register stalls one cycle
    Rig t;
    t.put(kL1, 41);
    t.program({lw(6, 5, 0), addi(7, 6, 1), lw(8, 5, 0), addi(9, 0, 1), addi(10, 8, 1)});
    t.x(5) = kL1;
    EXPECT_EQ(t.run(2), 3u);  // lw + stall + addi
    EXPECT_EQ(t.x(7), 42u);
    EXPECT_EQ(t.run(3), 3u);  // an independent instruction hides the load
}

TEST(Rv32, BranchesAndJumps)
{
    Rig r;
    // beq taken (+8), bne not taken, blt/bge/bltu/bgeu
    r.program({b_type(8, 6, 5, 0), addi(10, 0, 1), b_type(8, 6, 5, 1), b_type(8, 7, 5, 4), addi(11, 0, 1),
               b_type(8, 5, 7, 5), addi(12, 0, 1), b_type(8, 7, 5, 6), addi(13, 0, 1), b_type(8, 5, 7, 7),
               addi(14, 0, 1), j_type(8, 1), addi(15, 0, 1), i_type(4, 1, 0, 16, 0x67) /*jalr x16, 4(ra)*/});
    r.x(5) = 3;
    r.x(6) = 3;
    r.x(7) = uint32_t(-2);
    // beq taken 3, bne not 1, blt(3 < -2 no) 1, addi 1, bge(-2 >= 3 no) 1, addi 1, bltu(3 <u big) 3,
    // bgeu(big >=u 3) 3, jal 2, jalr 2
    EXPECT_EQ(r.run(10), 3u + 1 + 1 + 1 + 1 + 1 + 3 + 3 + 2 + 2);
    EXPECT_EQ(r.x(10), 0u);
    EXPECT_EQ(r.x(11), 1u);
    EXPECT_EQ(r.x(12), 1u);
    EXPECT_EQ(r.x(13), 0u);
    EXPECT_EQ(r.x(14), 0u);
    EXPECT_EQ(r.x(15), 0u);
    EXPECT_EQ(r.x(1), kCode + 48);
    EXPECT_EQ(r.x(16), kCode + 56);
    EXPECT_EQ(r.c().pc, kCode + 52);
}

TEST(Rv32, MultiplyDivide)
{
    Rig r;
    r.program({mul(7, 5, 6), r_type(1, 6, 5, 1, 8, 0x33) /*mulh*/, r_type(1, 6, 5, 2, 9, 0x33) /*mulhsu*/,
               r_type(1, 6, 5, 3, 10, 0x33) /*mulhu*/, r_type(1, 6, 5, 4, 11, 0x33) /*div*/,
               r_type(1, 6, 5, 5, 12, 0x33) /*divu*/, r_type(1, 6, 5, 6, 13, 0x33) /*rem*/,
               r_type(1, 6, 5, 7, 14, 0x33) /*remu*/, r_type(1, 0, 5, 4, 15, 0x33) /*div by x0*/,
               r_type(1, 0, 5, 6, 16, 0x33) /*rem by x0*/});
    r.x(5) = uint32_t(-100);
    r.x(6) = 7;
    const uint64_t c_mul = r.run(1);
    EXPECT_EQ(c_mul, 2u);  // GVSoC's RI5CY: mul 2 cycles
    EXPECT_EQ(r.run(3), 15u);  // mulh* 5 cycles each
    EXPECT_EQ(r.x(7), uint32_t(-700));
    EXPECT_EQ(r.x(8), 0xFFFFFFFFu);                // high word of -700
    EXPECT_EQ(r.x(9), 0xFFFFFFFFu);                // -100 * 7 (signed x unsigned)
    EXPECT_EQ(r.x(10), 6u);                        // 0xFFFFFF9C * 7 = 0x6_FFFFFD44
    // div -100 / 7: 3 cycles + the divisor's 29 leading zeros
    EXPECT_EQ(r.run(1), 32u);
    EXPECT_EQ(r.x(11), uint32_t(-14));
    r.run(3);
    EXPECT_EQ(r.x(12), 0xFFFFFF9Cu / 7u);
    EXPECT_EQ(r.x(13), uint32_t(-2));
    EXPECT_EQ(r.x(14), 0xFFFFFF9Cu % 7u);
    EXPECT_EQ(r.run(1), 1u);  // divide by zero: one cycle
    EXPECT_EQ(r.x(15), 0xFFFFFFFFu);
    r.run(1);
    EXPECT_EQ(r.x(16), uint32_t(-100));
}

TEST(Rv32, CsrsAndTraps)
{
    Rig r(1);
    r.program({csrr(5, 0xF14), csrr(6, 0xB00), csrr(7, 0xB02), 0x00000073u /*ecall*/});
    r.run(3);
    EXPECT_EQ(r.x(5), 0u);
    EXPECT_EQ(r.x(6), 1u);  // mcycle read in the second cycle
    EXPECT_EQ(r.x(7), 2u);
    // no handler: the run stops with a fault at the ecall
    EXPECT_EQ(r.cl.run(1), Cluster::Stop::kFault);
    EXPECT_EQ(r.cl.fault_pc(), kCode + 12);

    Rig h;
    h.program({i_type(0x305, 5, 1, 0, 0x73) /*csrw mtvec, t0*/, 0xFFFFFFFFu /*illegal*/});
    h.x(5) = kCode + 0x100;
    h.run(2);
    EXPECT_EQ(h.c().pc, kCode + 0x100);
    EXPECT_EQ(h.c().mcause, 2u);
    EXPECT_EQ(h.c().mepc, kCode + 4);
    EXPECT_TRUE(h.cl.trapped());
}

TEST(Rv32, Compressed)
{
    Rig r;
    r.program16({0x4515, 0x0505, 0x85aa, 0x95aa, 0x6605, 0x8605, 0x8a3d /*c.andi a2, 15*/,
                 0x8d89 /*c.sub a1, a0*/, 0x0586 /*c.slli a1, 1*/});
    EXPECT_EQ(r.run(9), 9u);
    EXPECT_EQ(r.x(10), 6u);
    EXPECT_EQ(r.x(12), (0x1000u >> 1) & 15u);
    EXPECT_EQ(r.x(11), 12u);  // (12 - 6) << 1
    EXPECT_EQ(r.c().pc, kCode + 18);

    // c.lwsp / c.swsp / c.lw / c.sw / c.addi4spn / c.addi16sp
    Rig m;
    m.program16({0x0040 /*c.addi4spn s0, sp, 4*/, 0x4008 /*c.lw a0, 0(s0)*/, 0xc408 /*c.sw a0, 8(s0)*/,
                 0x4592 /*c.lwsp a1, 4(sp)*/, 0xc62e /*c.swsp a1, 12(sp)*/, 0x6141 /*c.addi16sp sp, 16*/});
    m.x(2) = kData;
    m.put(kData + 4, 0x12345678u);
    m.run(6);
    EXPECT_EQ(m.x(8), kData + 4);
    EXPECT_EQ(m.x(10), 0x12345678u);
    EXPECT_EQ(m.word(kData + 12), 0x12345678u);
    EXPECT_EQ(m.x(11), 0x12345678u);
    EXPECT_EQ(m.x(2), kData + 16);

    // c.beqz (taken), c.bnez (not taken), c.j, c.jal, c.jr, c.jalr
    Rig b;
    b.program16({0xc111 /*c.beqz a0, +4*/, 0x0001, 0xe191 /*c.bnez a1, +4 (a1=0: not taken)*/,
                 0xa011 /*c.j +4*/, 0x0001, 0x2011 /*c.jal +4*/, 0x0001, 0x8282 /*c.jr t0*/});
    b.x(5) = kCode + 0x40;
    EXPECT_EQ(b.run(5), 3u + 1u + 2u + 2u + 2u);
    EXPECT_EQ(b.x(1), kCode + 12);
    EXPECT_EQ(b.c().pc, kCode + 0x40);
}

TEST(Rv32, CsrImmediateFormsFenceMretEbreak)
{
    Rig r;
    // csrrwi x5, mscratch, 12; csrrsi x6, mscratch, 3; csrrci x7, mscratch, 4; csrrc x8, mscratch, x9;
    // fence; csrr x10, mscratch
    r.program({i_type(0x340, 12, 5, 5, 0x73), i_type(0x340, 3, 6, 6, 0x73), i_type(0x340, 4, 7, 7, 0x73),
               i_type(0x340, 9, 3, 8, 0x73), 0x0ff0000fu, csrr(10, 0x340)});
    r.x(9) = 1;
    EXPECT_EQ(r.run(6), 6u);
    EXPECT_EQ(r.x(5), 0u);    // old value
    EXPECT_EQ(r.x(6), 12u);
    EXPECT_EQ(r.x(7), 15u);   // 12 | 3
    EXPECT_EQ(r.x(8), 11u);   // 15 & ~4
    EXPECT_EQ(r.x(10), 10u);  // 11 & ~1

    // ebreak outside the semihosting sequence traps (cause 3); the handler returns with mret
    Rig t;
    t.program({i_type(0x305, 5, 1, 0, 0x73) /*csrw mtvec, t0*/, kEbreak, addi(6, 0, 7)});
    const uint32_t handler = kCode + 0x40;
    // handler: csrr t2, mepc; addi t2, t2, 4; csrw mepc, t2; mret
    std::vector<uint32_t> h = {csrr(7, 0x341), addi(7, 7, 4), i_type(0x341, 7, 1, 0, 0x73), 0x30200073u};
    t.cl.write(handler, h.data(), h.size() * 4);
    t.x(5) = handler;
    t.run(2);
    EXPECT_EQ(t.c().mcause, 3u);
    EXPECT_EQ(t.c().mepc, kCode + 4);
    EXPECT_EQ(t.c().pc, handler);
    t.run(5);  // the handler, then the instruction after the ebreak
    EXPECT_EQ(t.x(6), 7u);
}
