// The two kinds of agent the runner dispatches to: the in-process AgentCore and a remote
// `tinytx-agent serve` over gRPC; and the parsing of --agents.
#include <algorithm>
#include <grpcpp/grpcpp.h>

#include <charconv>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <set>
#include <sstream>

#include "tinytx/agent/agent_core.h"
#include "tinytx/agent/proto_convert.h"
#include "tinytx/platform/auth.h"
#include "tinytx/platform/elf_image.h"
#include "tinytx/tuner/runner.h"
#include "tinytx/v1/agent.grpc.pb.h"

namespace tinytx::tuner {

using platform::Measurement;
using platform::RunStatus;

namespace {

Measurement invalid(const RunJob &job, std::string why)
{
    Measurement m;
    m.status = RunStatus::kInvalidArgument;
    m.error = std::move(why);
    m.board = job.board;
    m.backend = job.backend;
    return m;
}

std::chrono::milliseconds effective_deadline(const RunJob &job)
{
    return job.deadline.count() > 0 ? job.deadline : std::chrono::milliseconds(10000);
}

}  // namespace

// ---- LocalAgent ----------------------------------------------------------------------------

LocalAgent::LocalAgent(const agent::AgentConfig &cfg)
    : core_(std::make_shared<agent::AgentCore>(cfg)), name_("local") {}

LocalAgent::LocalAgent(std::shared_ptr<agent::AgentCore> core, std::string name)
    : core_(std::move(core)), name_(std::move(name))
{
    if (!core_) throw std::invalid_argument("LocalAgent: no AgentCore");
}

LocalAgent::~LocalAgent() = default;

namespace {

agent::RunRequestData request_of(const RunJob &job, const std::vector<uint8_t> &elf)
{
    agent::RunRequestData r;
    r.image = elf;
    r.board = job.board;
    r.backend = job.backend;
    r.repeats = job.repeats;
    r.warmups = job.warmups;
    r.deadline_ms = uint32_t(job.deadline.count());
    r.expected_crc = job.expected_crc;
    r.arena_region = job.arena_region;
    return r;
}

}  // namespace

Measurement LocalAgent::run(const RunJob &job, const std::vector<uint8_t> &elf)
{
    return run_tables(job, elf, {}).front();
}

bool LocalAgent::writes_tables(const std::string &board, const std::string &backend)
{
    try {
        return core_->writes_tables(board, backend);
    } catch (const std::exception &) {
        return false;
    }
}

bool LocalAgent::places_arena(const std::string &board, const std::string &backend)
{
    try {
        return core_->places_arena(board, backend);
    } catch (const std::exception &) {
        return false;
    }
}

std::vector<Measurement> LocalAgent::run_tables(const RunJob &job, const std::vector<uint8_t> &elf,
                                                const std::vector<agent::TableRun> &tables)
{
    const agent::RunRequestData r = request_of(job, elf);
    const size_t n = std::max<size_t>(1, tables.size());
    try {
        return tables.empty() ? std::vector<Measurement>{core_->run(r)} : core_->run_tables(r, tables, {job.on_table, job.table_limits, job.probe_symbols});
    } catch (const platform::InvalidArgument &e) {
        return std::vector<Measurement>(n, invalid(job, e.what()));
    } catch (const std::exception &e) {
        Measurement m = invalid(job, std::string("in-process agent: ") + e.what());
        m.status = RunStatus::kInternal;
        return std::vector<Measurement>(n, m);
    }
}

// ---- RemoteAgent ---------------------------------------------------------------------------

struct RemoteAgent::Impl {
    std::string address;
    RemoteOptions opts;
    std::unique_ptr<tinytx::v1::Agent::Stub> stub;
    std::mutex mu;
    std::set<grpc::ClientContext *> active;
    std::set<grpc::ClientContext *> cancelled;
    std::map<std::pair<std::string, std::string>, bool> places_arena;  // (board, backend) -> Describe's answer
};

RemoteAgent::RemoteAgent(const std::string &address, const RemoteOptions &opts) : impl_(std::make_unique<Impl>())
{
    impl_->address = address;
    impl_->opts = opts;
    std::shared_ptr<grpc::ChannelCredentials> creds;
    if (!opts.tls_ca_file.empty()) {
        std::ifstream f(opts.tls_ca_file, std::ios::binary);
        if (!f) throw AgentConfigError("agent " + address + ": cannot read the TLS CA file '" + opts.tls_ca_file + "'");
        grpc::SslCredentialsOptions ssl;
        ssl.pem_root_certs.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
        if (ssl.pem_root_certs.empty())
            throw AgentConfigError("agent " + address + ": the TLS CA file '" + opts.tls_ca_file + "' is empty");
        creds = grpc::SslCredentials(ssl);
    } else {
        creds = grpc::InsecureChannelCredentials();
    }
    grpc::ChannelArguments args;
    args.SetMaxSendMessageSize(64 << 20);
    args.SetMaxReceiveMessageSize(64 << 20);
    // reconnect quickly after an agent comes back
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
    impl_->stub = tinytx::v1::Agent::NewStub(grpc::CreateCustomChannel(address, creds, args));
}

RemoteAgent::~RemoteAgent() = default;

const std::string &RemoteAgent::name() const { return impl_->address; }

void RemoteAgent::cancel_all()
{
    std::lock_guard lk(impl_->mu);
    for (auto *ctx : impl_->active) {
        impl_->cancelled.insert(ctx);
        ctx->TryCancel();
    }
}

Measurement RemoteAgent::run(const RunJob &job, const std::vector<uint8_t> &elf)
{
    tinytx::v1::RunRequest req;
    req.set_elf(std::string(elf.begin(), elf.end()));
    req.set_board(job.board);
    req.set_backend(job.backend);
    req.set_repeats(job.repeats);
    req.set_warmups(job.warmups);
    req.set_deadline_ms(uint32_t(job.deadline.count()));
    if (job.expected_crc) req.set_expected_crc32(*job.expected_crc);
    req.set_arena_region(job.arena_region);

    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + effective_deadline(job) + impl_->opts.grace);
    if (!impl_->opts.token.empty()) ctx.AddMetadata("authorization", "Bearer " + impl_->opts.token);
    {
        std::lock_guard lk(impl_->mu);
        impl_->active.insert(&ctx);
    }
    tinytx::v1::Measurement out;
    const grpc::Status st = impl_->stub->Run(&ctx, req, &out);
    bool we_cancelled;
    {
        std::lock_guard lk(impl_->mu);
        impl_->active.erase(&ctx);
        we_cancelled = impl_->cancelled.erase(&ctx) > 0;
    }
    const std::string &addr = impl_->address;
    switch (st.error_code()) {
    case grpc::StatusCode::OK:
        return agent::from_proto(out);
    case grpc::StatusCode::INVALID_ARGUMENT:
        return invalid(job, st.error_message());
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::PERMISSION_DENIED:
        throw AgentConfigError("agent " + addr + " refused the runner: " + st.error_message() +
                               " (give the agent's token to the tuner: token file or $TINYTX_AGENT_TOKEN)");
    case grpc::StatusCode::UNIMPLEMENTED:
        throw AgentConfigError("agent " + addr + " is not a tinytx agent (v1 Run unimplemented): " +
                               st.error_message());
    case grpc::StatusCode::CANCELLED:
        if (we_cancelled) throw RunCancelled("run on agent " + addr + " cancelled: the runner is shutting down");
        throw AgentFault("agent " + addr + ": call cancelled: " + st.error_message());
    case grpc::StatusCode::DEADLINE_EXCEEDED:
        throw AgentFault("agent " + addr + " did not answer within the deadline");
    case grpc::StatusCode::UNAVAILABLE:
        throw AgentFault("agent " + addr + " unavailable: " + st.error_message());
    default:
        throw AgentFault("agent " + addr + ": gRPC error " + std::to_string(int(st.error_code())) + ": " +
                         st.error_message());
    }
}

