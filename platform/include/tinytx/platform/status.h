// The one error type of the C++ code (ARCHITECTURE.md "Errors"): a function that can fail returns
// a Status (nothing else to return) or a Result<T> (a T, or the Status saying why there is none).
// The message is the sentence a user reads, byte for byte what the caller prints; the code says
// what kind of failure it is, for callers that branch on it (an HTTP status, a retry, a RunStatus).
// Exceptions remain only at the edges (mains, RPC and HTTP handlers, a backend's run).
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace tinytx::platform {

enum class StatusCode : uint8_t {
    kOk = 0,
    kInvalidArgument,   // the caller's input is wrong (a spec, a schedule, a query parameter)
    kNotFound,          // a named file, record or resource does not exist
    kAlreadyExists,     // a record that must be new exists
    kIoError,           // reading or writing a file or stream failed
    kCorruption,        // stored data does not parse or contradicts itself
    kUnavailable,       // a service, tool or agent cannot be reached now; trying later may work
    kDeadlineExceeded,  // no answer within the deadline
    kUnimplemented,     // the request is valid but not supported here
    kPermissionDenied,  // the caller may not do this (no or a wrong token, a write from another site)
    kResourceExhausted, // a quota is used up (an upload over the farm's limits)
    kInternal,          // an invariant of ours broke
};

// "ok", "invalid argument", ...: the words to_string() puts before the message.
std::string_view status_code_name(StatusCode code);

// Success, or a code and a message. An ok Status holds an empty string (no allocation), so
// returning one costs what returning a small enum does.
class [[nodiscard]] Status {
public:
    Status() = default;  // ok

    static Status invalid_argument(std::string message) { return {StatusCode::kInvalidArgument, std::move(message)}; }
    static Status not_found(std::string message) { return {StatusCode::kNotFound, std::move(message)}; }
    static Status already_exists(std::string message) { return {StatusCode::kAlreadyExists, std::move(message)}; }
    static Status io_error(std::string message) { return {StatusCode::kIoError, std::move(message)}; }
    static Status corruption(std::string message) { return {StatusCode::kCorruption, std::move(message)}; }
    static Status unavailable(std::string message) { return {StatusCode::kUnavailable, std::move(message)}; }
    static Status deadline_exceeded(std::string message) { return {StatusCode::kDeadlineExceeded, std::move(message)}; }
    static Status unimplemented(std::string message) { return {StatusCode::kUnimplemented, std::move(message)}; }
    static Status permission_denied(std::string message) { return {StatusCode::kPermissionDenied, std::move(message)}; }
    static Status resource_exhausted(std::string message) { return {StatusCode::kResourceExhausted, std::move(message)}; }
    static Status internal(std::string message) { return {StatusCode::kInternal, std::move(message)}; }

    bool ok() const { return code_ == StatusCode::kOk; }
    StatusCode code() const { return code_; }
    // The sentence alone, as the failing function wrote it; "" when ok.
    const std::string &message() const { return message_; }
    // "ok", or the code's name and the message: "not found: no model 'x'". For logs.
    std::string to_string() const;
    // The same code, the message after `prefix` ("source list: " + message); ok stays ok.
    Status prefixed(const std::string &prefix) const { return ok() ? *this : Status(code_, prefix + message_); }

    friend bool operator==(const Status &, const Status &) = default;

private:
    Status(StatusCode code, std::string message);

    StatusCode code_ = StatusCode::kOk;
    std::string message_;
};

// Reading the value of a failed Result is a bug of the caller, not an error to handle.
class BadResultAccess : public std::logic_error {
public:
    explicit BadResultAccess(const Status &status);
};

// A T, or the non-ok Status that says why there is none. Built from either implicitly, so a
// function returns `value` or `Status::not_found(...)` alike.
template <class T>
class [[nodiscard]] Result {
public:
    // Anything a T is made of, so a unique_ptr<Derived> returns as a Result<unique_ptr<Base>>.
    template <class U = T>
        requires(std::is_convertible_v<U &&, T> && !std::is_same_v<std::remove_cvref_t<U>, Result> &&
                 !std::is_same_v<std::remove_cvref_t<U>, Status>)
    Result(U &&value) : value_(std::in_place, std::forward<U>(value))
    {
    }
    // A failure; an ok Status carries no value, so it becomes an internal error rather than an
    // empty success.
    Result(Status status) : status_(std::move(status))
    {
        if (status_.ok()) status_ = Status::internal("Result built from an ok Status without a value");
    }

    bool ok() const { return value_.has_value(); }
    // Ok when there is a value.
    const Status &status() const { return status_; }

    T &value() &
    {
        check();
        return *value_;
    }
    const T &value() const &
    {
        check();
        return *value_;
    }
    T &&value() &&
    {
        check();
        return std::move(*value_);
    }
    T *operator->() { return &value(); }
    const T *operator->() const { return &value(); }
    T &operator*() & { return value(); }
    const T &operator*() const & { return value(); }
    T &&operator*() && { return std::move(*this).value(); }

private:
    void check() const
    {
        if (!value_) throw BadResultAccess(status_);
    }

    std::optional<T> value_;
    Status status_;
};

}  // namespace tinytx::platform
