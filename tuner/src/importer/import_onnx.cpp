// ONNX -> model spec through tinytx-import, cached by content (see importer.h).
#include "tinytx/tuner/importer.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <vector>

#include "tinytx/platform/process.h"
#include "tinytx/platform/sha256.h"

#ifndef TINYTX_IMPORTER_SCRIPT
#define TINYTX_IMPORTER_SCRIPT "tuner/importer/tinytx_import.py"
#endif
#ifndef TINYTX_IMPORTER_PYTHON
#define TINYTX_IMPORTER_PYTHON "/usr/bin/python3"
#endif

namespace tinytx::tuner {
namespace fs = std::filesystem;

namespace {

std::optional<std::vector<uint8_t>> read_bytes(const fs::path &p)
{
    std::ifstream f(p, std::ios::binary);
    if (!f)
        return std::nullopt;
    std::vector<uint8_t> b((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    if (f.bad())
        return std::nullopt;
    return b;
}

// The spec's name is the file's stem: the schema's pattern, with anything else replaced.
std::string model_name(const fs::path &onnx)
{
    std::string n = onnx.stem().string();
    for (char &c : n)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.'))
            c = '_';
    if (n.empty() || !std::isalnum(static_cast<unsigned char>(n[0])))
        n = "m" + n;
    return n;
}

void append_blob(std::vector<uint8_t> &key, const std::string &tag, const std::vector<uint8_t> &blob)
{
    const std::string head = tag + ":" + std::to_string(blob.size()) + ":";
    key.insert(key.end(), head.begin(), head.end());
    key.insert(key.end(), blob.begin(), blob.end());
}

// The importer's sources that decide its output: its own folder and the numerics package.
std::vector<fs::path> importer_sources(const fs::path &script)
{
    std::vector<fs::path> files;
    const fs::path dir = script.parent_path();
    for (const fs::path &d : {dir, dir / ".." / ".." / "python" / "tinytx_numerics"}) {
        std::error_code ec;
        for (const auto &e : fs::directory_iterator(d, ec))
            if (e.path().extension() == ".py")
                files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

// "tinytx-import: error: FILE: reason" lines -> "reason"; else the log's tail.
std::string importer_message(const std::string &log, const fs::path &onnx)
{
    std::istringstream in(log);
    std::string line, out;
    const std::string prefix = "tinytx-import: error: ";
    while (std::getline(in, line)) {
        if (line.rfind(prefix, 0) != 0)
            continue;
        line = line.substr(prefix.size());
        const std::string file = onnx.string() + ": ";
        if (line.rfind(file, 0) == 0)
            line = line.substr(file.size());
        out += (out.empty() ? "" : "; ") + line;
    }
    return out.empty() ? log.substr(log.size() > 2000 ? log.size() - 2000 : 0) : out;
}

// Private folders of imports that were killed (tinytx-tune interrupted) and never published.
void remove_stale_imports(const fs::path &cache)
{
    std::error_code ec;
    const auto now = fs::file_time_type::clock::now();
    for (const auto &e : fs::directory_iterator(cache, ec)) {
        const std::string n = e.path().filename().string();
        std::error_code tec;
        const auto t = fs::last_write_time(e.path(), tec);
        if (n.rfind(".import-", 0) == 0 && !tec && now - t > std::chrono::hours(24))
            fs::remove_all(e.path(), tec);
    }
}

}  // namespace

bool is_onnx_path(const fs::path &path)
{
    std::string ext = path.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    return ext == ".onnx";
}

fs::path default_import_cache_dir()
{
    if (const char *d = std::getenv("TINYTX_IMPORT_CACHE"); d && *d)
        return d;
    if (const char *x = std::getenv("XDG_CACHE_HOME"); x && *x)
        return fs::path(x) / "tinytx" / "import";
    if (const char *h = std::getenv("HOME"); h && *h)
        return fs::path(h) / ".cache" / "tinytx" / "import";
    return fs::path("/tmp") / ("tinytx-import-" + std::to_string(::getuid()));
}

platform::Result<ImportedSpec> import_onnx(const fs::path &onnx_path, const ImportOptions &opt)
{
    using platform::Status;
    ImportedSpec r;
    const fs::path script = opt.importer.empty() ? fs::path(TINYTX_IMPORTER_SCRIPT) : opt.importer;
    const std::string python = opt.python.empty() ? std::string(TINYTX_IMPORTER_PYTHON) : opt.python;
    fs::path calib = opt.calib;
    if (calib.empty()) {
        const fs::path sibling = onnx_path.parent_path() / (onnx_path.stem().string() + ".calib.npy");
        if (fs::exists(sibling))
            calib = sibling;
    }

    // ---- the cache key: model, samples, importer
    std::vector<uint8_t> key;
    const auto model = read_bytes(onnx_path);
    if (!model)
        return Status::io_error("cannot read " + onnx_path.string() + ": " + std::strerror(errno));
    append_blob(key, "onnx", *model);
    if (!calib.empty()) {
        const auto c = read_bytes(calib);
        if (!c)
            return Status::io_error("cannot read the calibration samples " + calib.string());
        append_blob(key, "calib", *c);
    }
    if (!opt.val.empty()) {
        const auto v = read_bytes(opt.val);
        if (!v)
            return Status::io_error("cannot read the validation set " + opt.val.string());
        append_blob(key, "val", *v);
    }
    // the accuracy floors: options of the importer, and so of the cached result
    const std::pair<const char *, std::optional<double>> floors[] = {{"--min-cosine", opt.min_cosine},
                                                                     {"--min-accuracy", opt.min_accuracy}};
    for (const auto &[flag, bound] : floors)
        if (bound) {
            const std::string v = std::to_string(*bound);
            append_blob(key, flag, std::vector<uint8_t>(v.begin(), v.end()));
        }
    for (const fs::path &src : importer_sources(script)) {
        const auto s = read_bytes(src);
        if (!s)
            return Status::not_found("the importer is missing: cannot read " + src.string());
        append_blob(key, src.filename().string(), *s);
    }
    const std::string name = model_name(onnx_path);
    const fs::path cache = opt.cache_dir.empty() ? default_import_cache_dir() : opt.cache_dir;
    const fs::path dir = cache / platform::sha256_hex(key).substr(0, 24);
    r.spec_path = dir / (name + ".json");
    if (fs::exists(r.spec_path)) {
        r.cached = true;
        return r;
    }

    // ---- import into a private folder, then publish it whole (a concurrent import may win)
    std::error_code ec;
    fs::create_directories(cache, ec);
    remove_stale_imports(cache);
    std::string templ = (cache / ".import-XXXXXX").string();
    if (ec || !::mkdtemp(templ.data()))
        return Status::io_error("cannot create a folder in the import cache " + cache.string() + ": " +
                                (ec ? ec.message() : std::string(std::strerror(errno))));
    const fs::path tmp = templ;
    const std::string log = (tmp / "import.log").string();
    std::vector<std::string> argv{python, script.string(), onnx_path.string(), "-o", (tmp / (name + ".json")).string(),
                                  "--quiet"};
    if (!calib.empty()) {
        argv.push_back("--calib");
        argv.push_back(calib.string());
    }
    if (!opt.val.empty()) {
        argv.push_back("--val");
        argv.push_back(opt.val.string());
    }
    for (const auto &[flag, bound] : floors)
        if (bound) {
            char buf[32];
            std::snprintf(buf, sizeof buf, "%.17g", *bound);
            argv.push_back(flag);
            argv.push_back(buf);
        }
    std::optional<int> status;
    Status failed;
    try {  // the process layer throws (ARCHITECTURE.md "Errors")
        platform::Process p = platform::Process::spawn({argv, log, log, ""});
        status = p.wait_for(std::chrono::duration_cast<std::chrono::milliseconds>(opt.timeout));
        if (!status) {
            p.kill_and_reap();
            failed = Status::deadline_exceeded("tinytx-import did not finish within " +
                                               std::to_string(opt.timeout.count()) + " s");
        }
    } catch (const std::exception &e) {
        failed = Status::unavailable(std::string("cannot run tinytx-import: ") + e.what());
    }
    if (failed.ok() && *status != 0)
        failed = Status::invalid_argument(
            (*status == 2 ? "ONNX import refused: "
                          : "tinytx-import failed (" + platform::Process::describe(*status) + "): ") +
            importer_message(platform::read_file_tail(log, 16000), onnx_path));
    if (!failed.ok()) {
        fs::remove_all(tmp, ec);
        return failed;
    }
    fs::rename(tmp, dir, ec);
    if (ec) {
        fs::remove_all(tmp, ec);
        if (!fs::exists(r.spec_path))
            return Status::io_error("cannot publish the import into " + dir.string());
    }
    return r;
}

platform::Result<Model> load_model_any(const fs::path &path, const ImportOptions &opt)
{
    if (!is_onnx_path(path)) {
        if (platform::Status what = foreign_model_file(path); !what.ok())
            return what;
        return load_model(path);
    }
    platform::Result<ImportedSpec> ir = import_onnx(path, opt);
    if (!ir.ok())
        return ir.status();
    platform::Result<Model> r = load_model(ir->spec_path);
    if (!r.ok() && ir->cached) {  // a damaged cache entry: import again, once
        std::error_code ec;
        fs::remove_all(ir->spec_path.parent_path(), ec);
        ir = import_onnx(path, opt);
        if (!ir.ok())
            return ir.status();
        r = load_model(ir->spec_path);
    }
    return r;
}

}  // namespace tinytx::tuner
