// tinytx-farmd: the lab-farm daemon (README "The lab farm").
#include <grpcpp/grpcpp.h>
#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "farm_service.h"
#include "tinytx/dashboard/dashboard_server.h"
#include "tinytx/farm/agent_registry.h"
#include "tinytx/farm/farm_log.h"
#include "tinytx/farm/job_manager.h"
#include "tinytx/platform/auth.h"
#include "tinytx/tuner/builder.h"
#include "tinytx/tuner/importer.h"
#include "tinytx/tuner/runner.h"

namespace {

using namespace tinytx::farm;
namespace fs = std::filesystem;

const char *kHelp = R"(tinytx-farmd: the lab-farm daemon: a queue of tuning jobs over a registry of board agents

Usage:
  tinytx-farmd [options]

Options:
  --listen ADDR          gRPC address (default 127.0.0.1:7080: loopback unless told otherwise;
                         port 0 picks a free one, printed on stdout)
  --db FILE              the tuner's SQLite database, shared with tinytx-tune (default tinytx.db)
  --data-dir DIR         uploaded models (default farm-data next to the database)
  --upload-quota SIZE    most bytes one job may upload: spec and files (default 64MiB)
  --store-quota SIZE     most bytes of uploaded models the farm keeps (default 4GiB)
  --cache-dir DIR        build cache (default tinytx-cache next to the database)
  --boards-dir DIR       board profiles (default: the source tree's board-agents/boards)
  --agents LIST          host:port,... of `tinytx-agent serve` instances to use
  --agents-config FILE   JSON {"agents": [{"address": "host:port", "slots": 1}, ...]}
  --agent-token-file F   the token the farm presents to its agents
  --agent-tls-ca PEM     dial every agent over TLS, trusting this CA
  --tls-cert PEM, --tls-key PEM
                         serve gRPC and the dashboard (HTTPS) over TLS
  --tls-client-ca PEM    with --tls-cert: every client (tuner, agent) must present a certificate
                         this CA signed
  --insecure             allow tokens in clear to agents that are not on loopback
  --token-file FILE      the token clients and agents must present (else $TINYTX_FARM_TOKEN;
                         none: the farm is open, say so in the log)
  --public-read          reading jobs, fronts and metrics needs no token
  --max-jobs N           jobs running at once (default 2); their runs share the agents fairly
  --quarantine-after K   consecutive agent faults before quarantine (default 3)
  --health-interval-ms N health checks of every agent (default 5000)
  --lease-s N            registered agents heartbeat within this (default 15)
  --log FILE             JSON-lines log (default stderr)

Dashboard (README "Dashboard"):
  --http ADDR            the web dashboard and its JSON API (default 127.0.0.1:7081: loopback
                         unless told otherwise; port 0 picks a free one; "off" for none). Reads
                         and writes need the --token-file token as the gRPC calls do; when
                         the default port is taken the farm runs without a dashboard
  --dashboard-only       only the dashboard, read-only over --db: no gRPC, no agents, no jobs
  --dashboard-dir DIR    the front-end's build output (default: this build's dashboards/ output)
  --models-dir DIRS      comma-separated directories holding the models' files, for the schedule
                         and C downloads (the source tree's models/, the farm's uploads and the
                         ONNX import cache, $TINYTX_IMPORT_CACHE or ~/.cache/tinytx/import, are
                         searched as well)

Every job and measurement lives in the database: kill the daemon at any point (even kill -9),
start it again with the same --db, and every job resumes where it was.
Clients: tinytx-tune --farm ADDR ... (same options and output as a local run).
)";

[[noreturn]] void usage_error(const std::string &msg)
{
    std::cerr << "tinytx-farmd: " << msg << "\n(tinytx-farmd --help for usage)\n";
    std::exit(1);
}

std::string token_from(const std::string &file, const char *env)
{
    try {
        return tinytx::platform::resolve_token("", file, env);
    } catch (const std::exception &e) {
        usage_error(e.what());
    }
}

unsigned number(const std::map<std::string, std::string> &o, const std::string &k, unsigned def, unsigned lo, unsigned hi)
{
    auto it = o.find(k);
    if (it == o.end())
        return def;
    char *end = nullptr;
    const unsigned long v = std::strtoul(it->second.c_str(), &end, 10);
    if (it->second.empty() || *end || it->second[0] == '-' || v < lo || v > hi)
        usage_error(k + " expects a whole number in " + std::to_string(lo) + ".." + std::to_string(hi) + ", got '" +
                    it->second + "'");
    return static_cast<unsigned>(v);
}

