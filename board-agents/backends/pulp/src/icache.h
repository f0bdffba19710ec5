// The cluster's instruction cache, shaped as pulp-open's: a private L0 per core (8 sets x 4 ways
// of 16-byte lines) in front of a shared L1 (2 banks x 32 sets x 4 ways, lines interleaved over
// the banks), refilled from L2. A core fetches through a one-line buffer, so only a fetch from
// another line reaches the cache. The shared L1's banks refill one line at a time, and a line
// being refilled is there only when its refill ends: eight cores missing on the same code wait
// for one refill and queue behind each other's, as on GVSoC. A full set replaces a pseudo-random
// way (an 8-bit maximal LFSR per cache), as GVSoC's caches do: least recently used would thrash
// on any loop larger than the cache, where random replacement keeps some lines. Disabled after
// reset, like the hardware; a disabled cache costs nothing here (images that never enable it,
// the RV32 ones, keep the flat fetch model).
#pragma once

#include <cstdint>
#include <vector>

namespace tinytx::agent::pulp {

class InstructionCache {
public:
    struct Costs {
        uint32_t l0_miss = 0;  // extra cycles of a fetch that misses L0 and hits L1
        uint32_t l1_miss = 0;  // extra cycles of a fetch that misses both (refill from L2)
    };
    struct Outcome {
        uint32_t cycles = 0;
        bool l0_miss = false, l1_miss = false;
    };

    InstructionCache(uint32_t cores, Costs costs);
    void reset();                       // disabled, empty
    void enable(bool on) { enabled_ = on; }
    void flush();
    // the cost of core `core` fetching [pc, pc + len) at cycle `now`
    Outcome fetch(uint32_t core, uint32_t pc, uint32_t len, uint64_t now);

private:
    static constexpr uint32_t kLineBits = 4;
    struct Set {
        uint32_t tag[4];
        bool valid[4];
        uint64_t ready[4];              // the cycle the line's refill ends
    };
    struct Level {
        uint32_t sets = 0;
        std::vector<Set> set;
        uint8_t lfsr = 1;
        uint64_t refill_free = 0;       // the cycle this cache can start its next refill
        uint64_t *lookup(uint32_t line, bool &hit);  // the line's ready cycle; refills on a miss
    };
    Outcome fetch_line(uint32_t core, uint32_t line, uint64_t now);

    Costs costs_;
    bool enabled_ = false;
    std::vector<Level> l0_;             // one per core
    Level l1_[2];                       // the two banks
    std::vector<uint32_t> buffer_;      // the line each core's fetch buffer holds (+1; 0 = none)
};

}  // namespace tinytx::agent::pulp
