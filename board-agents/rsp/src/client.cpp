// GDB RSP client (see client.h).
#include "tinytx/rsp/client.h"

#include <cctype>
#include <cinttypes>
#include <cstdarg>
#include <cstdio>

namespace tinytx::rsp {

using platform::Clock;
using platform::ConnectionError;
using platform::Endpoint;
using platform::Error;
using platform::Socket;
using platform::TimeoutError;

namespace {

constexpr int kMaxRetransmits = 5;

bool is_error_reply(const std::string &r)
{
    return !r.empty() && r[0] == 'E' && (r.size() == 3 || (r.size() > 1 && r[1] == '.'));
}

bool is_hex(std::string_view s)
{
    for (char c : s)
        if (!isxdigit(static_cast<unsigned char>(c))) return false;
    return true;
}

// "O<hex>" console output (and not "OK")
bool is_console_output(const std::string &p)
{
    return p.size() >= 3 && p[0] == 'O' && (p.size() - 1) % 2 == 0 && is_hex(std::string_view(p).substr(1));
}

std::string hex_text(std::string_view hex)
{
    const auto b = from_hex(hex, "console output");
    return std::string(b.begin(), b.end());
}

std::string fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
std::string fmt(const char *f, ...)
{
    char buf[160];
    va_list ap;
    va_start(ap, f);
    std::vsnprintf(buf, sizeof buf, f, ap);
    va_end(ap);
    return buf;
}

}  // namespace

Client Client::connect(const Endpoint &ep, Millis timeout)
{
    Socket s = Socket::connect_retry(ep, Clock::now() + timeout, [] { return true; });
    return Client(std::move(s), Millis(2000));
}

Client::Client(Socket sock, Millis default_timeout)
    : sock_(std::move(sock)), default_timeout_(default_timeout)
{
}

Clock::time_point Client::deadline_of(std::optional<Millis> t) const
{
    return Clock::now() + (t ? *t : default_timeout_);
}

std::string Client::what_request(std::string_view payload) const
{
    std::string p(payload.substr(0, 48));
    if (payload.size() > 48) p += "...";
    return "'" + p + "' to " + sock_.endpoint().describe();
}

void Client::throw_remote(std::string_view request, const std::string &reply) const
{
    if (reply.empty())
        throw RemoteError("rsp: " + what_request(request) + " is not supported by the stub (empty reply)",
                          -1);
    int code = -1;
    if (reply.size() == 3) code = int(parse_hex_u64(std::string_view(reply).substr(1), "error code"));
    throw RemoteError("rsp: " + what_request(request) + " failed: " + reply, code);
}

PacketReader::Event Client::next_event(Clock::time_point deadline)
{
    for (;;) {
        if (auto ev = reader_.next()) return std::move(*ev);
        char buf[8192];
        const size_t n = sock_.recv_some(buf, sizeof buf, deadline);
        reader_.feed(buf, n);
    }
}

void Client::send_ack(char a, Clock::time_point deadline)
{
    try {
        sock_.send_all(&a, 1, deadline);
    } catch (const ConnectionError &) {
        // the stub may close right after its last packet (QEMU after W/X): the packet counts,
        // the next request reports the closed connection
    }
}

void Client::send_packet(std::string_view payload, Clock::time_point deadline)
{
    const std::string framed = frame(payload);
    for (int attempt = 0; attempt <= kMaxRetransmits; ++attempt) {
        sock_.send_all(framed.data(), framed.size(), deadline);
        ++sent_;
        for (;;) {
            PacketReader::Event ev;
            try {
                ev = next_event(deadline);
            } catch (const TimeoutError &) {
                throw TimeoutError("rsp: timeout waiting for the acknowledgement of " +
                                   what_request(payload));
            }
            if (ev.kind == PacketReader::Event::Kind::kAck) return;
            if (ev.kind == PacketReader::Event::Kind::kNack) break;  // retransmit
            if (ev.kind == PacketReader::Event::Kind::kPacket) {
                // a packet before the ack (e.g. a late stop reply): keep it for the reader
                send_ack(ev.checksum_ok ? '+' : '-', deadline);
                if (ev.checksum_ok) pending_.push_back(std::move(ev.payload));
            }
        }
    }
    throw ProtocolError("rsp: " + what_request(payload) + " was rejected (nack) " +
                        std::to_string(kMaxRetransmits + 1) + " times");
}

std::string Client::receive_packet(Clock::time_point deadline)
{
    if (!pending_.empty()) {
        std::string p = std::move(pending_.front());
        pending_.pop_front();
        return p;
    }
    int bad = 0;
    for (;;) {
        PacketReader::Event ev = next_event(deadline);
        if (ev.kind != PacketReader::Event::Kind::kPacket) continue;  // stray ack, notification
        if (!ev.checksum_ok) {
            if (++bad > kMaxRetransmits)
                throw ProtocolError("rsp: " + sock_.endpoint().describe() +
                                    " keeps sending packets with bad checksums");
            sock_.send_all("-", 1, deadline);
            continue;
        }
        send_ack('+', deadline);
        return std::move(ev.payload);
    }
}

std::string Client::request(std::string_view payload, std::optional<Millis> timeout)
{
    const auto deadline = deadline_of(timeout);
    send_packet(payload, deadline);
    try {
        return receive_packet(deadline);
    } catch (const TimeoutError &) {
        throw TimeoutError("rsp: timeout waiting for the reply to " + what_request(payload));
    }
}

std::string Client::expect_ok(std::string_view payload, std::optional<Millis> timeout,
                              std::string_view)
{
    std::string r = request(payload, timeout);
    if (r != "OK") throw_remote(payload, r);
    return r;
}

bool Client::supports(std::string_view feature) const
{
    for (const auto &f : features_)
        if (f == feature) return true;
    return false;
}

std::string Client::fetch_xfer(std::string_view object, std::string_view annex,
                               Clock::time_point deadline)
{
    std::string out;
    const size_t chunk = packet_size_ > 64 ? packet_size_ - 32 : 32;
    for (;;) {
        const std::string req = "qXfer:" + std::string(object) + ":read:" + std::string(annex) +
                                ":" + fmt("%zx,%zx", out.size(), chunk);
        send_packet(req, deadline);
        const std::string r = receive_packet(deadline);
        if (r.empty() || r[0] == 'E') throw_remote(req, r);
        if (r[0] != 'm' && r[0] != 'l')
            throw ProtocolError("rsp: unexpected reply to " + what_request(req) + ": '" +
                                r.substr(0, 32) + "'");
        out.append(r, 1, std::string::npos);
        if (r[0] == 'l') return out;
        if (r.size() == 1)
            throw ProtocolError("rsp: " + what_request(req) + " returned no data but more to come");
    }
}

std::optional<StopReply> Client::handshake(std::optional<Millis> timeout)
{
    const auto deadline = deadline_of(timeout);
    const std::string q = "qSupported:swbreak+;hwbreak+;vContSupported+";
    send_packet(q, deadline);
    const std::string supported = receive_packet(deadline);
    features_.clear();
    size_t pos = 0;
    while (pos <= supported.size()) {
        const size_t semi = supported.find(';', pos);
        const std::string f = supported.substr(pos, semi == std::string::npos ? std::string::npos : semi - pos);
        if (f.rfind("PacketSize=", 0) == 0) {
            packet_size_ = size_t(parse_hex_u64(std::string_view(f).substr(11), "PacketSize"));
            if (packet_size_ < 64) packet_size_ = 64;
        } else if (!f.empty() && f.back() == '+') {
            features_.push_back(f.substr(0, f.size() - 1));
        }
        if (semi == std::string::npos) break;
        pos = semi + 1;
    }
    if (supports("qXfer:features:read")) {
        const std::string xml = fetch_xfer("features", "target.xml", deadline);
        target_ = TargetDescription::parse(xml, [&](const std::string &annex) {
            return fetch_xfer("features", annex, deadline);
        });
    }
    send_packet("vCont?", deadline);
    const std::string vc = receive_packet(deadline);
    vcont_ = vc.rfind("vCont", 0) == 0 && vc.find(";c") != std::string::npos &&
             vc.find(";s") != std::string::npos;
    send_packet("?", deadline);
    const std::string why = receive_packet(deadline);
    if (is_stop_reply(why)) return parse_stop_reply(why);
    return std::nullopt;
}

uint32_t Client::regnum(std::string_view name) const
{
    if (target_.empty())
        throw Error("rsp: no target description from " + sock_.endpoint().describe() +
                    " (handshake() not called, or the stub offers no qXfer:features:read): cannot "
                    "number register '" + std::string(name) + "'");
    return target_.require(name).regnum;
}

std::vector<uint8_t> Client::read_register(uint32_t num, std::optional<Millis> timeout)
{
    const std::string req = fmt("p%x", num);
    const std::string r = request(req, timeout);
    if (r.empty() || is_error_reply(r)) throw_remote(req, r);
    if (r.find('x') != std::string::npos)
        throw RemoteError("rsp: register " + std::to_string(num) + " is unavailable (" +
                          what_request(req) + ")", -1);
    return from_hex(r, "register value");
}

void Client::write_register(uint32_t num, const std::vector<uint8_t> &value,
                            std::optional<Millis> timeout)
{
    const std::string req = fmt("P%x=", num) + to_hex(value.data(), value.size());
    expect_ok(req, timeout, "write register");
}

uint64_t Client::read_register(std::string_view name, std::optional<Millis> timeout)
{
    const auto b = read_register(regnum(name), timeout);
    uint64_t v = 0;
    for (size_t i = 0; i < b.size() && i < 8; ++i) v |= uint64_t(b[i]) << (8 * i);
    return v;
}

void Client::write_register(std::string_view name, uint64_t value, std::optional<Millis> timeout)
{
    const RegisterInfo &r = target_.require(name);
    std::vector<uint8_t> b((r.bitsize + 7) / 8);
    for (size_t i = 0; i < b.size(); ++i) b[i] = i < 8 ? uint8_t(value >> (8 * i)) : 0;
    write_register(r.regnum, b, timeout);
}

std::vector<uint8_t> Client::read_registers(std::optional<Millis> timeout)
{
    std::string r = request("g", timeout);
    if (r.empty() || is_error_reply(r)) throw_remote("g", r);
    for (char &c : r)
        if (c == 'x') c = '0';  // unavailable registers
    return from_hex(r, "'g' reply");
}

size_t Client::max_mem_chunk() const
{
    // reply "$<2 hex digits per byte>#cs" and request "Maddr,len:<hex>" must fit PacketSize
    return packet_size_ > 96 ? (packet_size_ - 32) / 2 : 32;
}

std::vector<uint8_t> Client::read_memory(uint64_t addr, size_t len, std::optional<Millis> timeout)
{
    const auto deadline = deadline_of(timeout);
    std::vector<uint8_t> out;
    out.reserve(len);
    while (out.size() < len) {
        const size_t n = std::min(max_mem_chunk(), len - out.size());
        const uint64_t a = addr + out.size();
        const std::string req = fmt("m%" PRIx64 ",%zx", a, n);
        send_packet(req, deadline);
        std::string r;
        try {
            r = receive_packet(deadline);
        } catch (const TimeoutError &) {
            throw TimeoutError("rsp: timeout waiting for the reply to " + what_request(req));
        }
        if (r.empty() || is_error_reply(r))
            throw RemoteError("rsp: cannot read " + std::to_string(n) + " bytes at " +
                                  fmt("0x%08" PRIx64, a) + " (" + what_request(req) + "): " +
                                  (r.empty() ? std::string("empty reply") : r),
                              r.size() == 3 ? int(parse_hex_u64(std::string_view(r).substr(1))) : -1);
        const auto b = from_hex(r, "memory read reply");
        if (b.empty() || b.size() > n)
            throw ProtocolError("rsp: " + what_request(req) + " returned " +
                                std::to_string(b.size()) + " bytes");
        out.insert(out.end(), b.begin(), b.end());  // a short read continues after it
    }
    return out;
}

void Client::write_memory(uint64_t addr, const std::vector<uint8_t> &data,
                          std::optional<Millis> timeout)
{
    const auto deadline = deadline_of(timeout);
    size_t done = 0;
    while (done < data.size()) {
        const size_t n = std::min(max_mem_chunk(), data.size() - done);
        const uint64_t a = addr + done;
        const std::string req = fmt("M%" PRIx64 ",%zx:", a, n) + to_hex(data.data() + done, n);
        send_packet(req, deadline);
        std::string r;
        try {
            r = receive_packet(deadline);
        } catch (const TimeoutError &) {
            throw TimeoutError("rsp: timeout waiting for the reply to " + what_request(req));
        }
        if (r != "OK")
            throw RemoteError("rsp: cannot write " + std::to_string(n) + " bytes at " +
                                  fmt("0x%08" PRIx64, a) + " (" + what_request(req) + "): " +
                                  (r.empty() ? std::string("empty reply") : r),
                              r.size() == 3 && is_hex(std::string_view(r).substr(1))
                                  ? int(parse_hex_u64(std::string_view(r).substr(1)))
                                  : -1);
        done += n;
    }
}

uint32_t Client::read_u32(uint64_t addr, std::optional<Millis> timeout)
{
    const auto b = read_memory(addr, 4, timeout);
    return uint32_t(b[0]) | uint32_t(b[1]) << 8 | uint32_t(b[2]) << 16 | uint32_t(b[3]) << 24;
}

void Client::write_u32(uint64_t addr, uint32_t v, std::optional<Millis> timeout)
{
    write_memory(addr, {uint8_t(v), uint8_t(v >> 8), uint8_t(v >> 16), uint8_t(v >> 24)}, timeout);
}

void Client::insert_breakpoint(BreakpointType type, uint64_t addr, uint32_t kind,
                               std::optional<Millis> timeout)
{
    expect_ok(fmt("Z%d,%" PRIx64 ",%x", int(type), addr, kind), timeout, "insert breakpoint");
}

void Client::remove_breakpoint(BreakpointType type, uint64_t addr, uint32_t kind,
                               std::optional<Millis> timeout)
{
    expect_ok(fmt("z%d,%" PRIx64 ",%x", int(type), addr, kind), timeout, "remove breakpoint");
}

void Client::resume(std::optional<Millis> timeout)
{
    send_packet(vcont_ ? "vCont;c" : "c", deadline_of(timeout));
}

StopReply Client::step(std::optional<Millis> timeout)
{
    const auto deadline = deadline_of(timeout);
    send_packet(vcont_ ? "vCont;s" : "s", deadline);
    return wait_stop(deadline);
}

StopReply Client::wait_stop(Clock::time_point deadline)
{
    for (;;) {
        std::string p;
        try {
            p = receive_packet(deadline);
        } catch (const TimeoutError &) {
            throw TimeoutError("rsp: timeout waiting for the target at " +
                               sock_.endpoint().describe() + " to stop");
        }
        if (is_stop_reply(p)) return parse_stop_reply(p);
        if (is_console_output(p)) {
            console_ += hex_text(std::string_view(p).substr(1));
            continue;
        }
        if (is_error_reply(p))
            throw RemoteError("rsp: " + sock_.endpoint().describe() +
                                  " did not resume the target: " + p,
                              p.size() == 3 ? int(parse_hex_u64(std::string_view(p).substr(1))) : -1);
        // anything else while running (a late "OK") is not a stop: keep waiting
    }
}

StopReply Client::resume_and_wait(Clock::time_point deadline)
{
    send_packet(vcont_ ? "vCont;c" : "c", deadline);
    return wait_stop(deadline);
}

void Client::interrupt(std::optional<Millis> timeout)
{
    const char c = 0x03;
    sock_.send_all(&c, 1, deadline_of(timeout));
}

void Client::kill() noexcept
{
    try {
        const std::string k = frame("k");
        sock_.send_all(k.data(), k.size(), Clock::now() + Millis(200));
        ++sent_;
        // the stub may ack, answer, or just close the connection: wait briefly for any of them
        next_event(Clock::now() + Millis(100));
    } catch (...) {
    }
}

void Client::detach() noexcept
{
    try {
        request("D", Millis(500));
    } catch (...) {
    }
}

std::string Client::monitor(std::string_view command, std::optional<Millis> timeout)
{
    const auto deadline = deadline_of(timeout);
    const std::string req = "qRcmd," + to_hex(command);
    send_packet(req, deadline);
    std::string output;
    for (;;) {
        std::string r;
        try {
            r = receive_packet(deadline);
        } catch (const TimeoutError &) {
            throw TimeoutError("rsp: timeout waiting for 'monitor " + std::string(command) +
                               "' at " + sock_.endpoint().describe());
        }
        if (r == "OK") return output;
        if (is_console_output(r)) {
            output += hex_text(std::string_view(r).substr(1));
            continue;
        }
        if (r.empty())
            throw RemoteError("rsp: " + sock_.endpoint().describe() +
                                  " does not support monitor commands ('monitor " +
                                  std::string(command) + "')",
                              -1);
        if (is_error_reply(r))
            throw RemoteError("rsp: 'monitor " + std::string(command) + "' failed at " +
                                  sock_.endpoint().describe() + ": " + r +
                                  (output.empty() ? std::string() : " (output: " + output + ")"),
                              r.size() == 3 ? int(parse_hex_u64(std::string_view(r).substr(1))) : -1);
        if (r.size() % 2 == 0 && is_hex(r)) return output + hex_text(r);  // output as the reply
        throw ProtocolError("rsp: unexpected reply to 'monitor " + std::string(command) + "': '" +
                            r.substr(0, 32) + "'");
    }
}

}  // namespace tinytx::rsp