std::string read_pem(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof())
        usage_error("cannot read " + path);
    if (text.empty())
        usage_error(path + " is missing or empty");
    return text;
}

std::unique_ptr<grpc::Server> g_server;

// The command line: valued options by flag, and the three switches.
struct Args {
    std::map<std::string, std::string> o;
    bool public_read = false, dashboard_only = false, insecure = false;

    bool has(const std::string &flag) const { return o.count(flag) != 0; }
    std::string get(const std::string &flag, const std::string &def = "") const
    {
        const auto it = o.find(flag);
        return it == o.end() ? def : it->second;
    }
};

Args parse_args(int argc, char **argv)
{
    static const std::vector<std::string> valued = {
        "--listen", "--db", "--data-dir", "--cache-dir", "--boards-dir", "--agents", "--agents-config",
        "--agent-token-file", "--token-file", "--max-jobs", "--quarantine-after", "--health-interval-ms",
        "--lease-s", "--log", "--http", "--dashboard-dir", "--models-dir", "--upload-quota", "--store-quota",
        "--tls-cert", "--tls-key", "--tls-client-ca", "--agent-tls-ca"};
    Args args;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--help" || a == "-h") {
            std::cout << kHelp;
            std::exit(0);
        }
        if (a == "--public-read" || a == "--dashboard-only" || a == "--insecure") {
            (a == "--public-read" ? args.public_read : a == "--dashboard-only" ? args.dashboard_only : args.insecure) =
                true;
            continue;
        }
        if (std::find(valued.begin(), valued.end(), a) == valued.end())
            usage_error("unknown option " + a);
        if (i + 1 >= argc)
            usage_error(a + " needs a value");
        args.o[a] = argv[++i];
    }
    return args;
}

// The directories the dashboard searches for a model's files: --models-dir's, the source tree's
// models/, the farm's uploads, and the ONNX import cache (where `tinytx-tune --model x.onnx` put them).
std::vector<fs::path> model_dirs(const Args &args, const fs::path &data_dir)
{
    std::vector<fs::path> dirs;
    const std::string list = args.get("--models-dir");
    for (size_t start = 0; start <= list.size();) {
        const size_t comma = std::min(list.find(',', start), list.size());
        if (comma > start)
            dirs.push_back(list.substr(start, comma - start));
        start = comma + 1;
    }
    dirs.push_back(tinytx::tuner::default_source_root() / "models");
    dirs.push_back(data_dir / "models");
    dirs.push_back(tinytx::tuner::default_import_cache_dir());
    return dirs;
}

DashboardConfig dashboard_config(const Args &args, const fs::path &db, const fs::path &data_dir,
                                 const std::string &token)
{
    DashboardConfig dash;
    dash.http_address = args.get("--http", "127.0.0.1:7081");
    if (args.has("--tls-cert") && args.has("--tls-key")) {
        dash.tls_cert_file = args.get("--tls-cert");
        dash.tls_key_file = args.get("--tls-key");
    }
    dash.db_path = db.string();
    dash.api.token = token;
    dash.api.public_read = args.public_read;
    dash.api.static_dir = args.has("--dashboard-dir") ? fs::path(args.get("--dashboard-dir")) : default_dashboard_dir();
    dash.api.boards_dir = args.get("--boards-dir");
    dash.api.model_dirs = model_dirs(args, data_dir);
    return dash;
}

// --dashboard-only: the dashboard over the database until SIGINT or SIGTERM.
int serve_dashboard_only(const Args &args, const DashboardConfig &dash, FarmLog &log)
{
    if (dash.http_address == "off")
        usage_error("--dashboard-only needs --http");
    if (!args.has("--db"))
        usage_error("--dashboard-only needs --db FILE");
    // SIGINT and SIGTERM are waited for below: block them before any thread starts
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    auto dashboard = Dashboard::start(dash, nullptr, log);
    if (!dashboard.ok()) {
        std::cerr << "tinytx-farmd: " << dashboard.status().message() << "\n";
        return 1;
    }
    std::cout << nlohmann::json{{"event", "serving"}, {"http", (*dashboard)->address()}}.dump() << std::endl;
    int sig = 0;
    sigwait(&stop_signals, &sig);
    (*dashboard)->stop();
    log.event("stopped");
    return 0;
}

