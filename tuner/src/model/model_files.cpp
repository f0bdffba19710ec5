#include "tinytx/tuner/model_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>

namespace tinytx::tuner {

namespace fs = std::filesystem;

bool is_plain_file_name(const std::string &name)
{
    if (name.empty() || name.size() > 128 || name[0] == '.')
        return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
    });
}

namespace {

const char *kPlainOnly = "must be the plain name of a file uploaded with the spec (letters, digits, '.', '_', '-'; "
                         "no directory, no absolute path)";

}  // namespace

ModelFiles ModelFiles::local(fs::path base_dir)
{
    return ModelFiles(
        [base = std::move(base_dir)](const std::string &file) -> platform::Result<std::vector<uint8_t>> {
            const fs::path p = fs::path(file).is_absolute() ? fs::path(file) : base / file;
            std::error_code ec;
            if (!fs::is_regular_file(p, ec))
                return platform::Status::not_found("file '" + p.string() + "' does not exist or is not a regular file");
            std::ifstream in(p, std::ios::binary);
            if (!in)
                return platform::Status::io_error("cannot open '" + p.string() + "'");
            std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
            if (in.bad())
                return platform::Status::io_error("cannot read '" + p.string() + "'");
            return bytes;
        },
        true);
}

ModelFiles ModelFiles::uploaded(const std::map<std::string, std::string> *files)
{
    return ModelFiles(
        [files](const std::string &file) -> platform::Result<std::vector<uint8_t>> {
            if (!is_plain_file_name(file))
                return platform::Status::invalid_argument(kPlainOnly);
            const auto it = files->find(file);
            if (it == files->end())
                return platform::Status::not_found("'" + file + "' was not uploaded with the spec");
            return std::vector<uint8_t>(it->second.begin(), it->second.end());
        },
        false);
}

ModelFiles ModelFiles::confined_to(fs::path dir)
{
    return ModelFiles(
        [dir = std::move(dir)](const std::string &file) -> platform::Result<std::vector<uint8_t>> {
            if (!is_plain_file_name(file))
                return platform::Status::invalid_argument(kPlainOnly);
            // O_NOFOLLOW: a link planted in the folder must not lead out of it
            const int fd = ::open((dir / file).c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
            struct stat st {};
            if (fd < 0 || ::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
                if (fd >= 0)
                    ::close(fd);
                return platform::Status::not_found("'" + file + "' is not among the model's uploaded files");
            }
            std::vector<uint8_t> bytes(static_cast<size_t>(st.st_size));
            size_t got = 0;
            while (got < bytes.size()) {
                const ssize_t n = ::read(fd, bytes.data() + got, bytes.size() - got);
                if (n <= 0)
                    break;
                got += static_cast<size_t>(n);
            }
            ::close(fd);
            if (got != bytes.size())
                return platform::Status::io_error("cannot read the uploaded file '" + file + "'");
            return bytes;
        },
        false);
}

}  // namespace tinytx::tuner
