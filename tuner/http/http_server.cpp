#include "tinytx/http/http_server.h"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>

#include <algorithm>
#include <atomic>
#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "cross_site.h"

namespace tinytx::farm {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

// One event stream's thread and the socket it owns. `mu` orders stop()'s shutdown of the socket
// against the thread closing it (the descriptor could otherwise be reused by then).
struct StreamSlot {
    std::string client;  // the peer's address, for the per-client limit
    std::thread thread;
    std::atomic<bool> done{false};
    std::mutex mu;
    int fd = -1;  // -1 once closed
    std::atomic<int64_t> writing_since_ms{0};  // a TLS write in progress (the watchdog bounds it)
};

// The connection an event stream's thread takes over: plain or TLS.
struct StreamConn {
    int fd = -1;
    std::string client;
    bool bounded = true;                                  // write() bounds its own wait
    std::function<bool(const std::string &)> write;      // all of the bytes, or false
    std::function<void()> close;
};

int64_t steady_ms()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

struct Core {
    HttpServerOptions opt;
    HttpServer::Handler handler;
    HttpServer::EventLog log;
    net::io_context ioc;
    tcp::acceptor acceptor{ioc};
    net::thread_pool pool;
    std::vector<std::thread> io;
    bool loopback = false;
    std::atomic<bool> stopping{false};
    std::mutex streams_mu;
    std::list<std::unique_ptr<StreamSlot>> streams;
    std::string bound;
    std::optional<net::ssl::context> tls;  // HTTPS when the options name a certificate
    std::thread watchdog;                   // ends TLS stream writes that wait past the timeout

    Core(HttpServerOptions o, HttpServer::Handler h, HttpServer::EventLog l)
        : opt(std::move(o)), handler(std::move(h)), log(std::move(l)), pool(std::max(1u, opt.handler_threads))
    {
    }

    void accept();
    // Takes the connection over for an event stream (or refuses it with 503 when too many).
    void start_stream(StreamConn conn, HttpResponse response);
    void run_stream(StreamSlot &slot, const StreamConn &conn, const HttpResponse &response);
    void watch_writes();
};

// All of `bytes` within `timeout`, or false. Asio's blocking write waits without end once the
// socket is non-blocking (as Beast leaves it), so the wait is bounded here with poll().
bool write_within(int fd, const std::string &bytes, std::chrono::milliseconds timeout)
{
    const auto give_up = std::chrono::steady_clock::now() + timeout;
    for (size_t done = 0; done < bytes.size();) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(give_up - std::chrono::steady_clock::now());
        pollfd p{fd, POLLOUT, 0};
        if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0)
            return false;  // the reader has not taken anything for the whole timeout
        const ssize_t n = ::send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            continue;
        if (n <= 0)
            return false;
        done += static_cast<size_t>(n);
    }
    return true;
}

void add_common_headers(http::response<http::string_body> &res, const HttpResponse &r)
{
    res.set(http::field::server, "tinytx-farmd");
    res.set(http::field::content_type, r.content_type);
    res.set("X-Content-Type-Options", "nosniff");
    res.set("X-Frame-Options", "DENY");
    res.set("Referrer-Policy", "no-referrer");
    if (r.content_type.rfind("text/html", 0) == 0)  // everything the page needs comes from here
        res.set("Content-Security-Policy",
                "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                "frame-ancestors 'none'");
    for (const auto &[k, v] : r.headers)
        res.set(k, v);
}

// One connection, plain (beast::tcp_stream) or TLS (beast::ssl_stream over it).
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
    static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

public:
    Session(tcp::socket socket, Core &core) : stream_(make_stream(std::move(socket), core)), core_(core) {}

    void run()
    {
        net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
            if constexpr (kTls) {
                self->lowest().expires_after(self->core_.opt.read_timeout);
                self->stream_.async_handshake(net::ssl::stream_base::server, [self](beast::error_code ec) {
                    if (!ec)
                        self->read();
                });
            } else {
                self->read();
            }
        });
    }

