// Where the files a model spec names (weights, calibration input) come from. A local user's spec
// may name any path it likes; a spec that came over the network (a farm job) may name only the
// files uploaded with it, by plain name, so it can never make the farm read its own files.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "tinytx/platform/status.h"

namespace tinytx::tuner {

// A file name without directories: letters, digits, '.', '_', '-', not starting with '.', at most
// 128 characters (no "..", no "/", no absolute path, no hidden file).
bool is_plain_file_name(const std::string &name);

class ModelFiles {
public:
    // The bytes of `file` as the spec names it, or the Status saying why not (its message is for
    // the caller to show after the spec's field).
    using Reader = std::function<platform::Result<std::vector<uint8_t>>(const std::string &file)>;

    // A local user's spec: absolute paths as they are, relative ones from base_dir.
    static ModelFiles local(std::filesystem::path base_dir);
    // A spec that came with its files (name -> bytes): only those names; nothing is read from disk.
    static ModelFiles uploaded(const std::map<std::string, std::string> *files);
    // A stored upload: plain names of regular files (not links) in dir, nothing else.
    static ModelFiles confined_to(std::filesystem::path dir);

    platform::Result<std::vector<uint8_t>> read(const std::string &file) const { return reader_(file); }
    // Whether errors may show a file's own digest or path: only for the local user's own files
    // (a remote caller must learn nothing about files it did not send).
    bool reveals_files() const { return reveals_; }

private:
    ModelFiles(Reader r, bool reveals) : reader_(std::move(r)), reveals_(reveals) {}
    Reader reader_;
    bool reveals_;
};

}  // namespace tinytx::tuner
