// The host's view of the firmware mailbox (tinytx/firmware/mailbox.h, version 3; version 2 images
// are read alike): fixed little-endian offsets, read and written as bytes by every backend. Every
// constant here is checked against the firmware's header at compile time (src/mailbox.cpp).
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "tinytx/platform/measurement.h"

namespace tinytx::platform::mailbox {

constexpr uint32_t kMagic = 0x424D5854u;
constexpr uint32_t kVersion = 3;
constexpr uint32_t kOldestVersion = 2;  // version 3 added `table_bytes` (was reserved, 0)
constexpr uint32_t kSize = 152;

constexpr uint32_t kOffMagic = 0, kOffVersion = 4, kOffSize = 8, kOffRepeats = 12,
                   kOffConfigId = 16, kOffStatus = 20, kOffState = 24, kOffFlags = 28,
                   kOffSeq = 32, kOffCrc = 36, kOffCycles = 40, kOffInstructions = 48,
                   kOffTicks = 56, kOffStackPeak = 64, kOffArenaPeak = 68, kOffConfig = 80,
                   kOffRuns = 144, kOffTableBytes = 148;

enum State : uint32_t { kIdle = 0, kRunning = 1, kDone = 2, kFailed = 3 };
enum Flags : uint32_t {
    kFlagCycles = 1u << 0,
    kFlagInstructions = 1u << 1,
    kFlagInsnFromTicks = 1u << 2,
    kFlagStackOverflow = 1u << 3,
};

struct View {
    uint32_t magic, version, size, repeats, config_id, state, flags, seq, crc32;
    int32_t status;
    uint64_t cycles, instructions, ticks;
    uint32_t stack_peak, arena_peak, runs;
    uint32_t table_bytes;  // sizeof tx_schedule_table of a schedule-as-data image, else 0
    std::string config;
};

// Decodes kSize bytes; throws InvalidArgument when magic, version (kOldestVersion..kVersion) or
// size do not match.
View decode(const uint8_t *bytes, size_t n);
// The record of one run (repeats = 1) as a RunRecord.
RunRecord to_record(const View &v);
// Little-endian 32-bit value for writing `runs` / `repeats` into the image.
std::array<uint8_t, 4> le32(uint32_t v);

}  // namespace tinytx::platform::mailbox