private:
    void read()
    {
        parser_.emplace();
        parser_->body_limit(core_.opt.max_body_bytes);
        parser_->header_limit(16 * 1024);
        lowest().expires_after(core_.opt.read_timeout);
        http::async_read(stream_, buffer_, *parser_,
                         beast::bind_front_handler(&Session::on_read, this->shared_from_this()));
    }

    void on_read(beast::error_code ec, size_t)
    {
        if (ec) {
            // malformed requests get an answer; a closed, reset or idle connection just ends
            if (ec == http::error::body_limit)
                return respond(error_response(413, "request body too large"), false);
            if (ec == http::error::header_limit)
                return respond(error_response(431, "request headers too large"), false);
            if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
                ec != http::error::end_of_stream && ec != http::error::partial_message)
                return respond(error_response(400, "malformed HTTP request: " + ec.message()), false);
            return close();
        }
        HttpRequest req;
        bool keep_alive = false;
        try {
            const auto &m = parser_->get();
            req.method = std::string(m.method_string());
            req.target = std::string(m.target());
            req.authorization = std::string(m[http::field::authorization]);
            req.cookie = std::string(m[http::field::cookie]);
            req.host = std::string(m[http::field::host]);
            req.origin = std::string(m[http::field::origin]);
            req.fetch_site = std::string(m["Sec-Fetch-Site"]);
            req.body = m.body();
            beast::error_code pe;
            const auto ep = lowest().socket().remote_endpoint(pe);
            if (!pe)
                req.peer = ep.address().to_string() + ":" + std::to_string(ep.port());
            version_ = m.version();
            keep_alive = m.keep_alive();
            if (core_.loopback && !loopback_host(req.host))
                return respond(error_response(403, "this server answers only to localhost names (Host: " + req.host + ")"),
                               false);
            if (const platform::Status cross = check_cross_site(req); !cross.ok()) {
                core_.log("refused", {{"call", "http " + req.method}, {"peer", req.peer}, {"reason", cross.message()}});
                return respond(error_response(403, cross.message()), false);
            }
        } catch (const std::exception &e) {  // whatever the bytes of a request, this connection ends, not the farm
            return respond(error_response(400, std::string("malformed HTTP request: ") + e.what()), false);
        }
        net::post(core_.pool, [self = this->shared_from_this(), req = std::move(req), keep_alive]() mutable {
            HttpResponse r;
            try {
                r = self->core_.handler(req);
            } catch (const std::exception &e) {
                self->core_.log("http_error", {{"error", e.what()}});
                r = error_response(500, "internal error (see the farm's log)");
            }
            net::post(self->stream_.get_executor(), [self, r = std::move(r), keep_alive]() mutable {
                self->respond(std::move(r), keep_alive);
            });
        });
    }

    void respond(HttpResponse r, bool keep_alive)
    {
        if (r.stream) {
            lowest().expires_never();
            core_.start_stream(hand_over(), std::move(r));
            return;
        }
        auto res = std::make_shared<http::response<http::string_body>>();
        res->version(version_);
        res->result(r.status);
        add_common_headers(*res, r);
        res->keep_alive(keep_alive && !core_.stopping);
        res->body() = std::move(r.body);
        res->prepare_payload();
        lowest().expires_after(core_.opt.read_timeout);
        http::async_write(stream_, *res, [self = this->shared_from_this(), res](beast::error_code ec, size_t) {
            if (ec)
                return;
            if (res->need_eof())
                return self->close();
            self->read();
        });
    }

    void close()
    {
        beast::error_code ec;
        lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
    }

    static Stream make_stream(tcp::socket socket, Core &core)
    {
        if constexpr (kTls)
            return Stream(beast::tcp_stream(std::move(socket)), *core.tls);
        else
            return Stream(std::move(socket));
    }

    beast::tcp_stream &lowest() { return beast::get_lowest_layer(stream_); }

    // The connection, for an event stream's thread of its own
    StreamConn hand_over()
    {
        StreamConn c;
        beast::error_code pe;
        c.client = lowest().socket().remote_endpoint(pe).address().to_string();
        if constexpr (kTls) {
            auto st = std::make_shared<Stream>(std::move(stream_));
            c.fd = beast::get_lowest_layer(*st).socket().native_handle();
            c.bounded = false;  // asio's TLS writes wait without end: the watchdog bounds them
            c.write = [st](const std::string &bytes) {
                beast::error_code ec;
                net::write(*st, net::buffer(bytes), ec);
                return !ec;
            };
            c.close = [st] {
                beast::error_code ec;
                beast::get_lowest_layer(*st).socket().shutdown(tcp::socket::shutdown_both, ec);
                beast::get_lowest_layer(*st).socket().close(ec);
            };
        } else {
            auto sock = std::make_shared<tcp::socket>(stream_.release_socket());
            c.fd = sock->native_handle();
            const auto timeout = core_.opt.write_timeout;
            c.write = [fd = c.fd, timeout](const std::string &bytes) { return write_within(fd, bytes, timeout); };
            c.close = [sock] {
                beast::error_code ec;
                sock->shutdown(tcp::socket::shutdown_both, ec);
                sock->close(ec);
            };
        }
        return c;
    }

    Stream stream_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    Core &core_;
    unsigned version_ = 11;
};

