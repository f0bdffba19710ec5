// The farm's store of uploaded models. An upload (a spec and the files it names) is validated in
// memory first, then written once into data_dir/models/<sha256 of the upload>/ through a temp
// folder and a rename: a folder a job reads is never truncated or rewritten, and a refused
// upload leaves nothing on disk. The spec may name only the files uploaded with it, by plain
// name (ModelFiles::uploaded); jobs load it back confined to its folder (load_model_confined).
#pragma once

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "tinytx/platform/status.h"

namespace tinytx::farm {

class ModelStore {
public:
    struct Quota {
        uint64_t upload_bytes = 64ull << 20;  // one upload: spec and files
        uint64_t total_bytes = 4ull << 30;    // every stored upload
    };
    struct Stored {
        std::filesystem::path spec_path;
        std::string model_name;
    };

    // `dir` is data_dir/models; temp folders a crash left behind are removed here.
    ModelStore(std::filesystem::path dir, Quota quota);

    // Invalid argument naming the problem for a bad upload; resource exhausted over a quota (the
    // caller's fault, but not a malformed request); io error when the store cannot be written.
    platform::Result<Stored> put(const std::string &spec_text,
                                 const std::vector<std::pair<std::string, std::string>> &files);

    uint64_t stored_bytes() const;

private:
    std::filesystem::path dir_;
    Quota quota_;
    mutable std::mutex mu_;
    uint64_t stored_bytes_ = 0;
};

}  // namespace tinytx::farm