bool RemoteAgent::places_arena(const std::string &board, const std::string &backend)
{
    {
        std::lock_guard lk(impl_->mu);
        if (auto it = impl_->places_arena.find({board, backend}); it != impl_->places_arena.end()) return it->second;
    }
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + impl_->opts.grace);
    if (!impl_->opts.token.empty()) ctx.AddMetadata("authorization", "Bearer " + impl_->opts.token);
    tinytx::v1::DescribeResponse out;
    if (!impl_->stub->Describe(&ctx, tinytx::v1::DescribeRequest{}, &out).ok()) return false;
    // the board served with that backend (or, for "", the first one serving it, as Run picks)
    bool places = false;
    for (const auto &b : out.boards())
        if (b.profile() == board && (backend.empty() || b.backend() == backend)) {
            places = b.places_arena();
            break;
        }
    std::lock_guard lk(impl_->mu);
    impl_->places_arena[{board, backend}] = places;
    return places;
}

std::vector<std::string> RemoteAgent::describe(std::chrono::milliseconds deadline)
{
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + deadline);
    if (!impl_->opts.token.empty()) ctx.AddMetadata("authorization", "Bearer " + impl_->opts.token);
    tinytx::v1::DescribeRequest req;
    tinytx::v1::DescribeResponse out;
    const grpc::Status st = impl_->stub->Describe(&ctx, req, &out);
    const std::string &addr = impl_->address;
    if (st.error_code() == grpc::StatusCode::UNAUTHENTICATED || st.error_code() == grpc::StatusCode::PERMISSION_DENIED)
        throw AgentConfigError("agent " + addr + " refused us: " + st.error_message());
    if (!st.ok())
        throw AgentFault("agent " + addr + ": describe failed: " + st.error_message());
    std::vector<std::string> boards;
    for (const auto &b : out.boards())
        if (std::find(boards.begin(), boards.end(), b.profile()) == boards.end())
            boards.push_back(b.profile());
    return boards;
}

