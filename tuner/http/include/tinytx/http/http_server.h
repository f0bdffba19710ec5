// The dashboard's HTTP/1.1 server (Boost.Beast) on an io_context and threads of its own, so
// neither gRPC nor the job threads wait on a browser. Requests are read and written on the I/O
// threads and handled on a small pool (a C folder export takes a while); a response carrying an
// EventStream (Server-Sent Events) gets a thread of its own that owns the connection until the
// client leaves or the server stops.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "tinytx/http/http_message.h"
#include "tinytx/platform/plaintext_policy.h"
#include "tinytx/platform/status.h"

namespace tinytx::farm {

struct HttpServerOptions {
    std::string address = "127.0.0.1:7081";   // host:port; port 0 picks a free one
    unsigned io_threads = 1;
    unsigned handler_threads = 2;
    unsigned max_streams = 32;                 // event streams at once; more get 503
    unsigned max_streams_per_client = 8;       // from one address: no reader holds every slot
    std::chrono::seconds write_timeout{10};    // an event stream whose reader does not read ends
    std::chrono::seconds read_timeout{30};     // per request, and idle keep-alive connections
    size_t max_body_bytes = 64 * 1024;
    std::string tls_cert_file, tls_key_file;   // PEM: serve HTTPS ("" = plain HTTP)
};

// Is `host` (a Host header: name or address, optional port) one that names this machine? A
// server bound to loopback answers only those, so a web page elsewhere cannot reach it under a
// name of its own (DNS rebinding). The same test the token policy applies to gRPC targets.
using platform::loopback_host;

class HttpServer {
public:
    using Handler = std::function<HttpResponse(const HttpRequest &)>;
    // where the server's own events go (refused requests, handler errors): the daemon's log
    using EventLog = std::function<void(const std::string &event, nlohmann::json fields)>;

    HttpServer(HttpServerOptions options, Handler handler, EventLog log);
    ~HttpServer();
    HttpServer(const HttpServer &) = delete;
    HttpServer &operator=(const HttpServer &) = delete;

    // Binds and starts the threads, or says why not (bad address, port taken, ...).
    platform::Status start();
    // "host:port" actually bound (the port chosen when 0 was asked)
    std::string address() const;
    // Stops accepting, ends the event streams, joins every thread. Idempotent.
    void stop();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace tinytx::farm
