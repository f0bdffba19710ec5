// The cycle bound past which a candidate cannot reach the front, from the points measured so far.
// A candidate whose cycles pass the fewest cycles of any measured point with no larger arena is
// dominated by that point: slower, so also more energy (energy is cycles times the board's active
// power), and no smaller in memory. Its measurement can stop there (agent::RunOptions::
// table_limits): the front stays exactly the front of measuring every point whole.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>

namespace tinytx::tuner {

class DominanceBound {
public:
    // a measured point that may enter the front (status OK, within the flash budget)
    void add(uint64_t arena_bytes, uint64_t cycles);
    // the fewest cycles of a point with an arena of at most arena_bytes; none yet: nullopt
    std::optional<uint64_t> at(uint64_t arena_bytes) const;

private:
    mutable std::mutex mu_;
    std::map<uint64_t, uint64_t> fewest_;  // arena -> fewest cycles measured with that arena
};

}  // namespace tinytx::tuner
