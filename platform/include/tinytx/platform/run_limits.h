// What one run request may ask of an agent. The agent refuses anything beyond these; the tuner,
// the farm and the CLI check the same numbers first (tinytx/tuner/request_limits.h), so a job
// can never be accepted with a setting every agent will refuse.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tinytx::platform {

inline constexpr uint32_t kMaxRepeats = 1000;  // repeats and warmups of one run
inline constexpr uint32_t kDefaultDeadlineMs = 10000;
inline constexpr uint32_t kMaxDeadlineMs = 600000;
inline constexpr size_t kMaxImageBytes = 64u << 20;

}  // namespace tinytx::platform
