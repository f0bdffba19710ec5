// A connected stream socket (TCP with TCP_NODELAY, or a unix-domain socket) with deadlines on
// every operation (ConnectionError, TimeoutError: errors.h). Used by the RSP client and the
// OpenOCD TCL client.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace tinytx::platform {

using Clock = std::chrono::steady_clock;

struct Endpoint {
    enum class Kind { kTcp, kUnix } kind = Kind::kTcp;
    std::string host = "127.0.0.1";  // kTcp
    uint16_t port = 0;               // kTcp
    std::string path;                // kUnix

    static Endpoint tcp(std::string host, uint16_t port);
    static Endpoint unix_socket(std::string path);
    std::string describe() const;    // "tcp:127.0.0.1:3333" / "unix:/tmp/x/gdb.sock"
};

class Socket {
public:
    Socket() = default;
    ~Socket();
    Socket(Socket &&o) noexcept;
    Socket &operator=(Socket &&o) noexcept;
    Socket(const Socket &) = delete;
    Socket &operator=(const Socket &) = delete;

    // One attempt; ConnectionError (refused, no such socket, ...) or TimeoutError.
    static Socket connect(const Endpoint &ep, Clock::time_point deadline);
    // Retries refused / not-yet-existing endpoints until the deadline (a server that is still
    // starting); `alive` (optional) is asked between attempts and stops the retries when false.
    template <class Alive>
    static Socket connect_retry(const Endpoint &ep, Clock::time_point deadline, Alive alive);

    const Endpoint &endpoint() const { return ep_; }
    void close();

    // ConnectionError / TimeoutError
    void send_all(const void *data, size_t n, Clock::time_point deadline);
    // Waits for data until the deadline; returns the number of bytes read (> 0).
    // ConnectionError with "closed" when the peer closed the connection.
    size_t recv_some(char *buf, size_t cap, Clock::time_point deadline);

private:
    int fd_ = -1;
    Endpoint ep_;
};

// implemented in socket.cpp for the plain retry loop
Socket connect_with_retry(const Endpoint &ep, Clock::time_point deadline, bool (*alive)(void *),
                          void *ctx);

template <class Alive>
Socket Socket::connect_retry(const Endpoint &ep, Clock::time_point deadline, Alive alive)
{
    return connect_with_retry(
        ep, deadline, [](void *c) { return (*static_cast<Alive *>(c))(); }, &alive);
}

// A loopback TCP port that was free a moment ago (bind to port 0, read it, close). Racy by
// nature: for processes that cannot take an inherited socket.
uint16_t pick_free_tcp_port();

}  // namespace tinytx::platform
