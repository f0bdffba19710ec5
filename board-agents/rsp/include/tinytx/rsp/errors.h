// Errors of the GDB remote serial protocol client, beside the socket's TimeoutError and
// ConnectionError (tinytx/platform/errors.h); all derive from platform::Error. Every message names
// the endpoint and the request that failed.
#pragma once

#include <string>

#include "tinytx/platform/errors.h"

namespace tinytx::rsp {

// The peer sent something this client cannot make sense of (bad hex, an unexpected reply).
class ProtocolError : public platform::Error {
public:
    using platform::Error::Error;
};

// The stub answered a request with an error ("Exx", "E.text") or said it does not support it
// (empty reply; code = -1).
class RemoteError : public platform::Error {
public:
    RemoteError(const std::string &what, int code) : platform::Error(what), code_(code) {}
    int code() const { return code_; }

private:
    int code_;
};

}  // namespace tinytx::rsp
