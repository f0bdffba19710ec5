// Helpers shared by the schedule tests.
#pragma once

#include <string>

#include "tinytx/platform/status.h"
#include "tinytx/tuner/schedule.h"

namespace tinytx::tuner::test {

// The field and the reason of a refused schedule, read back from its Status, whose message is
// ScheduleError::message(), "<path>: <reason>"; the reasons that name no field ("not valid JSON",
// "schedule must be an object, got ...") have no ": ".
inline ScheduleError schedule_error(const platform::Status &st)
{
    const std::string &m = st.message();
    const size_t colon = m.find(": ");
    if (colon == std::string::npos)
        return {"", m};
    return {m.substr(0, colon), m.substr(colon + 2)};
}

} // namespace tinytx::tuner::test
