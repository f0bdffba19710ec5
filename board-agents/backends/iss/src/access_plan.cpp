// Data accesses of Thumb-2 blocks (access_plan.h); encodings after the ARMv7-M ARM, A5-A7.
#include "access_plan.h"

#include <algorithm>
#include <array>
#include <bit>
#include <tuple>

#include "insn_class.h"

namespace tinytx::agent::iss {

namespace {

using Regs = std::array<Operand, 16>;

Operand constant(uint32_t v) { return {Operand::kConst, v}; }
Operand plus(Operand o, uint32_t k) { return o.known() ? Operand{o.reg, o.add + k} : o; }

uint32_t thumb_expand_imm(uint32_t imm12)
{
    const uint32_t b = imm12 & 0xFF;
    if ((imm12 >> 10) == 0) {
        switch ((imm12 >> 8) & 3) {
        case 0: return b;
        case 1: return b << 16 | b;
        case 2: return b << 24 | b << 8;
        default: return b * 0x01010101u;
        }
    }
    return std::rotr(0x80u | (imm12 & 0x7F), int((imm12 >> 7) & 0x1F));
}

// One instruction: its accesses from the registers before it, and what it writes.
class Step {
public:
    Step(const Regs &r, uint32_t pc) : r_(r), lit_((pc + 4) & ~3u), pc_(pc) {}

    void decode(uint16_t hw1, uint16_t hw2)
    {
        if (thumb_is_32bit(hw1)) decode32(hw1, hw2);
        else decode16(hw1);
    }

    std::vector<Access> accesses;
    std::vector<std::pair<uint8_t, Operand>> writes;
    bool clobbers_all = false;

private:
    void access(Operand base, uint8_t size, bool store, uint8_t count = 1, Operand index = constant(0), uint8_t shift = 0)
    {
        Access a;
        a.base = base;
        a.index = index;
        a.shift = shift;
        a.size = size;
        a.count = count;
        a.store = store;
        accesses.push_back(a);
    }
    void write(unsigned reg, Operand v) { writes.emplace_back(uint8_t(reg), v); }
    void unknown(unsigned reg) { write(reg, Operand{}); }
    void unknown_list(uint32_t list)
    {
        for (unsigned k = 0; k < 16; ++k)
            if (list >> k & 1) unknown(k);
    }

