// emit_c: which files of the source tree go into the folder. Starts from the source list and the
// linker scripts and follows `#include "..."` and `INCLUDE` lines, so the folder builds on its own.
#include <fstream>
#include <optional>
#include <regex>
#include <set>
#include <sstream>

#include "emit_c_internal.h"

namespace tinytx::tuner::emit_detail {
namespace fs = std::filesystem;
namespace {

const char *const kLdDir = "kernels/firmware/ld";

// `#include "x"` of C and assembler sources (every line, whatever the #if around it: a superset)
std::vector<std::string> quoted_includes(const std::string &text)
{
    static const std::regex re(R"re(^[ \t]*#[ \t]*include[ \t]*"([^"]+)")re", std::regex::multiline);
    std::vector<std::string> v;
    for (std::sregex_iterator it(text.begin(), text.end(), re), end; it != end; ++it)
        v.push_back((*it)[1]);
    return v;
}

// `INCLUDE x` of GNU ld scripts
std::vector<std::string> ld_includes(const std::string &text)
{
    static const std::regex re(R"(^[ \t]*INCLUDE[ \t]+([^ \t\r\n;]+))", std::regex::multiline);
    std::vector<std::string> v;
    for (std::sregex_iterator it(text.begin(), text.end(), re), end; it != end; ++it)
        v.push_back((*it)[1]);
    return v;
}

// The first candidate that exists inside root, as a normal relative path.
std::optional<std::string> resolve(const fs::path &root, const std::vector<fs::path> &dirs, const std::string &name)
{
    for (const fs::path &d : dirs) {
        const fs::path rel = (d / name).lexically_normal();
        if (rel.empty() || rel.is_absolute() || *rel.begin() == "..")
            continue;
        if (fs::is_regular_file(root / rel))
            return rel.generic_string();
    }
    return std::nullopt;
}

} // namespace

platform::Result<std::string> read_text(const fs::path &p)
{
    std::ifstream in(p, std::ios::binary);
    if (!in)
        return platform::Status::io_error("cannot read " + p.string());
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

bool is_host_source(const FirmwareSource &f) { return f.cpus.empty() && f.rel.rfind("kernels/src/", 0) == 0; }

platform::Status fixed_files(const fs::path &root, const std::vector<FirmwareSource> &sources,
                             const std::vector<FirmwareTarget> &targets, const std::vector<GeneratedFile> &generated,
                             std::vector<std::string> &out)
{
    using platform::Status;
    std::vector<fs::path> include_dirs;
    for (const std::string &d : firmware_include_dirs())
        include_dirs.emplace_back(d);
    std::set<std::string> generated_names;
    for (const auto &g : generated)
        generated_names.insert(g.name);

    std::set<std::string> found;
    std::vector<std::string> todo;
    auto add = [&](const std::string &rel) {
        if (found.insert(rel).second)
            todo.push_back(rel);
    };
    for (const FirmwareSource &f : sources) {
        bool used = is_host_source(f);
        for (const FirmwareTarget &t : targets)
            used = used || f.for_cpu(t.target.cpu);
        if (used)
            add(f.rel);
    }
    for (const FirmwareTarget &t : targets)
        if (auto p = resolve(root, {kLdDir}, t.linker_script + ".ld"))
            add(*p);
        else
            return Status::not_found(std::string(kLdDir) + "/" + t.linker_script + ".ld: not found");

    // what the generated files include (they sit at the folder's top, like -I.)
    for (const auto &g : generated) {
        for (const std::string &inc : quoted_includes(g.content)) {
            if (generated_names.count(inc))
                continue;
            auto p = resolve(root, include_dirs, inc);
            if (!p)
                return Status::not_found(g.name + ": cannot resolve #include \"" + inc + "\"");
            add(*p);
        }
    }
    while (!todo.empty()) {
        const std::string rel = todo.back();
        todo.pop_back();
        const auto read = read_text(root / rel);
        if (!read.ok())
            return read.status();
        const std::string &text = *read;
        const bool ld = fs::path(rel).extension() == ".ld";
        std::vector<fs::path> dirs = {fs::path(rel).parent_path()};
        if (!ld)
            dirs.insert(dirs.end(), include_dirs.begin(), include_dirs.end());
        for (const std::string &inc : ld ? ld_includes(text) : quoted_includes(text)) {
            auto p = resolve(root, dirs, inc);
            if (!p)
                return Status::not_found(rel + ": cannot resolve " +
                                         (ld ? "INCLUDE " + inc : "#include \"" + inc + "\""));
            add(*p);
        }
    }
    out.assign(found.begin(), found.end());
    return {};
}

} // namespace tinytx::tuner::emit_detail
