// The farm's board agents: who they are, which boards they serve, their state (idle, leased,
// running, quarantined, offline), and the dispatch of runs over them.
//
// - Agents come from the daemon's configuration or register themselves (RegisterAgent); a
//   registered agent holds a lease it renews by heartbeat, and one not renewed in time is taken
//   back (offline) until it registers or heartbeats again.
// - A run leases a slot on a healthy agent serving its board. Waiting runs are served by
//   priority, then the job with the fewest runs in flight (fair share), then arrival order.
// - A failure of the agent or board (unreachable, deadline, transport error, a run that timed out)
//   counts against the agent and the run goes to another agent. After `quarantine_after`
//   consecutive faults the agent is quarantined: it takes no work until a health check passes.
//   After every fault the agent takes no run until a health check passes (a hung agent is out
//   after its first timeout). Health checks run on a schedule for every agent and after faults.
// - An address belongs to whoever put it there: the configuration's agents cannot be registered
//   over, and a registered address only by the same agent token again.
// - What the image did (FAULT, WRONG_OUTPUT, KERNEL_ERROR) is the candidate's result: returned,
//   not retried. A TIMEOUT is retried once on another agent; twice timed out, it is the result.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tinytx/farm/farm_log.h"
#include "tinytx/tuner/runner.h"

namespace tinytx::farm {

using Clock = std::chrono::steady_clock;

enum class AgentState { kIdle, kLeased, kRunning, kQuarantined, kOffline };
const char *to_string(AgentState s);

// RegisterAgent for an address the farm's configuration or another agent holds.
struct RegistrationRefused : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct RegistryOptions {
    unsigned quarantine_after = 3;                 // consecutive faults
    std::chrono::milliseconds health_interval{5000};
    std::chrono::milliseconds describe_deadline{2000};
    std::chrono::seconds lease{15};                // registered agents heartbeat within this
    std::chrono::milliseconds wait_for_agent{60000};  // a run waits this long for any healthy agent
    std::string agent_token;                       // presented to the configured agents
    std::string agent_tls_ca;                      // PEM file: dial every agent over TLS ("" = plaintext)
    bool insecure = false;                         // allow tokens in clear to non-loopback agents
};

struct AgentSnapshot {
    std::string id, address;
    AgentState state = AgentState::kIdle;
    std::vector<std::string> boards;
    uint64_t runs = 0, faults = 0;
    unsigned consecutive_faults = 0, in_flight = 0, slots = 1;
};

struct RegistryMetrics {
    double runs_per_s = 0;                         // completed runs over the last minute
    double dispatch_overhead_ms_median = 0;        // daemon + gRPC time beyond the agent's own
    std::vector<AgentSnapshot> agents;
};

class AgentRegistry {
public:
    AgentRegistry(RegistryOptions opts, FarmLog &log);
    ~AgentRegistry();
    AgentRegistry(const AgentRegistry &) = delete;
    AgentRegistry &operator=(const AgentRegistry &) = delete;

    // Adds (or refreshes) the agent at address; asks it which boards it serves. A configured
    // agent that does not answer is added offline (health checks bring it in later); a
    // registering one must answer, and RegistrationRefused when the address is configured or
    // registered with another token. Returns its id (the address).
    std::string add(const std::string &address, const std::string &token, unsigned slots, bool registered);
    // Renews a registered agent's lease; false for an unknown id.
    bool heartbeat(const std::string &id);

    // Runs the job on some healthy agent serving job.board (see the header comment).
    // Throws tuner::AgentFault when no agent could run it.
    platform::Measurement run(int64_t job_id, int priority, const tuner::RunJob &job, const std::vector<uint8_t> &elf);

    // Run slots of the agents that serve the board and are not offline.
    unsigned capacity(const std::string &board) const;
    // Whether every agent serving the board (not offline) places the arena where a run says
    // (tuner::Agent::places_arena): a run may go to any of them.
    bool places_arena(const std::string &board, const std::string &backend) const;
    RegistryMetrics metrics() const;
    std::vector<AgentSnapshot> agents() const;
    std::chrono::seconds lease() const { return opts_.lease; }

    void stop();  // ends the health thread and wakes every waiting run (they throw AgentFault)

private:
    struct Entry;
    struct Waiter;
    Entry *acquire(int64_t job_id, int priority, const std::string &board, const std::vector<Entry *> &exclude);
    void release(Entry *e, int64_t job_id, bool fault, const std::string &why);
    void pump();  // grants free slots to waiters; called with mu_ held
    void health_loop();
    bool check(Entry &e);  // a health check (outside the lock)
    void require_may_register(const std::string &address, const std::string &token) const;  // mu_ held

    RegistryOptions opts_;
    FarmLog &log_;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::vector<std::unique_ptr<Entry>> entries_;
    std::vector<Waiter *> waiters_;
    std::map<int64_t, unsigned> job_in_flight_;
    uint64_t seq_ = 0;
    bool stopping_ = false;
    std::deque<Clock::time_point> completions_;
    std::deque<double> overheads_ms_;
    std::thread health_;
};

// The agent one tuning job sees: every run goes through the registry with the job's priority.
class PoolAgent final : public tuner::Agent {
public:
    PoolAgent(AgentRegistry &registry, int64_t job_id, int priority)
        : registry_(registry), job_id_(job_id), priority_(priority), name_("farm") {}
    const std::string &name() const override { return name_; }
    platform::Measurement run(const tuner::RunJob &job, const std::vector<uint8_t> &elf) override
    {
        return registry_.run(job_id_, priority_, job, elf);
    }
    bool places_arena(const std::string &board, const std::string &backend) override
    {
        return registry_.places_arena(board, backend);
    }

private:
    AgentRegistry &registry_;
    int64_t job_id_;
    int priority_;
    std::string name_;
};

}  // namespace tinytx::farm
