// The emulator's helpers on their own: system control space, semihosting, high-water marks and
// the RV32 counter-read scan.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <vector>

#include "high_water.h"
#include "rv32_counters.h"
#include "scs.h"
#include "tinytx/agent/iss/semihosting.h"

using namespace tinytx::agent;
using namespace tinytx::agent::iss;

TEST(IssScs, CyccntCountsModelCyclesOnlyWhenEnabled)
{
    uint64_t cycles = 1000;
    SystemControlSpace scs(&cycles, 0x410FC241);
    EXPECT_EQ(scs.read(0xED00, 4), 0x410FC241u);  // CPUID
    cycles += 50;
    EXPECT_EQ(scs.read(0x1004, 4), 0u);           // DWT not enabled yet
    scs.write(0xEDFC, 4, 1u << 24);               // DEMCR.TRCENA
    scs.write(0x1004, 4, 0);                      // CYCCNT = 0
    scs.write(0x1000, 4, scs.read(0x1000, 4) | 1);  // CYCCNTENA
    cycles += 123;
    EXPECT_EQ(scs.read(0x1004, 4), 123u);
    EXPECT_EQ(scs.read(0x1005, 1), 0u);           // byte 1 of CYCCNT
    scs.write(0x1000, 4, 0);                      // stop
    cycles += 77;
    EXPECT_EQ(scs.read(0x1004, 4), 123u);
    scs.write(0x1000, 4, 1);
    cycles += 7;
    EXPECT_EQ(scs.read(0x1004, 4), 130u);
}

TEST(IssScs, SysTickCountsDownAndOtherRegistersHoldValues)
{
    uint64_t cycles = 0;
    SystemControlSpace scs(&cycles, 0);
    scs.write(0xE014, 4, 99);   // RVR
    scs.write(0xE018, 4, 5);    // CVR: cleared
    scs.write(0xE010, 4, 7);    // enable
    EXPECT_EQ(scs.read(0xE018, 4), 0u);
    cycles = 1;
    EXPECT_EQ(scs.read(0xE018, 4), 99u);
    cycles = 10;
    EXPECT_EQ(scs.read(0xE018, 4), 90u);
    cycles = 101;
    EXPECT_EQ(scs.read(0xE018, 4), 99u);  // reloaded
    EXPECT_EQ(scs.read(0xED04, 4), 0u);   // ICSR: nothing pending, ever
    scs.write(0xED88, 4, 0xF00000);       // CPACR
    EXPECT_EQ(scs.read(0xED88, 4), 0xF00000u);
    scs.write(0xED8A, 1, 0xAB);           // a byte of it
    EXPECT_EQ(scs.read(0xED88, 4), 0x00AB0000u);  // bits 23:16 replaced
}

namespace {

struct FakeMemory {
    uint32_t base = 0;
    std::vector<uint8_t> bytes;
    bool read(uint32_t addr, void *dst, size_t n) const
    {
        if (addr < base || addr - base + n > bytes.size()) return false;
        std::memcpy(dst, bytes.data() + (addr - base), n);
        return true;
    }
    Semihosting::Reader reader() const
    {
        return [this](uint32_t a, void *d, size_t n) { return read(a, d, n); };
    }
    void put(uint32_t addr, const void *src, size_t n)
    {
        std::memcpy(bytes.data() + (addr - base), src, n);
    }
};

}  // namespace

TEST(IssSemihosting, ConsoleAndExit)
{
    FakeMemory mem{0x1000, std::vector<uint8_t>(256)};
    mem.put(0x1000, "hello\n", 7);
    const uint32_t block[2] = {Semihosting::kApplicationExit, 42};
    mem.put(0x1010, block, sizeof block);
    const uint32_t wblock[3] = {1, 0x1000, 5};
    mem.put(0x1020, wblock, sizeof wblock);
    mem.put(0x1030, "!", 1);

    Semihosting sh;
    EXPECT_FALSE(sh.call(Semihosting::kWrite0, 0x1000, mem.reader()).exit);
    EXPECT_EQ(sh.call(Semihosting::kWrite, 0x1020, mem.reader()).value, 0u);
    sh.call(Semihosting::kWriteC, 0x1030, mem.reader());
    EXPECT_EQ(sh.console(), "hello\nhello!");
    EXPECT_EQ(sh.call(0x99, 0, mem.reader()).value, uint32_t(-1));  // unsupported

    Semihosting::Result r = sh.call(Semihosting::kExitExtended, 0x1010, mem.reader());
    EXPECT_TRUE(r.exit);
    EXPECT_EQ(r.exit_status, 42);
    r = sh.call(Semihosting::kExit, Semihosting::kApplicationExit, mem.reader());
    EXPECT_TRUE(r.exit);
    EXPECT_EQ(r.exit_status, 0);
    r = sh.call(Semihosting::kExit, 0x20023, mem.reader());
    EXPECT_EQ(r.exit_status, 1);
    r = sh.call(Semihosting::kExitExtended, 0xDEAD0000, mem.reader());  // unreadable block
    EXPECT_TRUE(r.exit);
    EXPECT_EQ(r.exit_status, 1);
}

