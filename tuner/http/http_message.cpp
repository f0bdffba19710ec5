#include "tinytx/http/http_message.h"

#include <nlohmann/json.hpp>

namespace tinytx::farm {

HttpResponse error_response(unsigned status, const std::string &message)
{
    HttpResponse r;
    r.status = status;
    // a message may quote what the client sent (a Host header, a path): never throw on its bytes
    r.body = nlohmann::json{{"error", message}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return r;
}

HttpResponse json_response(const std::string &json_text, unsigned status)
{
    HttpResponse r;
    r.status = status;
    r.body = json_text;
    return r;
}

}  // namespace tinytx::farm