// ---- --agents ------------------------------------------------------------------------------

std::vector<std::string> parse_agents(const std::string &spec)
{
    std::vector<std::string> out;
    std::set<std::string> seen;
    const auto bad = [](const std::string &entry, const std::string &why) {
        return std::invalid_argument("--agents: '" + entry + "' " + why +
                                     " (expected host:port[,host:port...], e.g. 10.0.0.5:7070)");
    };
    if (spec.find_first_not_of(" \t,") == std::string::npos)
        throw std::invalid_argument("--agents: no agent given (expected host:port[,host:port...])");
    std::stringstream ss(spec);
    std::string entry;
    size_t index = 0;
    while (std::getline(ss, entry, ',')) {
        ++index;
        const auto b = entry.find_first_not_of(" \t"), e = entry.find_last_not_of(" \t");
        if (b == std::string::npos)
            throw std::invalid_argument("--agents: entry " + std::to_string(index) + " is empty in '" + spec + "'");
        entry = entry.substr(b, e - b + 1);
        std::string host, port;
        if (entry.front() == '[') {
            const auto close = entry.find(']');
            if (close == std::string::npos) throw bad(entry, "has an unclosed '['");
            host = entry.substr(1, close - 1);
            if (close + 1 >= entry.size() || entry[close + 1] != ':') throw bad(entry, "has no port");
            port = entry.substr(close + 2);
        } else {
            const auto colon = entry.rfind(':');
            if (colon == std::string::npos) throw bad(entry, "has no port");
            host = entry.substr(0, colon);
            port = entry.substr(colon + 1);
            if (host.find(':') != std::string::npos) throw bad(entry, "is ambiguous: write IPv6 addresses as [addr]:port");
        }
        if (host.empty()) throw bad(entry, "has no host");
        if (host.find_first_of(" \t/") != std::string::npos) throw bad(entry, "has an invalid host");
        unsigned p = 0;
        const auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
        if (port.empty() || ec != std::errc() || ptr != port.data() + port.size() || p < 1 || p > 65535)
            throw bad(entry, "has port '" + port + "', not a number in 1..65535");
        if (!seen.insert(entry).second) throw bad(entry, "is listed twice");
        out.push_back(entry);
    }
    if (!spec.empty() && spec.back() == ',') throw std::invalid_argument("--agents: trailing ',' in '" + spec + "'");
    return out;
}

std::string resolve_agent_token(const std::string &flag, const std::string &file)
{
    try {
        return platform::resolve_token(flag, file);
    } catch (const std::exception &e) {
        throw AgentConfigError(std::string("agent token: ") + e.what());
    }
}

std::vector<std::shared_ptr<Agent>> make_remote_agents(const std::string &spec, const RemoteOptions &opts)
{
    std::vector<std::shared_ptr<Agent>> out;
    for (const auto &a : parse_agents(spec)) out.push_back(std::make_shared<RemoteAgent>(a, opts));
    return out;
}

}  // namespace tinytx::tuner
