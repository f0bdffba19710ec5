// tinytx-agent: serve measurements over gRPC, or measure one image locally or through an agent.
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "agent_service.h"
#include "calibration.h"
#include "tinytx/agent/agent_core.h"
#include "tinytx/agent/proto_convert.h"
#include "tinytx/platform/auth.h"
#include "tinytx/platform/plaintext_policy.h"
#include "tinytx/v1/farm.grpc.pb.h"

using namespace tinytx::agent;

namespace {

const char *kUsage = R"(tinytx-agent: runs tinytx firmware images on boards or emulators and reports measurements.

Usage:
  tinytx-agent serve [--listen ADDR] [--board NAME[:BACKEND]]... [--boards-dir DIR]
                     [--workers N] [--token TOKEN | --token-file FILE]
                     [--tls-cert PEM --tls-key PEM] [--openocd-serial SERIAL] [--gvsoc PREFIX]
                     [--farm ADDR [--farm-token-file FILE] [--farm-tls-ca PEM
                     [--farm-tls-cert PEM --farm-tls-key PEM]] [--advertise HOST:PORT]]
                     [--insecure]
  tinytx-agent measure --board NAME [--backend iss|qemu|pulp|gvsoc|openocd] [--gvsoc PREFIX] FILE.elf
                     [--repeats N] [--warmups N] [--deadline-ms MS] [--expect-crc HEX]
                     [--arena-region REGION] [--json]
  tinytx-agent calibrate --board NAME [--backend iss|qemu|openocd] [--boards-dir DIR] [--image FILE.elf]
                     [--out FILE.json] [--deadline-ms MS] [--json]
  tinytx-agent call ADDR measure (same options as measure) [--token T | --token-file F] [--tls-ca PEM]
  tinytx-agent call ADDR describe|health [--token T | --token-file F] [--tls-ca PEM]

serve     Serves the Agent gRPC API (schemas/proto/tinytx/v1/agent.proto). Binds 127.0.0.1:7070
          unless --listen says otherwise. With a token (--token, --token-file or
          $TINYTX_AGENT_TOKEN) every call must present it; TLS when --tls-cert/--tls-key are given.
          Without --board it serves every profile in the boards directory on iss and qemu.
          With --farm it registers with a tinytx-farmd (as --advertise, default its own listen
          address) and heartbeats within the farm's lease; registering again if the farm restarts.
          Over TLS with --farm-tls-ca (the farm's CA). Tokens (the farm's, and this agent's, which
          registration hands to the farm) go without TLS only to a loopback farm, or with --insecure.
measure   Runs FILE.elf here, on the same code path the server uses, and prints the measurement.
          --arena-region (iss only) charges the image's arena as that RAM-like board region
          (default: the profile's emulator.arena; docs/CYCLE_MODEL.md); other backends refuse it.
call      The same through a running agent at ADDR (host:port), --arena-region included.
calibrate Runs the fw_calib micro-benchmarks (instruction classes, loads and stores in each memory
          region) on the board through the backend and fits the profile's cycle table and the
          wait states its regions mark `calibratable` (least squares; docs/CYCLE_MODEL.md).
          Writes the calibrated profile to --out (default NAME.calibrated.json; put it in a
          folder as NAME.json and pass that folder as --boards-dir to tinytx-tune or tinytx-agent)
          and prints each figure before and after. --image defaults to the build tree's
          fw_calib for the board's core. On iss the arena is moved through every RAM-like region;
          on other backends it stays where the image's link puts it (emulator.arena). Figures
          fitted on an emulator reproduce its profile: a check of the method, not a board.

Backends: iss (in-process emulator, default), qemu (QEMU under -icount, via its gdbstub),
pulp (the project's GAP9 cluster simulator), gvsoc (GAP9 cluster images on GVSoC's pulp-open: the
install from --gvsoc PREFIX or $TINYTX_GVSOC), openocd (a real board over ST-Link). Figures say
where they come from: measured, emulated, modeled.
Exit status of measure/call/calibrate: 0 when the status is OK, 1 otherwise (calibrate: a run
failed), 2 for usage errors.
)";

struct Args {
    std::vector<std::string> positional;
    std::multimap<std::string, std::string> opts;
    std::map<std::string, bool> flags;
    bool has(const std::string &k) const { return opts.count(k); }
    std::string get(const std::string &k, const std::string &def = "") const
    {
        auto it = opts.find(k);
        return it == opts.end() ? def : it->second;
    }
};

[[noreturn]] void usage_error(const std::string &msg)
{
    std::cerr << "tinytx-agent: " << msg << "\n(tinytx-agent --help for usage)\n";
    std::exit(2);
}

Args parse_args(int argc, char **argv, int first)
{
    static const std::vector<std::string> with_value = {
        "--listen", "--board", "--boards-dir", "--workers", "--token", "--token-file", "--tls-cert",
        "--tls-key", "--tls-ca", "--backend", "--repeats", "--warmups", "--deadline-ms",
        "--expect-crc", "--arena-region", "--image", "--out", "--openocd-serial", "--gvsoc", "--farm", "--farm-token-file", "--farm-tls-ca", "--farm-tls-cert", "--farm-tls-key", "--advertise"};
    Args a;
    for (int i = first; i < argc; ++i) {
        std::string s = argv[i];
        if (s == "--json" || s == "--insecure") {
            a.flags[s] = true;
        } else if (s.rfind("--", 0) == 0) {
            std::string key = s, value;
            if (auto eq = s.find('='); eq != std::string::npos) {
                key = s.substr(0, eq);
                value = s.substr(eq + 1);
            } else if (std::find(with_value.begin(), with_value.end(), s) != with_value.end()) {
                if (i + 1 >= argc) usage_error(s + " needs a value");
                value = argv[++i];
            }
            if (std::find(with_value.begin(), with_value.end(), key) == with_value.end())
                usage_error("unknown option " + key);
            a.opts.emplace(key, value);
        } else {
            a.positional.push_back(s);
        }
    }
    return a;
}

uint32_t parse_u32(const Args &a, const std::string &key, uint32_t def, int base = 10)
{
    if (!a.has(key)) return def;
    const std::string v = a.get(key);
    char *end = nullptr;
    errno = 0;
    const unsigned long long n = std::strtoull(v.c_str(), &end, base);
    if (v.empty() || *end || errno || n > 0xFFFFFFFFull || v[0] == '-')
        usage_error(key + " expects a non-negative " + (base == 16 ? "hexadecimal " : "") +
                    "number, got '" + v + "'");
    return uint32_t(n);
}

RunRequestData request_from(const Args &a, size_t file_index)
{
    if (a.positional.size() <= file_index) usage_error("missing FILE.elf");
    if (!a.has("--board")) usage_error("--board is required (e.g. --board nucleo-l476rg)");
    const std::string path = a.positional[file_index];
    std::ifstream f(path, std::ios::binary);
    if (!f) usage_error("cannot open '" + path + "'");
    RunRequestData r;
    r.image = std::vector<uint8_t>((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    r.board = a.get("--board");
    r.backend = a.get("--backend");
    r.repeats = parse_u32(a, "--repeats", 1);
    r.warmups = parse_u32(a, "--warmups", 0);
    r.deadline_ms = parse_u32(a, "--deadline-ms", 0);
    r.arena_region = a.get("--arena-region");
    if (a.has("--expect-crc")) {
        std::string v = a.get("--expect-crc");
        Args tmp;
        tmp.opts.emplace("--expect-crc", v.rfind("0x", 0) == 0 ? v.substr(2) : v);
        r.expected_crc = parse_u32(tmp, "--expect-crc", 0, 16);
    }
    return r;
}

int print_measurement(const Measurement &m, bool json, bool crc_expected)
{
    if (json) {
        std::cout << to_json(m).dump(2) << std::endl;
    } else {
        std::printf("status        %s%s%s\n", to_string(m.status), m.error.empty() ? "" : ": ",
                    m.error.c_str());
        std::printf("board         %s (%s, %s)\n", m.board.c_str(), m.backend.c_str(), m.board_serial.c_str());
        std::printf("cycles        %llu median of %zu runs (%s)\n", (unsigned long long)m.cycles_median,
                    m.cycles.size(), to_string(m.cycles_source));
        std::printf("instructions  %llu\n", (unsigned long long)m.instructions);
        std::printf("energy        %.3f uJ (%s)\n", m.energy_uj, to_string(m.energy_source));
        std::printf("stack peak    %u B\narena peak    %u B\n", m.stack_peak_bytes, m.arena_peak_bytes);
        std::printf("output CRC    0x%08x %s\n", m.output_crc32,
                    !m.output_ok ? "MISMATCH" : crc_expected ? "as expected" : "(not checked: no --expect-crc)");
        if (m.fault_pc) std::printf("fault PC      0x%08x\n", *m.fault_pc);
        std::printf("wall time     %.1f ms\nimage         %s\n", m.wall_time_ms, m.image_hash.c_str());
    }
    return m.status == RunStatus::kOk ? 0 : 1;
}

// serve: every --board NAME[:BACKEND] is served; measure: the one --board on --backend
std::unique_ptr<AgentCore> make_core(const Args &a, bool serving)
{
    AgentConfig cfg;
    cfg.boards_dir = a.get("--boards-dir");
    cfg.workers = parse_u32(a, "--workers", 0);
    cfg.openocd_serial = a.get("--openocd-serial");
    cfg.gvsoc_prefix = a.get("--gvsoc");
    if (!serving) {
        cfg.boards.emplace_back(a.get("--board"), a.get("--backend", "iss"));
        return std::make_unique<AgentCore>(std::move(cfg));
    }
    for (auto [it, end] = a.opts.equal_range("--board"); it != end; ++it) {
        const std::string v = it->second;
        const auto colon = v.find(':');
        cfg.boards.emplace_back(v.substr(0, colon), colon == std::string::npos ? "iss" : v.substr(colon + 1));
    }
    return std::make_unique<AgentCore>(std::move(cfg));
}

std::string read_file(const std::string &path, const char *what)
{
    std::ifstream in(path);
    if (!in) usage_error(std::string("cannot read ") + what + " '" + path + "'");
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::unique_ptr<grpc::Server> g_server;

// Registers with a tinytx-farmd and heartbeats until `stop`; registers again when the farm has
// forgotten us (restarted) or could not be reached.
void join_farm(const std::string &farm, const std::shared_ptr<grpc::ChannelCredentials> &creds,
               const std::string &farm_token, const std::string &advertise, const std::string &agent_token,
               const std::atomic<bool> &stop)
{
    auto stub = tinytx::v1::Farm::NewStub(grpc::CreateChannel(farm, creds));
    auto ctx = [&] {
        auto c = std::make_unique<grpc::ClientContext>();
        c->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
        if (!farm_token.empty()) c->AddMetadata("authorization", "Bearer " + farm_token);
        return c;
    };
    std::string id;
    unsigned lease_s = 5;
    while (!stop) {
        if (id.empty()) {
            tinytx::v1::RegisterAgentRequest req;
            req.set_address(advertise);
            req.set_agent_token(agent_token);
            tinytx::v1::RegisterAgentResponse resp;
            const grpc::Status st = stub->RegisterAgent(ctx().get(), req, &resp);
            if (st.ok()) {
                id = resp.agent_id();
                lease_s = std::max(1u, resp.lease_s());
                std::cout << "{\"event\":\"registered\",\"farm\":\"" << farm << "\",\"agent_id\":\"" << id << "\"}"
                          << std::endl;
            } else {
                std::cerr << "tinytx-agent: farm " << farm << " did not register us: " << st.error_message() << "\n";
            }
        } else {
            tinytx::v1::HeartbeatRequest req;
            req.set_agent_id(id);
            tinytx::v1::HeartbeatResponse resp;
            const grpc::Status st = stub->Heartbeat(ctx().get(), req, &resp);
            if (!st.ok()) id.clear();  // the farm restarted or is gone: register again
        }
        const auto next = std::chrono::steady_clock::now() + std::chrono::milliseconds(lease_s * 1000 / 3);
        while (!stop && std::chrono::steady_clock::now() < next)
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

int serve(const Args &a)
{
    const std::string listen = a.get("--listen", "127.0.0.1:7070");
    auto core = make_core(a, true);
    const std::string token = resolve_token(a.get("--token"), a.get("--token-file"));
    AgentService service(*core, token);
    std::shared_ptr<grpc::ServerCredentials> creds = grpc::InsecureServerCredentials();
    if (a.has("--tls-cert") || a.has("--tls-key")) {
        if (!a.has("--tls-cert") || !a.has("--tls-key")) usage_error("TLS needs both --tls-cert and --tls-key");
        grpc::SslServerCredentialsOptions ssl;
        ssl.pem_key_cert_pairs.push_back({read_file(a.get("--tls-key"), "TLS key"),
                                          read_file(a.get("--tls-cert"), "TLS certificate")});
        creds = grpc::SslServerCredentials(ssl);
    }
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort(listen, creds, &port);
    builder.RegisterService(&service);
    builder.SetMaxReceiveMessageSize(80 << 20);
    g_server = builder.BuildAndStart();
    if (!g_server || port == 0) {
        std::cerr << "tinytx-agent: cannot listen on " << listen << "\n";
        return 1;
    }
    std::signal(SIGINT, [](int) { std::thread([] { g_server->Shutdown(); }).detach(); });
    std::signal(SIGTERM, [](int) { std::thread([] { g_server->Shutdown(); }).detach(); });
    std::string host = listen.substr(0, listen.rfind(':'));
    std::cout << "{\"event\":\"serving\",\"address\":\"" << host << ":" << port << "\",\"token\":"
              << (token.empty() ? "false" : "true") << ",\"tls\":" << (a.has("--tls-cert") ? "true" : "false")
              << ",\"boards\":" << core->describe().size() << "}" << std::endl;
    std::atomic<bool> stop{false};
    std::thread farm;
    if (a.has("--farm")) {
        std::string farm_token;
        try {
            farm_token = resolve_token("", a.get("--farm-token-file"), "TINYTX_FARM_TOKEN");
        } catch (const std::exception &e) {
            usage_error(e.what());
        }
        const std::string advertise = a.get("--advertise", host + ":" + std::to_string(port));
        std::shared_ptr<grpc::ChannelCredentials> farm_creds = grpc::InsecureChannelCredentials();
        if (a.has("--farm-tls-ca")) {
            grpc::SslCredentialsOptions ssl;
            ssl.pem_root_certs = read_file(a.get("--farm-tls-ca"), "farm CA certificate");
            if (a.has("--farm-tls-cert") != a.has("--farm-tls-key"))
                usage_error("--farm-tls-cert and --farm-tls-key go together");
            if (a.has("--farm-tls-cert")) {  // for a farm that admits only clients its CA signed
                ssl.pem_cert_chain = read_file(a.get("--farm-tls-cert"), "TLS certificate");
                ssl.pem_private_key = read_file(a.get("--farm-tls-key"), "TLS key");
            }
            farm_creds = grpc::SslCredentials(ssl);
        }
        if (const Status plain = check_plaintext_token(a.get("--farm"), !farm_token.empty() || !token.empty(),
                                                       a.has("--farm-tls-ca"), a.flags.count("--insecure"),
                                                       "--farm-tls-ca");
            !plain.ok()) {
            g_server->Shutdown();
            usage_error(plain.message());
        }
        farm = std::thread([&, farm_creds, farm_token, advertise] {
            join_farm(a.get("--farm"), farm_creds, farm_token, advertise, token, stop);
        });
    }
    g_server->Wait();
    stop = true;
    if (farm.joinable()) farm.join();
    return 0;
}

int call(const Args &a)
{
    if (a.positional.size() < 2) usage_error("call needs ADDR and a command (measure, describe, health)");
    const std::string addr = a.positional[0], cmd = a.positional[1];
    std::shared_ptr<grpc::ChannelCredentials> creds = grpc::InsecureChannelCredentials();
    if (a.has("--tls-ca")) {
        grpc::SslCredentialsOptions ssl;
        ssl.pem_root_certs = read_file(a.get("--tls-ca"), "CA certificate");
        creds = grpc::SslCredentials(ssl);
    }
    grpc::ChannelArguments ch_args;
    ch_args.SetMaxSendMessageSize(80 << 20);
    auto stub = tinytx::v1::Agent::NewStub(grpc::CreateCustomChannel(addr, creds, ch_args));
    grpc::ClientContext ctx;
    const std::string token = resolve_token(a.get("--token"), a.get("--token-file"));
    if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
    grpc::Status st;
    if (cmd == "measure") {
        const RunRequestData r = request_from(a, 2);
        tinytx::v1::RunRequest req;
        const auto &bytes = std::get<std::vector<uint8_t>>(r.image);
        req.set_elf(bytes.data(), bytes.size());
        req.set_board(r.board);
        req.set_backend(r.backend);
        req.set_repeats(r.repeats);
        req.set_warmups(r.warmups);
        req.set_deadline_ms(r.deadline_ms);
        if (r.expected_crc) req.set_expected_crc32(*r.expected_crc);
        req.set_arena_region(r.arena_region);
        const uint32_t deadline = r.deadline_ms ? r.deadline_ms : 10000;
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(deadline + 30000));
        tinytx::v1::Measurement out;
        st = stub->Run(&ctx, req, &out);
        if (st.ok()) return print_measurement(from_proto(out), a.flags.count("--json"), r.expected_crc.has_value());
    } else if (cmd == "describe") {
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
        tinytx::v1::DescribeResponse out;
        st = stub->Describe(&ctx, {}, &out);
        if (st.ok()) {
            nlohmann::json j = {{"agent_version", out.agent_version()}, {"boards", nlohmann::json::array()}};
            for (const auto &b : out.boards())
                j["boards"].push_back({{"profile", b.profile()}, {"serial", b.serial()},
                                       {"backend", b.backend()}, {"state", b.state()}, {"core", b.core()},
                                       {"places_arena", b.places_arena()}});
            std::cout << j.dump(2) << std::endl;
            return 0;
        }
    } else if (cmd == "health") {
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
        tinytx::v1::HealthResponse out;
        st = stub->Health(&ctx, {}, &out);
        if (st.ok()) {
            std::cout << nlohmann::json({{"serving", out.serving()}, {"runs_total", out.runs_total()},
                                         {"runs_in_flight", out.runs_in_flight()},
                                         {"uptime_s", out.uptime_s()}, {"agent_version", out.agent_version()}})
                             .dump(2)
                      << std::endl;
            return 0;
        }
    } else {
        usage_error("unknown call command '" + cmd + "' (measure, describe, health)");
    }
    std::cerr << "tinytx-agent: " << addr << ": " << st.error_message() << " (gRPC code "
              << int(st.error_code()) << ")\n";
    return st.error_code() == grpc::StatusCode::UNAUTHENTICATED ? 3 : 1;
}

// the fw_calib image of the build tree for a board's core (TINYTX_FIRMWARE_DIR/<core>/fw_calib.elf)
std::string default_calib_image(const BoardProfile &b)
{
    return std::string(TINYTX_FIRMWARE_DIR) + "/" + b.core + "/fw_calib.elf";
}

int calibrate_board(const Args &a)
{
    if (!a.has("--board")) usage_error("--board is required (e.g. --board nucleo-h743zi)");
    if (!a.positional.empty()) usage_error("calibrate takes no FILE argument (--image FILE.elf names the image)");
    auto core = make_core(a, false);
    const BoardCatalog catalog = BoardCatalog::load_dir(a.has("--boards-dir") ? a.get("--boards-dir") : BoardCatalog::default_dir());
    const BoardProfile &board = catalog.get(a.get("--board"));
    require_calibratable(board);
    const std::string image = a.get("--image", default_calib_image(board));
    const std::string out = a.get("--out", board.name + ".calibrated.json");
    std::ifstream f(image, std::ios::binary);
    if (!f) usage_error("cannot open the calibration image '" + image + "' (build the firmware, or name it with --image)");
    CalibrationRequest req;
    req.board = board.name;
    req.backend = a.get("--backend");
    req.image = std::vector<uint8_t>((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    req.deadline_ms = parse_u32(a, "--deadline-ms", 0);
    req.progress = [](const std::string &s) { std::cerr << "calibrate: " << s << std::endl; };
    CalibrationResult r;
    try {
        r = calibrate(*core, board, req);
    } catch (const CalibrationRunFailed &e) {
        std::cerr << "tinytx-agent: " << e.what() << "\n";
        return 1;
    }
    std::ofstream o(out);
    o << board_profile_json(r.profile);
    if (!o.good()) {
        std::cerr << "tinytx-agent: cannot write '" << out << "'\n";
        return 1;
    }
    if (a.flags.count("--json")) {
        nlohmann::json j = {{"board", board.name}, {"profile", out}, {"equations", r.equations},
                            {"max_residual_cycles", r.max_residual}, {"figures", nlohmann::json::array()}};
        for (const auto &fig : r.figures)
            j["figures"].push_back({{"name", fig.name}, {"profile", fig.profile}, {"fitted", fig.fitted}});
        std::cout << j.dump(2) << std::endl;
    } else {
        std::printf("%-32s %10s %10s\n", "figure (cycles)", "profile", "fitted");
        for (const auto &fig : r.figures) std::printf("%-32s %10.3f %10.3f\n", fig.name.c_str(), fig.profile, fig.fitted);
        std::printf("%zu benchmarks, worst residual %.3f cycles per iteration; calibrated profile: %s\n",
                    r.equations, r.max_residual, out.c_str());
    }
    return 0;
}

}  // namespace

int main(int argc, char **argv)
{
    if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h" ||
        std::string(argv[1]) == "help") {
        std::cout << kUsage;
        return argc < 2 ? 2 : 0;
    }
    const std::string mode = argv[1];
    try {
        if (mode == "serve") return serve(parse_args(argc, argv, 2));
        if (mode == "measure") {
            const Args a = parse_args(argc, argv, 2);
            if (!a.has("--board")) usage_error("--board is required (e.g. --board nucleo-l476rg)");
            auto core = make_core(a, false);
            const RunRequestData r = request_from(a, 0);
            return print_measurement(core->run(r), a.flags.count("--json"), r.expected_crc.has_value());
        }
        if (mode == "call") return call(parse_args(argc, argv, 2));
        if (mode == "calibrate") return calibrate_board(parse_args(argc, argv, 2));
    } catch (const InvalidArgument &e) {
        std::cerr << "tinytx-agent: " << e.what() << "\n";
        return 2;
    }
    usage_error("unknown mode '" + mode + "'");
}