    void decode16(uint16_t hw)
    {
        const unsigned lo = hw & 7, mid = (hw >> 3) & 7, hi = (hw >> 8) & 7, imm8 = hw & 0xFF;
        switch (hw >> 12) {
        case 0x0: case 0x1:
            if ((hw >> 11) == 3) {  // ADD/SUB register or 3-bit immediate
                const uint32_t imm = (hw >> 6) & 7;
                if (hw & 0x400) write(lo, plus(r_[mid], (hw & 0x200) ? 0u - imm : imm));
                else unknown(lo);
            } else if ((hw >> 6) == 0) {  // MOVS rd, rm (LSL #0)
                write(lo, r_[mid]);
            } else {
                unknown(lo);
            }
            return;
        case 0x2: case 0x3:
            switch ((hw >> 11) & 3) {
            case 0: write(hi, constant(imm8)); return;            // MOV
            case 1: return;                                       // CMP
            case 2: write(hi, plus(r_[hi], imm8)); return;        // ADD
            default: write(hi, plus(r_[hi], 0u - imm8)); return;  // SUB
            }
        case 0x4:
            if ((hw >> 10) == 0x10) {  // data processing (register); TST, CMP, CMN write nothing
                const unsigned op = (hw >> 6) & 0xF;
                if (op != 8 && op != 10 && op != 11) unknown(lo);
                return;
            }
            if ((hw >> 10) == 0x11) {
                const unsigned rd = lo | ((hw >> 4) & 8), rm = (hw >> 3) & 0xF;
                switch ((hw >> 8) & 3) {
                case 0: unknown(rd); return;                                  // ADD
                case 1: return;                                               // CMP
                case 2: write(rd, rm == 15 ? constant(pc_ + 4) : r_[rm]); return;  // MOV
                default: unknown(14); return;                                 // BX, BLX
                }
            }
            access(constant(lit_ + imm8 * 4), 4, false);  // LDR (literal)
            unknown(hi);
            return;
        case 0x5: {  // register offset
            static constexpr uint8_t kSize[8] = {4, 2, 1, 1, 4, 2, 1, 2};
            const unsigned opb = (hw >> 9) & 7;
            access(r_[mid], kSize[opb], opb <= 2, 1, r_[(hw >> 6) & 7]);
            if (opb > 2) unknown(lo);
            return;
        }
        case 0x6: case 0x7: case 0x8: {  // immediate offset: word, byte, halfword
            const unsigned imm5 = (hw >> 6) & 0x1F;
            const uint8_t size = (hw >> 12) == 6 ? 4 : (hw >> 12) == 7 ? 1 : 2;
            const bool load = hw & 0x800;
            access(plus(r_[mid], imm5 * size), size, !load);
            if (load) unknown(lo);
            return;
        }
        case 0x9: {  // SP-relative
            const bool load = hw & 0x800;
            access(plus(r_[13], imm8 * 4), 4, !load);
            if (load) unknown(hi);
            return;
        }
        case 0xA:  // ADR, ADD rd, SP, #imm
            write(hi, (hw & 0x800) ? plus(r_[13], imm8 * 4) : constant(lit_ + imm8 * 4));
            return;
        case 0xB: {
            if ((hw & 0x0500) == 0x0100) return;  // CBZ, CBNZ
            const unsigned n = unsigned(std::popcount(unsigned(hw & 0x1FF)));
            switch ((hw >> 8) & 0xF) {
            case 0x0: {  // ADD/SUB SP, SP, #imm
                const uint32_t imm = (hw & 0x7F) * 4;
                write(13, plus(r_[13], (hw & 0x80) ? 0u - imm : imm));
                return;
            }
            case 0x2: case 0xA: unknown(lo); return;  // extends, REV
            case 0x4: case 0x5:                       // PUSH
                access(plus(r_[13], 0u - 4 * n), 4, true, uint8_t(n));
                write(13, plus(r_[13], 0u - 4 * n));
                return;
            case 0xC: case 0xD:  // POP
                access(r_[13], 4, false, uint8_t(n));
                unknown_list(hw & 0xFF);
                write(13, plus(r_[13], 4 * n));
                return;
            case 0xE: case 0xF: return;  // BKPT; IT and hints
            default: clobbers_all = true; return;
            }
        }
        case 0xC: {  // STM, LDM (writeback unless a loaded register is the base)
            const unsigned rn = hi, n = unsigned(std::popcount(unsigned(imm8)));
            const bool load = hw & 0x800;
            access(r_[rn], 4, !load, uint8_t(n));
            if (load) unknown_list(imm8);
            if (!load || !(imm8 >> rn & 1)) write(rn, plus(r_[rn], 4 * n));
            return;
        }
        default: return;  // B<cond>, SVC, UDF, B
        }
    }

