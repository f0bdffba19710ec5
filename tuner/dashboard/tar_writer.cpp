#include "tar_writer.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

namespace tinytx::farm {

namespace fs = std::filesystem;

namespace {

constexpr size_t kBlock = 512;

// An octal field of `width` bytes: width - 1 digits, then NUL (the layout every tar reads).
// False when the value needs more digits.
bool octal(char *field, size_t width, uint64_t value)
{
    field[width - 1] = '\0';
    for (size_t i = width - 1; i-- > 0;) {
        field[i] = static_cast<char>('0' + (value & 7));
        value >>= 3;
    }
    return value == 0;
}

// ustar names: up to 100 bytes, or a prefix of up to 155 and a name of up to 100 split at a '/'.
bool split_name(const std::string &path, std::string *prefix, std::string *name)
{
    if (path.size() <= 100) {
        *prefix = "";
        *name = path;
        return true;
    }
    for (size_t cut = path.find('/'); cut != std::string::npos; cut = path.find('/', cut + 1)) {
        if (cut <= 155 && path.size() - cut - 1 <= 100 && path.size() - cut - 1 > 0) {
            *prefix = path.substr(0, cut);
            *name = path.substr(cut + 1);
            return true;
        }
    }
    return false;
}

platform::Status header(std::string &out, const std::string &path, bool directory, uint64_t size, int64_t mtime)
{
    std::string prefix, name;
    if (!split_name(path, &prefix, &name))
        return platform::Status::invalid_argument("path too long for a tar archive: " + path);
    std::array<char, kBlock> h{};
    std::memcpy(h.data(), name.data(), name.size());
    octal(h.data() + 100, 8, directory ? 0755 : 0644);
    octal(h.data() + 108, 8, 0);
    octal(h.data() + 116, 8, 0);
    if (!octal(h.data() + 124, 12, size))
        return platform::Status::invalid_argument("file too large for a tar archive: " + path);
    octal(h.data() + 136, 12, static_cast<uint64_t>(std::max<int64_t>(0, mtime)));
    h[156] = directory ? '5' : '0';
    std::memcpy(h.data() + 257, "ustar", 6);  // with its NUL
    std::memcpy(h.data() + 263, "00", 2);
    std::memcpy(h.data() + 265, "tinytx", 6);
    std::memcpy(h.data() + 297, "tinytx", 6);
    std::memcpy(h.data() + 345, prefix.data(), prefix.size());
    std::memset(h.data() + 148, ' ', 8);  // the checksum counts its own field as spaces
    unsigned sum = 0;
    for (char c : h)
        sum += static_cast<unsigned char>(c);
    octal(h.data() + 148, 7, sum);  // six digits, NUL, then the space already there

    out.append(h.data(), h.size());
    return {};
}

}  // namespace

platform::Result<std::string> tar_directory(const fs::path &dir, const std::string &top, int64_t mtime)
{
    std::string archive;
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
        return platform::Status::not_found("not a directory: " + dir.string());
    std::vector<fs::path> entries;
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec))
        entries.push_back(it->path());
    if (ec)
        return platform::Status::io_error("cannot list " + dir.string() + ": " + ec.message());
    std::sort(entries.begin(), entries.end());
    if (platform::Status s = header(archive, top + "/", true, 0, mtime); !s.ok())
        return s;
    for (const fs::path &p : entries) {
        const std::string rel = top + "/" + fs::relative(p, dir).generic_string();
        const fs::file_status st = fs::symlink_status(p, ec);
        if (fs::is_directory(st)) {
            if (platform::Status s = header(archive, rel + "/", true, 0, mtime); !s.ok())
                return s;
            continue;
        }
        if (!fs::is_regular_file(st))
            continue;  // emit_c writes regular files only; anything else is not ours to ship
        std::ifstream in(p, std::ios::binary);
        if (!in)
            return platform::Status::io_error("cannot read " + p.string());
        const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (platform::Status s = header(archive, rel, false, bytes.size(), mtime); !s.ok())
            return s;
        archive += bytes;
        archive.append((kBlock - bytes.size() % kBlock) % kBlock, '\0');
    }
    archive.append(2 * kBlock, '\0');
    return archive;
}

}  // namespace tinytx::farm
