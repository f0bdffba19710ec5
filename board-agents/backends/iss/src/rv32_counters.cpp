// Counter CSR reads of RV32 images (see rv32_counters.h).
#include "rv32_counters.h"

#include <algorithm>

namespace tinytx::agent::iss {

namespace {
constexpr uint16_t kMcycle = 0xB00, kMinstret = 0xB02, kMcycleh = 0xB80, kMinstreth = 0xB82;
constexpr uint16_t kCycle = 0xC00, kInstret = 0xC02, kCycleh = 0xC80, kInstreth = 0xC82;
}  // namespace

std::optional<uint32_t> counter_value(uint16_t csr, uint64_t cycles, uint64_t instructions)
{
    switch (csr) {
    case kMcycle: case kCycle: return uint32_t(cycles);
    case kMcycleh: case kCycleh: return uint32_t(cycles >> 32);
    case kMinstret: case kInstret: return uint32_t(instructions);
    case kMinstreth: case kInstreth: return uint32_t(instructions >> 32);
    default: return std::nullopt;
    }
}

static void scan(uint32_t base, const std::vector<uint8_t> &d, size_t cap,
                 std::vector<CounterRead> &out)
{
    // 32-bit instructions may sit at any halfword (RVC); data that looks like one is harmless
    for (size_t off = 0; off + 4 <= d.size() && out.size() < cap; off += 2) {
        const uint32_t w = uint32_t(d[off]) | uint32_t(d[off + 1]) << 8 |
                           uint32_t(d[off + 2]) << 16 | uint32_t(d[off + 3]) << 24;
        // SYSTEM, funct3 = CSRRS, rs1 = x0
        if ((w & 0x000FF07Fu) != 0x00002073u) continue;
        const uint8_t rd = uint8_t((w >> 7) & 0x1F);
        const uint16_t csr = uint16_t(w >> 20);
        if (rd == 0 || !counter_value(csr, 0, 0)) continue;
        out.push_back({base + uint32_t(off), rd, csr});
    }
}

std::vector<CounterRead> find_counter_reads(const std::vector<Segment> &segments, size_t cap)
{
    std::vector<CounterRead> out;
    for (const Segment &s : segments) {
        scan(s.paddr, s.data, cap, out);
        if (s.vaddr != s.paddr) scan(s.vaddr, s.data, cap, out);
    }
    std::sort(out.begin(), out.end(),
              [](const CounterRead &a, const CounterRead &b) { return a.addr < b.addr; });
    out.erase(std::unique(out.begin(), out.end(),
                          [](const CounterRead &a, const CounterRead &b) { return a.addr == b.addr; }),
              out.end());
    return out;
}

}  // namespace tinytx::agent::iss
