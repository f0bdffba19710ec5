// A rough estimate of the wall time one worker needs to measure one candidate: what the `auto`
// strategy compares with the time budget to decide whether the whole space can be measured. An
// estimate, never a figure: emulation speeds are this repository's measured orders of magnitude.
#pragma once

#include <cstdint>
#include <string>

namespace tinytx::tuner {

// `cycles` = the cost model's prediction for one inference, `runs` = warmups + repeats; a
// specialized image adds its build (compile of the generated sources and link).
double estimated_candidate_seconds(const std::string &backend, bool specialized_image, double cycles,
                                   uint32_t runs, uint64_t clock_hz);

}  // namespace tinytx::tuner
