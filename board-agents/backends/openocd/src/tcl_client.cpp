// OpenOCD TCL RPC client (see tcl_client.h).
#include "tinytx/agent/openocd/tcl_client.h"

#include <cstdlib>

namespace tinytx::agent::openocd {

namespace {

constexpr char kTerminator = 0x1a;

std::string shorten(std::string_view s, size_t n = 60)
{
    std::string out(s.substr(0, n));
    if (s.size() > n) out += "...";
    return out;
}

std::string trim(std::string s)
{
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
    return s;
}

}  // namespace

TclClient TclClient::connect(const platform::Endpoint &ep, Millis timeout)
{
    return TclClient(
        platform::Socket::connect_retry(ep, platform::Clock::now() + timeout, [] { return true; }));
}

std::string TclClient::eval(std::string_view script, Millis timeout)
{
    if (script.find(kTerminator) != std::string_view::npos)
        throw platform::Error("openocd tcl: the command contains the terminator byte 0x1a: '" +
                              shorten(script) + "'");
    const auto deadline = platform::Clock::now() + timeout;
    std::string msg(script);
    msg += kTerminator;
    sock_.send_all(msg.data(), msg.size(), deadline);
    for (;;) {
        const size_t end = buf_.find(kTerminator);
        if (end != std::string::npos) {
            std::string result = buf_.substr(0, end);
            buf_.erase(0, end + 1);
            return result;
        }
        char tmp[4096];
        try {
            buf_.append(tmp, sock_.recv_some(tmp, sizeof tmp, deadline));
        } catch (const platform::TimeoutError &) {
            throw platform::TimeoutError("openocd tcl: no answer to '" + shorten(script) + "' from " +
                                         sock_.endpoint().describe() + " within " +
                                         std::to_string(timeout.count()) + " ms");
        } catch (const platform::ConnectionError &e) {
            throw platform::ConnectionError("openocd tcl: '" + shorten(script) + "': " + e.what());
        }
    }
}

std::string TclClient::command(std::string_view cmd, Millis timeout)
{
    const std::string r =
        eval("format \"%d %s\" [catch {capture {" + std::string(cmd) + "}} tinytx_m] $tinytx_m",
             timeout);
    const size_t sp = r.find(' ');
    char *end = nullptr;
    const long code = std::strtol(r.c_str(), &end, 10);
    if (sp == std::string::npos || end != r.c_str() + sp)
        throw rsp::ProtocolError("openocd tcl: unexpected answer to '" + shorten(cmd) + "': '" +
                                 shorten(r) + "'");
    std::string output = r.substr(sp + 1);
    if (code != 0)
        throw TclError("openocd: '" + shorten(cmd) + "' failed (" + std::to_string(code) + ")" +
                           (trim(output).empty() ? std::string() : ": " + trim(output)),
                       int(code), output);
    return output;
}

}  // namespace tinytx::agent::openocd
