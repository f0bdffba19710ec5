// Cross-site request refusal for the dashboard's state-changing calls: a page on another site
// can make a browser POST here (with its cookies, or to an open farm without a token), but it
// cannot hide where it comes from. Browsers send Origin on every cross-origin POST and
// Sec-Fetch-Site on every request; the farm answers no CORS, so nothing else may write.
#pragma once

#include <string>

#include "tinytx/http/http_message.h"

namespace tinytx::farm {

// GET and HEAD only read; every other method changes state (or is refused later).
bool changes_state(const std::string &method);

// "" when the request may change state; else why it is refused (answered with 403). Allowed:
// an Origin naming this very Host (http or https), or no Origin and no Sec-Fetch-Site saying
// "cross-site"/"same-site" (curl, tinytx-tune: not a browser acting for another page).
std::string cross_site_refusal(const HttpRequest &req);

}  // namespace tinytx::farm
