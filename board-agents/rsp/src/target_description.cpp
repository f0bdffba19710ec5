// target.xml parsing: just enough XML for GDB target descriptions (elements, attributes,
// comments, processing instructions and DOCTYPE skipped).
#include "tinytx/rsp/target_description.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "tinytx/rsp/errors.h"

namespace tinytx::rsp {

using platform::Error;

namespace {

struct Tag {
    std::string name;  // without '/' for closing tags
    bool closing = false;
    std::map<std::string, std::string> attrs;
};

// Calls on_tag for every element tag and on_text for the text between tags.
template <class OnTag, class OnText>
void scan_xml(const std::string &doc, const std::string &where, OnTag on_tag, OnText on_text)
{
    size_t i = 0;
    while (i < doc.size()) {
        const size_t lt = doc.find('<', i);
        on_text(doc.substr(i, lt == std::string::npos ? std::string::npos : lt - i));
        if (lt == std::string::npos) return;
        if (doc.compare(lt, 4, "<!--") == 0) {
            const size_t end = doc.find("-->", lt + 4);
            if (end == std::string::npos) throw ProtocolError(where + ": unterminated comment");
            i = end + 3;
            continue;
        }
        const size_t gt = doc.find('>', lt);
        if (gt == std::string::npos) throw ProtocolError(where + ": unterminated tag");
        i = gt + 1;
        if (doc[lt + 1] == '?' || doc[lt + 1] == '!') continue;  // <?xml ...?>, <!DOCTYPE ...>
        std::string body = doc.substr(lt + 1, gt - lt - 1);
        Tag t;
        if (!body.empty() && body[0] == '/') {
            t.closing = true;
            body.erase(0, 1);
        }
        if (!body.empty() && body.back() == '/') body.pop_back();
        size_t p = 0;
        while (p < body.size() && !isspace(static_cast<unsigned char>(body[p]))) t.name += body[p++];
        while (p < body.size()) {
            while (p < body.size() && isspace(static_cast<unsigned char>(body[p]))) ++p;
            if (p >= body.size()) break;
            std::string key;
            while (p < body.size() && body[p] != '=' && !isspace(static_cast<unsigned char>(body[p])))
                key += body[p++];
            while (p < body.size() && isspace(static_cast<unsigned char>(body[p]))) ++p;
            if (p >= body.size() || body[p] != '=')
                throw ProtocolError(where + ": attribute '" + key + "' of <" + t.name +
                                    "> has no value");
            ++p;
            while (p < body.size() && isspace(static_cast<unsigned char>(body[p]))) ++p;
            if (p >= body.size() || (body[p] != '"' && body[p] != '\''))
                throw ProtocolError(where + ": attribute '" + key + "' of <" + t.name +
                                    "> is not quoted");
            const char q = body[p++];
            const size_t end = body.find(q, p);
            if (end == std::string::npos)
                throw ProtocolError(where + ": unterminated attribute '" + key + "'");
            t.attrs[key] = body.substr(p, end - p);
            p = end + 1;
        }
        on_tag(t);
    }
}

uint32_t parse_uint(const std::string &s, const std::string &what)
{
    if (s.empty() || s.size() > 9 || !std::all_of(s.begin(), s.end(), ::isdigit))
        throw ProtocolError(what + ": '" + s + "' is not a number");
    return uint32_t(std::stoul(s));
}

struct Parser {
    const std::function<std::string(const std::string &)> &fetch;
    std::string architecture;
    std::vector<RegisterInfo> regs;
    uint32_t next = 0;
    std::set<std::string> open;  // documents being parsed (include cycles)

    void parse(const std::string &doc, const std::string &where)
    {
        if (!open.insert(where).second)
            throw ProtocolError("target description: '" + where + "' includes itself");
        std::string feature;
        bool in_arch = false;
        scan_xml(
            doc, where,
            [&](const Tag &t) {
                if (t.name == "architecture") {
                    in_arch = !t.closing;
                } else if (t.name == "feature") {
                    feature = t.closing ? std::string() : (t.attrs.count("name") ? t.attrs.at("name") : "");
                } else if (t.name == "xi:include" && !t.closing) {
                    auto it = t.attrs.find("href");
                    if (it == t.attrs.end())
                        throw ProtocolError(where + ": <xi:include> without href");
                    parse(fetch(it->second), it->second);
                } else if (t.name == "reg" && !t.closing) {
                    RegisterInfo r;
                    auto name = t.attrs.find("name");
                    if (name == t.attrs.end() || name->second.empty())
                        throw ProtocolError(where + ": <reg> without a name");
                    r.name = name->second;
                    auto bits = t.attrs.find("bitsize");
                    if (bits == t.attrs.end())
                        throw ProtocolError(where + ": register '" + r.name + "' has no bitsize");
                    r.bitsize = parse_uint(bits->second, where + ": bitsize of '" + r.name + "'");
                    auto num = t.attrs.find("regnum");
                    if (num != t.attrs.end())
                        next = parse_uint(num->second, where + ": regnum of '" + r.name + "'");
                    r.regnum = next++;
                    r.feature = feature;
                    regs.push_back(std::move(r));
                }
            },
            [&](const std::string &text) {
                if (in_arch) {
                    size_t b = text.find_first_not_of(" \t\r\n");
                    size_t e = text.find_last_not_of(" \t\r\n");
                    if (b != std::string::npos) architecture = text.substr(b, e - b + 1);
                }
            });
        open.erase(where);
    }
};

}  // namespace

TargetDescription TargetDescription::parse(
    const std::string &target_xml, const std::function<std::string(const std::string &)> &fetch)
{
    Parser p{fetch, {}, {}, 0, {}};
    p.parse(target_xml, "target.xml");
    TargetDescription d;
    d.architecture_ = p.architecture;
    d.registers_ = std::move(p.regs);
    std::stable_sort(d.registers_.begin(), d.registers_.end(),
                     [](const RegisterInfo &a, const RegisterInfo &b) { return a.regnum < b.regnum; });
    return d;
}

const RegisterInfo *TargetDescription::find(std::string_view name) const
{
    for (const auto &r : registers_)
        if (r.name == name) return &r;
    return nullptr;
}

const RegisterInfo &TargetDescription::require(std::string_view name) const
{
    if (const RegisterInfo *r = find(name)) return *r;
    throw Error("rsp: the target description (" +
                (architecture_.empty() ? std::string("no architecture") : architecture_) + ", " +
                std::to_string(registers_.size()) + " registers) has no register '" +
                std::string(name) + "'");
}

std::vector<std::pair<const RegisterInfo *, std::vector<uint8_t>>> TargetDescription::split_g(
    const std::vector<uint8_t> &g) const
{
    std::vector<std::pair<const RegisterInfo *, std::vector<uint8_t>>> out;
    size_t off = 0;
    for (const auto &r : registers_) {
        const size_t n = (r.bitsize + 7) / 8;
        if (off + n > g.size()) break;
        out.emplace_back(&r, std::vector<uint8_t>(g.begin() + off, g.begin() + off + n));
        off += n;
    }
    return out;
}

}  // namespace tinytx::rsp