    void decode32(uint16_t hw1, uint16_t hw2)
    {
        const unsigned op1 = (hw1 >> 11) & 3, op2 = (hw1 >> 4) & 0x7F, rn = hw1 & 0xF;
        const unsigned rd = (hw2 >> 8) & 0xF, rt = hw2 >> 12;
        if (op1 == 1) {
            if ((op2 & 0x64) == 0x00) return multiple(hw1, hw2);
            if ((op2 & 0x64) == 0x04) return dual_exclusive_table(hw1, hw2);
            if ((op2 & 0x60) == 0x20) {  // data processing (shifted register)
                const unsigned op = (hw1 >> 5) & 0xF, amount = ((hw2 >> 12) & 7) << 2 | ((hw2 >> 6) & 3);
                if (rd == 15) return;  // TST, TEQ, CMP, CMN
                if (op == 2 && rn == 15 && amount == 0 && ((hw2 >> 4) & 3) == 0) write(rd, r_[hw2 & 0xF]);  // MOV.W
                else unknown(rd);
                return;
            }
            return coprocessor(hw1, hw2);
        }
        if (op1 == 2) {
            if (hw2 & 0x8000) {  // branches and miscellaneous control
                if (hw2 & 0x4000) {
                    unknown(14);  // BL
                } else if ((hw1 & 0xFFF0) == 0xF3E0) {
                    unknown(rd);  // MRS
                }
                return;
            }
            const uint32_t imm12 = ((hw1 >> 10) & 1u) << 11 | ((hw2 >> 12) & 7u) << 8 | (hw2 & 0xFFu);
            if (!(op2 & 0x20)) {  // modified immediate
                const unsigned op = (hw1 >> 5) & 0xF;
                const uint32_t imm = thumb_expand_imm(imm12);
                if (rd == 15) return;  // TST, TEQ, CMP, CMN
                if (op == 8 && rn != 15) write(rd, plus(r_[rn], imm));
                else if (op == 13 && rn != 15) write(rd, plus(r_[rn], 0u - imm));
                else if (op == 2 && rn == 15) write(rd, constant(imm));
                else if (op == 3 && rn == 15) write(rd, constant(~imm));
                else unknown(rd);
                return;
            }
            const unsigned op = (hw1 >> 4) & 0x1F;  // plain binary immediate
            const uint32_t imm16 = uint32_t(hw1 & 0xF) << 12 | imm12;
            if (op == 0x00) write(rd, rn == 15 ? constant(lit_ + imm12) : plus(r_[rn], imm12));  // ADDW, ADR
            else if (op == 0x0A) write(rd, rn == 15 ? constant(lit_ - imm12) : plus(r_[rn], 0u - imm12));  // SUBW, ADR
            else if (op == 0x04) write(rd, constant(imm16));  // MOVW
            else if (op == 0x0C && r_[rd].reg == Operand::kConst) write(rd, constant((r_[rd].add & 0xFFFF) | imm16 << 16));  // MOVT
            else unknown(rd);
            return;
        }
        // op1 == 3
        if ((op2 & 0x71) == 0x00) return single(hw1, hw2, true);
        if ((op2 & 0x67) == 0x01 || (op2 & 0x67) == 0x03 || (op2 & 0x67) == 0x05) return single(hw1, hw2, false);
        if ((op2 & 0x70) == 0x20 || (op2 & 0x78) == 0x30) return unknown(rd);  // data processing (register), multiply
        if ((op2 & 0x78) == 0x38) {  // long multiply, divide
            unknown(rd);
            unknown(rt);
            return;
        }
        if (op2 & 0x40) return coprocessor(hw1, hw2);
        clobbers_all = true;
    }

    void multiple(uint16_t hw1, uint16_t hw2)  // LDM, STM, PUSH.W, POP.W
    {
        const unsigned op = (hw1 >> 7) & 3, rn = hw1 & 0xF, n = unsigned(std::popcount(unsigned(hw2)));
        const bool load = hw1 & 0x10, wb = hw1 & 0x20;
        if (op != 1 && op != 2) {
            clobbers_all = true;  // SRS, RFE: not on M-profile
            return;
        }
        const uint32_t step = op == 1 ? 4 * n : 0u - 4 * n;
        access(op == 1 ? r_[rn] : plus(r_[rn], step), 4, !load, uint8_t(n));
        if (load) unknown_list(hw2);
        if (wb && !(load && (hw2 >> rn & 1))) write(rn, plus(r_[rn], step));
    }

