#include "tinytx/http/static_files.h"

#include <fstream>
#include <iterator>
#include <map>

#include "tinytx/http/url_query.h"

namespace tinytx::farm {

namespace fs = std::filesystem;

std::string mime_type(const fs::path &p)
{
    static const std::map<std::string, std::string> types = {
        {".html", "text/html; charset=utf-8"},  {".js", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},    {".json", "application/json"},
        {".svg", "image/svg+xml"},              {".png", "image/png"},
        {".ico", "image/x-icon"},               {".map", "application/json"},
        {".txt", "text/plain; charset=utf-8"},  {".woff2", "font/woff2"}};
    const auto it = types.find(p.extension().string());
    return it == types.end() ? "application/octet-stream" : it->second;
}

HttpResponse StaticFiles::serve(const std::string &path) const
{
    const std::vector<std::string> parts = path_parts(path);
    fs::path rel;
    for (const std::string &part : parts) {
        // no parent steps, no hidden files, nothing a file name would not hold
        if (part == ".." || part == "." || part[0] == '.' || part.find('\\') != std::string::npos)
            return error_response(400, "bad path");
        rel /= part;
    }
    if (parts.empty())
        rel = "index.html";
    const fs::path file = root_ / rel;
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) {
        if (parts.empty()) {
            HttpResponse r;
            r.status = 503;
            r.content_type = "text/plain; charset=utf-8";
            r.body = "The dashboard's front-end is not built (no " + file.string() +
                     "). Build it with: cmake --build <build dir> --target dashboard (needs npm, "
                     "scripts/setup.sh installs it). The JSON API is at /api/.\n";
            return r;
        }
        return error_response(404, "no such file: " + path);
    }
    std::ifstream in(file, std::ios::binary);
    if (!in)
        return error_response(404, "cannot read: " + path);
    HttpResponse r;
    r.content_type = mime_type(file);
    r.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    r.headers.push_back({"Cache-Control", "no-cache"});
    return r;
}

}  // namespace tinytx::farm
