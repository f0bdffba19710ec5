// Stream sockets with deadlines (see socket.h).
#include "tinytx/platform/socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "tinytx/platform/errors.h"

namespace tinytx::platform {

namespace {

int ms_until(Clock::time_point deadline)
{
    // rounded up: a wait that returns must have reached the deadline
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return 0;
    return left.count() > 1'000'000 ? 1'000'000 : int(left.count());
}

std::string errno_text(int e)
{
    return std::strerror(e);
}

// poll one fd; returns revents, 0 on timeout; EINTR retried
short wait_fd(int fd, short events, Clock::time_point deadline)
{
    for (;;) {
        pollfd p{fd, events, 0};
        const int r = ::poll(&p, 1, ms_until(deadline));
        if (r > 0) return p.revents;
        if (r == 0) return 0;
        if (errno != EINTR) return POLLERR;
    }
}

}  // namespace

Endpoint Endpoint::tcp(std::string host, uint16_t port)
{
    Endpoint e;
    e.kind = Kind::kTcp;
    e.host = std::move(host);
    e.port = port;
    return e;
}

Endpoint Endpoint::unix_socket(std::string path)
{
    Endpoint e;
    e.kind = Kind::kUnix;
    e.path = std::move(path);
    return e;
}

std::string Endpoint::describe() const
{
    return kind == Kind::kTcp ? "tcp:" + host + ":" + std::to_string(port) : "unix:" + path;
}

Socket::~Socket()
{
    close();
}

Socket::Socket(Socket &&o) noexcept : fd_(o.fd_), ep_(std::move(o.ep_))
{
    o.fd_ = -1;
}

Socket &Socket::operator=(Socket &&o) noexcept
{
    if (this != &o) {
        close();
        fd_ = o.fd_;
        ep_ = std::move(o.ep_);
        o.fd_ = -1;
    }
    return *this;
}

void Socket::close()
{
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

Socket Socket::connect(const Endpoint &ep, Clock::time_point deadline)
{
    Socket s;
    s.ep_ = ep;
    sockaddr_storage addr{};
    socklen_t len = 0;
    int family = AF_UNIX;
    if (ep.kind == Endpoint::Kind::kUnix) {
        auto *un = reinterpret_cast<sockaddr_un *>(&addr);
        if (ep.path.size() >= sizeof un->sun_path)
            throw ConnectionError("socket: unix socket path too long (" +
                                  std::to_string(ep.path.size()) + " bytes): " + ep.path);
        un->sun_family = AF_UNIX;
        std::memcpy(un->sun_path, ep.path.c_str(), ep.path.size() + 1);
        len = socklen_t(offsetof(sockaddr_un, sun_path) + ep.path.size() + 1);
    } else {
        addrinfo hints{};
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags = AI_NUMERICSERV;
        addrinfo *res = nullptr;
        const std::string port = std::to_string(ep.port);
        const int rc = ::getaddrinfo(ep.host.c_str(), port.c_str(), &hints, &res);
        if (rc != 0 || !res)
            throw ConnectionError("socket: cannot resolve " + ep.describe() + ": " + gai_strerror(rc));
        std::memcpy(&addr, res->ai_addr, res->ai_addrlen);
        len = res->ai_addrlen;
        family = res->ai_family;
        ::freeaddrinfo(res);
    }
    s.fd_ = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (s.fd_ < 0)
        throw ConnectionError("socket: socket() for " + ep.describe() + ": " + errno_text(errno));
    if (::connect(s.fd_, reinterpret_cast<sockaddr *>(&addr), len) != 0) {
        if (errno != EINPROGRESS && errno != EAGAIN)
            throw ConnectionError("socket: cannot connect to " + ep.describe() + ": " +
                                  errno_text(errno));
        const short ev = wait_fd(s.fd_, POLLOUT, deadline);
        if (ev == 0) throw TimeoutError("socket: timeout connecting to " + ep.describe());
        int err = 0;
        socklen_t el = sizeof err;
        ::getsockopt(s.fd_, SOL_SOCKET, SO_ERROR, &err, &el);
        if (err != 0)
            throw ConnectionError("socket: cannot connect to " + ep.describe() + ": " + errno_text(err));
    }
    if (family != AF_UNIX) {
        // without it every small packet waits for the peer's delayed ACK (~40 ms)
        int one = 1;
        ::setsockopt(s.fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    return s;
}

Socket connect_with_retry(const Endpoint &ep, Clock::time_point deadline, bool (*alive)(void *),
                          void *ctx)
{
    auto pause = std::chrono::milliseconds(1);
    for (;;) {
        try {
            return Socket::connect(ep, deadline);
        } catch (const ConnectionError &e) {
            if (alive && !alive(ctx)) throw;
            if (Clock::now() + pause >= deadline)
                throw TimeoutError(std::string(e.what()) + " (gave up at the deadline)");
        }
        std::this_thread::sleep_for(pause);
        pause = std::min(pause * 2, std::chrono::milliseconds(2));
    }
}

void Socket::send_all(const void *data, size_t n, Clock::time_point deadline)
{
    if (fd_ < 0) throw ConnectionError("socket: not connected");
    const char *p = static_cast<const char *>(data);
    while (n > 0) {
        const ssize_t w = ::send(fd_, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w > 0) {
            p += w;
            n -= size_t(w);
            continue;
        }
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            const short ev = wait_fd(fd_, POLLOUT, deadline);
            if (ev == 0) throw TimeoutError("socket: timeout sending to " + ep_.describe());
            continue;
        }
        throw ConnectionError("socket: sending to " + ep_.describe() + " failed: " +
                              errno_text(errno));
    }
}

size_t Socket::recv_some(char *buf, size_t cap, Clock::time_point deadline)
{
    if (fd_ < 0) throw ConnectionError("socket: not connected");
    for (;;) {
        const ssize_t r = ::recv(fd_, buf, cap, MSG_DONTWAIT);
        if (r > 0) return size_t(r);
        if (r == 0) throw ConnectionError("socket: " + ep_.describe() + " closed the connection");
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            throw ConnectionError("socket: receiving from " + ep_.describe() + " failed: " +
                                  errno_text(errno));
        const short ev = wait_fd(fd_, POLLIN, deadline);
        if (ev == 0) throw TimeoutError("socket: timeout receiving from " + ep_.describe());
    }
}

uint16_t pick_free_tcp_port()
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw ConnectionError(std::string("socket: socket(): ") + errno_text(errno));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t len = sizeof a;
    if (::bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len) != 0) {
        const int e = errno;
        ::close(fd);
        throw ConnectionError(std::string("socket: cannot find a free loopback port: ") + errno_text(e));
    }
    ::close(fd);
    return ntohs(a.sin_port);
}

}  // namespace tinytx::platform
