// The one mapping, shared by every backend, from what a run throws to the measurement's status
// and message: a backend wraps its run in try { ... } catch (...) { record_run_failure(...); }.
#pragma once

#include <stdexcept>
#include <string>

#include "tinytx/agent/platform.h"
#include "tinytx/platform/measurement.h"

namespace tinytx::agent {

// The backend cannot run here (emulator missing or broken, no temporary directory): kUnavailable.
class Unavailable : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Thrown after the backend set the measurement's status and error itself, where it happened.
struct StatusSet {};

// What any other std::runtime_error means for a backend: a backend that starts host tools
// (QEMU, OpenOCD) treats them as its environment failing (kUnavailable); an in-process one as a
// bug of its own (kInternal).
enum class RuntimeErrorIs { kInternal, kUnavailable };

// Call inside a catch (...): sets m.status and m.error from the exception being handled
// (InvalidArgument -> kInvalidArgument, Unavailable -> kUnavailable, StatusSet -> unchanged,
// bad_alloc and the rest -> kInternal, messages prefixed with `backend`).
void record_run_failure(Measurement &m, const std::string &backend,
                        RuntimeErrorIs runtime_errors = RuntimeErrorIs::kInternal);

}  // namespace tinytx::agent
