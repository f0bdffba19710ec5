#include "tinytx/dashboard/model_locator.h"

#include <fstream>
#include <iterator>

#include "tinytx/tuner/tuning.h"

namespace tinytx::farm {

namespace fs = std::filesystem;

namespace {

bool same_text(const fs::path &p, const std::string &text)
{
    std::error_code ec;
    if (fs::file_size(p, ec) != text.size() || ec)
        return false;
    std::ifstream in(p, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return bytes == text;
}

}  // namespace

platform::Result<std::shared_ptr<const tuner::Model>> ModelLocator::find(const std::string &name,
                                                                         const std::string &spec_hash,
                                                                         const std::string &spec_text)
{
    std::lock_guard lk(mu_);
    if (auto it = found_.find(spec_hash); it != found_.end())
        return it->second;
    const auto now = std::chrono::steady_clock::now();
    if (auto it = missed_.find(spec_hash); it != missed_.end() && now - it->second.first < std::chrono::seconds(10))
        return platform::Status::not_found(it->second.second);
    // (folder, confined): a subdirectory is where the farm keeps uploads, whose specs may name only
    // files beside them (a spec stored before uploads were checked must not read the host's files)
    std::vector<std::pair<fs::path, bool>> places;
    for (const fs::path &d : dirs_) {
        std::error_code ec;
        if (!fs::is_directory(d, ec))
            continue;
        places.push_back({d, false});
        for (auto it = fs::directory_iterator(d, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
            if (it->is_directory(ec))
                places.push_back({it->path(), true});
    }
    for (const auto &[dir, confined] : places) {
        std::error_code ec;
        for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
            const fs::path &p = it->path();
            if (p.extension() != ".json" || !same_text(p, spec_text))
                continue;
            platform::Result<tuner::Model> lr = confined ? tuner::load_model_confined(p) : tuner::load_model(p);
            if (!lr.ok() || tuner::model_hash(*lr) != spec_hash)
                continue;  // same spec, other weights: not this model
            auto m = std::make_shared<const tuner::Model>(std::move(*lr));
            found_[spec_hash] = m;
            return m;
        }
    }
    std::string where;
    for (const fs::path &d : dirs_)
        where += (where.empty() ? "" : ", ") + d.string();
    std::string error = "the files of model " + name + " (" + spec_hash.substr(0, 12) +
             ") are not in " + (where.empty() ? "any model directory" : where) +
             ": start tinytx-farmd with --models-dir DIR, DIR the folder that holds its spec and weights"
             " (for a model tinytx-tune imported from ONNX, the import cache of the user who ran it:"
             " $TINYTX_IMPORT_CACHE, else ~/.cache/tinytx/import)";
    missed_[spec_hash] = {now, error};
    return platform::Status::not_found(std::move(error));
}

}  // namespace tinytx::farm
