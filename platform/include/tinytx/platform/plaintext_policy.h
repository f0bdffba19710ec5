// When a token may travel without TLS: only to this machine (loopback), unless the user says
// --insecure. Shared by everything that sends a token over gRPC (tinytx-tune --farm, the farm
// dialing its agents, an agent registering with a farm).
#pragma once

#include <string>

#include "tinytx/platform/status.h"

namespace tinytx::platform {

// Does `host` (a name or address with an optional port: "localhost:7080", "127.0.0.1",
// "[::1]:7080") name this machine?
bool loopback_host(const std::string &host);

// loopback_host of a gRPC target (with or without an "ipv4:"/"ipv6:"/"dns:" scheme).
bool loopback_address(const std::string &address);

// Ok when allowed; else invalid argument (the user's options) saying why not, naming the address
// and the flag that would allow it.
Status check_plaintext_token(const std::string &address, bool sends_token, bool tls, bool insecure,
                             const std::string &tls_flag);

}  // namespace tinytx::platform