void Core::accept()
{
    acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
        if (ec == net::error::operation_aborted || stopping)
            return;
        if (!ec && tls)
            std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(std::move(socket), *this)->run();
        else if (!ec)
            std::make_shared<Session<beast::tcp_stream>>(std::move(socket), *this)->run();
        else
            log("http_accept_failed", {{"error", ec.message()}});
        accept();
    });
}

void Core::start_stream(StreamConn conn, HttpResponse response)
{
    std::lock_guard lk(streams_mu);
    for (auto it = streams.begin(); it != streams.end();) {
        if ((*it)->done) {
            (*it)->thread.join();
            it = streams.erase(it);
        } else {
            ++it;
        }
    }
    const auto of_client =
        std::count_if(streams.begin(), streams.end(), [&](const auto &x) { return x->client == conn.client; });
    if (streams.size() >= opt.max_streams || static_cast<unsigned>(of_client) >= opt.max_streams_per_client || stopping) {
        const std::string body = error_response(503, "too many event streams").body;
        const std::string busy = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                                 "Connection: close\r\nContent-Length: " +
                                 std::to_string(body.size()) + "\r\n\r\n" + body;
        if (conn.bounded)  // a TLS write could wait without end on this I/O thread: just closed
            conn.write(busy);
        conn.close();
        return;
    }
    auto slot = std::make_unique<StreamSlot>();
    StreamSlot *s = slot.get();
    s->client = conn.client;
    s->fd = conn.fd;
    s->thread = std::thread([this, s, conn = std::move(conn), response = std::move(response)]() mutable {
        try {
            run_stream(*s, conn, response);
        } catch (const std::exception &e) {  // the stream ends, not the farm
            log("http_error", {{"stream", true}, {"error", e.what()}});
        }
        {
            std::lock_guard sl(s->mu);
            conn.close();
            s->fd = -1;
        }
        s->done = true;
    });
    streams.push_back(std::move(slot));
}

void Core::run_stream(StreamSlot &slot, const StreamConn &conn, const HttpResponse &response)
{
    // close-delimited body: the stream ends when the connection does
    std::string head = "HTTP/1.1 200 OK\r\nServer: tinytx-farmd\r\nContent-Type: text/event-stream\r\n"
                       "Cache-Control: no-cache\r\nConnection: close\r\nX-Content-Type-Options: nosniff\r\n";
    for (const auto &[k, v] : response.headers)
        head += k + ": " + v + "\r\n";
    head += "\r\n";
    bool ok = true;
    const auto send = [&](const std::string &chunk) {
        if (stopping || !ok)
            return false;
        slot.writing_since_ms = steady_ms();
        ok = conn.write(chunk);
        slot.writing_since_ms = 0;
        return ok;
    };
    if (send(head))
        response.stream(send, stopping);
}