TEST(IssSemihosting, ConsoleIsCapped)
{
    FakeMemory mem{0, std::vector<uint8_t>(Semihosting::kConsoleCap + 16, 'x')};
    mem.bytes.back() = 0;
    Semihosting sh;
    sh.call(Semihosting::kWrite0, 0, mem.reader());
    sh.call(Semihosting::kWrite0, 0, mem.reader());
    EXPECT_LT(sh.console().size(), Semihosting::kConsoleCap + 64);
    EXPECT_NE(sh.console().find("truncated"), std::string::npos);
}

TEST(IssHighWater, SnapshotPeaksFollowThePaintingDefinitions)
{
    // stack [0x100, 0x200), arena [0x400, 0x800)
    FakeMemory mem{0, std::vector<uint8_t>(0x800, 0x55)};
    HighWater hw;
    hw.configure(0x100, 0x200, 0x400, 0x800);
    auto rd = [&](uint32_t a, void *d, size_t n) { return mem.read(a, d, n); };
    hw.begin(0x1C0, true, rd);  // painter's stack pointer - 64
    mem.bytes[0x1E0] = 1;       // above the reference: not counted
    mem.bytes[0x151] = 2;       // lowest changed byte -> word 0x150
    mem.bytes[0x401] = 3;
    mem.bytes[0x5A2] = 4;       // highest changed byte -> word end 0x5A4
    const HighWater::Peaks p = hw.end(rd);
    EXPECT_EQ(p.stack, 0x1C0u - 0x150u + 64u);
    EXPECT_EQ(p.arena, 0x1A4u);
    EXPECT_FALSE(p.overflow);

    hw.begin(0x1C0, false, rd);  // no painter: no guard
    mem.bytes[0x100] = 9;
    const HighWater::Peaks q = hw.end(rd);
    EXPECT_EQ(q.stack, 0xC0u);
    EXPECT_TRUE(q.overflow);
    EXPECT_EQ(q.arena, 0u);

    hw.begin(0x1C0, true, rd);  // the hook path sees stores that change nothing
    hw.on_write(0x1BC, 4);
    hw.on_write(0x7FE, 2);
    hw.on_write(0x1F0, 4);      // above the reference
    const HighWater::Peaks h = hw.hook_peaks();
    EXPECT_EQ(h.stack, 4u + 64u);
    EXPECT_EQ(h.arena, 0x400u);
}

TEST(IssRv32Counters, FindsCounterReadsAtHalfwordAlignment)
{
    Segment s;
    s.paddr = s.vaddr = 0x80000000;
    // c.nop; csrr a5, mcycleh; csrr a2, mcycle; csrr a0, mhartid (not a counter); csrw mcycle, a0
    const uint32_t words[] = {0xb80027f3, 0xb0002673, 0xf1402573, 0xb0051073};
    s.data = {0x01, 0x00};
    for (uint32_t w : words)
        for (int i = 0; i < 4; ++i) s.data.push_back(uint8_t(w >> (8 * i)));
    s.memsz = uint32_t(s.data.size());
    const auto sites = find_counter_reads({s}, 16);
    ASSERT_EQ(sites.size(), 2u);
    EXPECT_EQ(sites[0].addr, 0x80000002u);
    EXPECT_EQ(sites[0].rd, 15);
    EXPECT_EQ(sites[0].csr, 0xB80);
    EXPECT_EQ(sites[1].addr, 0x80000006u);
    EXPECT_EQ(sites[1].rd, 12);
    EXPECT_EQ(*counter_value(0xB80, 0x123456789ull, 0), 0x1u);
    EXPECT_EQ(*counter_value(0xB00, 0x123456789ull, 0), 0x23456789u);
    EXPECT_EQ(*counter_value(0xC02, 0, 77), 77u);
    EXPECT_FALSE(counter_value(0xF14, 0, 0));
}
