// Shared-secret tokens for the agent's gRPC calls: "authorization: Bearer <token>" metadata.
#pragma once

#include <string>

namespace tinytx::agent {

// The token from --token, else the file of --token-file (trimmed), else $TINYTX_AGENT_TOKEN;
// empty when none is given. InvalidArgument when the file cannot be read or is empty.
std::string resolve_token(const std::string &flag, const std::string &file);

// Constant-time comparison of the presented metadata value with "Bearer <token>".
bool token_matches(const std::string &presented, const std::string &token);

}  // namespace tinytx::agent
