// Shared-secret tokens for the agent's gRPC calls: "authorization: Bearer <token>" metadata.
#pragma once

#include <string>

namespace tinytx::platform {

// The token from --token, else the file of --token-file (trimmed), else $<env>; empty when none
// is given. InvalidArgument when the file cannot be read or is empty.
std::string resolve_token(const std::string &flag, const std::string &file,
                          const char *env = "TINYTX_AGENT_TOKEN");
// The trimmed content of a token file; InvalidArgument when unreadable or empty.
std::string read_token_file(const std::string &path);

// Constant-time comparison of the presented metadata value with "Bearer <token>".
bool token_matches(const std::string &presented, const std::string &token);

}  // namespace tinytx::platform
