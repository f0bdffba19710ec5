// The dashboard's front-end: the files of its build output (dashboards/, built with npm), served
// as they are. Paths are confined to the root; "/" is index.html.
#pragma once

#include <filesystem>
#include <string>

#include "tinytx/http/http_message.h"

namespace tinytx::farm {

class StaticFiles {
public:
    explicit StaticFiles(std::filesystem::path root) : root_(std::move(root)) {}

    // 200 with the file, 404 when absent, 400 for a path that leaves the root. A missing
    // build (no index.html) answers "/" with a page that says how to build it.
    HttpResponse serve(const std::string &path) const;
    const std::filesystem::path &root() const { return root_; }

private:
    std::filesystem::path root_;
};

// "text/html; charset=utf-8" for .html, ... ("application/octet-stream" when unknown).
std::string mime_type(const std::filesystem::path &p);

}  // namespace tinytx::farm
