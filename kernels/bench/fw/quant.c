/* Real multipliers -> tinytx and CMSIS-NN encodings (see quant.h). */
#include "quant.h"

txb_scale txb_scale_of(float real)
{
    /* real = m * 2^e with m in [0.5, 1) */
    int32_t e = 0;
    float m = real;
    while (m < 0.5f) {
        m *= 2.0f;
        --e;
    }
    while (m >= 1.0f) {
        m *= 0.5f;
        ++e;
    }
    /* exact: m has 24 significant bits and m * 2^31 < 2^31 (a single-precision conversion;
     * the M7 build's 64-bit one would use double-precision instructions) */
    const uint32_t q = (uint32_t)(m * 2147483648.0f);
    return (txb_scale){(int32_t)q, e};
}

tx_requant txb_tinytx_requant(txb_scale s)
{
    return (tx_requant){.mul = s.mantissa, .shift = 31 - s.exponent};
}

int32_t txb_cmsis_shift(txb_scale s)
{
    return s.exponent;
}

static int32_t txb_round_pos(float v)
{
    return (int32_t)(v + 0.5f);
}

tx_softmax_params txb_tinytx_softmax(float eps)
{
    return (tx_softmax_params){
        .ln2 = txb_round_pos(0.69314718f / eps),
        .b = txb_round_pos(1.353f / eps),
        .c = txb_round_pos(0.344f / (0.3585f * eps * eps)),
    };
}

txb_cmsis_softmax txb_cmsis_softmax_of(float eps)
{
    enum { kScaledDiffIntegerBits = 5 };
    const txb_scale s = txb_scale_of(eps * (float)(1 << (31 - kScaledDiffIntegerBits)));
    const int64_t radius = (((int64_t)1 << kScaledDiffIntegerBits) - 1) *
                           ((int64_t)1 << (31 - kScaledDiffIntegerBits)) / ((int64_t)1 << s.exponent);
    return (txb_cmsis_softmax){.mult = s.mantissa, .shift = s.exponent, .diff_min = -(int32_t)radius};
}

float txb_sqrtf(float v)
{
    if (v <= 0.0f)
        return 0.0f;
    float r = v > 1.0f ? v : 1.0f;
    for (int i = 0; i < 40; ++i)
        r = 0.5f * (r + v / r);
    return r;
}
