// Instruction classes of the cycle model and the per-instruction facts the block classifier
// needs: length, class, registers moved (load/store multiple) and control flow.
#pragma once

#include <cstdint>

namespace tinytx::agent::iss {

// The classes of BoardProfile::CycleModel (board_profile.h), plus the two "multiple" forms whose
// cost depends on the register count. Branch = an instruction whose purpose is a control
// transfer (B, BL, BX, CBZ, JAL, BEQ...); other instructions may also write the PC (POP {pc},
// LDR pc, TBB): they keep their class and pay the pipeline refill when they do.
enum class InsnClass : uint8_t {
    kAlu,
    kMul,
    kMac,
    kDiv,
    kLoad,
    kStore,
    kLoadMultiple,   // LDM, POP, LDRD: alu + regs x load_multiple_per_reg
    kStoreMultiple,  // STM, PUSH, STRD
    kBranch,
    kDsp,
    kFpu,
    kOther,
    kCount
};

const char *class_name(InsnClass c);  // the cycle-model key ("load_multiple" -> per-reg key)

struct Insn {
    uint8_t length = 2;          // bytes
    InsnClass cls = InsnClass::kOther;
    uint8_t regs = 0;            // registers moved by a load/store multiple
    bool writes_pc = false;      // may transfer control
    bool conditional = false;    // ... and may also fall through (B<cond>, CBZ, BEQ)
    uint8_t it_count = 0;        // Thumb IT: instructions it predicates (1..4), else 0
};

// Thumb-2 (ARMv7E-M, FPv4/FPv5). hw2 is only looked at for 32-bit encodings.
bool thumb_is_32bit(uint16_t hw1);
Insn decode_thumb(uint16_t hw1, uint16_t hw2);

// RV32IMC (+ F/D encodings classed as fpu). For a 16-bit encoding only the low half is used.
bool rv32_is_compressed(uint32_t word);
Insn decode_rv32(uint32_t word);

}  // namespace tinytx::agent::iss
