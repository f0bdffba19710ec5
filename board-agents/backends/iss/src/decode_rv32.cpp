// RV32IMC instruction classifier for the cycle model (RISC-V unprivileged ISA, chapters 2, 7
// and 16). F/D encodings are classed as fpu, everything unrecognised as other.
#include "insn_class.h"

namespace tinytx::agent::iss {

bool rv32_is_compressed(uint32_t word)
{
    return (word & 3) != 3;
}

static Insn make(InsnClass c, uint8_t len)
{
    Insn i;
    i.cls = c;
    i.length = len;
    return i;
}

static Insn branch(uint8_t len, bool conditional)
{
    Insn i = make(InsnClass::kBranch, len);
    i.writes_pc = true;
    i.conditional = conditional;
    return i;
}

static Insn decode16(uint16_t h)
{
    using C = InsnClass;
    const unsigned f3 = (h >> 13) & 7;
    switch (h & 3) {
    case 0:
        switch (f3) {
        case 0: return make(h == 0 ? C::kOther : C::kAlu, 2);  // C.ADDI4SPN (0 = illegal)
        case 2: return make(C::kLoad, 2);                       // C.LW
        case 6: return make(C::kStore, 2);                      // C.SW
        case 4: return make(C::kOther, 2);                      // reserved
        default: return make(C::kFpu, 2);                       // C.FLD, C.FLW, C.FSD, C.FSW
        }
    case 1:
        switch (f3) {
        case 1: case 5: return branch(2, false);  // C.JAL, C.J
        case 6: case 7: return branch(2, true);   // C.BEQZ, C.BNEZ
        default: return make(C::kAlu, 2);         // C.ADDI, C.LI, C.LUI, C.ADDI16SP, C.SRLI..
        }
    default:  // 2
        switch (f3) {
        case 0: return make(C::kAlu, 2);    // C.SLLI
        case 2: return make(C::kLoad, 2);   // C.LWSP
        case 6: return make(C::kStore, 2);  // C.SWSP
        case 4: {
            const unsigned rd = (h >> 7) & 0x1F, rs2 = (h >> 2) & 0x1F;
            const bool bit12 = (h >> 12) & 1;
            if (rs2 != 0) return make(C::kAlu, 2);     // C.MV, C.ADD
            if (!bit12) return rd ? branch(2, false) : make(C::kOther, 2);  // C.JR
            return rd ? branch(2, false) : make(C::kOther, 2);  // C.JALR / C.EBREAK
        }
        default: return make(C::kFpu, 2);  // C.FLDSP, C.FLWSP, C.FSDSP, C.FSWSP
        }
    }
}

Insn decode_rv32(uint32_t w)
{
    using C = InsnClass;
    if (rv32_is_compressed(w)) return decode16(uint16_t(w));
    switch (w & 0x7F) {
    case 0x37: case 0x17: case 0x13: return make(C::kAlu, 4);  // LUI, AUIPC, OP-IMM
    case 0x6F: case 0x67: return branch(4, false);               // JAL, JALR
    case 0x63: return branch(4, true);                           // BEQ..BGEU
    case 0x03: return make(C::kLoad, 4);
    case 0x23: return make(C::kStore, 4);
    case 0x33:
        if ((w >> 25) == 1) return make(((w >> 12) & 7) < 4 ? C::kMul : C::kDiv, 4);  // M
        return make(C::kAlu, 4);
    case 0x07: case 0x27: case 0x43: case 0x47: case 0x4B: case 0x4F: case 0x53:
        return make(C::kFpu, 4);
    default: return make(C::kOther, 4);  // FENCE, SYSTEM (CSR, ECALL, EBREAK, MRET), AMO
    }
}

}  // namespace tinytx::agent::iss
