// XpulpV2 on the PULP core model: each instruction against hand-computed results.
#include <gtest/gtest.h>

#include "asm.h"
#include "rig.h"

using namespace tinytx::agent::pulp;
using namespace tinytx::agent::pulp::test;

namespace {
constexpr uint32_t kLb = 0, kLh = 1, kLw = 2, kLbu = 4, kLhu = 5;
}

TEST(Xpulp, PostIncrementLoads)
{
    Rig r(1);
    r.put(kL1, 0x11223344u);
    r.put(kL1 + 4, 0x8866F788u);
    r.program({p_load_post(kLw, 6, 5, 4), p_load_post(kLbu, 7, 5, 1), p_load_post(kLb, 8, 5, -1),
               p_load_post(kLh, 9, 5, 2), p_load_post(kLhu, 10, 5, 0)});
    r.x(5) = kL1;
    EXPECT_EQ(r.run(5), 5u);  // TCDM, no load-use: one cycle each
    EXPECT_EQ(r.x(6), 0x11223344u);
    EXPECT_EQ(r.x(7), 0x88u);        // byte at +4
    EXPECT_EQ(r.x(8), 0xFFFFFFF7u);  // byte at +5, sign-extended
    EXPECT_EQ(r.x(9), 0xFFFFF788u);  // half at +4
    EXPECT_EQ(r.x(10), 0x8866u);     // half at +6
    EXPECT_EQ(r.x(5), kL1 + 6);
}

TEST(Xpulp, RegisterOffsetLoads)
{
    Rig r(1);
    r.put(kL1, 0xAABBCCDDu);
    r.put(kL1 + 8, 0x01020304u);
    r.program({p_load_post_rr(kLw, 6, 5, 11), p_load_rr(kLw, 7, 12, 11), p_load_rr(kLbu, 8, 12, 13),
               p_load_post_rr(kLh, 9, 12, 13)});
    r.x(5) = kL1;
    r.x(12) = kL1;
    r.x(11) = 8;
    r.x(13) = 3;
    r.run(4);
    EXPECT_EQ(r.x(6), 0xAABBCCDDu);
    EXPECT_EQ(r.x(5), kL1 + 8);
    EXPECT_EQ(r.x(7), 0x01020304u);  // [kL1 + 8], base unchanged
    EXPECT_EQ(r.x(8), 0xAAu);        // byte [kL1 + 3]
    EXPECT_EQ(r.x(9), 0xFFFFCCDDu);  // half [kL1], then base += 3
    EXPECT_EQ(r.x(12), kL1 + 3);
}

TEST(Xpulp, PostIncrementStores)
{
    Rig r(1);
    r.program({p_store_post(2, 6, 5, 4), p_store_post(1, 6, 5, 2), p_store_post(0, 6, 5, 1),
               p_store_post_rr(2, 7, 5, 12), p_store_rr(2, 7, 5, 12)});
    r.x(5) = kL1 + 0x100;
    r.x(6) = 0xA1B2C3D4u;
    r.x(7) = 0x55u;
    r.x(12) = 9;
    r.run(5);
    EXPECT_EQ(r.word(kL1 + 0x100), 0xA1B2C3D4u);
    // half at +0x104, byte at +0x106, then the word 0x55 at +0x107 (its low byte lands there)
    EXPECT_EQ(r.word(kL1 + 0x104), 0x55D4C3D4u);
    // base now kL1 + 0x107: the register-offset store writes there and adds 9; the reg-reg store
    // writes at base + 9 without changing it
    EXPECT_EQ(r.x(5), kL1 + 0x107 + 9);
    uint8_t b[4] = {0};
    r.cl.read(kL1 + 0x107, b, 1);
    EXPECT_EQ(b[0], 0x55);
    r.cl.read(kL1 + 0x107 + 18, b, 1);
    EXPECT_EQ(b[0], 0x55);
}

