// RV32IMC + XpulpV2 decoder. Compressed instructions are expanded to their 32-bit meaning (the
// length stays 2). Xpulp encodings: the PULP RI5CY user manual (also GVSOC's pulp_v2 ISA table):
//   post-increment loads  opcode 0001011, stores 0101011; register-register forms funct3 111
//   (loads) / 100..110 (stores); hardware loops 1111011; packed SIMD 1010111 with funct6 in
//   [31:26] and the operand mode in funct3; p.mac/p.min/p.clip... in OP (0110011) with funct7
//   0100001 / 0000010 / 0001010 / 0001000; p.addRNr in 1011011 with funct7 0100000, funct3 110.
#include "insn.h"

namespace tinytx::agent::pulp {

namespace {

constexpr uint32_t bits(uint32_t w, int hi, int lo)
{
    return (w >> lo) & ((1u << (hi - lo + 1)) - 1u);
}

constexpr int32_t sext(uint32_t v, int width)
{
    const uint32_t m = 1u << (width - 1);
    return int32_t((v ^ m) - m);
}

Insn make(Op op, uint8_t rd, uint8_t rs1, uint8_t rs2, int32_t imm, uint8_t reads)
{
    Insn i;
    i.op = op;
    i.rd = rd;
    i.rs1 = rs1;
    i.rs2 = rs2;
    i.imm = imm;
    i.reads = reads;
    return i;
}

Insn illegal(uint32_t w)
{
    Insn i;
    i.op = Op::kIllegal;
    i.raw = w;
    return i;
}

int32_t imm_i(uint32_t w) { return sext(bits(w, 31, 20), 12); }
int32_t imm_s(uint32_t w) { return sext((bits(w, 31, 25) << 5) | bits(w, 11, 7), 12); }
int32_t imm_b(uint32_t w)
{
    return sext((bits(w, 31, 31) << 12) | (bits(w, 7, 7) << 11) | (bits(w, 30, 25) << 5) |
                    (bits(w, 11, 8) << 1),
                13);
}
int32_t imm_j(uint32_t w)
{
    return sext((bits(w, 31, 31) << 20) | (bits(w, 19, 12) << 12) | (bits(w, 20, 20) << 11) |
                    (bits(w, 30, 21) << 1),
                21);
}

// funct7 of the register-register Xpulp loads -> access kind
bool rr_kind(uint32_t funct7, uint8_t &kind)
{
    switch (funct7) {
    case 0x00: kind = kB; return true;
    case 0x08: kind = kH; return true;
    case 0x10: kind = kW; return true;
    case 0x20: kind = kBu; return true;
    case 0x28: kind = kHu; return true;
    default: return false;
    }
}

Insn decode_op(uint32_t w, uint8_t rd, uint8_t rs1, uint8_t rs2)
{
    const uint32_t f3 = bits(w, 14, 12), f7 = bits(w, 31, 25);
    constexpr uint8_t r12 = kReadRs1 | kReadRs2;
    if (f7 == 0x00) {
        static constexpr Op ops[8] = {Op::kAdd, Op::kSll, Op::kSlt, Op::kSltu,
                                      Op::kXor, Op::kSrl, Op::kOr,  Op::kAnd};
        return make(ops[f3], rd, rs1, rs2, 0, r12);
    }
    if (f7 == 0x20 && (f3 == 0 || f3 == 5))
        return make(f3 == 0 ? Op::kSub : Op::kSra, rd, rs1, rs2, 0, r12);
    if (f7 == 0x01) {
        static constexpr Op ops[8] = {Op::kMul, Op::kMulh, Op::kMulhsu, Op::kMulhu,
                                      Op::kDiv, Op::kDivu, Op::kRem,    Op::kRemu};
        return make(ops[f3], rd, rs1, rs2, 0, r12);
    }
    if (f7 == 0x21 && f3 <= 1)  // p.mac / p.msu: rd += / -= rs1 * rs2
        return make(f3 == 0 ? Op::kPMac : Op::kPMsu, rd, rs1, rs2, 0, r12 | kReadRd);
    if (f7 == 0x02) {
        switch (f3) {
        case 0: return rs2 == 0 ? make(Op::kPAbs, rd, rs1, 0, 0, kReadRs1) : illegal(w);
        case 4: return make(Op::kPMin, rd, rs1, rs2, 0, r12);
        case 5: return make(Op::kPMinu, rd, rs1, rs2, 0, r12);
        case 6: return make(Op::kPMax, rd, rs1, rs2, 0, r12);
        case 7: return make(Op::kPMaxu, rd, rs1, rs2, 0, r12);
        default: return illegal(w);
        }
    }
    if (f7 == 0x0A) {  // p.clip / p.clipu: immediate bound in the rs2 field; ...r: register bound
        switch (f3) {
        case 1: return make(Op::kPClip, rd, rs1, 0, int32_t(rs2), kReadRs1);
        case 2: return make(Op::kPClipu, rd, rs1, 0, int32_t(rs2), kReadRs1);
        case 5: return make(Op::kPClipr, rd, rs1, rs2, 0, r12);
        case 6: return make(Op::kPClipur, rd, rs1, rs2, 0, r12);
        default: return illegal(w);
        }
    }
    if (f7 == 0x08 && rs2 == 0) {
        switch (f3) {
        case 4: return make(Op::kPExths, rd, rs1, 0, 0, kReadRs1);
        case 5: return make(Op::kPExthz, rd, rs1, 0, 0, kReadRs1);
        case 6: return make(Op::kPExtbs, rd, rs1, 0, 0, kReadRs1);
        case 7: return make(Op::kPExtbz, rd, rs1, 0, 0, kReadRs1);
        default: return illegal(w);
        }
    }
    return illegal(w);
}

Insn decode_simd(uint32_t w, uint8_t rd, uint8_t rs1, uint8_t rs2)
{
    const uint32_t f6 = bits(w, 31, 26), f3 = bits(w, 14, 12);
    if (f3 == 2 || f3 == 3) return illegal(w);
    Op op;
    bool accumulates = false, signed_imm = true;
    switch (f6) {
    case 0x00: op = Op::kPvAdd; break;
    case 0x02: op = Op::kPvSub; break;
    case 0x08: op = Op::kPvMin; break;
    case 0x0C: op = Op::kPvMax; break;
    case 0x20: op = Op::kPvDotup; signed_imm = false; break;
    case 0x22: op = Op::kPvDotusp; break;
    case 0x26: op = Op::kPvDotsp; break;
    case 0x28: op = Op::kPvSdotup; accumulates = true; signed_imm = false; break;
    case 0x2A: op = Op::kPvSdotusp; accumulates = true; break;
    case 0x2E: op = Op::kPvSdotsp; accumulates = true; break;
    default: return illegal(w);
    }
    const bool imm_mode = f3 >= 6;
    // .sci: 6-bit immediate, bit 25 is its lowest bit, bits 24:20 the rest
    const uint32_t u6 = bits(w, 25, 25) | (bits(w, 24, 20) << 1);
    Insn i = make(op, rd, rs1, imm_mode ? 0 : rs2, imm_mode ? (signed_imm ? sext(u6, 6) : int32_t(u6)) : 0,
                  uint8_t(kReadRs1 | (imm_mode ? 0 : kReadRs2) | (accumulates ? kReadRd : 0)));
    if (!imm_mode && bits(w, 25, 25)) return illegal(w);
    i.imm2 = uint8_t(f3);
    return i;
}

Insn decode_hwloop(uint32_t w, uint8_t rs1)
{
    if (bits(w, 11, 8) != 0) return illegal(w);
    const uint8_t loop = uint8_t(bits(w, 7, 7));
    const uint32_t uimm_l = bits(w, 31, 20);
    Insn i;
    switch (bits(w, 14, 12)) {
    case 0: i = make(Op::kLpStarti, 0, 0, 0, int32_t(uimm_l << 1), 0); break;
    case 1: i = make(Op::kLpEndi, 0, 0, 0, int32_t(uimm_l << 1), 0); break;
    case 2: i = make(Op::kLpCount, 0, rs1, 0, 0, kReadRs1); break;
    case 3: i = make(Op::kLpCounti, 0, 0, 0, int32_t(uimm_l), 0); break;
    case 4: i = make(Op::kLpSetup, 0, rs1, 0, int32_t(uimm_l << 1), kReadRs1); break;
    case 5:  // lp.setupi: count = uimmL, end = pc + (uimmS << 1) with uimmS in the rs1 field
        i = make(Op::kLpSetupi, 0, 0, 0, int32_t(uimm_l), 0);
        i.rs3 = uint8_t(bits(w, 19, 15));
        break;
    default: return illegal(w);
    }
    i.imm2 = loop;
    return i;
}

Insn decode32(uint32_t w)
{
    const uint8_t rd = uint8_t(bits(w, 11, 7)), rs1 = uint8_t(bits(w, 19, 15)),
                  rs2 = uint8_t(bits(w, 24, 20));
    const uint32_t f3 = bits(w, 14, 12), f7 = bits(w, 31, 25);
    switch (bits(w, 6, 0)) {
    case 0x37: return make(Op::kLui, rd, 0, 0, int32_t(w & 0xFFFFF000u), 0);
    case 0x17: return make(Op::kAuipc, rd, 0, 0, int32_t(w & 0xFFFFF000u), 0);
    case 0x6F: return make(Op::kJal, rd, 0, 0, imm_j(w), 0);
    case 0x67: return f3 == 0 ? make(Op::kJalr, rd, rs1, 0, imm_i(w), kReadRs1) : illegal(w);
    case 0x63: {
        static constexpr Op ops[8] = {Op::kBeq, Op::kBne, Op::kIllegal, Op::kIllegal,
                                      Op::kBlt, Op::kBge, Op::kBltu,    Op::kBgeu};
        if (ops[f3] == Op::kIllegal) return illegal(w);
        return make(ops[f3], 0, rs1, rs2, imm_b(w), kReadRs1 | kReadRs2);
    }
    case 0x03: {
        static constexpr Op ops[8] = {Op::kLb,  Op::kLh,  Op::kLw,      Op::kIllegal,
                                      Op::kLbu, Op::kLhu, Op::kIllegal, Op::kIllegal};
        if (f3 == 7) {  // p.l* rd, rs2(rs1)
            uint8_t kind;
            if (!rr_kind(f7, kind)) return illegal(w);
            Insn i = make(Op::kLoadRegReg, rd, rs1, rs2, 0, kReadRs1 | kReadRs2);
            i.imm2 = kind;
            return i;
        }
        if (ops[f3] == Op::kIllegal) return illegal(w);
        return make(ops[f3], rd, rs1, 0, imm_i(w), kReadRs1);
    }
    case 0x23: {
        if (f3 >= 4 && f3 <= 6) {  // p.s* rs2, rs3(rs1): offset register in the rd field
            if (f7 != 0) return illegal(w);
            Insn i = make(Op::kStoreRegReg, 0, rs1, rs2, 0, kReadRs1 | kReadRs2 | kReadRs3);
            i.rs3 = rd;
            i.imm2 = uint8_t(f3 - 4);
            return i;
        }
        static constexpr Op ops[3] = {Op::kSb, Op::kSh, Op::kSw};
        if (f3 > 2) return illegal(w);
        return make(ops[f3], 0, rs1, rs2, imm_s(w), kReadRs1 | kReadRs2);
    }
    case 0x0B: {  // post-increment loads
        if (f3 == 7) {
            uint8_t kind;
            if (!rr_kind(f7, kind)) return illegal(w);
            Insn i = make(Op::kLoadPostReg, rd, rs1, rs2, 0, kReadRs1 | kReadRs2);
            i.imm2 = kind;
            return i;
        }
        if (f3 == 3 || f3 == 6) return illegal(w);
        Insn i = make(Op::kLoadPostImm, rd, rs1, 0, imm_i(w), kReadRs1);
        i.imm2 = uint8_t(f3);
        return i;
    }
    case 0x2B: {  // post-increment stores
        if (f3 <= 2) {
            Insn i = make(Op::kStorePostImm, 0, rs1, rs2, imm_s(w), kReadRs1 | kReadRs2);
            i.imm2 = uint8_t(f3);
            return i;
        }
        if (f3 >= 4 && f3 <= 6 && f7 == 0) {
            Insn i = make(Op::kStorePostReg, 0, rs1, rs2, 0, kReadRs1 | kReadRs2 | kReadRs3);
            i.rs3 = rd;
            i.imm2 = uint8_t(f3 - 4);
            return i;
        }
        return illegal(w);
    }
    case 0x13: {
        const int32_t imm = imm_i(w);
        switch (f3) {
        case 0: return make(Op::kAddi, rd, rs1, 0, imm, kReadRs1);
        case 2: return make(Op::kSlti, rd, rs1, 0, imm, kReadRs1);
        case 3: return make(Op::kSltiu, rd, rs1, 0, imm, kReadRs1);
        case 4: return make(Op::kXori, rd, rs1, 0, imm, kReadRs1);
        case 6: return make(Op::kOri, rd, rs1, 0, imm, kReadRs1);
        case 7: return make(Op::kAndi, rd, rs1, 0, imm, kReadRs1);
        case 1: return f7 == 0 ? make(Op::kSlli, rd, rs1, 0, rs2, kReadRs1) : illegal(w);
        case 5:
            if (f7 == 0) return make(Op::kSrli, rd, rs1, 0, rs2, kReadRs1);
            if (f7 == 0x20) return make(Op::kSrai, rd, rs1, 0, rs2, kReadRs1);
            return illegal(w);
        }
        return illegal(w);
    }
    case 0x33: return decode_op(w, rd, rs1, rs2);
    case 0x5B:  // p.addRNr (funct7 0100000, funct3 110): the only one of the add/sub-normalise group used
        if (f7 == 0x20 && f3 == 6) return make(Op::kPAddRNr, rd, rs1, rs2, 0, kReadRs1 | kReadRs2 | kReadRd);
        return illegal(w);
    case 0x57: return decode_simd(w, rd, rs1, rs2);
    case 0x7B: return decode_hwloop(w, rs1);
    case 0x0F: return make(Op::kFence, 0, 0, 0, 0, 0);
    case 0x73: {
        const int32_t csr = int32_t(bits(w, 31, 20));
        switch (f3) {
        case 0:
            if (w == 0x00000073u) return make(Op::kEcall, 0, 0, 0, 0, 0);
            if (w == 0x00100073u) return make(Op::kEbreak, 0, 0, 0, 0, 0);
            if (w == 0x30200073u) return make(Op::kMret, 0, 0, 0, 0, 0);
            if (w == 0x10500073u) return make(Op::kWfi, 0, 0, 0, 0, 0);
            return illegal(w);
        case 1: return make(Op::kCsrrw, rd, rs1, 0, csr, kReadRs1);
        case 2: return make(Op::kCsrrs, rd, rs1, 0, csr, kReadRs1);
        case 3: return make(Op::kCsrrc, rd, rs1, 0, csr, kReadRs1);
        case 5: return make(Op::kCsrrwi, rd, rs1, 0, csr, 0);
        case 6: return make(Op::kCsrrsi, rd, rs1, 0, csr, 0);
        case 7: return make(Op::kCsrrci, rd, rs1, 0, csr, 0);
        default: return illegal(w);
        }
    }
    default: return illegal(w);
    }
}

// RVC (no floating point): expanded to the 32-bit operation
Insn decode16(uint32_t h)
{
    const uint32_t op = bits(h, 1, 0), f3 = bits(h, 15, 13);
    const uint8_t rd = uint8_t(bits(h, 11, 7)), rs2 = uint8_t(bits(h, 6, 2));
    const uint8_t rdp = uint8_t(8 + bits(h, 4, 2)), rs1p = uint8_t(8 + bits(h, 9, 7));
    if (h == 0) return illegal(h);
    if (op == 0) {
        switch (f3) {
        case 0: {  // c.addi4spn
            const uint32_t nz = (bits(h, 10, 7) << 6) | (bits(h, 12, 11) << 4) | (bits(h, 5, 5) << 3) |
                                (bits(h, 6, 6) << 2);
            if (!nz) return illegal(h);
            return make(Op::kAddi, rdp, 2, 0, int32_t(nz), kReadRs1);
        }
        case 2: {  // c.lw
            const uint32_t off = (bits(h, 12, 10) << 3) | (bits(h, 6, 6) << 2) | (bits(h, 5, 5) << 6);
            return make(Op::kLw, rdp, rs1p, 0, int32_t(off), kReadRs1);
        }
        case 6: {  // c.sw
            const uint32_t off = (bits(h, 12, 10) << 3) | (bits(h, 6, 6) << 2) | (bits(h, 5, 5) << 6);
            return make(Op::kSw, 0, rs1p, rdp, int32_t(off), kReadRs1 | kReadRs2);
        }
        default: return illegal(h);
        }
    }
    if (op == 1) {
        const int32_t imm6 = sext((bits(h, 12, 12) << 5) | bits(h, 6, 2), 6);
        switch (f3) {
        case 0: return make(Op::kAddi, rd, rd, 0, imm6, kReadRs1);  // c.addi / c.nop
        case 1:                                                      // c.jal
        case 5: {                                                    // c.j
            const uint32_t o = (bits(h, 12, 12) << 11) | (bits(h, 11, 11) << 4) | (bits(h, 10, 9) << 8) |
                               (bits(h, 8, 8) << 10) | (bits(h, 7, 7) << 6) | (bits(h, 6, 6) << 7) |
                               (bits(h, 5, 3) << 1) | (bits(h, 2, 2) << 5);
            return make(Op::kJal, f3 == 1 ? 1 : 0, 0, 0, sext(o, 12), 0);
        }
        case 2: return make(Op::kAddi, rd, 0, 0, imm6, 0);  // c.li
        case 3:
            if (rd == 2) {  // c.addi16sp
                const uint32_t o = (bits(h, 12, 12) << 9) | (bits(h, 6, 6) << 4) | (bits(h, 5, 5) << 6) |
                                   (bits(h, 4, 3) << 7) | (bits(h, 2, 2) << 5);
                if (!o) return illegal(h);
                return make(Op::kAddi, 2, 2, 0, sext(o, 10), kReadRs1);
            }
            if (imm6 == 0) return illegal(h);
            return make(Op::kLui, rd, 0, 0, int32_t(uint32_t(imm6) << 12), 0);  // c.lui
        case 4: {
            const uint32_t f2 = bits(h, 11, 10);
            const uint32_t sh = bits(h, 6, 2);
            if (f2 == 0) return bits(h, 12, 12) ? illegal(h) : make(Op::kSrli, rs1p, rs1p, 0, int32_t(sh), kReadRs1);
            if (f2 == 1) return bits(h, 12, 12) ? illegal(h) : make(Op::kSrai, rs1p, rs1p, 0, int32_t(sh), kReadRs1);
            if (f2 == 2) return make(Op::kAndi, rs1p, rs1p, 0, imm6, kReadRs1);
            if (bits(h, 12, 12)) return illegal(h);
            static constexpr Op ops[4] = {Op::kSub, Op::kXor, Op::kOr, Op::kAnd};
            return make(ops[bits(h, 6, 5)], rs1p, rs1p, rdp, 0, kReadRs1 | kReadRs2);
        }
        case 6:
        case 7: {  // c.beqz / c.bnez
            const uint32_t o = (bits(h, 12, 12) << 8) | (bits(h, 11, 10) << 3) | (bits(h, 6, 5) << 6) |
                               (bits(h, 4, 3) << 1) | (bits(h, 2, 2) << 5);
            return make(f3 == 6 ? Op::kBeq : Op::kBne, 0, rs1p, 0, sext(o, 9), kReadRs1 | kReadRs2);
        }
        }
        return illegal(h);
    }
    if (op == 2) {
        switch (f3) {
        case 0:
            if (bits(h, 12, 12)) return illegal(h);
            return make(Op::kSlli, rd, rd, 0, int32_t(bits(h, 6, 2)), kReadRs1);
        case 2: {  // c.lwsp
            if (rd == 0) return illegal(h);
            const uint32_t o = (bits(h, 12, 12) << 5) | (bits(h, 6, 4) << 2) | (bits(h, 3, 2) << 6);
            return make(Op::kLw, rd, 2, 0, int32_t(o), kReadRs1);
        }
        case 4:
            if (!bits(h, 12, 12)) {
                if (rs2 == 0) return rd ? make(Op::kJalr, 0, rd, 0, 0, kReadRs1) : illegal(h);  // c.jr
                return make(Op::kAdd, rd, 0, rs2, 0, kReadRs1 | kReadRs2);                       // c.mv
            }
            if (rs2 == 0) {
                if (rd == 0) return make(Op::kEbreak, 0, 0, 0, 0, 0);  // c.ebreak
                return make(Op::kJalr, 1, rd, 0, 0, kReadRs1);          // c.jalr
            }
            return make(Op::kAdd, rd, rd, rs2, 0, kReadRs1 | kReadRs2);  // c.add
        case 6: {  // c.swsp
            const uint32_t o = (bits(h, 12, 9) << 2) | (bits(h, 8, 7) << 6);
            return make(Op::kSw, 0, 2, rs2, int32_t(o), kReadRs1 | kReadRs2);
        }
        default: return illegal(h);
        }
    }
    return illegal(h);
}

}  // namespace

Insn decode(uint32_t word)
{
    Insn i;
    if ((word & 3u) != 3u) {
        i = decode16(word & 0xFFFFu);
        i.len = 2;
        i.raw = word & 0xFFFFu;
    } else {
        i = decode32(word);
        i.len = 4;
        i.raw = word;
    }
    if (i.op == Op::kIllegal) i.reads = 0;
    return i;
}

}  // namespace tinytx::agent::pulp
