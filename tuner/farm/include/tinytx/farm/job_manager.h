// The farm's job queue: jobs submitted, persisted (JobStore), run as tuning runs (tuner::tune)
// over the agent registry, watched, cancelled. Jobs run by priority (then submission order), at
// most `max_running` at once; their runs share the agents fairly (AgentRegistry). A daemon
// stopped or killed and started again takes every queued or running job up where the database
// says: the tuning run resumes, nothing measured is measured again.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tinytx/farm/agent_registry.h"
#include "tinytx/farm/farm_log.h"
#include "tinytx/farm/job_store.h"
#include "tinytx/farm/model_store.h"
#include "tinytx/tuner/tuning.h"

namespace tinytx::farm {

struct JobSpec {
    std::string model_spec;                                   // JSON text
    std::vector<std::pair<std::string, std::string>> files;   // name -> bytes, as the spec names them
    std::string board;
    uint64_t budget_bytes = 0;
    std::string strategy = "auto";
    uint64_t trials = 0, seed = 1;
    int priority = 0;
    bool per_layer = false;
    uint32_t repeats = 1;
    uint32_t deadline_s = 120;                                // per measurement
};

struct JobView {
    JobRecord record;                 // state, request, run, error, ...
    tuner::TuneProgress progress;
    std::string front_json;           // current front ("" until the first batch)
    uint64_t version = 0;             // bumped on every change
    bool ended() const
    {
        return record.state == "finished" || record.state == "failed" || record.state == "cancelled";
    }
};

class JobManager {
public:
    struct Options {
        std::string db_path;
        std::filesystem::path data_dir;     // uploaded models
        std::filesystem::path cache_dir;    // builder cache
        std::filesystem::path boards_dir;   // "" = the source tree's
        unsigned max_running = 2;
        ModelStore::Quota model_quota;      // uploads: per job and in total
    };

    JobManager(Options opts, AgentRegistry &registry, FarmLog &log);
    ~JobManager();

    void start();  // takes up unfinished jobs and starts scheduling
    void stop();   // stops scheduling; running jobs stop after their batch and stay queued

    // The job's id; invalid argument (with the reason) for a bad spec, file name, board or
    // number, resource exhausted for an upload over the store's quotas (ModelStore::put).
    platform::Result<int64_t> submit(const JobSpec &spec);
    std::optional<JobView> cancel(int64_t id);
    std::optional<JobView> view(int64_t id);
    std::vector<JobView> list();
    // the job once its version differs from `version` (or at the timeout)
    std::optional<JobView> wait(int64_t id, uint64_t version, std::chrono::milliseconds timeout);
    unsigned queued() const;
    unsigned running() const;

private:
    struct Live;
    void schedule_loop();
    void run_job(Live &job);     // never throws: an exception fails the job, with its message
    void run_tuning(Live &job);
    void fail_job(Live &job, const std::string &error);
    void touch(Live &job);  // version++ and notify, with mu_ held

    Options opts_;
    AgentRegistry &registry_;
    FarmLog &log_;
    JobStore store_;
    ModelStore models_;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::map<int64_t, std::unique_ptr<Live>> jobs_;
    bool stopping_ = false;
    std::thread scheduler_;
};

}  // namespace tinytx::farm