RegistryOptions registry_options(const Args &args)
{
    RegistryOptions ro;
    ro.agent_token = token_from(args.get("--agent-token-file"), "TINYTX_AGENT_TOKEN");
    ro.quarantine_after = number(args.o, "--quarantine-after", 3, 1, 1000);
    ro.health_interval = std::chrono::milliseconds(number(args.o, "--health-interval-ms", 5000, 50, 3600000));
    ro.lease = std::chrono::seconds(number(args.o, "--lease-s", 15, 1, 86400));
    ro.agent_tls_ca = args.get("--agent-tls-ca");
    ro.insecure = args.insecure;
    return ro;
}

// The agents of --agents (one slot each) and --agents-config, as (address, slots).
std::vector<std::pair<std::string, unsigned>> configured_agents(const Args &args)
{
    std::vector<std::pair<std::string, unsigned>> agents;
    try {
        if (args.has("--agents"))
            for (const auto &a : tinytx::tuner::parse_agents(args.get("--agents")))
                agents.push_back({a, 1});
    } catch (const std::exception &e) {
        usage_error(e.what());
    }
    if (!args.has("--agents-config"))
        return agents;
    const std::string file = args.get("--agents-config");
    std::ifstream f(file);
    const auto j = nlohmann::json::parse(f, nullptr, false);
    if (!f || j.is_discarded() || !j.contains("agents") || !j["agents"].is_array())
        usage_error("--agents-config " + file + ": expected {\"agents\": [{\"address\": ...}]}");
    for (const auto &a : j["agents"]) {
        if (!a.is_object() || !a.contains("address") || !a["address"].is_string())
            usage_error("--agents-config: every agent needs an \"address\"");
        const unsigned slots = a.value("slots", 1u);
        if (slots < 1 || slots > 64)
            usage_error("--agents-config: slots must be 1..64");
        agents.push_back({a["address"].get<std::string>(), slots});
    }
    return agents;
}

JobManager::Options job_options(const Args &args, const fs::path &db, const fs::path &base, const fs::path &data_dir)
{
    JobManager::Options jo;
    jo.db_path = db.string();
    jo.data_dir = data_dir;
    jo.cache_dir = args.has("--cache-dir") ? fs::path(args.get("--cache-dir")) : base / "tinytx-cache";
    jo.boards_dir = args.get("--boards-dir");
    jo.max_running = number(args.o, "--max-jobs", 2, 1, 64);
    for (auto [flag, quota] : {std::pair{"--upload-quota", &jo.model_quota.upload_bytes},
                               std::pair{"--store-quota", &jo.model_quota.total_bytes}})
        if (args.has(flag)) {
            const auto bytes = tinytx::tuner::parse_byte_size(args.get(flag));
            if (!bytes.ok() || *bytes == 0)
                usage_error(std::string(flag) + " " + (bytes.ok() ? "must be above 0" : bytes.status().message()));
            *quota = *bytes;
        }
    return jo;
}

// Plain, or TLS with --tls-cert/--tls-key; with --tls-client-ca only holders of a certificate it
// signed get a connection at all.
std::shared_ptr<grpc::ServerCredentials> server_credentials(const Args &args)
{
    if (!args.has("--tls-cert") && !args.has("--tls-key")) {
        if (args.has("--tls-client-ca"))
            usage_error("--tls-client-ca needs --tls-cert and --tls-key");
        return grpc::InsecureServerCredentials();
    }
    if (!args.has("--tls-cert") || !args.has("--tls-key"))
        usage_error("TLS needs both --tls-cert and --tls-key");
    grpc::SslServerCredentialsOptions ssl(args.has("--tls-client-ca")
                                              ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                                              : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
    ssl.pem_key_cert_pairs.push_back({read_pem(args.get("--tls-key")), read_pem(args.get("--tls-cert"))});
    if (args.has("--tls-client-ca"))
        ssl.pem_root_certs = read_pem(args.get("--tls-client-ca"));
    return grpc::SslServerCredentials(ssl);
}

// A metrics line in the log every 30 s until `done`.
void log_metrics(const std::atomic<bool> &done, AgentRegistry &registry, JobManager &jobs, FarmLog &log)
{
    for (int t = 0; !done; ++t) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        if (t % 150 != 149)
            continue;
        const RegistryMetrics m = registry.metrics();
        nlohmann::json faults = nlohmann::json::object();
        for (const auto &a : m.agents)
            faults[a.id] = a.faults;
        log.event("metrics", {{"queued_jobs", jobs.queued()},
                              {"running_jobs", jobs.running()},
                              {"runs_per_s", m.runs_per_s},
                              {"dispatch_overhead_ms_median", m.dispatch_overhead_ms_median},
                              {"faults", faults}});
    }
}

