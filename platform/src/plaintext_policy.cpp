#include "tinytx/platform/plaintext_policy.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

namespace tinytx::platform {

bool loopback_address(const std::string &address)
{
    std::string host = address;
    for (const char *scheme : {"ipv4:", "ipv6:", "dns:///", "dns:"})
        if (host.rfind(scheme, 0) == 0)
            host = host.substr(std::string(scheme).size());
    return loopback_host(host);
}

bool loopback_host(const std::string &host_port)
{
    std::string host = host_port;
    if (!host.empty() && host[0] == '[') {
        const size_t close = host.find(']');
        if (close == std::string::npos)
            return false;
        host = host.substr(1, close - 1);
    } else if (const size_t colon = host.rfind(':'); colon != std::string::npos) {
        host = host.substr(0, colon);
    }
    std::transform(host.begin(), host.end(), host.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (host == "localhost")
        return true;
    in_addr v4{};
    if (inet_pton(AF_INET, host.c_str(), &v4) == 1)
        return (ntohl(v4.s_addr) >> 24) == 127;
    in6_addr v6{};
    return inet_pton(AF_INET6, host.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

Status check_plaintext_token(const std::string &address, bool sends_token, bool tls, bool insecure,
                             const std::string &tls_flag)
{
    if (!sends_token || tls || insecure || loopback_address(address))
        return {};
    return Status::invalid_argument("refusing to send a token to " + address + " without TLS (anyone on the path could read it): give " +
           tls_flag + " PEM, or --insecure to send it in clear");
}

}  // namespace tinytx::platform
