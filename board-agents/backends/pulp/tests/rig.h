// A cluster with a small L2 (code and data) and the L1, for the instruction tests.
#pragma once

#include <cstring>
#include <initializer_list>
#include <vector>

#include "cluster.h"

namespace tinytx::agent::pulp::test {

constexpr uint32_t kCode = 0x1C000000u, kData = 0x1C008000u, kL1 = 0x10000000u;

inline Timing rig_timing(uint32_t cores)
{
    Timing t;
    t.cores = cores;
    return t;
}

struct Rig {
    Cluster cl;
    explicit Rig(uint32_t cores = 1)
        : cl(rig_timing(cores), {{"l2", 0x1C000000u, 0x10000u, false}, {"l1", kL1, 0x20000u, true}})
    {
    }
    void program(std::initializer_list<uint32_t> words, uint32_t at = kCode)
    {
        std::vector<uint32_t> w(words);
        cl.write(at, w.data(), w.size() * 4);
        cl.reset(at);
    }
    void program16(std::initializer_list<uint16_t> halves)
    {
        std::vector<uint16_t> h(halves);
        cl.write(kCode, h.data(), h.size() * 2);
        cl.reset(kCode);
    }
    Core &c() { return cl.core(0); }
    uint32_t &x(int r) { return cl.core(0).x[r]; }
    // runs n instructions; returns the cycles core 0 spent on them
    uint64_t run(uint64_t n)
    {
        const uint64_t before = c().cycle;
        cl.run(n);
        return c().cycle - before;
    }
    uint32_t word(uint32_t addr)
    {
        uint32_t v = 0;
        cl.read(addr, &v, 4);
        return v;
    }
    void put(uint32_t addr, uint32_t v) { cl.write(addr, &v, 4); }
};

}  // namespace tinytx::agent::pulp::test
