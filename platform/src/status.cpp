// Status names and text (status.h).
#include "tinytx/platform/status.h"

namespace tinytx::platform {

std::string_view status_code_name(StatusCode code)
{
    switch (code) {
    case StatusCode::kOk: return "ok";
    case StatusCode::kInvalidArgument: return "invalid argument";
    case StatusCode::kNotFound: return "not found";
    case StatusCode::kAlreadyExists: return "already exists";
    case StatusCode::kIoError: return "io error";
    case StatusCode::kCorruption: return "corruption";
    case StatusCode::kUnavailable: return "unavailable";
    case StatusCode::kDeadlineExceeded: return "deadline exceeded";
    case StatusCode::kUnimplemented: return "unimplemented";
    case StatusCode::kPermissionDenied: return "permission denied";
    case StatusCode::kResourceExhausted: return "resource exhausted";
    case StatusCode::kInternal: return "internal";
    }
    return "unknown";
}

Status::Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

std::string Status::to_string() const
{
    if (ok()) return "ok";
    std::string text(status_code_name(code_));
    text += ": ";
    text += message_;
    return text;
}

BadResultAccess::BadResultAccess(const Status &status)
    : std::logic_error("value() of a failed Result (" + status.to_string() + ")")
{
}

}  // namespace tinytx::platform
