// One bench image run in the iss backend: its VS lines (fw/measure.h), each with the cycles of
// its emulator window (the board profile's cycle model; EMULATED, never board cycles).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tinytx/platform/board_profile.h"

namespace tinytx::bench {

struct VsRun {
    std::string shape, impl, mode, sched;
    int tile_rows = 0;
    int status = -1;             // 0: ran, fit its layout, returned success
    uint32_t crc = 0;
    uint64_t cycles = 0;         // the emulator window's model cycles (harness overhead removed)
    uint64_t instructions = 0;   // the window's instructions (harness overhead removed)
    uint64_t firmware_cycles = 0; // what the firmware read from DWT CYCCNT (the same model)
    uint64_t arena = 0;          // bytes by the ledger rule (fw/ledger.h)
    uint64_t touched = 0;        // arena bytes painting saw written
    uint64_t workspace = 0;
    uint64_t macs = 0;
};

struct ImageResult {
    std::string path;
    bool ok = false;             // emulator status ok, exit 0, one window per VS line
    std::string error;
    std::vector<VsRun> runs;
    std::vector<std::string> notes;  // NOTE / MISMATCH lines of the firmware
};

// Never throws; problems land in ImageResult::error.
ImageResult run_image(const platform::BoardProfile &board, const std::string &elf_path);

}  // namespace tinytx::bench