TEST(Xpulp, HardwareLoopsAreZeroOverhead)
{
    Rig r(1);
    // lp.setupi L0, 5 iterations, last instruction 8 bytes on
    r.program({lp_setupi(0, 5, 8), addi(6, 6, 1), addi(7, 7, 2), addi(8, 0, 9)});
    EXPECT_EQ(r.run(12), 12u);
    EXPECT_EQ(r.x(6), 5u);
    EXPECT_EQ(r.x(7), 10u);
    EXPECT_EQ(r.x(8), 9u);
    EXPECT_EQ(r.c().lp_count[0], 0u);

    Rig s(1);  // lp.setup with a register count
    s.program({lp_setup(0, 5, 8), addi(6, 6, 1), addi(7, 7, 2)});
    s.x(5) = 3;
    s.run(7);
    EXPECT_EQ(s.x(6), 3u);
    EXPECT_EQ(s.x(7), 6u);

    Rig n(1);  // nested: outer L1 x3 around inner L0 x4
    n.program({lp_setupi(1, 3, 16), lp_setupi(0, 4, 8), addi(6, 6, 1), addi(8, 8, 1), addi(7, 7, 1),
               addi(9, 0, 1)});
    EXPECT_EQ(n.run(32), 32u);
    EXPECT_EQ(n.x(6), 12u);
    EXPECT_EQ(n.x(8), 12u);
    EXPECT_EQ(n.x(7), 3u);
    EXPECT_EQ(n.x(9), 1u);

    Rig e(1);  // the long form: lp.starti, lp.endi, lp.counti / lp.count
    e.program({lp_starti(0, 16), lp_endi(0, 16), lp_counti(0, 3), lp_count(1, 0) /*no-op loop 1*/,
               addi(6, 6, 1), addi(7, 7, 2)});
    e.run(10);
    EXPECT_EQ(e.x(6), 3u);
    EXPECT_EQ(e.x(7), 6u);
    EXPECT_EQ(e.c().lp_start[0], kCode + 16);
    EXPECT_EQ(e.c().lp_end[0], kCode + 20);

    Rig c(1);  // lp.count from a register
    c.program({lp_starti(0, 12), lp_endi(0, 12), lp_count(0, 5), addi(6, 6, 3), addi(7, 7, 1)});
    c.x(5) = 2;
    c.run(7);
    EXPECT_EQ(c.x(6), 6u);
    EXPECT_EQ(c.x(7), 2u);
}

TEST(Xpulp, PackedAddSubMinMax)
{
    Rig r(1);
    r.program({pv(kPvAdd, 1, 10, 5, 6), pv(kPvSub, 1, 11, 5, 6), pv(kPvAdd, 0, 12, 5, 6), pv(kPvSub, 0, 13, 5, 6),
               pv(kPvAdd, 5, 14, 5, 6), pv_sci(kPvAdd, 7, 15, 5, -2), pv(kPvMin, 1, 16, 5, 6),
               pv(kPvMax, 1, 17, 5, 6)});
    r.x(5) = 0x01FF7F80u;  // bytes -128, 127, -1, 1
    r.x(6) = 0x02030405u;  // bytes 5, 4, 3, 2
    r.run(8);
    EXPECT_EQ(r.x(10), 0x03028385u);  // -123, 131 (wraps), 2, 3
    EXPECT_EQ(r.x(11), 0xFFFC7B7Bu);  // -133 (wraps), 123, -4, -1
    EXPECT_EQ(r.x(12), 0x04028385u);  // halves 0x7F80 + 0x0405, 0x01FF + 0x0203
    EXPECT_EQ(r.x(13), 0xFFFC7B7Bu);
    EXPECT_EQ(r.x(14), 0x06048485u);  // + lane 0 of rs2 (5) everywhere
    EXPECT_EQ(r.x(15), 0xFFFD7D7Eu);  // + (-2)
    EXPECT_EQ(r.x(16), 0x01FF0480u);
    EXPECT_EQ(r.x(17), 0x02037F05u);
}

