// The dashboard as tinytx-farmd runs it: the read-only store over the database, the API and the
// HTTP server, started and stopped together (farmd_main.cpp wires it beside the gRPC service, or
// alone with --dashboard-only).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tinytx/dashboard/dashboard_api.h"
#include "tinytx/dashboard/dashboard_store.h"
#include "tinytx/farm/farm_log.h"
#include "tinytx/farm/job_manager.h"
#include "tinytx/http/http_server.h"

namespace tinytx::farm {

struct DashboardConfig {
    std::string http_address = "127.0.0.1:7081";
    std::string tls_cert_file, tls_key_file;  // PEM: HTTPS ("" = plain HTTP)
    std::string db_path;
    DashboardOptions api;
};

// The build output of dashboards/ this binary was built with ($TINYTX_DASHBOARD_DIR overrides).
std::filesystem::path default_dashboard_dir();

class Dashboard {
public:
    // Opens the database read-only and starts serving, or says why it cannot.
    static platform::Result<std::unique_ptr<Dashboard>> start(const DashboardConfig &config, JobManager *jobs,
                                                              FarmLog &log);
    ~Dashboard();
    std::string address() const { return server_->address(); }
    void stop();

private:
    Dashboard() = default;
    std::unique_ptr<DashboardStore> store_;
    std::unique_ptr<DashboardApi> api_;
    std::unique_ptr<HttpServer> server_;
};

}  // namespace tinytx::farm
