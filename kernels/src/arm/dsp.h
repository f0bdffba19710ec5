/* The Armv7E-M DSP instructions the Cortex-M kernels use. On targets with the DSP extension they
 * are single instructions; elsewhere (host tests, RV32) exact C equivalents, so the same kernel
 * source is proven bit-exact on the host and measured on the emulated Cortex-M. */
#ifndef TINYTX_ARM_DSP_H
#define TINYTX_ARM_DSP_H

#include <stdint.h>

static inline uint32_t tx_load_u32(const void *p)
{
    uint32_t v;
    __builtin_memcpy(&v, p, 4); /* one LDR on Cortex-M (unaligned access is allowed for LDR) */
    return v;
}

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP

static inline uint32_t tx_sxtb16(uint32_t x)
{
    uint32_t r;
    __asm__("sxtb16 %0, %1" : "=r"(r) : "r"(x));
    return r;
}
static inline uint32_t tx_sxtb16_ror8(uint32_t x)
{
    uint32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
    return r;
}
static inline uint32_t tx_uxtb16(uint32_t x)
{
    uint32_t r;
    __asm__("uxtb16 %0, %1" : "=r"(r) : "r"(x));
    return r;
}
static inline uint32_t tx_uxtb16_ror8(uint32_t x)
{
    uint32_t r;
    __asm__("uxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
    return r;
}
static inline int32_t tx_smlad(uint32_t x, uint32_t y, int32_t acc)
{
    int32_t r;
    __asm__("smlad %0, %1, %2, %3" : "=r"(r) : "r"(x), "r"(y), "r"(acc));
    return r;
}
/* acc_hi + ((a * b) >> 32) */
static inline int32_t tx_smmla(int32_t a, int32_t b, int32_t acc_hi)
{
    int32_t r;
    __asm__("smmla %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(acc_hi));
    return r;
}
/* (a * b + 2^31) >> 32 */
static inline int32_t tx_smmulr(int32_t a, int32_t b)
{
    int32_t r;
    __asm__("smmulr %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
    return r;
}
static inline int32_t tx_ssat8(int32_t x)
{
    int32_t r;
    __asm__("ssat %0, #8, %1" : "=r"(r) : "r"(x));
    return r;
}

#else

static inline uint32_t tx_pack16(int32_t lo, int32_t hi)
{
    return ((uint32_t)lo & 0xFFFFu) | ((uint32_t)hi << 16);
}
static inline uint32_t tx_sxtb16(uint32_t x)
{
    return tx_pack16((int8_t)(x & 0xFF), (int8_t)((x >> 16) & 0xFF));
}
static inline uint32_t tx_sxtb16_ror8(uint32_t x)
{
    return tx_sxtb16((x >> 8) | (x << 24));
}
static inline uint32_t tx_uxtb16(uint32_t x)
{
    return x & 0x00FF00FFu;
}
static inline uint32_t tx_uxtb16_ror8(uint32_t x)
{
    return tx_uxtb16((x >> 8) | (x << 24));
}
static inline int32_t tx_smlad(uint32_t x, uint32_t y, int32_t acc)
{
    return acc + (int16_t)(x & 0xFFFF) * (int16_t)(y & 0xFFFF) +
           (int16_t)(x >> 16) * (int16_t)(y >> 16);
}
static inline int32_t tx_smmla(int32_t a, int32_t b, int32_t acc_hi)
{
    return (int32_t)((((int64_t)acc_hi << 32) + (int64_t)a * b) >> 32);
}
static inline int32_t tx_smmulr(int32_t a, int32_t b)
{
    return (int32_t)(((int64_t)a * b + ((int64_t)1 << 31)) >> 32);
}
static inline int32_t tx_ssat8(int32_t x)
{
    return x > 127 ? 127 : (x < -128 ? -128 : x);
}

#endif

/* requant(acc, mul, shift) of NUMERICS.md without a 64-bit shift: for shift >= 32 the rounding
 * term is a multiple of 2^32 and commutes with taking the high word, so
 * (acc*mul + 2^(shift-1)) >> shift == (hi(acc*mul) + 2^(shift-33)) >> (shift-32). */
static inline int8_t tx_dsp_requant(int32_t acc, int32_t mul, int32_t shift)
{
    if (shift > 32)
        return (int8_t)tx_ssat8(tx_smmla(acc, mul, (int32_t)1 << (shift - 33)) >> (shift - 32));
    if (shift == 32)
        return (int8_t)tx_ssat8(tx_smmulr(acc, mul));
    int64_t v = ((int64_t)acc * mul + ((int64_t)1 << (shift - 1))) >> shift;
    return (int8_t)(v > 127 ? 127 : (v < -128 ? -128 : v));
}

#endif
