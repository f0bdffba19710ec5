#include "tinytx/dashboard/dashboard_api.h"

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "dashboard_api_impl.h"
#include "tinytx/http/url_query.h"
#include "tinytx/platform/auth.h"

namespace tinytx::farm {

namespace {

// The value of one cookie in a Cookie header ("" when absent).
std::string cookie_value(const std::string &header, const std::string &name)
{
    size_t pos = 0;
    while (pos < header.size()) {
        size_t end = header.find(';', pos);
        if (end == std::string::npos)
            end = header.size();
        std::string pair = header.substr(pos, end - pos);
        pos = end + 1;
        const size_t b = pair.find_first_not_of(' ');
        if (b == std::string::npos)
            continue;
        pair = pair.substr(b);
        if (pair.rfind(name + "=", 0) == 0)
            return percent_decode(pair.substr(name.size() + 1), false).value_or("");
    }
    return "";
}

}  // namespace

DashboardApi::DashboardApi(DashboardStore &store, JobManager *jobs, FarmLog &log, DashboardOptions options)
    : impl_(std::make_unique<Impl>(store, jobs, log, std::move(options)))
{
}

DashboardApi::~DashboardApi() = default;

HttpResponse DashboardApi::handle(const HttpRequest &req)
{
    const auto q = parse_target(req.target);
    if (!q.ok())
        return error_response(400, q.status().message());
    try {
        return impl_->route(req, *q);
    } catch (const std::exception &e) {
        impl_->log.event("http_error", {{"target", req.target}, {"error", e.what()}});
        return error_response(500, e.what());
    }
}

platform::Status DashboardApi::Impl::authorize(const HttpRequest &req, const UrlQuery &q, bool write)
{
    if (opt.token.empty() || (!write && opt.public_read))
        return {};
    // a write must say the token itself: a cookie the browser adds on its own is not enough (a
    // page elsewhere could make the browser send it)
    if (platform::token_matches(req.authorization, opt.token))
        return {};
    if (!write) {
        const std::string c = cookie_value(req.cookie, "tinytx_token");
        if (!c.empty() && platform::token_matches("Bearer " + c, opt.token))
            return {};
    }
    const bool none = req.authorization.empty() && (write || cookie_value(req.cookie, "tinytx_token").empty());
    log.event("refused", {{"call", "http " + req.method + " " + q.path},
                          {"peer", req.peer},
                          {"reason", none ? "no token" : "wrong token"}});
    return platform::Status::permission_denied(none ? "this farm needs a token (Authorization: Bearer ...)"
                                                    : "wrong token");
}

HttpResponse status_response(const platform::Status &status)
{
    switch (status.code()) {
    case platform::StatusCode::kInvalidArgument: return error_response(400, status.message());
    case platform::StatusCode::kNotFound: return error_response(404, status.message());
    default: return error_response(500, status.message());
    }
}

// ---- routing: one row per call; a path segment "{candidate}" or "{job}" is that resource's id

namespace {

struct RouteArgs {
    DashboardApi::Impl &api;
    const UrlQuery &q;
    int64_t id = 0;  // the path's id, when the route has one
};

struct Route {
    std::string method;
    std::vector<std::string> path;   // the segments after "api"
    std::set<std::string> params;    // the query parameters it takes
    std::function<HttpResponse(const RouteArgs &)> call;
};

const std::vector<Route> &routes()
{
    static const std::vector<Route> table = {
        {"GET", {"info"}, {}, [](const RouteArgs &a) { return a.api.info(); }},
        {"GET", {"models"}, {}, [](const RouteArgs &a) { return a.api.models(); }},
        {"GET", {"boards"}, {}, [](const RouteArgs &a) { return a.api.boards(); }},
        {"GET", {"front"}, {"model", "board", "budget"}, [](const RouteArgs &a) { return a.api.front(a.q); }},
        {"GET", {"front.svg"}, {"model", "board", "budget"},
         [](const RouteArgs &a) { return a.api.front_picture(a.q); }},
        {"GET", {"candidates", "{candidate}"}, {"budget"},
         [](const RouteArgs &a) { return a.api.candidate(a.id, a.q); }},
        {"GET", {"candidates", "{candidate}", "schedule.json"}, {"budget"},
         [](const RouteArgs &a) { return a.api.schedule_export(a.id, a.q); }},
        {"GET", {"candidates", "{candidate}", "deploy.tar"}, {},
         [](const RouteArgs &a) { return a.api.deploy_tar(a.id); }},
        {"GET", {"measurements"}, {"model", "board", "candidate", "limit", "offset"},
         [](const RouteArgs &a) { return a.api.measurements(a.q); }},
        {"GET", {"calibration"}, {"board", "model"}, [](const RouteArgs &a) { return a.api.calibration(a.q); }},
        {"GET", {"events"}, {}, [](const RouteArgs &a) { return a.api.events(); }},
        {"GET", {"jobs"}, {}, [](const RouteArgs &a) { return a.api.job_list(); }},
        {"GET", {"jobs", "{job}"}, {}, [](const RouteArgs &a) { return a.api.job(a.id); }},
        {"GET", {"jobs", "{job}", "events"}, {}, [](const RouteArgs &a) { return a.api.job_events(a.id); }},
        {"POST", {"jobs", "{job}", "cancel"}, {}, [](const RouteArgs &a) { return a.api.cancel(a.id); }},
    };
    return table;
}

bool is_id_segment(const std::string &s) { return s.size() > 2 && s.front() == '{' && s.back() == '}'; }

// Does the route's pattern match these segments (after "api")?
bool path_matches(const Route &r, const std::vector<std::string> &parts)
{
    if (r.path.size() != parts.size())
        return false;
    for (size_t i = 0; i < parts.size(); ++i)
        if (!is_id_segment(r.path[i]) && r.path[i] != parts[i])
            return false;
    return true;
}

}  // namespace

HttpResponse DashboardApi::Impl::route(const HttpRequest &req, const UrlQuery &q)
{
    std::vector<std::string> parts = path_parts(q.path);
    if (parts.empty() || parts[0] != "api") {
        if (req.method != "GET")
            return error_response(405, "only GET serves the dashboard's files");
        return files.serve(q.path);
    }
    const bool post = req.method == "POST";
    if (req.method != "GET" && !post)
        return error_response(405, "method " + req.method + " not allowed");
    if (const platform::Status auth = authorize(req, q, post); !auth.ok())
        return error_response(401, auth.message());
    parts.erase(parts.begin());

    const Route *other_method = nullptr;
    for (const Route &r : routes()) {
        if (!path_matches(r, parts))
            continue;
        if (r.method != req.method) {
            other_method = &r;
            continue;
        }
        if (platform::Status u = q.unknown(r.params); !u.ok())
            return error_response(400, u.message());
        RouteArgs args{*this, q};
        for (size_t i = 0; i < parts.size(); ++i) {
            if (!is_id_segment(r.path[i]))
                continue;
            const auto id = parse_id(parts[i]);
            if (!id)
                return error_response(400, r.path[i].substr(1, r.path[i].size() - 2) +
                                               " id must be a whole number from 1, got '" + parts[i] + "'");
            args.id = *id;
        }
        return r.call(args);
    }
    if (other_method)
        return error_response(405, q.path + " is a " + other_method->method);
    return error_response(404, std::string(post ? "no such write call: POST " : "no such API call: ") + q.path);
}

}  // namespace tinytx::farm
