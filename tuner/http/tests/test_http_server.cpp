// The HTTP server on loopback: requests reach the handler, keep-alive, the Host check, an event
// stream and a stop that ends it, the limits on event streams, HTTPS.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <thread>

#include "tinytx/http/http_server.h"

using namespace tinytx::farm;

namespace {

// One raw request on a fresh connection; the whole answer (the server closes after it).
std::string round_trip(const std::string &address, const std::string &request, size_t stop_after = 0)
{
    const size_t colon = address.rfind(':');
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<uint16_t>(std::stoi(address.substr(colon + 1))));
    inet_pton(AF_INET, address.substr(0, colon).c_str(), &sa.sin_addr);
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (::connect(fd, reinterpret_cast<sockaddr *>(&sa), sizeof sa) != 0) {
        ::close(fd);
        return "";
    }
    ::send(fd, request.data(), request.size(), 0);
    std::string out;
    char buf[4096];
    for (;;) {
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0)
            break;
        out.append(buf, static_cast<size_t>(n));
        if (stop_after && out.size() >= stop_after)
            break;
    }
    ::close(fd);
    return out;
}

std::string get(const std::string &path, const std::string &host = "localhost")
{
    return "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n";
}

}  // namespace

TEST(HttpServer, AnswersOnLoopback)
{
    const HttpServer::EventLog log = [](const std::string &, nlohmann::json) {};
    HttpServerOptions o;
    o.address = "127.0.0.1:0";
    HttpServer server(o, [](const HttpRequest &r) {
        HttpResponse res = json_response("{\"target\":\"" + r.target + "\",\"method\":\"" + r.method + "\"}");
        if (r.target == "/page")
            res.content_type = "text/html; charset=utf-8";
        return res;
    }, log);
    ASSERT_EQ(server.start().message(), "");
    const std::string a = server.address();
    ASSERT_EQ(a.rfind("127.0.0.1:", 0), 0u) << a;

    const std::string r = round_trip(a, get("/api/x?y=1"));
    EXPECT_EQ(r.rfind("HTTP/1.1 200 OK", 0), 0u) << r;
    EXPECT_NE(r.find("{\"target\":\"/api/x?y=1\",\"method\":\"GET\"}"), std::string::npos);
    EXPECT_NE(r.find("X-Content-Type-Options: nosniff"), std::string::npos);
    EXPECT_NE(round_trip(a, get("/page")).find("Content-Security-Policy: default-src 'self'"), std::string::npos);

    // two requests on one connection
    const std::string two = round_trip(a, "GET /1 HTTP/1.1\r\nHost: 127.0.0.1:1\r\n\r\n"
                                        "GET /2 HTTP/1.1\r\nHost: 127.0.0.1:1\r\nConnection: close\r\n\r\n");
    EXPECT_NE(two.find("\"/1\""), std::string::npos);
    EXPECT_NE(two.find("\"/2\""), std::string::npos);

    // a name that is not this machine's: refused (DNS rebinding)
    EXPECT_EQ(round_trip(a, get("/", "evil.example:7081")).rfind("HTTP/1.1 403", 0), 0u);
    EXPECT_EQ(round_trip(a, "GET / HTTP/1.1\r\nConnection: close\r\n\r\n").rfind("HTTP/1.1 403", 0), 0u);
    // garbage
    EXPECT_EQ(round_trip(a, "NOT HTTP\r\n\r\n").rfind("HTTP/1.1 400", 0), 0u);
    // too large a body
    EXPECT_EQ(round_trip(a, "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000000\r\n\r\n").rfind("HTTP/1.1 413", 0),
              0u);
    server.stop();
}

