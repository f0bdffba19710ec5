// A tiny assembler for the simulator tests: RV32 and XpulpV2 encodings built field by field,
// so each test states the instruction it runs.
#pragma once

#include <cstdint>

namespace tinytx::agent::pulp::test {

constexpr uint32_t r_type(uint32_t f7, uint32_t rs2, uint32_t rs1, uint32_t f3, uint32_t rd, uint32_t opc)
{
    return (f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | opc;
}
constexpr uint32_t i_type(int32_t imm, uint32_t rs1, uint32_t f3, uint32_t rd, uint32_t opc)
{
    return (uint32_t(imm & 0xFFF) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | opc;
}
constexpr uint32_t s_type(int32_t imm, uint32_t rs2, uint32_t rs1, uint32_t f3, uint32_t opc)
{
    const uint32_t u = uint32_t(imm) & 0xFFF;
    return ((u >> 5) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((u & 31) << 7) | opc;
}
constexpr uint32_t b_type(int32_t imm, uint32_t rs2, uint32_t rs1, uint32_t f3)
{
    const uint32_t u = uint32_t(imm);
    return (((u >> 12) & 1) << 31) | (((u >> 5) & 63) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) |
           (((u >> 1) & 15) << 8) | (((u >> 11) & 1) << 7) | 0x63;
}
constexpr uint32_t j_type(int32_t imm, uint32_t rd)
{
    const uint32_t u = uint32_t(imm);
    return (((u >> 20) & 1) << 31) | (((u >> 1) & 0x3FF) << 21) | (((u >> 11) & 1) << 20) |
           (((u >> 12) & 0xFF) << 12) | (rd << 7) | 0x6F;
}

// RV32IM
constexpr uint32_t addi(uint32_t rd, uint32_t rs1, int32_t imm) { return i_type(imm, rs1, 0, rd, 0x13); }
constexpr uint32_t lui(uint32_t rd, uint32_t imm20) { return (imm20 << 12) | (rd << 7) | 0x37; }
constexpr uint32_t add(uint32_t rd, uint32_t a, uint32_t b) { return r_type(0, b, a, 0, rd, 0x33); }
constexpr uint32_t lw(uint32_t rd, uint32_t rs1, int32_t imm) { return i_type(imm, rs1, 2, rd, 0x03); }
constexpr uint32_t sw(uint32_t rs2, uint32_t rs1, int32_t imm) { return s_type(imm, rs2, rs1, 2, 0x23); }
constexpr uint32_t mul(uint32_t rd, uint32_t a, uint32_t b) { return r_type(1, b, a, 0, rd, 0x33); }
constexpr uint32_t csrr(uint32_t rd, uint32_t csr) { return i_type(int32_t(csr), 0, 2, rd, 0x73); }
constexpr uint32_t kNop = 0x00000013u;
constexpr uint32_t kEbreak = 0x00100073u;
constexpr uint32_t kWfi = 0x10500073u;

// XpulpV2 (RI5CY encodings)
// post-increment loads: kind 0 lb, 1 lh, 2 lw, 4 lbu, 5 lhu
constexpr uint32_t p_load_post(uint32_t kind, uint32_t rd, uint32_t rs1, int32_t imm)
{
    return i_type(imm, rs1, kind, rd, 0x0B);
}
constexpr uint32_t rr_f7(uint32_t kind) { return kind == 0 ? 0x00 : kind == 1 ? 0x08 : kind == 2 ? 0x10 : kind == 4 ? 0x20 : 0x28; }
constexpr uint32_t p_load_post_rr(uint32_t kind, uint32_t rd, uint32_t rs1, uint32_t rs2)
{
    return r_type(rr_f7(kind), rs2, rs1, 7, rd, 0x0B);
}
constexpr uint32_t p_load_rr(uint32_t kind, uint32_t rd, uint32_t rs1, uint32_t rs2)
{
    return r_type(rr_f7(kind), rs2, rs1, 7, rd, 0x03);
}
// stores: size 0 sb, 1 sh, 2 sw
constexpr uint32_t p_store_post(uint32_t size, uint32_t rs2, uint32_t rs1, int32_t imm)
{
    return s_type(imm, rs2, rs1, size, 0x2B);
}
constexpr uint32_t p_store_post_rr(uint32_t size, uint32_t rs2, uint32_t rs1, uint32_t rs3)
{
    return r_type(0, rs2, rs1, 4 + size, rs3, 0x2B);
}
constexpr uint32_t p_store_rr(uint32_t size, uint32_t rs2, uint32_t rs1, uint32_t rs3)
{
    return r_type(0, rs2, rs1, 4 + size, rs3, 0x23);
}
// hardware loops: offsets in bytes from the instruction itself
constexpr uint32_t lp_starti(uint32_t l, uint32_t off) { return ((off >> 1) << 20) | (0u << 12) | (l << 7) | 0x7B; }
constexpr uint32_t lp_endi(uint32_t l, uint32_t off) { return ((off >> 1) << 20) | (1u << 12) | (l << 7) | 0x7B; }
constexpr uint32_t lp_count(uint32_t l, uint32_t rs1) { return (rs1 << 15) | (2u << 12) | (l << 7) | 0x7B; }
constexpr uint32_t lp_counti(uint32_t l, uint32_t n) { return (n << 20) | (3u << 12) | (l << 7) | 0x7B; }
constexpr uint32_t lp_setup(uint32_t l, uint32_t rs1, uint32_t end_off)
{
    return ((end_off >> 1) << 20) | (rs1 << 15) | (4u << 12) | (l << 7) | 0x7B;
}
constexpr uint32_t lp_setupi(uint32_t l, uint32_t count, uint32_t end_off)
{
    return (count << 20) | ((end_off >> 1) << 15) | (5u << 12) | (l << 7) | 0x7B;
}
// packed SIMD: funct6, mode (0 .h, 1 .b, 4 .sc.h, 5 .sc.b)
constexpr uint32_t pv(uint32_t f6, uint32_t mode, uint32_t rd, uint32_t rs1, uint32_t rs2)
{
    return r_type(f6 << 1, rs2, rs1, mode, rd, 0x57);
}
// .sci forms: 6-bit immediate, its bit 0 in instruction bit 25, bits 5:1 in the rs2 field
constexpr uint32_t pv_sci(uint32_t f6, uint32_t mode, uint32_t rd, uint32_t rs1, int32_t imm6)
{
    const uint32_t u = uint32_t(imm6) & 63;
    return r_type((f6 << 1) | (u & 1), u >> 1, rs1, mode, rd, 0x57);
}
constexpr uint32_t kPvAdd = 0x00, kPvSub = 0x02, kPvMin = 0x08, kPvMax = 0x0C, kPvDotup = 0x20,
                   kPvDotusp = 0x22, kPvDotsp = 0x26, kPvSdotup = 0x28, kPvSdotusp = 0x2A,
                   kPvSdotsp = 0x2E;
constexpr uint32_t p_mac(uint32_t rd, uint32_t a, uint32_t b) { return r_type(0x21, b, a, 0, rd, 0x33); }
constexpr uint32_t p_msu(uint32_t rd, uint32_t a, uint32_t b) { return r_type(0x21, b, a, 1, rd, 0x33); }
constexpr uint32_t p_minmax(uint32_t f3, uint32_t rd, uint32_t a, uint32_t b) { return r_type(0x02, b, a, f3, rd, 0x33); }
constexpr uint32_t p_clip(uint32_t rd, uint32_t a, uint32_t bits) { return r_type(0x0A, bits, a, 1, rd, 0x33); }
constexpr uint32_t p_clipu(uint32_t rd, uint32_t a, uint32_t bits) { return r_type(0x0A, bits, a, 2, rd, 0x33); }
constexpr uint32_t p_clipr(uint32_t rd, uint32_t a, uint32_t b) { return r_type(0x0A, b, a, 5, rd, 0x33); }
constexpr uint32_t p_clipur(uint32_t rd, uint32_t a, uint32_t b) { return r_type(0x0A, b, a, 6, rd, 0x33); }
constexpr uint32_t p_addrnr(uint32_t rd, uint32_t a, uint32_t s) { return r_type(0x20, s, a, 6, rd, 0x5B); }

}  // namespace tinytx::agent::pulp::test
