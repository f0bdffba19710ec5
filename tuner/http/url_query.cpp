#include "tinytx/http/url_query.h"

#include <limits>

namespace tinytx::farm {

namespace {

int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

std::optional<uint64_t> parse_whole(const std::string &s)
{
    if (s.empty() || s.size() > 20 || (s.size() > 1 && s[0] == '0'))
        return std::nullopt;
    uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9')
            return std::nullopt;
        const uint64_t d = static_cast<uint64_t>(c - '0');
        if (v > (std::numeric_limits<uint64_t>::max() - d) / 10)
            return std::nullopt;
        v = v * 10 + d;
    }
    return v;
}

}  // namespace

std::optional<std::string> percent_decode(const std::string &s, bool plus_is_space)
{
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '%') {
            if (i + 2 >= s.size())
                return std::nullopt;
            const int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
            if (hi < 0 || lo < 0)
                return std::nullopt;
            c = static_cast<char>(hi * 16 + lo);
            i += 2;
        } else if (c == '+' && plus_is_space) {
            c = ' ';
        }
        if (c == '\0')
            return std::nullopt;
        out.push_back(c);
    }
    return out;
}

std::optional<int64_t> parse_id(const std::string &s)
{
    const auto v = parse_whole(s);
    if (!v || *v == 0 || *v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        return std::nullopt;
    return static_cast<int64_t>(*v);
}

std::vector<std::string> path_parts(const std::string &path)
{
    std::vector<std::string> parts;
    size_t start = 0;
    while (start <= path.size()) {
        const size_t end = path.find('/', start);
        const std::string part = path.substr(start, end == std::string::npos ? std::string::npos : end - start);
        if (!part.empty())
            parts.push_back(part);
        if (end == std::string::npos)
            break;
        start = end + 1;
    }
    return parts;
}

bool valid_utf8(const std::string &s)
{
    for (size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        size_t n = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xe ? 2 : (c >> 3) == 0x1e ? 3 : 4;
        if (n == 4 || i + n >= s.size())
            return false;
        uint32_t cp = n == 0 ? c : n == 1 ? c & 0x1f : n == 2 ? c & 0x0f : c & 0x07;
        for (size_t k = 1; k <= n; ++k) {
            const auto d = static_cast<unsigned char>(s[i + k]);
            if ((d >> 6) != 0x2)
                return false;
            cp = (cp << 6) | (d & 0x3f);
        }
        // overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8
        const uint32_t least[] = {0, 0x80, 0x800, 0x10000};
        if (cp < least[n] || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
            return false;
        i += n + 1;
    }
    return true;
}

platform::Result<UrlQuery> parse_target(const std::string &target)
{
    using platform::Status;
    UrlQuery q;
    const size_t mark = target.find('?');
    const auto path = percent_decode(target.substr(0, mark), false);
    if (!path || path->empty() || (*path)[0] != '/')
        return Status::invalid_argument("malformed request path");
    if (!valid_utf8(*path))
        return Status::invalid_argument("the request path is not UTF-8");
    q.path = *path;
    if (mark == std::string::npos)
        return q;
    const std::string query = target.substr(mark + 1);
    size_t start = 0;
    while (start <= query.size()) {
        size_t end = query.find('&', start);
        if (end == std::string::npos)
            end = query.size();
        const std::string pair = query.substr(start, end - start);
        start = end + 1;
        if (pair.empty())
            continue;
        const size_t eq = pair.find('=');
        const auto name = percent_decode(pair.substr(0, eq), true);
        const auto value = percent_decode(eq == std::string::npos ? "" : pair.substr(eq + 1), true);
        if (!name || !value || name->empty())
            return Status::invalid_argument("malformed query parameter '" + pair + "'");
        if (!valid_utf8(*name) || !valid_utf8(*value))
            return Status::invalid_argument("a query parameter is not UTF-8");
        if (!q.params.emplace(*name, *value).second)
            return Status::invalid_argument("parameter '" + *name + "' given twice");
    }
    return q;
}

platform::Status UrlQuery::unknown(const std::set<std::string> &allowed) const
{
    for (const auto &[name, value] : params) {
        if (allowed.count(name))
            continue;
        std::string known;
        for (const auto &a : allowed)
            known += (known.empty() ? "" : ", ") + a;
        return platform::Status::invalid_argument("unknown parameter '" + name + "'" +
                                                  (known.empty() ? " (this call takes none)" : " (known: " + known + ")"));
    }
    return {};
}

platform::Result<std::optional<int64_t>> UrlQuery::id(const std::string &name) const
{
    const auto it = params.find(name);
    if (it == params.end())
        return std::optional<int64_t>();
    const auto v = parse_id(it->second);
    if (!v)
        return platform::Status::invalid_argument("parameter '" + name + "' must be an id (a whole number from 1), got '" +
                                                  it->second + "'");
    return v;
}

platform::Result<std::optional<uint64_t>> UrlQuery::number(const std::string &name, uint64_t lo, uint64_t hi) const
{
    const auto it = params.find(name);
    if (it == params.end())
        return std::optional<uint64_t>();
    const auto v = parse_whole(it->second);
    if (!v || *v < lo || *v > hi)
        return platform::Status::invalid_argument("parameter '" + name + "' must be a whole number in " +
                                                  std::to_string(lo) + ".." + std::to_string(hi) + ", got '" +
                                                  it->second + "'");
    return v;
}

}  // namespace tinytx::farm
