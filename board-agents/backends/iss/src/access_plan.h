// Data accesses of a Thumb translation block, decoded once so that memory-region wait states can
// be charged per block instead of per access (Unicorn sends every load and store through its slow
// path once any memory hook exists: region_waits.h, docs/CYCLE_MODEL.md).
//
// Walking the block, every core register is followed as "register R's value at block entry plus
// a constant" (or a constant) across the instructions that move it that way (ADD/SUB/MOV
// immediate, MOV register, ADR, writeback); anything else makes it unknown. An access whose
// address registers are all followed is *planned*: its address is known at block entry, when the
// block hook runs. Else, when its address registers are followed the same way from it to the
// block's end, it is planned *at exit*: charged at the next block's hook, from the registers the
// block left (a pointer loaded in the same block). What remains (an instruction in an IT block,
// which may not execute; a base overwritten later in the block; a block ending in BKPT, where
// semihosting changes registers) is *unresolved*: the machine puts a code hook on that one
// instruction and computes its address there, from the registers of that moment.
//
// A block can start inside an IT block: QEMU ends a translation block before an instruction that
// crosses a page, and the next one starts with the IT state left (the CPU's ITSTATE at the block
// hook). The block's entry ITSTATE is then a property of its address: an exception return, the
// only other way into an IT block, ends an iss run as a fault.
//
// Accesses are counted as Unicorn's memory hooks see them: one per register of LDM/STM/PUSH/POP,
// two for LDRD/STRD, one 8-byte access per double-precision VFP register; PLD/PLI none.
#pragma once

#include <cstdint>
#include <vector>

namespace tinytx::agent::iss {

// A value at a point of the block: entry value of `reg` + `add`; reg = kConst: `add` alone.
struct Operand {
    static constexpr int8_t kConst = -1, kUnknown = -2;
    int8_t reg = kUnknown;
    uint32_t add = 0;
    bool known() const { return reg != kUnknown; }
};

// `count` accesses of `size` bytes each at base + (index << shift), then + size, ...
struct Access {
    Operand base, index{Operand::kConst, 0};
    uint8_t shift = 0;
    uint8_t count = 1, size = 4;
    bool store = false;
};

// One instruction whose accesses are computed when it runs (its code hook).
struct UnresolvedSite {
    uint32_t pc = 0;
    uint16_t hw1 = 0, hw2 = 0;
    uint8_t cond = 0xE;  // its IT condition (0xE: always)
};

struct AccessPlan {
    std::vector<Access> planned;  // operands: registers at block entry
    std::vector<Access> at_exit;  // operands: registers at block exit
    std::vector<UnresolvedSite> unresolved;
};

// Accesses through the same address registers (same base, index and shift) whose addresses lie
// within kMaxSpanBytes of each other: when the span lies in one region and one page (no access in
// it is then split in halves), its wait states are its loads and stores times the region's, from
// one region lookup instead of one per access.
struct AccessSpan {
    static constexpr uint32_t kMaxSpanBytes = 256;
    Operand base, index;  // base.add: the span's lowest offset (index.add << shift folded in); index.add 0
    uint8_t shift = 0;
    uint32_t bytes = 0;            // from its lowest address to the end of its highest access
    uint32_t loads = 0, stores = 0;
    uint32_t first = 0, count = 0;  // its accesses, in the order spans_of leaves them
};

// The spans of `accesses`, which it sorts so that each span's accesses are consecutive.
std::vector<AccessSpan> spans_of(std::vector<Access> &accesses);

// `code`/`n`: the block's bytes at `addr`, entered with ITSTATE `entry_it` (itstate_of). Only
// loads (stores) when `loads` (`stores`) are charged. Instructions at `hooked` pcs (sorted) are
// left to their code hooks.
AccessPlan plan_thumb_block(const uint8_t *code, uint32_t n, uint32_t addr, uint8_t entry_it, bool loads,
                            bool stores, const std::vector<uint32_t> &hooked);

// ITSTATE (condition in bits 7..4, mask below) from xPSR/CPSR: IT[1:0] in 26..25, IT[7:2] in 15..10.
constexpr uint8_t itstate_of(uint32_t xpsr) { return uint8_t((xpsr >> 25 & 3) | (xpsr >> 8 & 0xFC)); }

// The accesses of one instruction from the registers it sees (its code hook).
std::vector<Access> thumb_accesses_now(const UnresolvedSite &s);

// ARM condition `cond` against APSR flags `nzcv` (bits 31..28 of xPSR).
bool condition_passes(uint8_t cond, uint32_t nzcv);

}  // namespace tinytx::agent::iss
