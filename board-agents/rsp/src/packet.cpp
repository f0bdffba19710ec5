// GDB RSP framing (see packet.h).
#include "tinytx/rsp/packet.h"

#include <cstdio>

#include "tinytx/rsp/errors.h"

namespace tinytx::rsp {

namespace {

int hex_digit(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string printable(std::string_view s, size_t max = 64)
{
    std::string out;
    for (size_t i = 0; i < s.size() && i < max; ++i) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c < 0x7f) {
            out += char(c);
        } else {
            char b[8];
            std::snprintf(b, sizeof b, "\\x%02x", c);
            out += b;
        }
    }
    if (s.size() > max) out += "...";
    return out;
}

}  // namespace

uint8_t checksum(std::string_view payload)
{
    unsigned sum = 0;
    for (unsigned char c : payload) sum += c;
    return uint8_t(sum & 0xFF);
}

std::string frame(std::string_view payload)
{
    char cs[4];
    std::snprintf(cs, sizeof cs, "%02x", checksum(payload));
    std::string out;
    out.reserve(payload.size() + 4);
    out += '$';
    out += payload;
    out += '#';
    out += cs;
    return out;
}

std::string escape_binary(std::string_view data)
{
    std::string out;
    out.reserve(data.size());
    for (char c : data) {
        if (c == '#' || c == '$' || c == '}' || c == '*') {
            out += '}';
            out += char(c ^ 0x20);
        } else {
            out += c;
        }
    }
    return out;
}

std::string decode_payload(std::string_view raw)
{
    std::string out;
    out.reserve(raw.size());
    for (size_t i = 0; i < raw.size(); ++i) {
        const char c = raw[i];
        if (c == '}') {
            if (i + 1 >= raw.size())
                throw ProtocolError("rsp: packet ends inside an escape ('}' at the end)");
            out += char(raw[++i] ^ 0x20);
        } else if (c == '*') {
            if (out.empty() || i + 1 >= raw.size())
                throw ProtocolError("rsp: run-length marker '*' without a byte to repeat");
            const int n = static_cast<unsigned char>(raw[++i]) - 29;
            if (n < 0) throw ProtocolError("rsp: bad run-length count in a packet");
            out.append(size_t(n), out.back());
        } else {
            out += c;
        }
    }
    return out;
}

std::string to_hex(const uint8_t *data, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    std::string out(n * 2, '0');
    for (size_t i = 0; i < n; ++i) {
        out[2 * i] = digits[data[i] >> 4];
        out[2 * i + 1] = digits[data[i] & 0xF];
    }
    return out;
}

std::string to_hex(std::string_view s)
{
    return to_hex(reinterpret_cast<const uint8_t *>(s.data()), s.size());
}

std::vector<uint8_t> from_hex(std::string_view hex, std::string_view what)
{
    if (hex.size() % 2)
        throw ProtocolError("rsp: " + std::string(what) + " has an odd number of hex digits: '" +
                            printable(hex) + "'");
    std::vector<uint8_t> out(hex.size() / 2);
    for (size_t i = 0; i < out.size(); ++i) {
        const int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            throw ProtocolError("rsp: " + std::string(what) + " is not hex: '" + printable(hex) +
                                "'");
        out[i] = uint8_t(hi << 4 | lo);
    }
    return out;
}

uint64_t parse_hex_u64(std::string_view hex, std::string_view what)
{
    if (hex.empty() || hex.size() > 16)
        throw ProtocolError("rsp: bad " + std::string(what) + ": '" + printable(hex) + "'");
    uint64_t v = 0;
    for (char c : hex) {
        const int d = hex_digit(c);
        if (d < 0) throw ProtocolError("rsp: bad " + std::string(what) + ": '" + printable(hex) + "'");
        v = v << 4 | uint64_t(d);
    }
    return v;
}

void PacketReader::feed(const char *data, size_t n)
{
    buf_.append(data, n);
}

std::optional<PacketReader::Event> PacketReader::next()
{
    while (!buf_.empty()) {
        const char c = buf_[0];
        if (c == '+' || c == '-') {
            buf_.erase(0, 1);
            return Event{c == '+' ? Event::Kind::kAck : Event::Kind::kNack, {}, true};
        }
        if (c != '$' && c != '%') {
            // noise between packets (e.g. a stray byte after a reconnect): skip it
            buf_.erase(0, 1);
            continue;
        }
        const size_t hash = buf_.find('#', 1);
        if (hash == std::string::npos || buf_.size() < hash + 3) return std::nullopt;
        const std::string_view raw(buf_.data() + 1, hash - 1);
        const int hi = hex_digit(buf_[hash + 1]), lo = hex_digit(buf_[hash + 2]);
        Event ev;
        ev.kind = c == '$' ? Event::Kind::kPacket : Event::Kind::kNotification;
        ev.checksum_ok = hi >= 0 && lo >= 0 && uint8_t(hi << 4 | lo) == checksum(raw);
        if (ev.checksum_ok) {
            try {
                ev.payload = decode_payload(raw);
            } catch (const ProtocolError &) {
                ev.checksum_ok = false;  // corrupted in transit: ask for it again
            }
        }
        buf_.erase(0, hash + 3);
        return ev;
    }
    return std::nullopt;
}

bool is_stop_reply(std::string_view p)
{
    if (p.size() < 3) return false;
    const char k = p[0];
    if (k != 'T' && k != 'S' && k != 'W' && k != 'X') return false;
    return hex_digit(p[1]) >= 0 && hex_digit(p[2]) >= 0;
}

StopReply parse_stop_reply(std::string_view p)
{
    if (!is_stop_reply(p))
        throw ProtocolError("rsp: not a stop reply: '" + printable(p) + "'");
    StopReply r;
    r.raw = std::string(p);
    const int num = int(parse_hex_u64(p.substr(1, 2), "stop reply signal"));
    switch (p[0]) {
    case 'S':
    case 'T': r.kind = StopReply::Kind::kSignal; r.signal = num; break;
    case 'W': r.kind = StopReply::Kind::kExited; r.exit_code = num; break;
    case 'X': r.kind = StopReply::Kind::kTerminated; r.signal = num; break;
    }
    if (p[0] != 'T') return r;  // W/X may carry ";process:pid", S nothing
    std::string_view rest = p.substr(3);
    while (!rest.empty()) {
        const size_t semi = rest.find(';');
        const std::string_view pair = rest.substr(0, semi);
        rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
        if (pair.empty()) continue;
        const size_t colon = pair.find(':');
        if (colon == std::string_view::npos)
            throw ProtocolError("rsp: malformed stop reply field '" + printable(pair) + "' in '" +
                                printable(p) + "'");
        const std::string_view key = pair.substr(0, colon), value = pair.substr(colon + 1);
        bool is_regnum = !key.empty();
        for (char c : key) is_regnum = is_regnum && hex_digit(c) >= 0;
        if (is_regnum) {
            r.registers[uint32_t(parse_hex_u64(key, "register number"))] =
                from_hex(value, "an expedited register");
        } else if (key == "thread") {
            r.thread = std::string(value);
        } else if (key == "swbreak" || key == "hwbreak" || key == "watch" || key == "rwatch" ||
                   key == "awatch" || key == "library" || key == "replaylog" || key == "fork" ||
                   key == "vfork" || key == "exec" || key == "create") {
            r.reason = std::string(key);
        }
        // other keys (core, ...) are ignored
    }
    return r;
}

}  // namespace tinytx::rsp
