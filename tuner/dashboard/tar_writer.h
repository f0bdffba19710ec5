// A directory as a POSIX ustar archive (the dashboard's download of an emitted C folder): entries
// in sorted order under one top-level folder name, regular files and directories only.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "tinytx/platform/status.h"

namespace tinytx::farm {

// The bytes of the .tar of `dir`'s tree as "<top>/...", every entry stamped with `mtime` (seconds
// since the epoch); or why not (a path too long for ustar, an unreadable file, ...).
platform::Result<std::string> tar_directory(const std::filesystem::path &dir, const std::string &top, int64_t mtime);

}  // namespace tinytx::farm
