// A request target split into its path and query parameters, percent-decoded, with typed reads
// whose failures are messages naming the parameter (the API answers them with 400).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "tinytx/platform/status.h"

namespace tinytx::farm {

struct UrlQuery {
    std::string path;                            // decoded, e.g. "/api/candidates/12"
    std::map<std::string, std::string> params;   // decoded; a repeated name is an error

    bool has(const std::string &name) const { return params.count(name) != 0; }

    // Invalid argument naming the first parameter not in `allowed` ("unknown parameter 'x' (known:
    // a, b)"); ok when every name is allowed.
    platform::Status unknown(const std::set<std::string> &allowed) const;
    // A database id: 1..2^63-1. Invalid argument when present but malformed; nullopt when absent.
    platform::Result<std::optional<int64_t>> id(const std::string &name) const;
    // A whole number in lo..hi (same conventions).
    platform::Result<std::optional<uint64_t>> number(const std::string &name, uint64_t lo, uint64_t hi) const;
};

// A path or parameter that is not UTF-8 after decoding is an error (answered with 400).
platform::Result<UrlQuery> parse_target(const std::string &target);

// "%41b+c" -> "Ab c" (+ is a space in a query only); nullopt for a bad escape or a NUL byte.
std::optional<std::string> percent_decode(const std::string &s, bool plus_is_space);

// Well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF).
bool valid_utf8(const std::string &s);

// "12" -> 12 for ids in 1..2^63-1; nullopt for anything else (signs, spaces, leading zeros).
std::optional<int64_t> parse_id(const std::string &s);

// "/api/candidates/12/schedule.json" split on '/', empty parts dropped.
std::vector<std::string> path_parts(const std::string &path);

}  // namespace tinytx::farm