void Core::watch_writes()
{
    while (!stopping) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        std::lock_guard lk(streams_mu);
        const int64_t now = steady_ms();
        for (auto &s : streams) {
            const int64_t since = s->writing_since_ms;
            if (since && now - since > std::chrono::milliseconds(opt.write_timeout).count()) {
                std::lock_guard sl(s->mu);
                if (s->fd >= 0)
                    ::shutdown(s->fd, SHUT_RDWR);  // the blocked write returns with an error
            }
        }
    }
}

}  // namespace

struct HttpServer::Impl : Core {
    using Core::Core;
};

HttpServer::HttpServer(HttpServerOptions options, Handler handler, EventLog log)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler), std::move(log)))
{
}

HttpServer::~HttpServer() { stop(); }

platform::Status HttpServer::start()
{
    Core &c = *impl_;
    const std::string &a = c.opt.address;
    std::string host, port;
    if (!a.empty() && a[0] == '[') {
        const size_t close = a.find("]:");
        if (close == std::string::npos)
            return platform::Status::invalid_argument("--http " + a + ": expected [ipv6]:port");
        host = a.substr(1, close - 1);
        port = a.substr(close + 2);
    } else {
        const size_t colon = a.rfind(':');
        if (colon == std::string::npos || colon == 0)
            return platform::Status::invalid_argument("--http " + a + ": expected host:port");
        host = a.substr(0, colon);
        port = a.substr(colon + 1);
    }
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
        std::stoul(port) > 65535)
        return platform::Status::invalid_argument("--http " + a + ": the port must be 0..65535");
    beast::error_code ec;
    tcp::resolver resolver(c.ioc);
    const auto found = resolver.resolve(host, port, tcp::resolver::numeric_service, ec);
    if (ec || found.empty())
        return platform::Status::unavailable("--http " + a + ": cannot resolve '" + host + "': " + ec.message());
    if (!c.opt.tls_cert_file.empty()) {
        try {
            c.tls.emplace(net::ssl::context::tls_server);
            c.tls->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                               net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 | net::ssl::context::no_tlsv1_1);
            c.tls->use_certificate_chain_file(c.opt.tls_cert_file);
            c.tls->use_private_key_file(c.opt.tls_key_file, net::ssl::context::pem);
        } catch (const std::exception &e) {
            return platform::Status::invalid_argument("--http TLS: " + std::string(e.what()) + " (" +
                                                      c.opt.tls_cert_file + ", " + c.opt.tls_key_file + ")");
        }
    }
    const tcp::endpoint ep = *found.begin();
    c.acceptor.open(ep.protocol(), ec);
    if (!ec)
        c.acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec)
        c.acceptor.bind(ep, ec);
    if (!ec)
        c.acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (ec)
        return platform::Status::unavailable("--http " + a + ": cannot listen: " + ec.message());
    const tcp::endpoint local = c.acceptor.local_endpoint(ec);
    c.loopback = local.address().is_loopback();
    c.bound = (local.address().is_v6() ? "[" + local.address().to_string() + "]" : local.address().to_string()) +
              ":" + std::to_string(local.port());
    c.accept();
    if (c.tls)
        c.watchdog = std::thread([&c] { c.watch_writes(); });
    for (unsigned i = 0; i < std::max(1u, c.opt.io_threads); ++i)
        c.io.emplace_back([&c] { c.ioc.run(); });
    return {};
}

std::string HttpServer::address() const { return impl_->bound; }

void HttpServer::stop()
{
    Core &c = *impl_;
    if (c.stopping.exchange(true))
        return;
    net::post(c.ioc, [&c] {
        beast::error_code ec;
        c.acceptor.close(ec);
    });
    c.ioc.stop();
    for (std::thread &t : c.io)
        if (t.joinable())
            t.join();
    c.pool.join();
    if (c.watchdog.joinable())
        c.watchdog.join();
    std::lock_guard lk(c.streams_mu);
    for (auto &s : c.streams) {
        {
            std::lock_guard sl(s->mu);
            if (s->fd >= 0)
                ::shutdown(s->fd, SHUT_RDWR);  // a blocked write returns now
        }
        s->thread.join();
    }
    c.streams.clear();
}

}  // namespace tinytx::farm
