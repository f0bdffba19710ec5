// Thumb-2 instruction classifier for the cycle model (ARMv7-M ARM, A5 "The Thumb instruction set
// encoding"). It does not validate encodings: anything it does not recognise is `other`.
#include <bit>

#include "insn_class.h"

namespace tinytx::agent::iss {

bool thumb_is_32bit(uint16_t hw1)
{
    return (hw1 >> 11) >= 0x1D;  // 0b11101, 0b11110, 0b11111
}

static Insn make(InsnClass c, uint8_t len)
{
    Insn i;
    i.cls = c;
    i.length = len;
    return i;
}

static Insn decode16(uint16_t hw)
{
    using C = InsnClass;
    Insn i = make(C::kAlu, 2);
    switch (hw >> 12) {
    case 0x0: case 0x1: case 0x2: case 0x3:
        return i;  // shift (imm), add/sub, mov/cmp/add/sub (imm8)
    case 0x4:
        if ((hw >> 10) == 0x10) {  // data processing (register)
            if (((hw >> 6) & 0xF) == 0xD) i.cls = C::kMul;
            return i;
        }
        if ((hw >> 10) == 0x11) {  // special data processing, branch and exchange
            const unsigned op = (hw >> 8) & 3;
            const unsigned rd = (hw & 7) | ((hw >> 4) & 8);
            if (op == 3) {  // BX, BLX (register)
                i.cls = C::kBranch;
                i.writes_pc = true;
            } else if (op != 1 && rd == 15) {  // ADD pc, / MOV pc,
                i.writes_pc = true;
            }
            return i;
        }
        i.cls = C::kLoad;  // LDR (literal)
        return i;
    case 0x5: {  // load/store (register offset)
        const unsigned opb = (hw >> 9) & 7;
        i.cls = opb <= 2 ? C::kStore : C::kLoad;
        return i;
    }
    case 0x6: case 0x7: case 0x8: case 0x9:  // STR/LDR(B/H) immediate, SP-relative
        i.cls = (hw & 0x0800) ? C::kLoad : C::kStore;
        return i;
    case 0xA:
        return i;  // ADR, ADD (SP plus immediate)
    case 0xB:
        if ((hw & 0x0500) == 0x0100) {  // CBZ, CBNZ
            i.cls = C::kBranch;
            i.writes_pc = true;
            i.conditional = true;
            return i;
        }
        switch ((hw >> 8) & 0xF) {
        case 0x0: case 0x2: case 0xA:
            if ((hw & 0xFFC0) == 0xBA80) i.cls = C::kOther;  // undefined
            return i;  // ADD/SUB SP, SXTH/SXTB/UXTH/UXTB, REV/REV16/REVSH
        case 0x4: case 0x5:  // PUSH
            i.cls = C::kStoreMultiple;
            i.regs = uint8_t(std::popcount(unsigned(hw & 0x1FF)));
            return i;
        case 0xC: case 0xD:  // POP
            i.cls = C::kLoadMultiple;
            i.regs = uint8_t(std::popcount(unsigned(hw & 0x1FF)));
            i.writes_pc = (hw & 0x100) != 0;
            return i;
        case 0xF:
            i.cls = C::kOther;
            if (hw & 0xF) {  // IT: the mask's lowest set bit gives the block length
                i.it_count = uint8_t(4 - std::countr_zero(unsigned(hw & 0xF)));
            }
            return i;  // IT and hints (NOP, YIELD, WFE, WFI, SEV)
        default:
            i.cls = C::kOther;  // CPS, BKPT, undefined
            return i;
        }
    case 0xC: {  // STM, LDM
        i.cls = (hw & 0x0800) ? C::kLoadMultiple : C::kStoreMultiple;
        i.regs = uint8_t(std::popcount(unsigned(hw & 0xFF)));
        return i;
    }
    case 0xD: {
        const unsigned cond = (hw >> 8) & 0xF;
        if (cond >= 0xE) {
            i.cls = C::kOther;  // UDF, SVC
            return i;
        }
        i.cls = C::kBranch;  // B<cond>
        i.writes_pc = true;
        i.conditional = true;
        return i;
    }
    default:  // 0xE: B (0b11100); 32-bit prefixes never get here
        i.cls = C::kBranch;
        i.writes_pc = true;
        return i;
    }
}

static Insn coprocessor(uint16_t hw2)
{
    const unsigned coproc = (hw2 >> 8) & 0xF;
    return make((coproc & 0xE) == 0xA ? InsnClass::kFpu : InsnClass::kOther, 4);
}

static Insn decode32(uint16_t hw1, uint16_t hw2)
{
    using C = InsnClass;
    const unsigned op1 = (hw1 >> 11) & 3;
    const unsigned op2 = (hw1 >> 4) & 0x7F;
    Insn i = make(C::kOther, 4);

    if (op1 == 1) {
        if ((op2 & 0x64) == 0x00) {  // load/store multiple
            const bool load = (hw1 >> 4) & 1;
            i.cls = load ? C::kLoadMultiple : C::kStoreMultiple;
            i.regs = uint8_t(std::popcount(unsigned(hw2)));
            i.writes_pc = load && (hw2 & 0x8000);
            return i;
        }
        if ((op2 & 0x64) == 0x04) {  // load/store dual or exclusive, table branch
            const unsigned o1 = (hw1 >> 7) & 3, o2 = (hw1 >> 4) & 3, o3 = (hw2 >> 4) & 0xF;
            if (o1 == 0 && o2 == 0) {
                i.cls = C::kStore;  // STREX
            } else if (o1 == 0 && o2 == 1) {
                i.cls = C::kLoad;  // LDREX
            } else if ((o1 & 2) || (o2 & 2)) {  // STRD / LDRD
                i.cls = (o2 & 1) ? C::kLoadMultiple : C::kStoreMultiple;
                i.regs = 2;
            } else if (o1 == 1 && o2 == 0) {
                i.cls = C::kStore;  // STREXB/H
            } else if (o1 == 1 && o2 == 1) {
                i.cls = C::kLoad;  // TBB/TBH, LDREXB/H
                if (o3 == 0 || o3 == 1) i.writes_pc = true;
            }
            return i;
        }
        if ((op2 & 0x60) == 0x20) {  // data processing (shifted register)
            const unsigned op = (hw1 >> 5) & 0xF;
            i.cls = op == 6 ? C::kDsp : C::kAlu;  // PKHBT/PKHTB
            return i;
        }
        return coprocessor(hw2);
    }

    if (op1 == 2) {
        if (!(hw2 & 0x8000)) {
            if (!(op2 & 0x20)) {
                i.cls = C::kAlu;  // data processing (modified immediate)
                return i;
            }
            const unsigned op = (hw1 >> 4) & 0x1F;  // plain binary immediate
            i.cls = (op == 0x10 || op == 0x12 || op == 0x18 || op == 0x1A) ? C::kDsp : C::kAlu;
            return i;
        }
        const unsigned o1 = (hw2 >> 12) & 7;  // branches and miscellaneous control
        if ((o1 & 5) == 0) {
            if ((op2 & 0x38) != 0x38) {  // B<cond> (T3)
                i.cls = C::kBranch;
                i.writes_pc = true;
                i.conditional = true;
            }
            return i;  // MSR, MRS, hints, barriers, UDF: other
        }
        if ((o1 & 5) == 1 || (o1 & 5) == 5) {  // B (T4), BL
            i.cls = C::kBranch;
            i.writes_pc = true;
        }
        return i;
    }

    // op1 == 3
    if ((op2 & 0x71) == 0x00) {
        i.cls = C::kStore;  // STRB, STRH, STR
        return i;
    }
    if ((op2 & 0x67) == 0x01 || (op2 & 0x67) == 0x03) {
        i.cls = C::kLoad;  // LDRB, LDRSB, LDRH, LDRSH, PLD
        return i;
    }
    if ((op2 & 0x67) == 0x05) {  // LDR
        i.cls = C::kLoad;
        i.writes_pc = ((hw2 >> 12) & 0xF) == 0xF;
        return i;
    }
    if ((op2 & 0x70) == 0x20) {  // data processing (register)
        const unsigned a = (hw1 >> 4) & 0xF, b = (hw2 >> 4) & 0xF;
        if (!(a & 8)) {
            if (b == 0) i.cls = C::kAlu;                            // LSL/LSR/ASR/ROR (register)
            else if (b & 8) i.cls = (a == 2 || a == 3) ? C::kDsp : C::kAlu;  // extends
            return i;
        }
        if ((b & 0xC) == 0 || (b & 0xC) == 4) {
            i.cls = C::kDsp;  // parallel add/subtract, signed and unsigned
        } else if ((a & 0xC) == 8 && (b & 0xC) == 8) {
            const unsigned m = a & 3;  // QADD.. / REV.. / SEL / CLZ
            i.cls = (m == 0 || m == 2) ? C::kDsp : C::kAlu;
        }
        return i;
    }
    if ((op2 & 0x78) == 0x30) {  // multiply, multiply accumulate, absolute difference
        const unsigned a = (hw1 >> 4) & 7, b = (hw2 >> 4) & 3;
        const bool acc = ((hw2 >> 12) & 0xF) != 0xF;
        if (a == 0) i.cls = (b == 0 && !acc) ? C::kMul : C::kMac;  // MUL / MLA, MLS
        else if (a <= 5) i.cls = acc ? C::kMac : C::kMul;  // SMLA<xy>/SMLAD/SMLAW/SMLSD/SMMLA
        else if (a == 6) i.cls = C::kMac;                   // SMMLS
        else i.cls = acc ? C::kMac : C::kDsp;               // USADA8 / USAD8
        return i;
    }
    if ((op2 & 0x78) == 0x38) {  // long multiply, long multiply accumulate, divide
        switch ((hw1 >> 4) & 7) {
        case 0: case 2: i.cls = C::kMul; break;            // SMULL, UMULL
        case 1: case 3: i.cls = C::kDiv; break;            // SDIV, UDIV
        case 4: case 5: case 6: i.cls = C::kMac; break;    // SMLAL.., SMLSLD, UMLAL, UMAAL
        default: break;
        }
        return i;
    }
    if (op2 & 0x40) return coprocessor(hw2);
    return i;
}

Insn decode_thumb(uint16_t hw1, uint16_t hw2)
{
    return thumb_is_32bit(hw1) ? decode32(hw1, hw2) : decode16(hw1);
}

const char *class_name(InsnClass c)
{
    switch (c) {
    case InsnClass::kAlu: return "alu";
    case InsnClass::kMul: return "mul";
    case InsnClass::kMac: return "mac";
    case InsnClass::kDiv: return "div";
    case InsnClass::kLoad: return "load";
    case InsnClass::kStore: return "store";
    case InsnClass::kLoadMultiple: return "load_multiple";
    case InsnClass::kStoreMultiple: return "store_multiple";
    case InsnClass::kBranch: return "branch";
    case InsnClass::kDsp: return "dsp";
    case InsnClass::kFpu: return "fpu";
    case InsnClass::kOther: return "other";
    case InsnClass::kCount: break;
    }
    return "other";
}

}  // namespace tinytx::agent::iss
