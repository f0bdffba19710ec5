// Cross-site request refusal for the dashboard's state-changing calls: a page on another site
// can make a browser POST here (with its cookies, or to an open farm without a token), but it
// cannot hide where it comes from. Browsers send Origin on every cross-origin POST and
// Sec-Fetch-Site on every request; the farm answers no CORS, so nothing else may write.
#pragma once

#include <string>

#include "tinytx/http/http_message.h"
#include "tinytx/platform/status.h"

namespace tinytx::farm {

// GET and HEAD only read; every other method changes state (or is refused later).
bool changes_state(const std::string &method);

// Ok when the request may change state; else permission denied saying why (answered with 403).
// Allowed: an Origin naming this very Host (http or https), or no Origin and no Sec-Fetch-Site
// saying "cross-site"/"same-site" (curl, tinytx-tune: not a browser acting for another page).
platform::Status check_cross_site(const HttpRequest &req);

}  // namespace tinytx::farm