TEST(Xpulp, DotProducts)
{
    Rig r(1);
    r.program({pv(kPvDotsp, 1, 10, 5, 6), pv(kPvDotup, 1, 11, 5, 6), pv(kPvDotusp, 1, 12, 5, 7),
               pv(kPvDotsp, 1, 13, 5, 7), pv(kPvSdotsp, 1, 14, 5, 6), pv(kPvSdotusp, 1, 15, 5, 7),
               pv(kPvSdotup, 1, 16, 5, 6), pv(kPvDotsp, 0, 17, 5, 6), pv(kPvSdotsp, 0, 18, 5, 7),
               pv(kPvDotsp, 5, 19, 5, 6), pv_sci(kPvDotsp, 7, 20, 5, 3), pv(kPvDotup, 0, 21, 5, 6)});
    r.x(5) = 0x01FF7F80u;  // bytes -128, 127, -1, 1 (unsigned 128, 127, 255, 1)
    r.x(6) = 0x02030405u;  // bytes 5, 4, 3, 2
    r.x(7) = 0xFE01FF80u;  // bytes -128, -1, 1, -2
    r.x(14) = 1000;
    r.x(15) = 10;
    r.x(16) = 1;
    r.x(18) = 5;
    EXPECT_EQ(r.run(12), 12u);  // one cycle each
    EXPECT_EQ(int32_t(r.x(10)), -640 + 508 - 3 + 2);
    EXPECT_EQ(r.x(11), 640u + 508u + 765u + 2u);
    EXPECT_EQ(int32_t(r.x(12)), -16384 - 127 + 255 - 2);
    EXPECT_EQ(int32_t(r.x(13)), 16384 - 127 - 1 - 2);
    EXPECT_EQ(int32_t(r.x(14)), 1000 - 133);
    EXPECT_EQ(int32_t(r.x(15)), 10 - 16258);
    EXPECT_EQ(r.x(16), 1916u);
    EXPECT_EQ(int32_t(r.x(17)), 32640 * 1029 + 511 * 515);
    EXPECT_EQ(int32_t(r.x(18)), 5 + 32640 * -128 + 511 * -511);
    EXPECT_EQ(int32_t(r.x(19)), (-128 + 127 - 1 + 1) * 5);
    EXPECT_EQ(int32_t(r.x(20)), (-128 + 127 - 1 + 1) * 3);
    EXPECT_EQ(r.x(21), 32640u * 1029u + 511u * 515u);
}

TEST(Xpulp, ClipMinMaxMacAndExtend)
{
    Rig r(1);
    r.program({p_clip(10, 5, 8), p_clip(11, 6, 8), p_clipu(12, 5, 8), p_clipu(13, 7, 8), p_clipr(14, 5, 8),
               p_clipr(15, 6, 8), p_clipur(16, 7, 8), p_clipur(17, 5, 8)});
    r.x(5) = 300;
    r.x(6) = uint32_t(-300);
    r.x(7) = uint32_t(-5);
    r.x(8) = 100;
    r.run(8);
    EXPECT_EQ(int32_t(r.x(10)), 127);
    EXPECT_EQ(int32_t(r.x(11)), -128);
    EXPECT_EQ(int32_t(r.x(12)), 127);
    EXPECT_EQ(int32_t(r.x(13)), 0);
    EXPECT_EQ(int32_t(r.x(14)), 100);
    EXPECT_EQ(int32_t(r.x(15)), -101);
    EXPECT_EQ(int32_t(r.x(16)), 0);
    EXPECT_EQ(int32_t(r.x(17)), 100);

    Rig m(1);
    m.program({p_minmax(4, 10, 5, 6), p_minmax(5, 11, 5, 6), p_minmax(6, 12, 5, 6), p_minmax(7, 13, 5, 6),
               p_mac(7, 5, 6), p_msu(8, 5, 6), r_type(0x02, 0, 5, 0, 14, 0x33) /*p.abs*/,
               r_type(0x08, 0, 9, 4, 15, 0x33) /*p.exths*/, r_type(0x08, 0, 9, 5, 16, 0x33) /*p.exthz*/,
               r_type(0x08, 0, 9, 6, 17, 0x33) /*p.extbs*/, r_type(0x08, 0, 9, 7, 18, 0x33) /*p.extbz*/});
    m.x(5) = uint32_t(-5);
    m.x(6) = 3;
    m.x(7) = 10;
    m.x(8) = 10;
    m.x(9) = 0x00018080u;
    EXPECT_EQ(m.run(11), 11u);
    EXPECT_EQ(int32_t(m.x(10)), -5);
    EXPECT_EQ(m.x(11), 3u);
    EXPECT_EQ(m.x(12), 3u);
    EXPECT_EQ(m.x(13), uint32_t(-5));
    EXPECT_EQ(int32_t(m.x(7)), -5);   // 10 + (-5 * 3)
    EXPECT_EQ(int32_t(m.x(8)), 25);   // 10 - (-15)
    EXPECT_EQ(m.x(14), 5u);
    EXPECT_EQ(m.x(15), 0xFFFF8080u);
    EXPECT_EQ(m.x(16), 0x8080u);
    EXPECT_EQ(m.x(17), 0xFFFFFF80u);
    EXPECT_EQ(m.x(18), 0x80u);
}

