// The dashboard's HTTP API (JSON), served by tinytx-farmd beside its gRPC face, or alone over a
// database file (--dashboard-only, read only, no jobs run):
//   GET  /api/info                          mode, what needs a token
//   GET  /api/models, /api/boards           with the (model, board) pairs that have measurements
//   GET  /api/front?model=&board=[&budget=] every measured candidate classed against the budget
//                                           (front | dominated | duplicate | over_budget), per source,
//                                           with flash, accuracy (imported models), the best point
//                                           and each source said exactly (source_text)
//   GET  /api/front.svg?model=&board=[&budget=] the same front as tinytx-tune --plot draws it
//   GET  /api/candidates/ID[?budget=]       knobs per layer, memory plan, predicted vs measured
//   GET  /api/candidates/ID/schedule.json   the schedule export (as tinytx-tune --out writes it)
//   GET  /api/candidates/ID/deploy.tar      the emitted C folder (as tinytx-tune --emit-c writes it)
//   GET  /api/measurements?model=&board=[&candidate=&limit=&offset=]
//   GET  /api/calibration?board=[&model=]   predicted vs measured cycles of every measured candidate
//   GET  /api/jobs, /api/jobs/ID            the farm's jobs with live progress
//   GET  /api/events                        Server-Sent Events: job changes, new measurements
//   GET  /api/jobs/ID/events                Server-Sent Events of one job until it ends
//   POST /api/jobs/ID/cancel                needs the farm's token (Authorization: Bearer ...)
// Anything else is a file of the front-end's build output. Bad parameters answer 400 with a
// message naming the parameter, unknown ids 404, a missing or wrong token 401.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tinytx/dashboard/dashboard_store.h"
#include "tinytx/dashboard/model_locator.h"
#include "tinytx/farm/farm_log.h"
#include "tinytx/farm/job_manager.h"
#include "tinytx/http/http_message.h"
#include "tinytx/http/static_files.h"

namespace tinytx::farm {

struct DashboardOptions {
    std::string token;                         // the farm's token; "" = open (as the gRPC side)
    bool public_read = false;                  // reads need no token
    std::vector<std::filesystem::path> model_dirs;  // where the models' files are (downloads)
    std::filesystem::path static_dir;          // the front-end's build output
    std::filesystem::path boards_dir;          // for emit_c ("" = the source tree's)
    std::chrono::milliseconds poll{1000};      // event streams look for changes this often
    std::chrono::seconds keep_alive{15};       // a comment line when nothing happened
};

class DashboardApi {
public:
    // jobs: nullptr in --dashboard-only mode (jobs are read from the database, none run)
    DashboardApi(DashboardStore &store, JobManager *jobs, FarmLog &log, DashboardOptions options);
    ~DashboardApi();

    HttpResponse handle(const HttpRequest &req);

    struct Impl;  // the handlers, one file per resource (dashboard_api_impl.h)

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace tinytx::farm
