#include "tinytx/dashboard/dashboard_server.h"

#include <cstdlib>

namespace tinytx::farm {

std::filesystem::path default_dashboard_dir()
{
    if (const char *env = std::getenv("TINYTX_DASHBOARD_DIR"); env && *env)
        return env;
#ifdef TINYTX_DASHBOARD_DIR
    return TINYTX_DASHBOARD_DIR;
#else
    return "dashboard";
#endif
}

platform::Result<std::unique_ptr<Dashboard>> Dashboard::start(const DashboardConfig &config, JobManager *jobs,
                                                              FarmLog &log)
{
    std::unique_ptr<Dashboard> d(new Dashboard());
    auto store = DashboardStore::open(config.db_path);
    if (!store.ok())
        return store.status();
    d->store_ = std::move(store).value();
    d->api_ = std::make_unique<DashboardApi>(*d->store_, jobs, log, config.api);
    HttpServerOptions so;
    so.address = config.http_address;
    so.tls_cert_file = config.tls_cert_file;
    so.tls_key_file = config.tls_key_file;
    DashboardApi *api = d->api_.get();
    d->server_ = std::make_unique<HttpServer>(so, [api](const HttpRequest &r) { return api->handle(r); },
        [&log](const std::string &event, nlohmann::json fields) { log.event(event, std::move(fields)); });
    if (platform::Status s = d->server_->start(); !s.ok())
        return s;
    log.event("dashboard", {{"address", d->server_->address()},
                            {"static_dir", config.api.static_dir.string()},
                            {"built", std::filesystem::exists(config.api.static_dir / "index.html")},
                            {"mode", jobs ? "farm" : "dashboard-only"}});
    return d;
}

Dashboard::~Dashboard() { stop(); }

void Dashboard::stop()
{
    if (server_)
        server_->stop();
}

}  // namespace tinytx::farm
