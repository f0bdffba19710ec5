// Which measurements are a candidate's result. INVALID_ARGUMENT, UNAVAILABLE and INTERNAL say
// the request, the agent or the transport failed, not the image: such a row says nothing of the
// schedule, is never reused by a later run (one bad setting must not poison every later run of
// the model and board), and is never a point of a front. What the image did (TIMEOUT, FAULT,
// WRONG_OUTPUT, KERNEL_ERROR) is the candidate's result.
#pragma once

#include "tinytx/agent/measurement.h"

namespace tinytx::tuner {

inline bool is_candidate_result(agent::RunStatus s)
{
    return s != agent::RunStatus::kInvalidArgument && s != agent::RunStatus::kUnavailable &&
           s != agent::RunStatus::kInternal;
}

}  // namespace tinytx::tuner
