// Decoding the firmware mailbox (tinytx/firmware/mailbox.h) from target memory bytes.
#include "tinytx/platform/mailbox.h"

#include <cstddef>

#include "tinytx/platform/elf_image.h"

extern "C" {
#include "tinytx/firmware/mailbox.h"  // the firmware's side of the contract
}

namespace tinytx::platform::mailbox {

// One contract: the host's offsets and codes are the firmware header's, checked at compile time.
static_assert(kMagic == TX_MAILBOX_MAGIC && kVersion == TX_MAILBOX_VERSION);
static_assert(kSize == sizeof(tx_mailbox_t));
static_assert(kOffMagic == offsetof(tx_mailbox_t, magic) && kOffVersion == offsetof(tx_mailbox_t, version) &&
              kOffSize == offsetof(tx_mailbox_t, size) && kOffRepeats == offsetof(tx_mailbox_t, repeats) &&
              kOffConfigId == offsetof(tx_mailbox_t, config_id) && kOffStatus == offsetof(tx_mailbox_t, status) &&
              kOffState == offsetof(tx_mailbox_t, state) && kOffFlags == offsetof(tx_mailbox_t, flags) &&
              kOffSeq == offsetof(tx_mailbox_t, seq) && kOffCrc == offsetof(tx_mailbox_t, crc32) &&
              kOffCycles == offsetof(tx_mailbox_t, cycles) &&
              kOffInstructions == offsetof(tx_mailbox_t, instructions) &&
              kOffTicks == offsetof(tx_mailbox_t, ticks) && kOffStackPeak == offsetof(tx_mailbox_t, stack_peak) &&
              kOffArenaPeak == offsetof(tx_mailbox_t, arena_peak) && kOffConfig == offsetof(tx_mailbox_t, config) &&
              kOffRuns == offsetof(tx_mailbox_t, runs) && kOffTableBytes == offsetof(tx_mailbox_t, table_bytes));
static_assert(TX_MAILBOX_CONFIG_LEN == kOffRuns - kOffConfig);
constexpr bool same(uint32_t host, uint32_t firmware) { return host == firmware; }
static_assert(same(kIdle, TX_MB_IDLE) && same(kRunning, TX_MB_RUNNING) && same(kDone, TX_MB_DONE) &&
              same(kFailed, TX_MB_FAILED));
static_assert(same(kFlagCycles, TX_MB_F_CYCLES) && same(kFlagInstructions, TX_MB_F_INSTRUCTIONS) &&
              same(kFlagInsnFromTicks, TX_MB_F_INSN_FROM_TICKS) && same(kFlagStackOverflow, TX_MB_F_STACK_OVERFLOW));

static uint32_t u32(const uint8_t *p)
{
    return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}

static uint64_t u64(const uint8_t *p)
{
    return uint64_t(u32(p)) | uint64_t(u32(p + 4)) << 32;
}

View decode(const uint8_t *b, size_t n)
{
    if (n < kSize)
        throw InvalidArgument("mailbox: " + std::to_string(n) + " bytes, need " +
                              std::to_string(kSize));
    View v{};
    v.magic = u32(b + kOffMagic);
    v.version = u32(b + kOffVersion);
    v.size = u32(b + kOffSize);
    if (v.magic != kMagic) throw InvalidArgument("mailbox: bad magic (not a tinytx image?)");
    if (v.version < kOldestVersion || v.version > kVersion || v.size != kSize)
        throw InvalidArgument("mailbox: version " + std::to_string(v.version) + " size " +
                              std::to_string(v.size) + ", this agent speaks versions " +
                              std::to_string(kOldestVersion) + " to " + std::to_string(kVersion));
    v.repeats = u32(b + kOffRepeats);
    v.config_id = u32(b + kOffConfigId);
    v.status = int32_t(u32(b + kOffStatus));
    v.state = u32(b + kOffState);
    v.flags = u32(b + kOffFlags);
    v.seq = u32(b + kOffSeq);
    v.crc32 = u32(b + kOffCrc);
    v.cycles = u64(b + kOffCycles);
    v.instructions = u64(b + kOffInstructions);
    v.ticks = u64(b + kOffTicks);
    v.stack_peak = u32(b + kOffStackPeak);
    v.arena_peak = u32(b + kOffArenaPeak);
    v.runs = u32(b + kOffRuns);
    v.table_bytes = v.version >= 3 ? u32(b + kOffTableBytes) : 0;
    const char *c = reinterpret_cast<const char *>(b + kOffConfig);
    size_t len = 0;
    while (len < TX_MAILBOX_CONFIG_LEN && c[len]) ++len;
    v.config.assign(c, len);
    return v;
}

RunRecord to_record(const View &v)
{
    RunRecord r;
    r.cycles = v.cycles;
    r.instructions = v.instructions;
    r.stack_peak = v.stack_peak;
    r.arena_peak = v.arena_peak;
    r.crc32 = v.crc32;
    r.kernel_status = v.status;
    r.flags = v.flags;
    return r;
}

std::array<uint8_t, 4> le32(uint32_t v)
{
    return {uint8_t(v), uint8_t(v >> 8), uint8_t(v >> 16), uint8_t(v >> 24)};
}

}  // namespace tinytx::platform::mailbox
