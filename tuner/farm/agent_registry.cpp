#include "tinytx/farm/agent_registry.h"

#include <algorithm>

#include "tinytx/platform/auth.h"
#include "tinytx/platform/plaintext_policy.h"

namespace tinytx::farm {

using tuner::AgentConfigError;
using tuner::AgentFault;
using tuner::RemoteAgent;

const char *to_string(AgentState s)
{
    switch (s) {
    case AgentState::kIdle: return "idle";
    case AgentState::kLeased: return "leased";
    case AgentState::kRunning: return "running";
    case AgentState::kQuarantined: return "quarantined";
    case AgentState::kOffline: return "offline";
    }
    return "?";
}

struct AgentRegistry::Entry {
    std::string id, address, token;
    std::shared_ptr<RemoteAgent> agent;
    std::vector<std::string> boards;
    AgentState state = AgentState::kIdle;
    unsigned slots = 1, in_flight = 0, leased = 0;
    unsigned consecutive_faults = 0;
    uint64_t runs = 0, faults = 0;
    bool registered = false;
    bool after_fault = false;  // out of dispatch until a health check passes
    Clock::time_point lease_expiry{};
    Clock::time_point next_health{};

    bool usable() const { return state != AgentState::kQuarantined && state != AgentState::kOffline; }
    bool serves(const std::string &board) const
    {
        return std::find(boards.begin(), boards.end(), board) != boards.end();
    }
    void settle()  // idle / leased / running from the slot counts
    {
        if (!usable())
            return;
        state = in_flight > 0 ? AgentState::kRunning : leased > 0 ? AgentState::kLeased : AgentState::kIdle;
    }
};

struct AgentRegistry::Waiter {
    int64_t job = 0;
    int priority = 0;
    uint64_t seq = 0;
    std::string board;
    std::vector<Entry *> exclude;
    Entry *granted = nullptr;
};

AgentRegistry::AgentRegistry(RegistryOptions opts, FarmLog &log) : opts_(std::move(opts)), log_(log)
{
    health_ = std::thread([this] { health_loop(); });
}

AgentRegistry::~AgentRegistry() { stop(); }

void AgentRegistry::stop()
{
    {
        std::lock_guard lk(mu_);
        if (stopping_)
            return;
        stopping_ = true;
    }
    cv_.notify_all();
    if (health_.joinable())
        health_.join();
}

void AgentRegistry::require_may_register(const std::string &address, const std::string &token) const
{
    for (const auto &x : entries_) {
        if (x->address != address)
            continue;
        if (!x->registered)
            throw RegistrationRefused("address " + address + " is an agent of the farm's configuration");
        // the same agent again (a restart) presents the same token; anyone else is refused
        if (!platform::token_matches("Bearer " + token, x->token))
            throw RegistrationRefused("address " + address + " is registered by another agent (another agent token)");
    }
}

std::string AgentRegistry::add(const std::string &address, const std::string &token, unsigned slots, bool registered)
{
    if (registered) {  // refused before the farm dials anything
        std::lock_guard lk(mu_);
        require_may_register(address, token);
    }
    if (const platform::Status plain = platform::check_plaintext_token(address, !token.empty(), !opts_.agent_tls_ca.empty(),
                                                                       opts_.insecure, "--agent-tls-ca");
        !plain.ok())
        throw AgentConfigError(plain.message());
    tuner::RemoteOptions ro;
    ro.token = token;
    ro.tls_ca_file = opts_.agent_tls_ca;
    ro.grace = std::chrono::milliseconds(2000);  // beyond the run's own deadline: then it is a fault
    auto agent = std::make_shared<RemoteAgent>(address, ro);  // AgentConfigError for bad TLS files
    std::vector<std::string> boards;
    std::string error;
    try {
        boards = agent->describe(opts_.describe_deadline);
    } catch (const AgentConfigError &e) {
        if (registered)
            throw;
        error = e.what();
    } catch (const AgentFault &e) {
        if (registered)
            throw;
        error = e.what();
    }
    std::lock_guard lk(mu_);
    if (registered)
        require_may_register(address, token);  // again: another registration may have come meanwhile
    Entry *e = nullptr;
    for (auto &x : entries_)
        if (x->id == address)
            e = x.get();
    if (!e) {
        entries_.push_back(std::make_unique<Entry>());
        e = entries_.back().get();
        e->id = e->address = address;
    }
    e->token = token;
    e->agent = agent;
    e->slots = std::max(1u, slots);
    e->registered = registered;
    e->lease_expiry = Clock::now() + opts_.lease;
    if (error.empty()) {
        e->boards = boards;
        e->state = AgentState::kIdle;
        e->consecutive_faults = 0;
        e->after_fault = false;  // it just answered: as good as a health check
        e->settle();
    } else {
        e->state = AgentState::kOffline;
        e->next_health = Clock::now() + opts_.health_interval;
    }
    nlohmann::json boards_json = e->boards;
    log_.event(registered ? "agent_registered" : "agent_configured",
               {{"agent", address}, {"boards", boards_json}, {"state", to_string(e->state)}, {"error", error}});
    pump();
    cv_.notify_all();
    return e->id;
}

bool AgentRegistry::heartbeat(const std::string &id)
{
    std::lock_guard lk(mu_);
    for (auto &e : entries_)
        if (e->id == id) {
            e->lease_expiry = Clock::now() + opts_.lease;
            if (e->state == AgentState::kOffline && e->registered) {
                // back after its lease ran out: a health check must pass before it takes work
                e->state = AgentState::kQuarantined;
                e->next_health = Clock::now();
            }
            return true;
        }
    return false;
}

unsigned AgentRegistry::capacity(const std::string &board) const
{
    std::lock_guard lk(mu_);
    unsigned n = 0;
    for (const auto &e : entries_)
        if (e->state != AgentState::kOffline && e->serves(board))
            n += e->slots;
    return n;
}

bool AgentRegistry::places_arena(const std::string &board, const std::string &backend) const
{
    std::vector<std::shared_ptr<RemoteAgent>> serving;
    {
        std::lock_guard lk(mu_);
        for (const auto &e : entries_)
            if (e->state != AgentState::kOffline && e->serves(board))
                serving.push_back(e->agent);
    }
    return !serving.empty() && std::all_of(serving.begin(), serving.end(), [&](const std::shared_ptr<RemoteAgent> &a) {
               return a->places_arena(board, backend);
           });
}

void AgentRegistry::pump()
{
    std::sort(waiters_.begin(), waiters_.end(), [&](const Waiter *a, const Waiter *b) {
        if (a->priority != b->priority)
            return a->priority > b->priority;
        const unsigned fa = job_in_flight_[a->job], fb = job_in_flight_[b->job];
        if (fa != fb)
            return fa < fb;
        return a->seq < b->seq;
    });
    for (Waiter *w : waiters_) {
        if (w->granted)
            continue;
        Entry *best = nullptr;
        for (auto &e : entries_) {
            if (!e->usable() || !e->serves(w->board) || e->in_flight + e->leased >= e->slots)
                continue;
            if (std::find(w->exclude.begin(), w->exclude.end(), e.get()) != w->exclude.end())
                continue;
            if (!best || e->in_flight + e->leased < best->in_flight + best->leased)
                best = e.get();
        }
        if (best) {
            w->granted = best;
            ++best->leased;
            ++job_in_flight_[w->job];
            best->settle();
        }
    }
}

AgentRegistry::Entry *AgentRegistry::acquire(int64_t job_id, int priority, const std::string &board,
                                             const std::vector<Entry *> &exclude)
{
    std::unique_lock lk(mu_);
    Waiter w;
    w.job = job_id;
    w.priority = priority;
    w.seq = seq_++;
    w.board = board;
    w.exclude = exclude;
    waiters_.push_back(&w);
    pump();
    const auto give_up = Clock::now() + opts_.wait_for_agent;
    while (!w.granted && !stopping_) {
        // an agent that could ever take it: serves the board, not excluded (health checks may
        // bring a quarantined or offline one back)
        const bool any = std::any_of(entries_.begin(), entries_.end(), [&](const auto &e) {
            return e->serves(board) && std::find(exclude.begin(), exclude.end(), e.get()) == exclude.end();
        });
        if (!any || cv_.wait_until(lk, give_up) == std::cv_status::timeout)
            break;
        pump();
    }
    waiters_.erase(std::find(waiters_.begin(), waiters_.end(), &w));
    if (w.granted && stopping_) {
        --w.granted->leased;
        --job_in_flight_[job_id];
        w.granted->settle();
        return nullptr;
    }
    if (w.granted) {
        --w.granted->leased;
        ++w.granted->in_flight;
        w.granted->settle();
    }
    return w.granted;
}

void AgentRegistry::release(Entry *e, int64_t job_id, bool fault, const std::string &why)
{
    {
        std::lock_guard lk(mu_);
        --e->in_flight;
        if (--job_in_flight_[job_id] == 0)
            job_in_flight_.erase(job_id);
        ++e->runs;
        if (fault) {
            ++e->faults;
            ++e->consecutive_faults;
            if (e->state != AgentState::kOffline && e->state != AgentState::kQuarantined) {
                // no further run until a health check passes: a hung agent must not take the next
                // run and a second full deadline before anyone notices. The check comes at once,
                // unless faults keep coming (quarantine_after in a row): then at the health interval.
                const bool repeated = e->consecutive_faults >= opts_.quarantine_after;
                e->state = AgentState::kQuarantined;
                e->after_fault = !repeated;
                e->next_health = repeated ? Clock::now() + opts_.health_interval : Clock::now();
                log_.event("agent_quarantined", {{"agent", e->id},
                                                 {"consecutive_faults", e->consecutive_faults},
                                                 {"reason", why},
                                                 {"until", "a health check passes"}});
            }
        } else {
            e->consecutive_faults = 0;
        }
        e->settle();
        pump();
    }
    cv_.notify_all();
}

platform::Measurement AgentRegistry::run(int64_t job_id, int priority, const tuner::RunJob &job,
                                         const std::vector<uint8_t> &elf)
{
    std::vector<Entry *> tried;
    unsigned timeouts = 0;
    std::string last_error = "no agent serves board " + job.board;
    for (;;) {
        Entry *e = acquire(job_id, priority, job.board, tried);
        if (!e)
            throw AgentFault(last_error + (tried.empty() ? "" : " (tried " + std::to_string(tried.size()) + " agents)"));
        tried.push_back(e);
        const auto t0 = Clock::now();
        try {
            platform::Measurement m = e->agent->run(job, elf);
            const double elapsed_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
            const bool timeout = m.status == platform::RunStatus::kTimeout;
            const bool board_fault = timeout || m.status == platform::RunStatus::kUnavailable;
            release(e, job_id, board_fault, platform::to_string(m.status));
            log_.event("run", {{"job", job_id},
                               {"agent", e->id},
                               {"board", job.board},
                               {"status", platform::to_string(m.status)},
                               {"cycles", m.cycles_median},
                               {"wall_ms", elapsed_ms},
                               {"agent_ms", m.wall_time_ms},
                               {"overhead_ms", std::max(0.0, elapsed_ms - m.wall_time_ms)}});
            {
                std::lock_guard lk(mu_);
                const auto now = Clock::now();
                completions_.push_back(now);
                while (!completions_.empty() && now - completions_.front() > std::chrono::minutes(1))
                    completions_.pop_front();
                overheads_ms_.push_back(std::max(0.0, elapsed_ms - m.wall_time_ms));
                if (overheads_ms_.size() > 1000)
                    overheads_ms_.pop_front();
            }
            if (board_fault && (timeout ? ++timeouts < 2 : true)) {
                last_error = "agent " + e->id + ": " + platform::to_string(m.status) + " " + m.error;
                continue;  // on another agent
            }
            return m;
        } catch (const AgentConfigError &ex) {
            release(e, job_id, true, ex.what());
            last_error = ex.what();
            log_.event("agent_refused", {{"job", job_id}, {"agent", e->id}, {"error", ex.what()}});
        } catch (const AgentFault &ex) {
            release(e, job_id, true, ex.what());
            last_error = ex.what();
            log_.event("agent_fault", {{"job", job_id}, {"agent", e->id}, {"board", job.board}, {"error", ex.what()}});
        }
    }
}

bool AgentRegistry::check(Entry &e)
{
    try {
        const auto boards = e.agent->describe(opts_.describe_deadline);
        std::lock_guard lk(mu_);
        e.boards = boards;
        return true;
    } catch (const std::exception &) {
        return false;
    }
}

void AgentRegistry::health_loop()
{
    std::unique_lock lk(mu_);
    while (!stopping_) {
        cv_.wait_for(lk, std::min<std::chrono::milliseconds>(opts_.health_interval, std::chrono::milliseconds(500)));
        if (stopping_)
            break;
        const auto now = Clock::now();
        std::vector<Entry *> due;
        for (auto &e : entries_) {
            if (e->registered && e->state != AgentState::kOffline && now > e->lease_expiry) {
                e->state = AgentState::kOffline;
                log_.event("agent_lease_expired", {{"agent", e->id}});
            }
            if (now >= e->next_health && e->in_flight == 0 && !(e->registered && now > e->lease_expiry))
                due.push_back(e.get());
        }
        lk.unlock();
        for (Entry *e : due) {
            const bool ok = check(*e);
            std::lock_guard g(mu_);
            e->next_health = Clock::now() + opts_.health_interval;
            const bool was_out = !e->usable();
            if (e->after_fault) {  // the check a single fault asked for; its fault count stays
                e->after_fault = false;
                if (ok) {
                    e->state = AgentState::kIdle;
                    e->settle();
                    log_.event("agent_healthy", {{"agent", e->id}, {"consecutive_faults", e->consecutive_faults}});
                }
            } else if (ok && was_out) {
                e->state = AgentState::kIdle;
                e->consecutive_faults = 0;
                e->settle();
                log_.event("agent_healthy", {{"agent", e->id}});
            } else if (!ok && !was_out) {
                ++e->consecutive_faults;
                if (e->consecutive_faults >= opts_.quarantine_after) {
                    e->state = AgentState::kQuarantined;
                    log_.event("agent_quarantined", {{"agent", e->id}, {"reason", "health check failed"}});
                }
            }
        }
        lk.lock();
        pump();
        cv_.notify_all();
    }
}

std::vector<AgentSnapshot> AgentRegistry::agents() const
{
    std::lock_guard lk(mu_);
    std::vector<AgentSnapshot> out;
    for (const auto &e : entries_)
        out.push_back({e->id, e->address, e->state, e->boards, e->runs, e->faults, e->consecutive_faults,
                       e->in_flight, e->slots});
    return out;
}

RegistryMetrics AgentRegistry::metrics() const
{
    RegistryMetrics m;
    m.agents = agents();
    std::lock_guard lk(mu_);
    const auto now = Clock::now();
    size_t n = 0;
    for (auto t : completions_)
        n += now - t <= std::chrono::minutes(1);
    if (!completions_.empty()) {
        const double span = std::chrono::duration<double>(now - completions_.front()).count();
        m.runs_per_s = span > 0 ? n / std::max(span, 1.0) : 0;
    }
    std::vector<double> o(overheads_ms_.begin(), overheads_ms_.end());
    if (!o.empty()) {
        std::nth_element(o.begin(), o.begin() + o.size() / 2, o.end());
        m.dispatch_overhead_ms_median = o[o.size() / 2];
    }
    return m;
}

}  // namespace tinytx::farm
