// The numeric settings of a tuning request and the range each may take: one table for the farm's
// API (SubmitJob), the CLI and tune() itself. Measurement settings are the agent's own limits
// (tinytx/platform/run_limits.h): a job the agents would refuse is refused at the door, not stored
// and run.
#pragma once

#include <cstdint>
#include <string>

#include "tinytx/platform/run_limits.h"
#include "tinytx/platform/status.h"

namespace tinytx::tuner {

struct RequestLimit {
    const char *field;  // as the API names it
    uint64_t min, max;
};

namespace limits {
// arena budget: SQLite stores it as a signed 64-bit integer; no MCU has a terabyte of RAM
inline constexpr RequestLimit kBudgetBytes{"budget_bytes", 1, 1ull << 40};
inline constexpr RequestLimit kTrials{"trials", 1, 1000000};
inline constexpr RequestLimit kSeed{"seed", 0, (1ull << 63) - 1};  // stored as a signed integer
inline constexpr RequestLimit kBatch{"batch", 1, 1024};
inline constexpr RequestLimit kRepeats{"repeats", 1, platform::kMaxRepeats};
inline constexpr RequestLimit kDeadlineS{"deadline_s", 1, platform::kMaxDeadlineMs / 1000};
}  // namespace limits

inline bool within(const RequestLimit &l, uint64_t v) { return v >= l.min && v <= l.max; }

// "deadline_s: must be 1..600, got 601"
inline std::string out_of_range(const RequestLimit &l, uint64_t v)
{
    return std::string(l.field) + ": must be " + std::to_string(l.min) + ".." + std::to_string(l.max) + ", got " +
           std::to_string(v);
}

// ok, or invalid argument with out_of_range()'s message
inline platform::Status check_within(const RequestLimit &l, uint64_t v)
{
    if (!within(l, v))
        return platform::Status::invalid_argument(out_of_range(l, v));
    return {};
}

}  // namespace tinytx::tuner
