// A directory as a POSIX ustar archive (the dashboard's download of an emitted C folder): entries
// in sorted order under one top-level folder name, regular files and directories only.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace tinytx::farm {

struct TarResult {
    std::string archive;   // the bytes of the .tar
    std::string error;     // "" when ok (a path too long for ustar, an unreadable file, ...)
    bool ok() const { return error.empty(); }
};

// `dir`'s tree as "<top>/...", every entry stamped with `mtime` (seconds since the epoch).
TarResult tar_directory(const std::filesystem::path &dir, const std::string &top, int64_t mtime);

}  // namespace tinytx::farm