// The dashboard beside the farm (nullptr: none): an error when --http asked for it; when the
// default port is taken (another farm on this machine) the farm runs without one, saying so.
tinytx::platform::Result<std::unique_ptr<Dashboard>> start_dashboard(const Args &args, const DashboardConfig &dash,
                                                             JobManager &jobs, FarmLog &log)
{
    if (dash.http_address == "off")
        return std::unique_ptr<Dashboard>();
    auto dashboard = Dashboard::start(dash, &jobs, log);
    if (dashboard.ok() || args.has("--http"))
        return dashboard;
    log.event("warning",
              {{"message", "no dashboard: " + dashboard.status().message() + " (--http ADDR picks another)"}});
    return std::unique_ptr<Dashboard>();
}

}  // namespace

int main(int argc, char **argv)
{
    const Args args = parse_args(argc, argv);
    const fs::path db = args.get("--db", "tinytx.db");
    const fs::path base = db.has_parent_path() ? db.parent_path() : fs::path(".");

    std::ofstream log_file;
    if (args.has("--log")) {
        log_file.open(args.get("--log"), std::ios::app);
        if (!log_file)
            usage_error("cannot write the log '" + args.get("--log") + "'");
    }
    FarmLog log(args.has("--log") ? static_cast<std::ostream &>(log_file) : std::cerr);

    const std::string token = token_from(args.get("--token-file"), "TINYTX_FARM_TOKEN");
    const fs::path data_dir = args.has("--data-dir") ? fs::path(args.get("--data-dir")) : base / "farm-data";
    const DashboardConfig dash = dashboard_config(args, db, data_dir, token);
    if (args.dashboard_only)
        return serve_dashboard_only(args, dash, log);

    const RegistryOptions ro = registry_options(args);
    const auto agents = configured_agents(args);
    const JobManager::Options jo = job_options(args, db, base, data_dir);
    AgentRegistry registry(ro, log);
    for (const auto &[address, slots] : agents) {
        try {
            registry.add(address, ro.agent_token, slots, false);
        } catch (const std::exception &e) {
            usage_error("agent " + address + ": " + e.what());
        }
    }
    std::unique_ptr<JobManager> jobs;
    try {
        jobs = std::make_unique<JobManager>(jo, registry, log);
    } catch (const std::exception &e) {
        usage_error(std::string("database ") + db.string() + ": " + e.what());
    }
    FarmService service(*jobs, registry, log, token, args.public_read);

    const std::string listen = args.get("--listen", "127.0.0.1:7080");
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort(listen, server_credentials(args), &port);
    builder.RegisterService(&service);
    builder.SetMaxReceiveMessageSize(256 << 20);
    g_server = builder.BuildAndStart();
    if (!g_server || port == 0) {
        std::cerr << "tinytx-farmd: cannot listen on " << listen << "\n";
        return 1;
    }
    jobs->start();
    auto started = start_dashboard(args, dash, *jobs, log);
    if (!started.ok()) {
        std::cerr << "tinytx-farmd: " << started.status().message() << "\n";
        g_server->Shutdown();
        jobs->stop();
        return 1;
    }
    std::unique_ptr<Dashboard> dashboard = std::move(started).value();
    const std::string host = listen.substr(0, listen.rfind(':'));
    log.event("serving", {{"address", host + ":" + std::to_string(port)},
                          {"tls", args.has("--tls-cert")},
                          {"token", !token.empty()},
                          {"public_read", args.public_read},
                          {"agents", agents.size()}});
    if (token.empty())
        log.event("warning", {{"message", "no token: anyone who can reach " + listen + " can submit and cancel jobs"}});
    nlohmann::json serving = {{"event", "serving"}, {"address", host + ":" + std::to_string(port)}};
    if (dashboard)
        serving["http"] = dashboard->address();
    std::cout << serving.dump() << std::endl;

    std::signal(SIGINT, [](int) { std::thread([] { g_server->Shutdown(); }).detach(); });
    std::signal(SIGTERM, [](int) { std::thread([] { g_server->Shutdown(); }).detach(); });
    std::atomic<bool> done{false};
    std::thread summary([&] { log_metrics(done, registry, *jobs, log); });
    g_server->Wait();
    done = true;
    summary.join();
    if (dashboard)
        dashboard->stop();  // its event streams watch the jobs: before they stop
    jobs->stop();
    registry.stop();
    log.event("stopped");
    return 0;
}
