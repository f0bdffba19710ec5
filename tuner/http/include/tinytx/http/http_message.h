// What the dashboard's HTTP layer hands to a handler and gets back: plain values, so the API is
// tested without sockets (http_server.h carries them over Boost.Beast).
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace tinytx::farm {

struct HttpRequest {
    std::string method;          // GET, HEAD, POST, ...
    std::string target;          // path and query, as sent ("/api/front?model=1")
    std::string authorization;   // the Authorization header ("" when absent)
    std::string cookie;          // the Cookie header
    std::string host;            // the Host header
    std::string origin;          // the Origin header ("" when absent)
    std::string fetch_site;      // the Sec-Fetch-Site header ("" when absent)
    std::string body;
    std::string peer;            // "127.0.0.1:51234", for the log
};

// A long-lived response (Server-Sent Events): run on a thread of its own after the headers are
// sent. `send` writes one chunk and returns false once the client has gone; the stream returns
// when it is done or `stopping` becomes true.
using EventStream = std::function<void(const std::function<bool(const std::string &)> &send,
                                       const std::atomic<bool> &stopping)>;

struct HttpResponse {
    unsigned status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  // extra headers
    EventStream stream;                                         // set: an event stream, body unused
};

// {"error": message} with the status (400, 401, 404, ...). Never throws: bytes of the message
// that are not UTF-8 are replaced.
HttpResponse error_response(unsigned status, const std::string &message);
HttpResponse json_response(const std::string &json_text, unsigned status = 200);

}  // namespace tinytx::farm
