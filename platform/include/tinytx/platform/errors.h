// Errors of the platform's system services (child processes, files, sockets). Every message names
// the program, file or endpoint that failed. Protocols built on a socket (the RSP client, OpenOCD's
// TCL client) derive their own errors from Error, so one catch of Error covers a whole exchange.
#pragma once

#include <stdexcept>

namespace tinytx::platform {

class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// No answer within the call's deadline.
class TimeoutError : public Error {
public:
    using Error::Error;
};

// Connecting failed, the peer closed the connection, or the socket failed.
class ConnectionError : public Error {
public:
    using Error::Error;
};

}  // namespace tinytx::platform
