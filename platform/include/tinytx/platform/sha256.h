// SHA-256 (FIPS 180-4): the content hash of images, schedules, models and caches, in hex.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tinytx::platform {

std::string sha256_hex(const std::vector<uint8_t> &bytes);

}  // namespace tinytx::platform
