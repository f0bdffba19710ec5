// tinytx-farmd: the lab-farm daemon (README "The lab farm").
#include <grpcpp/grpcpp.h>
#include <pthread.h>

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

#include "agent_registry.h"
#include "dashboard_server.h"
#include "farm_log.h"
#include "farm_service.h"
#include "job_manager.h"
#include "auth.h"
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
        return tinytx::agent::resolve_token("", file, env);
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

}  // namespace

int main(int argc, char **argv)
{
    static const std::vector<std::string> valued = {
        "--listen", "--db", "--data-dir", "--cache-dir", "--boards-dir", "--agents", "--agents-config",
        "--agent-token-file", "--token-file", "--max-jobs", "--quarantine-after", "--health-interval-ms",
        "--lease-s", "--log", "--http", "--dashboard-dir", "--models-dir", "--upload-quota", "--store-quota",
        "--tls-cert", "--tls-key", "--tls-client-ca", "--agent-tls-ca"};
    std::map<std::string, std::string> o;
    bool public_read = false, dashboard_only = false, insecure = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--help" || a == "-h") {
            std::cout << kHelp;
            return 0;
        }
        if (a == "--public-read") {
            public_read = true;
            continue;
        }
        if (a == "--dashboard-only") {
            dashboard_only = true;
            continue;
        }
        if (a == "--insecure") {
            insecure = true;
            continue;
        }
        if (std::find(valued.begin(), valued.end(), a) == valued.end())
            usage_error("unknown option " + a);
        if (i + 1 >= argc)
            usage_error(a + " needs a value");
        o[a] = argv[++i];
    }
    const fs::path db = o.count("--db") ? o["--db"] : "tinytx.db";
    const fs::path base = db.has_parent_path() ? db.parent_path() : fs::path(".");

    std::ofstream log_file;
    if (o.count("--log")) {
        log_file.open(o["--log"], std::ios::app);
        if (!log_file)
            usage_error("cannot write the log '" + o["--log"] + "'");
    }
    FarmLog log(o.count("--log") ? static_cast<std::ostream &>(log_file) : std::cerr);

    const std::string token = token_from(o.count("--token-file") ? o["--token-file"] : "", "TINYTX_FARM_TOKEN");
    const fs::path data_dir = o.count("--data-dir") ? fs::path(o["--data-dir"]) : base / "farm-data";
    DashboardConfig dash;
    dash.http_address = o.count("--http") ? o["--http"] : "127.0.0.1:7081";
    if (o.count("--tls-cert") && o.count("--tls-key")) {
        dash.tls_cert_file = o["--tls-cert"];
        dash.tls_key_file = o["--tls-key"];
    }
    dash.db_path = db.string();
    dash.api.token = token;
    dash.api.public_read = public_read;
    dash.api.static_dir = o.count("--dashboard-dir") ? fs::path(o["--dashboard-dir"]) : default_dashboard_dir();
    dash.api.boards_dir = o.count("--boards-dir") ? fs::path(o["--boards-dir"]) : fs::path();
    if (o.count("--models-dir"))
        for (size_t start = 0; start <= o["--models-dir"].size();) {
            const size_t comma = std::min(o["--models-dir"].find(',', start), o["--models-dir"].size());
            if (comma > start)
                dash.api.model_dirs.push_back(o["--models-dir"].substr(start, comma - start));
            start = comma + 1;
        }
    dash.api.model_dirs.push_back(tinytx::tuner::default_source_root() / "models");
    dash.api.model_dirs.push_back(data_dir / "models");
    // where `tinytx-tune --model x.onnx` imported models to: their downloads work with no flag
    dash.api.model_dirs.push_back(tinytx::tuner::default_import_cache_dir());
    if (dashboard_only) {
        if (dash.http_address == "off")
            usage_error("--dashboard-only needs --http");
        if (!o.count("--db"))
            usage_error("--dashboard-only needs --db FILE");
        // SIGINT and SIGTERM are waited for below: block them before any thread starts
        sigset_t stop_signals;
        sigemptyset(&stop_signals);
        sigaddset(&stop_signals, SIGINT);
        sigaddset(&stop_signals, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
        std::string error;
        auto dashboard = Dashboard::start(dash, nullptr, log, &error);
        if (!dashboard) {
            std::cerr << "tinytx-farmd: " << error << "\n";
            return 1;
        }
        std::cout << nlohmann::json{{"event", "serving"}, {"http", dashboard->address()}}.dump() << std::endl;
        int sig = 0;
        sigwait(&stop_signals, &sig);
        dashboard->stop();
        log.event("stopped");
        return 0;
    }
    RegistryOptions ro;
    ro.agent_token = token_from(o.count("--agent-token-file") ? o["--agent-token-file"] : "", "TINYTX_AGENT_TOKEN");
    ro.quarantine_after = number(o, "--quarantine-after", 3, 1, 1000);
    ro.health_interval = std::chrono::milliseconds(number(o, "--health-interval-ms", 5000, 50, 3600000));
    ro.lease = std::chrono::seconds(number(o, "--lease-s", 15, 1, 86400));
    ro.agent_tls_ca = o.count("--agent-tls-ca") ? o["--agent-tls-ca"] : "";
    ro.insecure = insecure;

    std::vector<std::pair<std::string, unsigned>> agents;
    try {
        if (o.count("--agents"))
            for (const auto &a : tinytx::tuner::parse_agents(o["--agents"]))
                agents.push_back({a, 1});
    } catch (const std::exception &e) {
        usage_error(e.what());
    }
    if (o.count("--agents-config")) {
        std::ifstream f(o["--agents-config"]);
        const auto j = nlohmann::json::parse(f, nullptr, false);
        if (!f || j.is_discarded() || !j.contains("agents") || !j["agents"].is_array())
            usage_error("--agents-config " + o["--agents-config"] + ": expected {\"agents\": [{\"address\": ...}]}");
        for (const auto &a : j["agents"]) {
            if (!a.is_object() || !a.contains("address") || !a["address"].is_string())
                usage_error("--agents-config: every agent needs an \"address\"");
            const unsigned slots = a.value("slots", 1u);
            if (slots < 1 || slots > 64)
                usage_error("--agents-config: slots must be 1..64");
            agents.push_back({a["address"].get<std::string>(), slots});
        }
    }

    JobManager::Options jo;
    jo.db_path = db.string();
    jo.data_dir = data_dir;
    jo.cache_dir = o.count("--cache-dir") ? fs::path(o["--cache-dir"]) : base / "tinytx-cache";
    jo.boards_dir = o.count("--boards-dir") ? fs::path(o["--boards-dir"]) : fs::path();
    jo.max_running = number(o, "--max-jobs", 2, 1, 64);
    for (auto [flag, quota] : {std::pair{"--upload-quota", &jo.model_quota.upload_bytes},
                               std::pair{"--store-quota", &jo.model_quota.total_bytes}})
        if (o.count(flag)) {
            std::string err;
            const auto bytes = tinytx::tuner::parse_byte_size(o[flag], &err);
            if (!bytes || *bytes == 0)
                usage_error(std::string(flag) + " " + (err.empty() ? "must be above 0" : err));
            *quota = *bytes;
        }

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
    FarmService service(*jobs, registry, log, token, public_read);

    const std::string listen = o.count("--listen") ? o["--listen"] : "127.0.0.1:7080";
    grpc::ServerBuilder builder;
    int port = 0;
    std::shared_ptr<grpc::ServerCredentials> creds = grpc::InsecureServerCredentials();
    if (o.count("--tls-cert") || o.count("--tls-key")) {
        if (!o.count("--tls-cert") || !o.count("--tls-key"))
            usage_error("TLS needs both --tls-cert and --tls-key");
        // with a client CA, only holders of a certificate it signed get a connection at all
        grpc::SslServerCredentialsOptions ssl(o.count("--tls-client-ca")
                                                  ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                                                  : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
        ssl.pem_key_cert_pairs.push_back({read_pem(o["--tls-key"]), read_pem(o["--tls-cert"])});
        if (o.count("--tls-client-ca"))
            ssl.pem_root_certs = read_pem(o["--tls-client-ca"]);
        creds = grpc::SslServerCredentials(ssl);
    } else if (o.count("--tls-client-ca")) {
        usage_error("--tls-client-ca needs --tls-cert and --tls-key");
    }
    builder.AddListeningPort(listen, creds, &port);
    builder.RegisterService(&service);
    builder.SetMaxReceiveMessageSize(256 << 20);
    g_server = builder.BuildAndStart();
    if (!g_server || port == 0) {
        std::cerr << "tinytx-farmd: cannot listen on " << listen << "\n";
        return 1;
    }
    jobs->start();
    std::unique_ptr<Dashboard> dashboard;
    if (dash.http_address != "off") {
        std::string error;
        dashboard = Dashboard::start(dash, jobs.get(), log, &error);
        if (!dashboard && o.count("--http")) {
            std::cerr << "tinytx-farmd: " << error << "\n";
            g_server->Shutdown();
            jobs->stop();
            return 1;
        }
        // the default port taken (another farm on this machine): the farm runs, without a dashboard
        if (!dashboard)
            log.event("warning", {{"message", "no dashboard: " + error + " (--http ADDR picks another)"}});
    }
    const std::string host = listen.substr(0, listen.rfind(':'));
    log.event("serving", {{"address", host + ":" + std::to_string(port)},
                          {"tls", o.count("--tls-cert") != 0},
                          {"token", !token.empty()},
                          {"public_read", public_read},
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
    std::thread summary([&] {  // a metrics line in the log every 30 s
        for (int t = 0; !done; ++t) {
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            if (t % 150 != 149)
                continue;
            const RegistryMetrics m = registry.metrics();
            nlohmann::json faults = nlohmann::json::object();
            for (const auto &a : m.agents)
                faults[a.id] = a.faults;
            log.event("metrics", {{"queued_jobs", jobs->queued()},
                                  {"running_jobs", jobs->running()},
                                  {"runs_per_s", m.runs_per_s},
                                  {"dispatch_overhead_ms_median", m.dispatch_overhead_ms_median},
                                  {"faults", faults}});
        }
    });
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
