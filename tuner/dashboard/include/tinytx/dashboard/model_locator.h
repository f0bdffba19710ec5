// Finds the files of a model the database names (its spec text is stored, its weights are not):
// a spec file with the very text of the stored spec, whose weights and calibration input give the
// stored identity hash. Searched: the given directories and their immediate subdirectories (the
// farm keeps each uploaded model in data-dir/models/<hash>/; specs found there load confined to
// their folder: load_model_confined). Found models are kept in memory.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "tinytx/platform/status.h"
#include "tinytx/tuner/model.h"

namespace tinytx::farm {

class ModelLocator {
public:
    explicit ModelLocator(std::vector<std::filesystem::path> dirs) : dirs_(std::move(dirs)) {}

    // The loaded model, or not found saying where it was looked for.
    platform::Result<std::shared_ptr<const tuner::Model>> find(const std::string &name, const std::string &spec_hash,
                                                               const std::string &spec_text);
    const std::vector<std::filesystem::path> &dirs() const { return dirs_; }

private:
    std::vector<std::filesystem::path> dirs_;
    std::mutex mu_;
    std::map<std::string, std::shared_ptr<const tuner::Model>> found_;  // by spec_hash
    // misses, remembered a little while: every candidate view asks, and a search reads files
    std::map<std::string, std::pair<std::chrono::steady_clock::time_point, std::string>> missed_;
};

}  // namespace tinytx::farm