    void dual_exclusive_table(uint16_t hw1, uint16_t hw2)
    {
        const unsigned rn = hw1 & 0xF, rt = hw2 >> 12, rt2 = (hw2 >> 8) & 0xF;
        const bool p = hw1 & 0x100, u = hw1 & 0x80, w = hw1 & 0x20, load = hw1 & 0x10;
        if (p || w) {  // LDRD, STRD (immediate, literal)
            const Operand base = rn == 15 ? constant(lit_) : r_[rn];
            const uint32_t imm = (hw2 & 0xFF) * 4;
            const Operand offset = plus(base, u ? imm : 0u - imm);
            access(p ? offset : base, 4, !load, 2);
            if (w) write(rn, offset);
            if (load) {
                unknown(rt);
                unknown(rt2);
            }
            return;
        }
        const unsigned o1 = (hw1 >> 7) & 3, o2 = (hw1 >> 4) & 3, o3 = (hw2 >> 4) & 0xF;
        if (o1 == 0) {  // STREX, LDREX
            access(plus(r_[rn], (hw2 & 0xFF) * 4), 4, o2 == 0);
            unknown(o2 == 0 ? rt2 : rt);
            return;
        }
        if (o2 == 1 && (o3 == 0 || o3 == 1)) {  // TBB, TBH
            access(rn == 15 ? constant(pc_ + 4) : r_[rn], uint8_t(1 + o3), false, 1, r_[hw2 & 0xF], uint8_t(o3));
            return;
        }
        if (o3 == 4 || o3 == 5) {  // LDREXB/H, STREXB/H
            access(r_[rn], uint8_t(o3 - 3), o2 == 0);
            unknown(o2 == 0 ? unsigned(hw2 & 0xF) : rt);
            return;
        }
        clobbers_all = true;
    }

    void single(uint16_t hw1, uint16_t hw2, bool store)  // LDR/STR(B/H), LDRS(B/H), PLD, PLI
    {
        const unsigned rn = hw1 & 0xF, rt = hw2 >> 12, sz = (hw1 >> 5) & 3;
        if (sz == 3) {
            clobbers_all = true;
            return;
        }
        const uint8_t size = uint8_t(1u << sz);
        if (!store && size < 4 && rt == 15) return;  // preload hints: no access
        if (rn == 15) {
            if (store) {
                clobbers_all = true;
                return;
            }
            const uint32_t imm = hw2 & 0xFFF;
            access(constant((hw1 & 0x80) ? lit_ + imm : lit_ - imm), size, false);
        } else if (hw1 & 0x80) {  // 12-bit immediate
            access(plus(r_[rn], hw2 & 0xFFF), size, store);
        } else if (hw2 & 0x800) {  // 8-bit immediate: offset, pre- or post-indexed
            const uint32_t imm = hw2 & 0xFF;
            const Operand offset = plus(r_[rn], (hw2 & 0x200) ? imm : 0u - imm);
            access((hw2 & 0x400) ? offset : r_[rn], size, store);
            if (hw2 & 0x100) write(rn, offset);
        } else if ((hw2 & 0xFC0) == 0) {  // register, LSL #0..3
            access(r_[rn], size, store, 1, r_[hw2 & 0xF], uint8_t((hw2 >> 4) & 3));
        } else {
            clobbers_all = true;
            return;
        }
        if (!store) unknown(rt);
    }

