// One decoded instruction of the PULP core model: RV32IMC (compressed forms expanded) plus the
// XpulpV2 subset the kernels use, with the RI5CY / CV32E40P (PULP) encodings.
#pragma once

#include <cstdint>

namespace tinytx::agent::pulp {

enum class Op : uint8_t {
    kInvalid = 0,  // not decoded yet (decode cache)
    kIllegal,      // no instruction of the subset: traps
    // RV32I
    kLui, kAuipc, kJal, kJalr,
    kBeq, kBne, kBlt, kBge, kBltu, kBgeu,
    kLb, kLh, kLw, kLbu, kLhu, kSb, kSh, kSw,
    kAddi, kSlti, kSltiu, kXori, kOri, kAndi, kSlli, kSrli, kSrai,
    kAdd, kSub, kSll, kSlt, kSltu, kXor, kSrl, kSra, kOr, kAnd,
    kFence, kEcall, kEbreak, kMret, kWfi,
    kCsrrw, kCsrrs, kCsrrc, kCsrrwi, kCsrrsi, kCsrrci,
    // RV32M
    kMul, kMulh, kMulhsu, kMulhu, kDiv, kDivu, kRem, kRemu,
    // XpulpV2 memory: post-increment by immediate / register, register-register addressing.
    // imm2 holds the access kind (AccessKind); stores keep the offset register in rs3.
    kLoadPostImm, kLoadPostReg, kLoadRegReg, kStorePostImm, kStorePostReg, kStoreRegReg,
    // XpulpV2 hardware loops (loop number in imm2)
    kLpStarti, kLpEndi, kLpCount, kLpCounti, kLpSetup, kLpSetupi,
    // XpulpV2 ALU and multiply-accumulate
    kPAbs, kPMin, kPMinu, kPMax, kPMaxu, kPClip, kPClipu, kPClipr, kPClipur,
    kPExths, kPExthz, kPExtbs, kPExtbz, kPMac, kPMsu,
    kPAddRNr,  // rd = (rd + rs1 + 2^(s-1)) >> s, s = rs2 & 31 (arithmetic; no rounding term when s = 0)
    // XpulpV2 packed SIMD; imm2 = SimdMode
    kPvAdd, kPvSub, kPvMin, kPvMax,
    kPvDotup, kPvDotusp, kPvDotsp, kPvSdotup, kPvSdotusp, kPvSdotsp,
};

// access kind of the Xpulp loads and stores
enum AccessKind : uint8_t { kB = 0, kH = 1, kW = 2, kBu = 4, kHu = 5 };

// packed SIMD operand mode (funct3): lanes of rs2, rs2's lane 0 replicated, or an immediate
enum SimdMode : uint8_t { kVecH = 0, kVecB = 1, kScH = 4, kScB = 5, kSciH = 6, kSciB = 7 };

struct Insn {
    Op op = Op::kInvalid;
    uint8_t rd = 0, rs1 = 0, rs2 = 0, rs3 = 0;
    uint8_t len = 4;        // bytes: 2 for compressed
    uint8_t reads = 0;      // kReadRs1 | kReadRs2 | kReadRs3 | kReadRd: registers read (load-use)
    uint8_t imm2 = 0;       // see Op
    int32_t imm = 0;
    uint32_t raw = 0;       // the encoding (32-bit form for compressed: the 16 bits)
    uint8_t watch = 0;      // the simulator stops before core 0 executes it (a marker)
};

constexpr uint8_t kReadRs1 = 1, kReadRs2 = 2, kReadRs3 = 4, kReadRd = 8;

// Decodes the instruction whose first bytes are `word` (little-endian; 16 bits suffice when
// compressed).
Insn decode(uint32_t word);


}  // namespace tinytx::agent::pulp