TEST(HttpServer, EventStreamsRunUntilTheServerStops)
{
    const HttpServer::EventLog log = [](const std::string &, nlohmann::json) {};
    HttpServerOptions o;
    o.address = "127.0.0.1:0";
    o.max_streams = 1;
    std::atomic<int> ended{0};
    HttpServer server(o, [&](const HttpRequest &) {
        HttpResponse r;
        r.stream = [&](const std::function<bool(const std::string &)> &send, const std::atomic<bool> &stopping) {
            for (int i = 0; !stopping; ++i) {
                if (!send("data: " + std::to_string(i) + "\n\n"))
                    break;
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
            }
            ++ended;
        };
        return r;
    }, log);
    ASSERT_EQ(server.start().message(), "");
    const std::string s = round_trip(server.address(), get("/api/events"), 200);
    EXPECT_EQ(s.rfind("HTTP/1.1 200 OK", 0), 0u);
    EXPECT_NE(s.find("Content-Type: text/event-stream"), std::string::npos);
    EXPECT_NE(s.find("data: 0\n\ndata: 1\n\n"), std::string::npos) << s;
    // the client left: the stream notices at its next write and ends
    for (int i = 0; i < 100 && ended == 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_EQ(ended, 1);
    // one stream at a time here: a second one while the first runs is refused
    std::thread first([&] { round_trip(server.address(), get("/api/events"), 1u << 30); });
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    EXPECT_EQ(round_trip(server.address(), get("/api/events")).rfind("HTTP/1.1 503", 0), 0u);
    server.stop();  // ends the first stream, whose client then sees the connection close
    first.join();
    EXPECT_EQ(ended, 2);
}

TEST(HttpServer, BadAddressesAreErrors)
{
    const HttpServer::EventLog log = [](const std::string &, nlohmann::json) {};
    for (const char *a : {"127.0.0.1", "127.0.0.1:99999", "nonexistent.invalid:80", "[::1:80"}) {
        HttpServerOptions o;
        o.address = a;
        HttpServer server(o, [](const HttpRequest &) { return HttpResponse{}; }, log);
        EXPECT_NE(server.start().message(), "") << a;
    }
}

TEST(HttpServer, LoopbackHostNames)
{
    EXPECT_TRUE(loopback_host("localhost"));
    EXPECT_TRUE(loopback_host("LOCALHOST:7081"));
    EXPECT_TRUE(loopback_host("127.0.0.1:7081"));
    EXPECT_TRUE(loopback_host("127.1.2.3"));
    EXPECT_TRUE(loopback_host("[::1]:7081"));
    EXPECT_FALSE(loopback_host("example.com"));
    EXPECT_FALSE(loopback_host("10.0.0.1:7081"));
    EXPECT_FALSE(loopback_host(""));
    EXPECT_FALSE(loopback_host("localhost.evil.com"));
}

TEST(HttpServer, AReaderThatStopsReadingLosesItsStream)
{
    const HttpServer::EventLog log = [](const std::string &, nlohmann::json) {};
    HttpServerOptions o;
    o.address = "127.0.0.1:0";
    o.max_streams = 1;
    o.write_timeout = std::chrono::seconds(1);
    std::atomic<int> ended{0};
    HttpServer server(o, [&](const HttpRequest &) {
        HttpResponse r;
        r.stream = [&](const std::function<bool(const std::string &)> &send, const std::atomic<bool> &stopping) {
            const std::string chunk = "data: " + std::string(64 * 1024, 'x') + "\n\n";
            while (!stopping && send(chunk)) {
            }
            ++ended;
        };
        return r;
    }, log);
    ASSERT_EQ(server.start().message(), "");
    // connected, asking, never reading: the socket buffers fill and the write times out
    const std::string a = server.address();
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<uint16_t>(std::stoi(a.substr(a.rfind(':') + 1))));
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr *>(&sa), sizeof sa), 0);
    const std::string req = get("/api/events");
    ::send(fd, req.data(), req.size(), 0);
    const auto t0 = std::chrono::steady_clock::now();
    while (ended == 0 && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10))
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_EQ(ended, 1) << "the stream of a reader that never reads did not end";
    // its slot is free again: the next reader gets a stream, not 503
    EXPECT_EQ(round_trip(a, get("/api/events"), 100).rfind("HTTP/1.1 200", 0), 0u);
    ::close(fd);
    server.stop();
}

TEST(HttpServer, OneClientCannotHoldEveryStream)
{
    const HttpServer::EventLog log = [](const std::string &, nlohmann::json) {};
    HttpServerOptions o;
    o.address = "127.0.0.1:0";
    o.max_streams = 4;
    o.max_streams_per_client = 2;
    HttpServer server(o, [&](const HttpRequest &) {
        HttpResponse r;
        r.stream = [&](const std::function<bool(const std::string &)> &send, const std::atomic<bool> &stopping) {
            while (!stopping && send(": keep-alive\n\n"))
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
        };
        return r;
    }, log);
    ASSERT_EQ(server.start().message(), "");
    std::vector<std::thread> held;
    for (int i = 0; i < 2; ++i)
        held.emplace_back([&] { round_trip(server.address(), get("/api/events"), 1u << 30); });
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    EXPECT_EQ(round_trip(server.address(), get("/api/events")).rfind("HTTP/1.1 503", 0), 0u);
    server.stop();
    for (auto &t : held)
        t.join();
}

TEST(HttpServer, OverTlsAReaderThatStopsReadingLosesItsStreamToo)
{
    // a certificate made by the openssl command, as an operator would
    const std::filesystem::path dir = std::filesystem::temp_directory_path() / ("tinytx-https-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const std::string cert = (dir / "cert.pem").string(), key = (dir / "key.pem").string();
    const std::string make = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
                             "-subj /CN=localhost -keyout " + key + " -out " + cert + " >/dev/null 2>&1";
    ASSERT_EQ(std::system(make.c_str()), 0);

    const HttpServer::EventLog log = [](const std::string &, nlohmann::json) {};
    HttpServerOptions o;
    o.address = "127.0.0.1:0";
    o.max_streams = 1;
    o.write_timeout = std::chrono::seconds(1);
    o.tls_cert_file = cert;
    o.tls_key_file = key;
    std::atomic<int> ended{0};
    HttpServer server(o, [&](const HttpRequest &) {
        HttpResponse r;
        r.stream = [&](const std::function<bool(const std::string &)> &send, const std::atomic<bool> &stopping) {
            const std::string chunk = "data: " + std::string(64 * 1024, 'x') + "\n\n";
            while (!stopping && send(chunk)) {
            }
            ++ended;
        };
        return r;
    }, log);
    ASSERT_EQ(server.start().message(), "");
    const std::string a = server.address();
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<uint16_t>(std::stoi(a.substr(a.rfind(':') + 1))));
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr *>(&sa), sizeof sa), 0);
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL *ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    ASSERT_EQ(SSL_connect(ssl), 1);  // the test trusts any certificate: it checks the server's writes
    const std::string req = get("/api/events");
    ASSERT_GT(SSL_write(ssl, req.data(), static_cast<int>(req.size())), 0);
    // never read: the server's TLS writes block, and the watchdog ends them
    const auto t0 = std::chrono::steady_clock::now();
    while (ended == 0 && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10))
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_EQ(ended, 1) << "the TLS stream of a reader that never reads did not end";
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    ::close(fd);
    server.stop();
    std::filesystem::remove_all(dir);
}