    void coprocessor(uint16_t hw1, uint16_t hw2)
    {
        const unsigned rn = hw1 & 0xF, rt = hw2 >> 12, coproc = (hw2 >> 8) & 0xF;
        if ((hw1 & 0xFE00) == 0xEC00) {  // VLDR, VSTR, VLDM, VSTM, VPUSH, VPOP; 64-bit transfers
            const bool p = hw1 & 0x100, u = hw1 & 0x80, w = hw1 & 0x20, load = hw1 & 0x10;
            if ((coproc & 0xE) != 0xA || (!p && !u && !w)) {
                clobbers_all = load;  // MRRC, VMOV to two core registers
                return;
            }
            const bool dbl = coproc & 1;
            const uint32_t imm8 = hw2 & 0xFF, bytes = imm8 * 4;
            const uint8_t size = dbl ? 8 : 4;
            if (p && !w) {  // VLDR, VSTR
                const Operand base = rn == 15 ? constant(lit_) : r_[rn];
                access(plus(base, u ? bytes : 0u - bytes), size, !load);
                return;
            }
            if (p == u) {
                clobbers_all = true;
                return;
            }
            const uint8_t n = uint8_t(dbl ? imm8 / 2 : imm8);
            access(u ? r_[rn] : plus(r_[rn], 0u - bytes), size, !load, n);
            if (w) write(rn, plus(r_[rn], u ? bytes : 0u - bytes));
            return;
        }
        if ((hw1 & 0xFF00) == 0xEE00) {  // VFP data processing, moves between registers
            if ((hw2 & 0x10) && (hw1 & 0x10) && rt != 15) unknown(rt);  // VMOV core <- s, VMRS, MRC
            return;
        }
        clobbers_all = true;
    }

