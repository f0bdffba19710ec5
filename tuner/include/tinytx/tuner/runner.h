// Runner (ARCHITECTURE.md "Data flow"): measurement jobs dispatched to board agents -- an
// in-process one by default, remote ones over gRPC with --agents -- several in flight, each with
// its own deadline, retried on a different agent after an agent fault. gRPC stays inside the
// implementation: this header names none of it.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "tinytx/agent/backend.h"
#include "tinytx/platform/measurement.h"

namespace tinytx::agent {
class AgentCore;
struct AgentConfig;
}  // namespace tinytx::agent

namespace tinytx::tuner {

// The agent could not be reached or did not answer (connection refused or lost, its deadline
// passed, the board unavailable): the runner retries the job on another agent.
class AgentFault : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A configuration error that no retry can fix (wrong or missing token, TLS setup, not a
// tinytx agent): the job's future throws it, and the agent is not used again.
class AgentConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The job's future throws this when the runner is destroyed before the job ran.
class RunCancelled : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct RunJob {
    std::variant<std::vector<uint8_t>, std::filesystem::path> elf;  // the image, or its file
    std::string board;                        // board profile name
    std::string backend;                      // iss | qemu | openocd; empty: the agent's first
    uint32_t repeats = 1, warmups = 0;
    std::chrono::milliseconds deadline{0};    // wall time of one attempt on the agent; 0 = 10 s
    std::optional<uint32_t> expected_crc;
    // the board region the image's arena stands for ("" = the profile's default); only for
    // agents whose places_arena() says so: the others refuse it (kInvalidArgument)
    std::string arena_region;
    // run_tables: each table's Measurement as soon as it is done (in-process agents; progress)
    std::function<void(size_t table, const platform::Measurement &)> on_table;
    // run_tables on in-process agents: what is known of table k before its run
    // (agent::RunOptions::table_limits), and the functions whose entries runs record
    std::function<agent::TableLimits(size_t table)> table_limits;
    std::vector<std::string> probe_symbols;
};

struct RunOutcome {
    platform::Measurement measurement;           // every firmware outcome is a status here
    std::string agent;                        // name of the agent that produced it
    unsigned attempts = 0;                    // 1 unless agent faults forced retries
};

// One board agent. run() returns the Measurement (kInvalidArgument with the message for a bad
// request), throws AgentFault when the agent failed and AgentConfigError when it refuses us.
class Agent {
public:
    virtual ~Agent() = default;
    virtual const std::string &name() const = 0;
    virtual platform::Measurement run(const RunJob &job, const std::vector<uint8_t> &elf) = 0;
    // aborts the calls in progress (they throw RunCancelled); used by ~Runner
    virtual void cancel_all() {}
    // Schedule-as-data batches (agent::Backend::run_tables: one image load, one Measurement per
    // table; job.expected_crc unused). Only agents whose backend writes tables take them; the
    // others (remote agents: the protocol carries no tables yet) get specialized images.
    virtual bool writes_tables(const std::string &board, const std::string &backend)
    {
        (void)board;
        (void)backend;
        return false;
    }
    // Whether the agent's backend for this board honours RunJob::arena_region (the iss does;
    // a board or QEMU runs the arena where the image's link put it).
    virtual bool places_arena(const std::string &board, const std::string &backend)
    {
        (void)board;
        (void)backend;
        return false;
    }
    virtual std::vector<platform::Measurement> run_tables(const RunJob &job, const std::vector<uint8_t> &elf,
                                                          const std::vector<agent::TableRun> &tables)
    {
        (void)elf;
        platform::Measurement m;
        m.status = platform::RunStatus::kInvalidArgument;
        m.error = "agent " + name() + " does not write layer tables: measure specialized images";
        m.board = job.board;
        m.backend = job.backend;
        return std::vector<platform::Measurement>(tables.size(), m);
    }
};

// The in-process agent: an AgentCore called directly (the same code path as the service).
class LocalAgent final : public Agent {
public:
    explicit LocalAgent(const agent::AgentConfig &cfg);  // InvalidArgument for unknown boards
    explicit LocalAgent(std::shared_ptr<agent::AgentCore> core, std::string name = "local");
    ~LocalAgent() override;
    const std::string &name() const override { return name_; }
    platform::Measurement run(const RunJob &job, const std::vector<uint8_t> &elf) override;
    bool writes_tables(const std::string &board, const std::string &backend) override;
    bool places_arena(const std::string &board, const std::string &backend) override;
    // tables empty: run(job, elf)
    std::vector<platform::Measurement> run_tables(const RunJob &job, const std::vector<uint8_t> &elf,
                                                  const std::vector<agent::TableRun> &tables) override;

private:
    std::shared_ptr<agent::AgentCore> core_;
    std::string name_;
};

struct RemoteOptions {
    std::string token;                        // sent as "authorization: Bearer <token>"
    std::string tls_ca_file;                  // PEM of the CA; empty: plaintext
    std::chrono::milliseconds grace{5000};    // added to the job deadline for the gRPC deadline
};

// A `tinytx-agent serve` at host:port, over gRPC.
class RemoteAgent final : public Agent {
public:
    RemoteAgent(const std::string &address, const RemoteOptions &opts);  // AgentConfigError
    ~RemoteAgent() override;
    const std::string &name() const override;
    platform::Measurement run(const RunJob &job, const std::vector<uint8_t> &elf) override;
    void cancel_all() override;
    // From its Describe call (asked once per board and backend): an agent that does not answer,
    // or one older than the arena_region field, does not place the arena.
    bool places_arena(const std::string &board, const std::string &backend) override;
    // The board profiles it serves (its Describe call): a liveness and configuration check.
    // AgentFault when it does not answer in time, AgentConfigError when it refuses us.
    std::vector<std::string> describe(std::chrono::milliseconds deadline);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// "host:port,host:port" (IPv6 as [addr]:port) -> the addresses; std::invalid_argument naming the
// bad entry (empty, no port, port not in 1..65535, duplicated).
std::vector<std::string> parse_agents(const std::string &spec);

// The token for remote agents: the flag, else the file (trimmed), else $TINYTX_AGENT_TOKEN.
std::string resolve_agent_token(const std::string &flag, const std::string &file);

// One RemoteAgent per address of spec.
std::vector<std::shared_ptr<Agent>> make_remote_agents(const std::string &spec, const RemoteOptions &opts);

struct RunnerOptions {
    unsigned max_in_flight = 4;               // worker threads, i.e. jobs running at once
    unsigned max_attempts = 3;                // agent faults before the job gives up (kUnavailable)
    std::chrono::milliseconds cooldown{3000}; // a faulted agent is avoided this long
};

struct AgentStats {
    std::string name;
    unsigned in_flight = 0;
    uint64_t runs = 0, faults = 0;
    bool healthy = true;                      // not cooling down after a fault
    bool disabled = false;                    // refused us (AgentConfigError)
};

class Runner {
public:
    Runner(std::vector<std::shared_ptr<Agent>> agents, RunnerOptions opts = {});
    // Cancels the jobs not started yet (RunCancelled), aborts the calls in flight and joins.
    ~Runner();
    Runner(const Runner &) = delete;
    Runner &operator=(const Runner &) = delete;

    std::future<RunOutcome> submit(RunJob job);
    std::vector<AgentStats> stats() const;

private:
    struct State;
    std::shared_ptr<State> st_;
};

}  // namespace tinytx::tuner
