#include "tinytx/farm/job_manager.h"

#include <algorithm>
#include <stdexcept>

#include "tinytx/platform/board_profile.h"
#include "tinytx/tuner/database.h"
#include "tinytx/tuner/report_json.h"
#include "tinytx/tuner/request_limits.h"

namespace tinytx::farm {

namespace fs = std::filesystem;
using nlohmann::json;

struct JobManager::Live {
    JobView view;
    bool cancel = false;
    bool started = false;
    std::thread thread;
};

namespace {

constexpr uint32_t kDefaultDeadlineS = 120;

}  // namespace

JobManager::JobManager(Options opts, AgentRegistry &registry, FarmLog &log)
    : opts_(std::move(opts)), registry_(registry), log_(log),
      store_([&] {
          tuner::Database migrate_first(opts_.db_path);  // brings the schema up to date
          return opts_.db_path;
      }()),
      models_(opts_.data_dir / "models", opts_.model_quota)
{
}

JobManager::~JobManager() { stop(); }

void JobManager::start()
{
    std::lock_guard lk(mu_);
    for (JobRecord &r : store_.unfinished()) {
        auto live = std::make_unique<Live>();
        log_.event("job_resumed", {{"job", r.id}, {"board", r.board}, {"model", r.model}, {"was", r.state}});
        r.state = "queued";
        store_.set_state(r.id, "queued");
        live->view.record = std::move(r);
        jobs_[live->view.record.id] = std::move(live);
    }
    for (JobRecord &r : store_.list())
        if (!jobs_.count(r.id)) {
            auto live = std::make_unique<Live>();
            live->view.front_json = r.front_json;
            live->view.record = std::move(r);
            jobs_[live->view.record.id] = std::move(live);
        }
    scheduler_ = std::thread([this] { schedule_loop(); });
}

void JobManager::stop()
{
    {
        std::lock_guard lk(mu_);
        if (stopping_)
            return;
        stopping_ = true;
    }
    cv_.notify_all();
    registry_.stop();  // runs waiting for an agent give up now; their jobs stay queued
    if (scheduler_.joinable())
        scheduler_.join();
    for (auto &[id, j] : jobs_)
        if (j->thread.joinable())
            j->thread.join();
}

platform::Result<int64_t> JobManager::submit(const JobSpec &given)
{
    using platform::Status;
    JobSpec spec = given;
    // every number against the table the agents enforce (0 = the default, where there is one)
    for (const auto &[limit, value] :
         {std::pair{tuner::limits::kBudgetBytes, spec.budget_bytes}, {tuner::limits::kTrials, spec.trials ? spec.trials : tuner::limits::kTrials.min},
          {tuner::limits::kSeed, spec.seed}, {tuner::limits::kRepeats, spec.repeats ? spec.repeats : 1},
          {tuner::limits::kDeadlineS, spec.deadline_s ? spec.deadline_s : kDefaultDeadlineS}})
        if (Status st = tuner::check_within(limit, value); !st.ok())
            return st;
    const std::vector<std::string> strategies = {"auto", "exhaustive", "nsga2", "guided"};
    if (std::find(strategies.begin(), strategies.end(), spec.strategy) == strategies.end())
        return Status::invalid_argument("strategy: must be auto, exhaustive, nsga2 or guided, got " +
                                        json(spec.strategy).dump(-1, ' ', true, json::error_handler_t::replace));
    try {
        // the profile's own spelling: agents register boards by it, whatever case the client typed
        spec.board = platform::BoardCatalog::load_dir(opts_.boards_dir.empty() ? platform::BoardCatalog::default_dir()
                                                                            : opts_.boards_dir.string())
                         .get(spec.board)
                         .name;
    } catch (const std::exception &e) {  // the catalog throws for an unknown board or a bad profile
        return Status::invalid_argument(std::string("board: ") + e.what());
    }
    // validated in memory, then stored once by content (ModelStore)
    const platform::Result<ModelStore::Stored> put = models_.put(spec.model_spec, spec.files);
    if (!put.ok())
        return put.status();
    const ModelStore::Stored &stored = *put;

    const json request = {{"model_path", stored.spec_path.string()},
                          {"board", spec.board},
                          {"budget_bytes", spec.budget_bytes},
                          {"strategy", spec.strategy},
                          {"trials", spec.trials},
                          {"seed", spec.seed},
                          {"per_layer", spec.per_layer},
                          {"repeats", std::max(1u, spec.repeats)},
                          {"deadline_s", spec.deadline_s ? spec.deadline_s : kDefaultDeadlineS}};
    std::lock_guard lk(mu_);
    const int64_t id = store_.insert(stored.model_name, spec.board, spec.priority, request);
    auto live = std::make_unique<Live>();
    live->view.record = *store_.get(id);
    jobs_[id] = std::move(live);
    log_.event("job_submitted", {{"job", id}, {"model", stored.model_name}, {"board", spec.board},
                                 {"priority", spec.priority}, {"budget_bytes", spec.budget_bytes}});
    cv_.notify_all();
    return id;
}

std::optional<JobView> JobManager::cancel(int64_t id)
{
    std::lock_guard lk(mu_);
    auto it = jobs_.find(id);
    if (it == jobs_.end())
        return std::nullopt;
    Live &j = *it->second;
    if (!j.view.ended()) {
        j.cancel = true;
        if (!j.started) {
            j.view.record.state = "cancelled";
            store_.finish(id, "cancelled", 3, "cancelled before it started", "", "");
        }
        log_.event("job_cancel", {{"job", id}});
        touch(j);
    }
    return j.view;
}

std::optional<JobView> JobManager::view(int64_t id)
{
    std::lock_guard lk(mu_);
    auto it = jobs_.find(id);
    if (it == jobs_.end())
        return std::nullopt;
    return it->second->view;
}

std::vector<JobView> JobManager::list()
{
    std::lock_guard lk(mu_);
    std::vector<JobView> out;
    for (auto &[id, j] : jobs_)
        out.push_back(j->view);
    return out;
}

std::optional<JobView> JobManager::wait(int64_t id, uint64_t version, std::chrono::milliseconds timeout)
{
    std::unique_lock lk(mu_);
    auto it = jobs_.find(id);
    if (it == jobs_.end())
        return std::nullopt;
    Live &j = *it->second;
    cv_.wait_for(lk, timeout, [&] { return j.view.version != version || stopping_; });
    return j.view;
}

unsigned JobManager::queued() const
{
    std::lock_guard lk(mu_);
    return static_cast<unsigned>(std::count_if(jobs_.begin(), jobs_.end(), [](auto &p) {
        return p.second->view.record.state == "queued";
    }));
}

unsigned JobManager::running() const
{
    std::lock_guard lk(mu_);
    return static_cast<unsigned>(std::count_if(jobs_.begin(), jobs_.end(), [](auto &p) {
        return p.second->view.record.state == "running";
    }));
}

void JobManager::touch(Live &job)
{
    ++job.view.version;
    cv_.notify_all();
}

void JobManager::schedule_loop()
{
    std::unique_lock lk(mu_);
    while (!stopping_) {
        unsigned active = 0;
        std::vector<Live *> ready;
        for (auto &[id, j] : jobs_) {
            if (j->started && j->view.record.state == "running")
                ++active;
            if (!j->started && j->view.record.state == "queued" && !j->cancel)
                ready.push_back(j.get());
        }
        std::sort(ready.begin(), ready.end(), [](const Live *a, const Live *b) {
            if (a->view.record.priority != b->view.record.priority)
                return a->view.record.priority > b->view.record.priority;
            return a->view.record.id < b->view.record.id;
        });
        for (Live *j : ready) {
            if (active >= opts_.max_running)
                break;
            j->started = true;
            j->view.record.state = "running";
            try {
                store_.set_state(j->view.record.id, "running");
            } catch (const std::exception &e) {  // recorded when it ends; the scheduler goes on
                log_.event("error", {{"job", j->view.record.id}, {"message", e.what()}});
            }
            touch(*j);
            ++active;
            if (j->thread.joinable())
                j->thread.join();
            j->thread = std::thread([this, j] { run_job(*j); });
        }
        cv_.wait_for(lk, std::chrono::milliseconds(500));
    }
}

void JobManager::run_job(Live &job)
{
    try {
        run_tuning(job);
    } catch (const std::exception &e) {
        // one job's failure (a database error, a bad stored request) ends that job, not the farm
        fail_job(job, std::string("internal error: ") + e.what());
    }
}

void JobManager::fail_job(Live &job, const std::string &error)
{
    std::lock_guard lk(mu_);
    const int64_t id = job.view.record.id;
    job.view.record.state = "failed";
    job.view.record.exit_code = 1;
    job.view.record.error = error;
    try {
        store_.finish(id, "failed", 1, error, job.view.record.front_json, "");
    } catch (const std::exception &e) {  // the database itself refuses: say so, keep serving
        log_.event("error", {{"job", id}, {"message", std::string("cannot record the failure: ") + e.what()}});
    }
    log_.event("job_failed", {{"job", id}, {"board", job.view.record.board}, {"exit_code", 1}, {"error", error}});
    touch(job);
}

void JobManager::run_tuning(Live &job)
{
    const JobRecord rec = [&] {
        std::lock_guard lk(mu_);
        return job.view.record;
    }();
    const json &q = rec.request;
    tuner::TuneRequest req;
    req.model_path = q.value("model_path", "");
    req.model_files_confined = true;  // every farm job: its upload's files, nothing else
    req.board = rec.board;
    req.budget_bytes = q.value("budget_bytes", uint64_t(0));
    req.strategy = q.value("strategy", "auto");
    req.trials = q.value("trials", uint64_t(0));
    req.seed = q.value("seed", uint64_t(1));
    req.mode = q.value("per_layer", false) ? tuner::SpaceMode::kPerLayer : tuner::SpaceMode::kShared;
    req.repeats = q.value("repeats", 1u);
    req.run_deadline = std::chrono::seconds(q.value("deadline_s", 120u));
    req.db_path = opts_.db_path;
    req.cache_dir = opts_.cache_dir;
    req.boards_dir = opts_.boards_dir;
    req.agents = {std::make_shared<PoolAgent>(registry_, rec.id, rec.priority)};
    req.jobs = std::max(1u, registry_.capacity(rec.board));
    log_.event("job_started", {{"job", rec.id}, {"board", rec.board}, {"model", rec.model}, {"slots", req.jobs}});

    tuner::TuneCallbacks cb;
    cb.progress = [&](const tuner::TuneProgress &p) {
        std::lock_guard lk(mu_);
        job.view.progress = p;
        touch(job);
    };
    cb.batch = [&](const tuner::TuneReport &r) {
        tuner::TuneReport copy = r;
        tuner::compute_front(copy);
        const std::string front = tuner::front_json(copy).dump();
        std::lock_guard lk(mu_);
        if (job.view.record.run_id != r.run.id) {
            job.view.record.run_id = r.run.id;
            store_.set_run(rec.id, r.run.id);
        }
        job.view.front_json = front;
        touch(job);
    };
    cb.cancelled = [&] {
        std::lock_guard lk(mu_);
        return job.cancel || stopping_;
    };
    cb.note = [&](const std::string &s) { log_.event("job_note", {{"job", rec.id}, {"note", s}}); };

    tuner::TuneOutcome out = tuner::tune(req, cb);

    std::string front, best_export;
    if (out.report) {
        front = tuner::front_json(*out.report).dump();
        if (out.report->best) {
            const platform::Result<tuner::Model> lr = tuner::load_model_confined(req.model_path);
            if (lr.ok())
                if (auto j = tuner::schedule_export_json(*out.report, out.report->trials[*out.report->best], *lr);
                    j.ok())
                    best_export = j->dump();
        }
    }
    std::lock_guard lk(mu_);
    if ((out.exit_code == 3 || stopping_) && !job.cancel) {  // the daemon is stopping: for the next start
        job.view.record.state = "queued";
        store_.set_state(rec.id, "queued");
        log_.event("job_paused", {{"job", rec.id}});
        touch(job);
        return;
    }
    const std::string state = out.exit_code == 0 ? "finished" : out.exit_code == 3 ? "cancelled" : "failed";
    if (out.report)
        job.view.record.run_id = out.report->run.id;
    job.view.record.state = state;
    job.view.record.exit_code = out.exit_code;
    job.view.record.error = out.error;
    job.view.record.front_json = front;
    job.view.record.best_export_json = best_export;
    if (!front.empty())
        job.view.front_json = front;
    store_.finish(rec.id, state, out.exit_code, out.error, front, best_export);
    log_.event("job_" + state, {{"job", rec.id},
                                {"board", rec.board},
                                {"exit_code", out.exit_code},
                                {"error", out.error},
                                {"trials", out.report ? out.report->trials.size() : 0}});
    touch(job);
}

}  // namespace tinytx::farm