    const Regs &r_;
    const uint32_t lit_, pc_;
};

Regs entry_regs()
{
    Regs r;
    for (int k = 0; k < 15; ++k) r[size_t(k)] = {int8_t(k), 0};
    return r;
}

struct Decoded {
    uint32_t pc;
    uint16_t hw1, hw2;
    bool conditional;
};

// Registers after `rest` run, as registers before them plus a constant (or unknown).
Regs follow(Regs r, const std::vector<Decoded> &rest)
{
    for (const Decoded &d : rest) {
        Step s(r, d.pc);
        s.decode(d.hw1, d.hw2);
        if (s.clobbers_all) r.fill(Operand{});
        for (const auto &[reg, v] : s.writes) r[reg] = d.conditional ? Operand{} : v;
    }
    return r;
}

// `o` (a register before the instructions that led to `exit`) in terms of a register at exit
Operand at_exit(const Operand &o, const Regs &exit)
{
    if (o.reg == Operand::kConst) return o;
    for (int j = 0; j < 15; ++j)
        if (exit[size_t(j)].reg == o.reg) return {int8_t(j), o.add - exit[size_t(j)].add};
    return Operand{};
}

}  // namespace

AccessPlan plan_thumb_block(const uint8_t *code, uint32_t n, uint32_t addr, uint8_t entry_it, bool loads,
                            bool stores, const std::vector<uint32_t> &hooked)
{
    AccessPlan plan;
    Regs r = entry_regs();
    std::vector<Decoded> insns;
    std::vector<size_t> later;  // unresolved, unconditional: indices into insns
    uint32_t it = entry_it;  // ITSTATE: condition in bits 7..4, mask below
    for (uint32_t off = 0; off + 2 <= n;) {
        const uint16_t hw1 = uint16_t(code[off] | code[off + 1] << 8);
        const bool wide = thumb_is_32bit(hw1);
        if (wide && off + 4 > n) break;
        const uint16_t hw2 = wide ? uint16_t(code[off + 2] | code[off + 3] << 8) : 0;
        const uint32_t pc = addr + off;
        const uint8_t cond = (it & 0xF) ? uint8_t(it >> 4) : 0xE;
        const bool conditional = cond < 0xE;

        Step s(r, pc);
        s.decode(hw1, hw2);
        bool charged = false, resolved = !conditional;
        for (const Access &a : s.accesses) {
            if (a.store ? !stores : !loads) continue;
            charged = true;
            resolved = resolved && a.base.known() && a.index.known();
        }
        if (charged && !std::binary_search(hooked.begin(), hooked.end(), pc)) {
            if (resolved) {
                for (const Access &a : s.accesses)
                    if (a.store ? stores : loads) plan.planned.push_back(a);
            } else if (!conditional) {
                later.push_back(insns.size());
            } else {
                plan.unresolved.push_back({pc, hw1, hw2, cond});
            }
        }
        insns.push_back({pc, hw1, hw2, conditional});
        if (s.clobbers_all) r.fill(Operand{});
        for (const auto &[reg, v] : s.writes) r[reg] = conditional ? Operand{} : v;

        if (it & 0xF) it = (it & 7) == 0 ? 0 : (it & 0xE0) | ((it << 1) & 0x1F);
        if (!wide && (hw1 & 0xFF00) == 0xBF00 && (hw1 & 0xF)) it = hw1 & 0xFF;
        off += wide ? 4 : 2;
    }

    const bool ends_in_bkpt = !insns.empty() && (insns.back().hw1 & 0xFF00) == 0xBE00;
    for (size_t k : later) {
        const Decoded &d = insns[k];
        const Regs at_insn = entry_regs();
        Step s(at_insn, d.pc);
        s.decode(d.hw1, d.hw2);
        const Regs exit = follow(at_insn, std::vector<Decoded>(insns.begin() + std::ptrdiff_t(k), insns.end()));
        std::vector<Access> mapped;
        bool ok = !ends_in_bkpt;
        for (Access a : s.accesses) {
            if (a.store ? !stores : !loads) continue;
            a.base = at_exit(a.base, exit);
            a.index = at_exit(a.index, exit);
            ok = ok && a.base.known() && a.index.known();
            mapped.push_back(a);
        }
        if (ok) plan.at_exit.insert(plan.at_exit.end(), mapped.begin(), mapped.end());
        else plan.unresolved.push_back({d.pc, d.hw1, d.hw2, 0xE});
    }
    return plan;
}

std::vector<AccessSpan> spans_of(std::vector<Access> &accesses)
{
    // an access's offset from its registers' sum: base.add + (index.add << shift)
    auto offset = [](const Access &a) { return int32_t(a.base.add + (a.index.add << a.shift)); };
    auto key = [](const Access &a) { return std::tuple(a.base.reg, a.index.reg, a.shift); };
    std::sort(accesses.begin(), accesses.end(), [&](const Access &x, const Access &y) {
        return std::tuple(key(x), offset(x)) < std::tuple(key(y), offset(y));
    });
    std::vector<AccessSpan> spans;
    for (uint32_t k = 0; k < accesses.size(); ++k) {
        const Access &a = accesses[k];
        const int64_t lo = offset(a), end = lo + int64_t(a.count) * a.size;
        AccessSpan *s = spans.empty() ? nullptr : &spans.back();
        const bool joins = s && key(accesses[s->first]) == key(a) && end - int32_t(s->base.add) <= AccessSpan::kMaxSpanBytes;
        if (!joins) {
            AccessSpan n;
            n.base = {a.base.reg, uint32_t(lo)};
            n.index = {a.index.reg, 0};
            n.shift = a.shift;
            n.first = k;
            spans.push_back(n);
            s = &spans.back();
        }
        s->bytes = std::max(s->bytes, uint32_t(end - int32_t(s->base.add)));
        (a.store ? s->stores : s->loads) += a.count;
        ++s->count;
    }
    return spans;
}

std::vector<Access> thumb_accesses_now(const UnresolvedSite &site)
{
    const Regs r = entry_regs();
    Step s(r, site.pc);
    s.decode(site.hw1, site.hw2);
    return s.accesses;
}

bool condition_passes(uint8_t cond, uint32_t nzcv)
{
    const bool n = nzcv >> 31 & 1, z = nzcv >> 30 & 1, c = nzcv >> 29 & 1, v = nzcv >> 28 & 1;
    switch (cond) {
    case 0x0: return z;
    case 0x1: return !z;
    case 0x2: return c;
    case 0x3: return !c;
    case 0x4: return n;
    case 0x5: return !n;
    case 0x6: return v;
    case 0x7: return !v;
    case 0x8: return c && !z;
    case 0x9: return !c || z;
    case 0xA: return n == v;
    case 0xB: return n != v;
    case 0xC: return !z && n == v;
    case 0xD: return z || n != v;
    default: return true;
    }
}

}  // namespace tinytx::agent::iss
