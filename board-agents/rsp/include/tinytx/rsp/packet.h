// GDB remote serial protocol framing, independent of any transport:
//   $<payload>#<two hex digits: sum of the payload bytes mod 256>
// acknowledged with '+' (or '-' to ask for a retransmission). Inside a payload '}' escapes the
// next byte (which is XORed with 0x20) and "c*n" repeats c (n - 29) more times (run-length
// encoding, replies only). '%' starts a notification (non-stop mode; read and dropped here).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tinytx::rsp {

uint8_t checksum(std::string_view payload);
// "$payload#cs"; payload is sent as is (escape binary data with escape_binary first)
std::string frame(std::string_view payload);
// escapes '#', '$', '}' and '*' for binary payloads (X packets)
std::string escape_binary(std::string_view data);
// undoes escapes and run-length encoding; ProtocolError on a truncated escape or a bad repeat
std::string decode_payload(std::string_view raw);

std::string to_hex(const uint8_t *data, size_t n);
std::string to_hex(std::string_view s);
// ProtocolError naming `what` on odd length or a non-hex digit
std::vector<uint8_t> from_hex(std::string_view hex, std::string_view what = "hex data");
uint64_t parse_hex_u64(std::string_view hex, std::string_view what = "hex number");

// Splits a byte stream into protocol events.
class PacketReader {
public:
    struct Event {
        enum class Kind { kAck, kNack, kPacket, kNotification } kind;
        std::string payload;       // decoded (kPacket, kNotification)
        bool checksum_ok = true;   // kPacket: the sender's checksum matched
    };

    void feed(const char *data, size_t n);
    std::optional<Event> next();
    size_t buffered() const { return buf_.size(); }

private:
    std::string buf_;
};

// A stop reply: S/T (stopped with a signal), W (exited), X (terminated by a signal).
struct StopReply {
    enum class Kind { kSignal, kExited, kTerminated } kind = Kind::kSignal;
    int signal = 0;                // S/T/X: the GDB signal number (5 = SIGTRAP, 2 = SIGINT)
    int exit_code = 0;             // W
    std::string thread;            // T: thread:...
    std::string reason;            // T: swbreak, hwbreak, watch, rwatch, awatch, ...
    std::map<uint32_t, std::vector<uint8_t>> registers;  // T: expedited registers by number
    std::string raw;
};

// True for payloads that are stop replies (T.., S.., W.., X..).
bool is_stop_reply(std::string_view payload);
// ProtocolError on a malformed reply
StopReply parse_stop_reply(std::string_view payload);

// GDB's signal numbers that matter here
constexpr int kSigInt = 2, kSigIll = 4, kSigTrap = 5, kSigBus = 7, kSigSegv = 11;

}  // namespace tinytx::rsp
