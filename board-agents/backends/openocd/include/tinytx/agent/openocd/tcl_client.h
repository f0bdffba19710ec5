// OpenOCD's TCL RPC port (tcl_port, 6666 by default): a command is its text followed by 0x1a,
// the answer is the command's result followed by 0x1a. OpenOCD sends the result whether the
// command failed or not, so command() wraps it to learn the outcome:
//   format "%d %s" [catch {capture {<cmd>}} m] $m
// -> "<code> <output and error messages>"; code != 0 is a failure (OpenOCD error codes are
// negative, Tcl errors 1).
#pragma once

#include <string>
#include <string_view>

#include "tinytx/platform/socket.h"
#include "tinytx/rsp/errors.h"

namespace tinytx::agent::openocd {

using Millis = std::chrono::milliseconds;

// A command that OpenOCD reported as failed: code() and output() (its messages).
class TclError : public platform::Error {
public:
    TclError(const std::string &what, int code, std::string output)
        : platform::Error(what), code_(code), output_(std::move(output))
    {
    }
    int code() const { return code_; }
    const std::string &output() const { return output_; }

private:
    int code_;
    std::string output_;
};

class TclClient {
public:
    // Connects (retrying while OpenOCD starts, until timeout).
    static TclClient connect(const platform::Endpoint &ep, Millis timeout);
    explicit TclClient(platform::Socket sock) : sock_(std::move(sock)) {}

    // The raw result text of a script. platform::TimeoutError / ConnectionError; platform::Error for a
    // script containing the terminator byte 0x1a.
    std::string eval(std::string_view script, Millis timeout);
    // Runs one command and returns its output (what it printed, and its result); TclError with
    // OpenOCD's messages when it fails. The command must have balanced braces.
    std::string command(std::string_view cmd, Millis timeout);

    const platform::Endpoint &endpoint() const { return sock_.endpoint(); }

private:
    platform::Socket sock_;
    std::string buf_;
};

}  // namespace tinytx::agent::openocd
