// Errors of the GDB remote serial protocol client. Every message names the endpoint and the
// request that failed.
#pragma once

#include <stdexcept>
#include <string>

namespace tinytx::rsp {

class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// No answer within the call's timeout.
class TimeoutError : public Error {
public:
    using Error::Error;
};

// Connecting failed, the peer closed the connection, or the socket failed.
class ConnectionError : public Error {
public:
    using Error::Error;
};

// The peer sent something this client cannot make sense of (bad hex, an unexpected reply).
class ProtocolError : public Error {
public:
    using Error::Error;
};

// The stub answered a request with an error ("Exx", "E.text") or said it does not support it
// (empty reply; code = -1).
class RemoteError : public Error {
public:
    RemoteError(const std::string &what, int code) : Error(what), code_(code) {}
    int code() const { return code_; }

private:
    int code_;
};

}  // namespace tinytx::rsp
