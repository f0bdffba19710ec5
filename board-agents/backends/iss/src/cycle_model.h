// The cycle model: per-class costs from the board profile, summed per translation block.
//
// How it works
//  - Every translation block (TB) Unicorn executes is classified once, the first time it runs:
//    its bytes are decoded (decode_thumb.cpp / decode_rv32.cpp) into instruction classes and
//    folded into a BlockCost: instruction count, the cycles charged whenever the block runs,
//    and, when the block ends in a conditional control transfer, the extra cycles charged if
//    the transfer is taken. A UC_HOOK_BLOCK callback charges the block on entry; it learns
//    whether the previous block's conditional branch was taken from its own address (taken iff
//    it is not the previous block's fall-through address).
//  - Costs per instruction: its class's cycles from profile.cycle_model; a load/store multiple
//    (LDM/STM/PUSH/POP/LDRD/STRD) costs alu + N x load_multiple_per_reg; a branch costs
//    branch_not_taken, plus (branch_taken - branch_not_taken) when it is taken (unconditional
//    branches always are); any other instruction that writes the PC (POP {..,pc}, LDR pc, TBB,
//    MOV pc) pays its class cost plus the same refill.
//
// Limits (what a real core does that this model does not)
//  - No pipeline interaction: back-to-back loads that a Cortex-M4 pipelines (1 cycle each after
//    the first), load-use stalls (RI5CY), Cortex-M7 dual issue and branch prediction are absent;
//    the profile's per-class numbers are single-issue averages, to be calibrated on a board.
//  - The memory system is one number per region and direction: the profile's wait states,
//    charged per data access outside this file (region_waits.h, docs/CYCLE_MODEL.md); caches,
//    instruction fetch and bus contention are in those averages or absent.
//  - Data-dependent latencies are one number: SDIV/UDIV (2-12 on M4) use the profile's `div`.
//  - Predicated-false instructions in IT blocks are charged as if they executed.
//  - Instruction counts are exact (every instruction of every executed block, IT and
//    predicated-false ones included, as QEMU's icount counts them); a block cut short by a
//    fault is counted whole, which only matters for a run that fails anyway.
#pragma once

#include <array>
#include <cstdint>

#include "insn_class.h"
#include "tinytx/agent/platform.h"
#include "tinytx/platform/board_profile.h"

namespace tinytx::agent::iss {

struct CostTable {
    std::array<uint32_t, size_t(InsnClass::kCount)> cls{};  // kBranch = branch_not_taken
    uint32_t multiple_base = 1;   // alu
    uint32_t per_reg = 1;         // load_multiple_per_reg
    uint32_t refill = 0;          // branch_taken - branch_not_taken (0 if taken is cheaper)

    static CostTable from(const CycleModel &m);
    uint32_t cost(const Insn &i) const;  // not-taken cost of one instruction
};

struct BlockCost {
    uint32_t instructions = 0;
    uint32_t cycles = 0;          // charged on every execution
    uint32_t taken_extra = 0;     // charged when a conditional terminator is taken
    bool conditional_exit = false;
};

// Classifies `n` bytes of code that Unicorn translated as one block.
BlockCost thumb_block_cost(const uint8_t *code, uint32_t n, const CostTable &t);
BlockCost rv32_block_cost(const uint8_t *code, uint32_t n, const CostTable &t);

}  // namespace tinytx::agent::iss
