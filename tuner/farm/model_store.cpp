#include "tinytx/farm/model_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <map>

#include <nlohmann/json.hpp>

#include "tinytx/platform/sha256.h"
#include "tinytx/tuner/model.h"
#include "tinytx/tuner/model_files.h"

namespace tinytx::farm {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char *kSpecName = "model.json";
constexpr const char *kTempPrefix = ".tmp-";

uint64_t bytes_under(const fs::path &dir)
{
    uint64_t n = 0;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec))
        if (it->is_regular_file(ec))
            n += it->file_size(ec);
    return n;
}

// written and flushed to disk before the folder is renamed into place
platform::Status write_durably(const fs::path &p, const std::string &bytes)
{
    const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return platform::Status::io_error("cannot create " + p.string());
    size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n <= 0) {
            ::close(fd);
            return platform::Status::io_error("cannot write " + p.string());
        }
        done += static_cast<size_t>(n);
    }
    const bool synced = ::fsync(fd) == 0;
    ::close(fd);
    if (!synced)
        return platform::Status::io_error("cannot flush " + p.string());
    return {};
}

// the upload's files in a new folder tmp, renamed to final_dir once all are on disk
platform::Status write_folder(const fs::path &tmp, const fs::path &final_dir, const std::string &spec_text,
                              const std::map<std::string, std::string> &by_name)
{
    std::error_code ec;
    fs::create_directory(tmp, ec);
    if (ec)
        return platform::Status::io_error("cannot create " + tmp.string() + ": " + ec.message());
    platform::Status st = write_durably(tmp / kSpecName, spec_text);
    for (auto it = by_name.begin(); st.ok() && it != by_name.end(); ++it)
        st = write_durably(tmp / it->first, it->second);
    if (st.ok()) {
        fs::rename(tmp, final_dir, ec);
        if (ec)
            st = platform::Status::io_error("cannot rename " + tmp.string() + " to " + final_dir.string() + ": " +
                                            ec.message());
    }
    if (!st.ok())
        fs::remove_all(tmp, ec);
    return st;
}

std::string upload_hash(const std::string &spec, const std::map<std::string, std::string> &files)
{
    // a manifest of digests: no two different uploads read the same
    std::string manifest = "spec " + platform::sha256_hex(std::vector<uint8_t>(spec.begin(), spec.end())) + "\n";
    for (const auto &[name, bytes] : files)
        manifest += "file " + name + " " + platform::sha256_hex(std::vector<uint8_t>(bytes.begin(), bytes.end())) + "\n";
    return platform::sha256_hex(std::vector<uint8_t>(manifest.begin(), manifest.end()));
}

}  // namespace

ModelStore::ModelStore(fs::path dir, Quota quota) : dir_(std::move(dir)), quota_(quota)
{
    fs::create_directories(dir_);
    std::error_code ec;
    for (auto it = fs::directory_iterator(dir_, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
        if (it->path().filename().string().rfind(kTempPrefix, 0) == 0)
            fs::remove_all(it->path(), ec);  // an upload a crash interrupted: never renamed, never used
    stored_bytes_ = bytes_under(dir_);
}

uint64_t ModelStore::stored_bytes() const
{
    std::lock_guard lk(mu_);
    return stored_bytes_;
}

platform::Result<ModelStore::Stored> ModelStore::put(const std::string &spec_text,
                                                     const std::vector<std::pair<std::string, std::string>> &files)
{
    using platform::Status;
    // ---- validate, in memory: nothing is written for a refused upload
    uint64_t size = spec_text.size();
    std::map<std::string, std::string> by_name;
    for (const auto &[name, bytes] : files) {
        if (!tuner::is_plain_file_name(name))
            return Status::invalid_argument("model file name: only letters, digits, '.', '_', '-' (no directory), got " +
                                            json(name).dump(-1, ' ', true, json::error_handler_t::replace));
        if (name == kSpecName)
            return Status::invalid_argument(std::string("model file name: '") + kSpecName + "' is the spec's own name");
        if (!by_name.emplace(name, bytes).second)
            return Status::invalid_argument("model file '" + name + "' uploaded twice");
        size += bytes.size();
    }
    if (size > quota_.upload_bytes)
        return Status::resource_exhausted("the upload holds " + std::to_string(size) + " bytes, more than the farm's " +
                                          std::to_string(quota_.upload_bytes) + " per job");
    const json spec = json::parse(spec_text, nullptr, false);
    if (spec.is_discarded())
        return Status::invalid_argument("model: not valid JSON");
    const platform::Result<tuner::Model> lr = tuner::parse_model(spec, tuner::ModelFiles::uploaded(&by_name));
    if (!lr.ok())
        return Status::invalid_argument("model: " + lr.status().message());
    for (const auto &[name, bytes] : by_name) {  // every upload must be a file the spec names
        bool named = false;
        for (const char *key : {"weights", "calibration_input"})
            named |= spec.contains(key) && spec[key].is_object() && spec[key].value("file", "") == name;
        if (!named)
            return Status::invalid_argument("model file '" + name + "' is not named by the spec");
    }

    // ---- write once, by hash, atomically
    const std::string hash = upload_hash(spec_text, by_name);
    const fs::path final_dir = dir_ / hash;
    Stored out{final_dir / kSpecName, lr->name};
    std::lock_guard lk(mu_);
    std::error_code ec;
    if (fs::is_directory(final_dir, ec))
        return out;  // stored before: the same bytes, never rewritten
    if (stored_bytes_ + size > quota_.total_bytes)
        return Status::resource_exhausted("the farm's model store is full (" + std::to_string(stored_bytes_) + " of " +
                                          std::to_string(quota_.total_bytes) + " bytes)");
    static std::atomic<uint64_t> serial{0};
    const fs::path tmp = dir_ / (kTempPrefix + hash.substr(0, 16) + "-" + std::to_string(::getpid()) + "-" +
                                 std::to_string(serial++));
    if (Status st = write_folder(tmp, final_dir, spec_text, by_name); !st.ok())
        return st;
    stored_bytes_ += size;
    return out;
}

}  // namespace tinytx::farm
