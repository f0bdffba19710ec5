#include "cross_site.h"

#include <algorithm>
#include <cctype>

namespace tinytx::farm {

namespace {

std::string lower(std::string s)
{
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

}  // namespace

bool changes_state(const std::string &method) { return method != "GET" && method != "HEAD"; }

platform::Status check_cross_site(const HttpRequest &req)
{
    if (!changes_state(req.method))
        return {};
    const std::string host = lower(req.host);
    if (!req.origin.empty()) {
        const std::string origin = lower(req.origin);
        if (!host.empty() && (origin == "http://" + host || origin == "https://" + host))
            return {};
        return platform::Status::permission_denied("cross-site request refused: Origin does not name this server");
    }
    const std::string site = lower(req.fetch_site);
    if (site == "cross-site" || site == "same-site")
        return platform::Status::permission_denied("cross-site request refused (Sec-Fetch-Site: " + site + ")");
    return {};
}

}  // namespace tinytx::farm
