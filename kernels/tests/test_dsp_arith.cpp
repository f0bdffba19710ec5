// The DSP kernel's arithmetic building blocks: the shortcut requantization equals the 64-bit
// definition for every shift, and the portable SIMD stand-ins follow the Arm semantics.
#include <gtest/gtest.h>

#include <random>

#include "arm/dsp.h"
#include "common/internal.h"

TEST(DspArith, ShortcutRequantEqualsDefinition)
{
    std::mt19937 rng(12345);
    std::uniform_int_distribution<int32_t> acc(INT32_MIN / 4, INT32_MAX / 4);
    std::uniform_int_distribution<int32_t> mul(0, INT32_MAX);
    for (int32_t shift = 1; shift <= 62; ++shift)
        for (int i = 0; i < 20000; ++i) {
            const int32_t a = i < 3 ? (i - 1) : acc(rng), m = mul(rng);
            ASSERT_EQ(tx_rq(a, m, shift), tx_dsp_requant(a, m, shift)) << a << " " << m << " " << shift;
        }
}

TEST(DspArith, SimdLanes)
{
    EXPECT_EQ(0x0002FFFFu, tx_sxtb16(0x7F02AAFFu));          // lanes b0 = -1, b2 = 2
    EXPECT_EQ(0x007FFFAAu, tx_sxtb16_ror8(0x7F02AAFFu));     // lanes b1 = 0xAA (-86), b3 = 127
    EXPECT_EQ(0x000200FFu, tx_uxtb16(0x7F02AAFFu));
    EXPECT_EQ(0x007F00AAu, tx_uxtb16_ror8(0x7F02AAFFu));
    EXPECT_EQ(10 + (-1) * 3 + 2 * (-4), tx_smlad(0x0002FFFFu, 0xFFFC0003u, 10));
}