TEST(Xpulp, AddRoundNormalise)
{
    // p.addRNr rd, rs1, rs2: rd = (rd + rs1 + 2^(s-1)) >> s, arithmetic; s = 0 adds only
    Rig r(1);
    r.program({p_addrnr(10, 0, 5), p_addrnr(11, 0, 5), p_addrnr(12, 6, 5), p_addrnr(13, 0, 7), p_addrnr(14, 6, 8)});
    r.x(5) = 3;
    r.x(6) = 100;
    r.x(7) = 0;
    r.x(8) = 33;  // only the low 5 bits count: 1
    r.x(10) = 12;              // (12 + 4) >> 3 = 2
    r.x(11) = uint32_t(-13);   // (-13 + 4) >> 3 = -2 (floor)
    r.x(12) = uint32_t(-200);  // (-200 + 100 + 4) >> 3 = -12
    r.x(13) = 7;               // 7 + 0
    r.x(14) = 5;               // (5 + 100 + 1) >> 1 = 53
    EXPECT_EQ(r.run(5), 5u);
    EXPECT_EQ(int32_t(r.x(10)), 2);
    EXPECT_EQ(int32_t(r.x(11)), -2);
    EXPECT_EQ(int32_t(r.x(12)), -12);
    EXPECT_EQ(int32_t(r.x(13)), 7);
    EXPECT_EQ(int32_t(r.x(14)), 53);
}

TEST(Xpulp, SdotAccumulatorLoadUse)
{
    // a dot product reading a register loaded by the previous instruction waits one cycle
    Rig r(1);
    r.put(kL1, 0x01010101u);
    r.program({p_load_post(kLw, 6, 5, 4), pv(kPvSdotsp, 1, 10, 6, 6), p_load_post(kLw, 7, 5, 4), addi(0, 0, 0),
               pv(kPvSdotsp, 1, 10, 7, 7)});
    r.x(5) = kL1;
    EXPECT_EQ(r.run(2), 3u);
    EXPECT_EQ(r.run(3), 3u);
    EXPECT_EQ(r.x(10), 4u);
}

TEST(Xpulp, HalfwordMinMaxAndScalarSub)
{
    Rig r(1);
    r.program({pv(kPvMin, 0, 10, 5, 6), pv(kPvMax, 0, 11, 5, 6), pv(kPvSub, 5, 12, 5, 6), pv_sci(kPvSub, 6, 13, 5, 3)});
    r.x(5) = 0x8000007Fu;  // halves 127, -32768
    r.x(6) = 0x0001FFFFu;  // halves -1, 1; lane 0 byte 0xFF = -1
    r.run(4);
    EXPECT_EQ(r.x(10), 0x8000FFFFu);  // min(127, -1) = -1, min(-32768, 1) = -32768
    EXPECT_EQ(r.x(11), 0x0001007Fu);  // 127, 1
    EXPECT_EQ(r.x(12), 0x81010180u);  // bytes 127, 0, 0, -128 minus -1: -128 (wraps), 1, 1, -127
    EXPECT_EQ(r.x(13), 0x7FFD007Cu);  // halves 127 - 3, -32768 - 3 (wraps to 32765)
}
