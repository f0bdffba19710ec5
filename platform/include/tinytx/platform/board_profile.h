// Board profiles (board-agents/boards/*.json, schema schemas/json/board.schema.json): what a
// board is, how it is emulated, how its cycles are modelled and how much power it draws.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "tinytx/platform/elf_image.h"

namespace tinytx::platform {

// What a data access to a region costs on top of its instruction class (docs/CYCLE_MODEL.md):
// wait states charged on every load and every store the core makes there (a load/store multiple
// is one access per register). Where the figure is a model rather than a reference-manual fact,
// `calibratable` says so and `tinytx-agent calibrate` fits it to a board.
struct RegionTiming {
    uint32_t load_wait = 0;
    uint32_t store_wait = 0;
    std::string source;        // the reference manual's table, or the model and its reasoning
    bool calibratable = false;
};

struct MemoryRegion {
    std::string name;
    uint32_t origin = 0;
    uint32_t length = 0;
    std::string kind;          // flash | ram | tcm | l1 | l2
    RegionTiming timing;       // board regions; zero wait when the profile gives none
    std::string stands_for;    // emulator regions: the board region whose timing applies there
};

// Per-instruction-class cycles for the in-process emulator. Classes (keys of `cycles`):
//   alu, mul, mac (MLA/SMLAD/SMLAL...), div, load, store, load_multiple_per_reg,
//   branch_taken, branch_not_taken, dsp (SXTB16/SSAT/...), fpu, other
struct CycleModel {
    std::string source;        // where the numbers come from (TRM chapter, calibration)
    std::map<std::string, uint32_t> cycles;
    uint32_t of(const std::string &cls) const;  // `other` (1 when absent) for unknown classes
};

struct BoardProfile {
    std::string name;          // e.g. nucleo-l476rg
    std::string description;
    std::string core;          // cortex-m4 | cortex-m7 | rv32imc
    Arch arch = Arch::kArm;
    uint64_t clock_hz = 0;
    std::vector<MemoryRegion> memory;      // the physical board
    // emulation: the machine the agent images are linked for (QEMU and the in-process emulator)
    std::string qemu_system;   // qemu-system-arm | qemu-system-riscv32
    std::string qemu_machine;  // mps2-an386 | mps2-an500 | virt
    std::string qemu_cpu;      // cortex-m4 | cortex-m7 | "" (machine default)
    std::vector<MemoryRegion> emulator_memory;
    // the board region the emulated arena stands for unless a run names another (its linker
    // script's ARENA_RAM); empty: the arena is charged as the emulator region that holds it
    std::string emulator_arena;
    uint32_t emulator_insns_per_tick = 0;  // QEMU mps2 SysTick under -icount shift=0 (40), 0 = n/a
    CycleModel cycle_model;
    double active_mw = 0;
    std::string power_source;
    std::vector<std::string> openocd_config;  // -f files for a real board

    const MemoryRegion *region(const std::string &name) const;  // a board region, or nullptr
};

// RAM-like kinds: where an arena may be placed (ram, tcm, l1, l2)
bool is_ram_kind(const std::string &kind);

// Parses and validates a profile; InvalidArgument names the missing or bad field.
BoardProfile parse_board_profile(const std::string &json_text, const std::string &where);
// The profile as JSON in the schema's form (what `tinytx-agent calibrate` writes).
std::string board_profile_json(const BoardProfile &p);

class BoardCatalog {
public:
    // every *.json in dir; InvalidArgument on the first bad file
    static BoardCatalog load_dir(const std::string &dir);
    // the board-agents/boards directory of the source tree, or $TINYTX_BOARDS_DIR
    static std::string default_dir();
    const BoardProfile &get(const std::string &name) const;  // unknown: error listing known ones
    std::vector<std::string> names() const;
    void add(BoardProfile p);

private:
    std::map<std::string, BoardProfile> boards_;
};

}  // namespace tinytx::platform
