// Which measurements are a candidate's result. INVALID_ARGUMENT, UNAVAILABLE and INTERNAL say
// the request, the agent or the transport failed, not the image: such a row says nothing of the
// schedule, is never reused by a later run (one bad setting must not poison every later run of
// the model and board), and is never a point of a front. What the image did (TIMEOUT, FAULT,
// WRONG_OUTPUT, KERNEL_ERROR) is the candidate's result.
#pragma once

#include "tinytx/platform/measurement.h"

namespace tinytx::tuner {

inline bool is_candidate_result(platform::RunStatus s)
{
    return s != platform::RunStatus::kInvalidArgument && s != platform::RunStatus::kUnavailable &&
           s != platform::RunStatus::kInternal;
}

}  // namespace tinytx::tuner
