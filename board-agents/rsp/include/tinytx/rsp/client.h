// A GDB remote serial protocol client for one all-stop target (QEMU's gdbstub, OpenOCD's GDB
// server). Every call takes a timeout (or uses the client's default) and throws
// platform::TimeoutError / ConnectionError (the socket) or ProtocolError / RemoteError (errors.h)
// naming the endpoint and the request. Not thread-safe: one thread drives one client.
//
// Quirks handled: QEMU answers p/P only after the client fetched target.xml (handshake() does);
// QEMU has no no-ack mode (acks are always used); memory transfers are split to fit the stub's
// PacketSize; TCP connections set TCP_NODELAY.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tinytx/platform/socket.h"
#include "tinytx/rsp/errors.h"
#include "tinytx/rsp/packet.h"
#include "tinytx/rsp/target_description.h"

namespace tinytx::rsp {

using Millis = std::chrono::milliseconds;

enum class BreakpointType { kSoftware = 0, kHardware = 1, kWriteWatch = 2, kReadWatch = 3,
                            kAccessWatch = 4 };

class Client {
public:
    // Connects (retrying while the server starts, until `timeout`); does not talk yet.
    static Client connect(const platform::Endpoint &ep, Millis timeout);
    // Takes an already connected socket.
    explicit Client(platform::Socket sock, Millis default_timeout = Millis(2000));

    Client(Client &&) = default;
    Client &operator=(Client &&) = default;

    // qSupported (PacketSize, features), target.xml when offered (registers by name), and the
    // initial stop reason ('?'), which it returns.
    std::optional<StopReply> handshake(std::optional<Millis> timeout = {});

    size_t packet_size() const { return packet_size_; }
    bool supports(std::string_view feature) const;  // a "+" feature of qSupported
    const TargetDescription &target() const { return target_; }

    // --- raw packets --------------------------------------------------------------------
    // Sends one packet (waits for its '+', retransmits on '-') and returns the reply.
    std::string request(std::string_view payload, std::optional<Millis> timeout = {});

    // --- registers (numbers from target.xml, names via target()) ------------------------
    uint32_t regnum(std::string_view name) const;  // platform::Error naming an unknown register
    std::vector<uint8_t> read_register(uint32_t regnum, std::optional<Millis> timeout = {});
    void write_register(uint32_t regnum, const std::vector<uint8_t> &value,
                        std::optional<Millis> timeout = {});
    // little-endian values of up to 64 bits
    uint64_t read_register(std::string_view name, std::optional<Millis> timeout = {});
    void write_register(std::string_view name, uint64_t value, std::optional<Millis> timeout = {});
    std::vector<uint8_t> read_registers(std::optional<Millis> timeout = {});  // 'g'

    // --- memory (split into PacketSize chunks) ------------------------------------------
    std::vector<uint8_t> read_memory(uint64_t addr, size_t len, std::optional<Millis> timeout = {});
    void write_memory(uint64_t addr, const std::vector<uint8_t> &data,
                      std::optional<Millis> timeout = {});
    uint32_t read_u32(uint64_t addr, std::optional<Millis> timeout = {});
    void write_u32(uint64_t addr, uint32_t value, std::optional<Millis> timeout = {});

    // --- breakpoints: kind = breakpoint length (2 Thumb, 4 ARM / RV32) -------------------
    void insert_breakpoint(BreakpointType type, uint64_t addr, uint32_t kind,
                           std::optional<Millis> timeout = {});
    void remove_breakpoint(BreakpointType type, uint64_t addr, uint32_t kind,
                           std::optional<Millis> timeout = {});

    // --- execution ----------------------------------------------------------------------
    // Resume (vCont;c when the stub offers vCont, else c); the stop arrives through wait_stop.
    void resume(std::optional<Millis> timeout = {});
    // One instruction (vCont;s or s); returns its stop reply.
    StopReply step(std::optional<Millis> timeout = {});
    // The next stop reply (console output 'O' packets are collected in console()).
    StopReply wait_stop(platform::Clock::time_point deadline);
    StopReply wait_stop(Millis timeout) { return wait_stop(platform::Clock::now() + timeout); }
    StopReply resume_and_wait(platform::Clock::time_point deadline);
    // Sends the interrupt byte (0x03); the stop reply (usually signal 2) comes through wait_stop.
    void interrupt(std::optional<Millis> timeout = {});
    // 'k': the stub kills the target (QEMU exits); no reply is expected. Never throws.
    void kill() noexcept;
    // 'D'; never throws.
    void detach() noexcept;

    // `monitor <cmd>` (qRcmd): the command's output. RemoteError when the stub reports an error
    // (its output so far in the message), or does not support monitor commands.
    std::string monitor(std::string_view command, std::optional<Millis> timeout = {});

    // Text the target printed through 'O' packets while running.
    const std::string &console() const { return console_; }

    // Number of packets sent (benchmarks, tests).
    uint64_t packets_sent() const { return sent_; }

private:
    platform::Clock::time_point deadline_of(std::optional<Millis> t) const;
    void send_packet(std::string_view payload, platform::Clock::time_point deadline);
    std::string receive_packet(platform::Clock::time_point deadline);  // the next packet, acknowledged
    PacketReader::Event next_event(platform::Clock::time_point deadline);
    void send_ack(char a, platform::Clock::time_point deadline);
    std::string expect_ok(std::string_view payload, std::optional<Millis> timeout,
                          std::string_view what);
    std::string fetch_xfer(std::string_view object, std::string_view annex,
                           platform::Clock::time_point deadline);
    std::string what_request(std::string_view payload) const;
    [[noreturn]] void throw_remote(std::string_view request, const std::string &reply) const;
    size_t max_mem_chunk() const;

    platform::Socket sock_;
    Millis default_timeout_{2000};
    PacketReader reader_;
    std::deque<std::string> pending_;  // packets that arrived while waiting for an ack
    size_t packet_size_ = 400;         // until qSupported says otherwise
    std::vector<std::string> features_;
    TargetDescription target_;
    bool vcont_ = false;
    std::string console_;
    uint64_t sent_ = 0;
};

}  // namespace tinytx::rsp
