// GET /api/events and /api/jobs/ID/events: Server-Sent Events of jobs and new measurements.
#include "dashboard_api_impl.h"

#include <chrono>
#include <thread>

namespace tinytx::farm {

namespace {

std::string sse(const std::string &event, const json &data)
{
    return "event: " + event + "\ndata: " + data.dump() + "\n\n";
}

}  // namespace

HttpResponse DashboardApi::Impl::events()
{
    HttpResponse r;
    r.stream = [this](const std::function<bool(const std::string &)> &send, const std::atomic<bool> &stopping) {
        if (!send("retry: 2000\n" + sse("hello", {{"mode", jobs ? "farm" : "dashboard-only"}})))
            return;
        std::map<int64_t, uint64_t> sent;      // job id -> version sent
        std::map<int64_t, std::string> state;  // job id -> state sent (dashboard-only has no versions)
        int64_t measurements_sent = -1;
        auto quiet_since = std::chrono::steady_clock::now();
        while (!stopping) {
            bool any = false;
            for (const json &j : all_jobs()) {
                const int64_t id = j["id"];
                const uint64_t v = j["version"];
                const std::string s = j["state"];
                if (sent.count(id) && sent[id] == v && state[id] == s)
                    continue;
                sent[id] = v;
                state[id] = s;
                any = true;
                if (!send(sse("job", j)))
                    return;
            }
            const int64_t newest = newest_measurement();
            if (newest != measurements_sent) {
                measurements_sent = newest;
                any = true;
                if (!send(sse("measurements", {{"newest", newest}})))
                    return;
            }
            const auto now = std::chrono::steady_clock::now();
            if (any)
                quiet_since = now;
            else if (now - quiet_since >= opt.keep_alive) {
                quiet_since = now;
                if (!send(": keep-alive\n\n"))
                    return;
            }
            // wake at the next change of a running job, or look again after `poll`
            int64_t active = 0;
            uint64_t version = 0;
            if (jobs)
                for (const JobView &jv : jobs->list())
                    if (!jv.ended()) {
                        active = jv.record.id;
                        version = sent.count(active) ? sent[active] : 0;
                        break;
                    }
            if (active)
                jobs->wait(active, version, opt.poll);
            else
                for (auto t = opt.poll; t.count() > 0 && !stopping; t -= std::chrono::milliseconds(100))
                    std::this_thread::sleep_for(std::min(t, std::chrono::milliseconds(100)));
        }
    };
    return r;
}

HttpResponse DashboardApi::Impl::job_events(int64_t id)
{
    if (jobs ? !jobs->view(id) : !store.job(id))
        return error_response(404, "no job with id " + std::to_string(id));
    HttpResponse r;
    r.stream = [this, id](const std::function<bool(const std::string &)> &send, const std::atomic<bool> &stopping) {
        if (!jobs) {  // nothing runs here: the job as recorded, once
            if (const auto rec = store.job(id))
                send(sse("job", job_json(*rec, nullptr, 0)));
            send(sse("end", {{"id", id}}));
            return;
        }
        uint64_t version = UINT64_MAX;  // differs from any: the first wait returns at once
        auto quiet_since = std::chrono::steady_clock::now();
        while (!stopping) {
            const auto v = jobs->wait(id, version, opt.poll);
            if (!v)
                return;
            const auto now = std::chrono::steady_clock::now();
            if (v->version != version) {
                version = v->version;
                quiet_since = now;
                if (!send(sse("job", job_json(v->record, &v->progress, v->version))))
                    return;
                if (v->ended()) {
                    send(sse("end", {{"id", id}, {"state", v->record.state}}));
                    return;
                }
            } else if (now - quiet_since >= opt.keep_alive) {
                quiet_since = now;
                if (!send(": keep-alive\n\n"))
                    return;
            }
        }
    };
    return r;
}

}  // namespace tinytx::farm
