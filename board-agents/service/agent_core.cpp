// AgentCore: request validation, image cache, backend dispatch, admission.
#include "tinytx/agent/agent_core.h"

#include <algorithm>
#include <thread>

#include "tinytx/platform/run_limits.h"
#include "tinytx/platform/sha256.h"

namespace tinytx::agent {

struct AgentCore::Slot {
    std::string profile, backend, serial;
    std::mutex board_mu;                 // real boards run one image at a time
    std::atomic<int> running{0};
};

namespace {

constexpr uint32_t kMaxRuns = kMaxRepeats;

std::unique_ptr<Backend> make_backend(const std::string &name, const AgentConfig &cfg)
{
    if (name == "iss") return make_iss_backend();
    if (name == "qemu") return make_qemu_backend();
    if (name == "openocd") return make_openocd_backend(cfg.openocd_serial);
    if (name == "pulp") return make_pulp_backend();
    if (name == "gvsoc") return make_gvsoc_backend(cfg.gvsoc_prefix);
    throw InvalidArgument("unknown backend '" + name + "'; known backends: iss, qemu, pulp, gvsoc, openocd");
}

}  // namespace

AgentCore::AgentCore(AgentConfig cfg)
    : cfg_(std::move(cfg)),
      catalog_(BoardCatalog::load_dir(cfg_.boards_dir.empty() ? BoardCatalog::default_dir()
                                                              : cfg_.boards_dir)),
      started_(std::chrono::steady_clock::now())
{
    if (cfg_.boards.empty())
        for (const auto &name : catalog_.names()) {
            for (const char *b : {"iss", "qemu"}) cfg_.boards.emplace_back(name, b);
            // the cluster simulator serves the RISC-V boards (gap9)
            if (catalog_.get(name).arch == Arch::kRiscv32) cfg_.boards.emplace_back(name, "pulp");
        }
    std::map<std::string, int> count;
    for (const auto &[profile, backend] : cfg_.boards) {
        catalog_.get(profile);  // unknown board: error listing the known ones
        if (!backends_.count(backend)) backends_[backend] = make_backend(backend, cfg_);
        auto s = std::make_unique<Slot>();
        s->profile = profile;
        s->backend = backend;
        s->serial = backend == "openocd" && !cfg_.openocd_serial.empty()
                        ? cfg_.openocd_serial
                        : backend + "-" + std::to_string(count[backend]++);
        slots_.push_back(std::move(s));
    }
    const unsigned workers = cfg_.workers ? cfg_.workers : std::max(1u, std::thread::hardware_concurrency());
    emulator_slots_ = std::make_unique<std::counting_semaphore<>>(workers);
}

AgentCore::~AgentCore() = default;

AgentCore::Slot &AgentCore::slot_for(const std::string &board, const std::string &backend)
{
    catalog_.get(board);
    for (auto &s : slots_)
        if (s->profile == board && (backend.empty() || s->backend == backend)) return *s;
    std::string served;
    for (auto &s : slots_)
        if (s->profile == board) served += (served.empty() ? "" : ", ") + s->backend;
    if (served.empty()) throw InvalidArgument("this agent does not serve board '" + board + "'");
    throw InvalidArgument("board '" + board + "' is not served with backend '" + backend +
                          "' here; available: " + served);
}

std::shared_ptr<const ElfImage> AgentCore::image_for(const RunRequestData &req)
{
    std::lock_guard lock(cache_mu_);
    if (const auto *hash = std::get_if<std::string>(&req.image)) {
        for (auto it = cache_.begin(); it != cache_.end(); ++it)
            if ((*it)->sha256() == *hash) {
                cache_.splice(cache_.begin(), cache_, it);
                return cache_.front();
            }
        throw InvalidArgument("no image with hash '" + *hash + "' here; send the ELF bytes");
    }
    const auto &bytes = std::get<std::vector<uint8_t>>(req.image);
    if (bytes.empty()) throw InvalidArgument("the request carries neither an image nor an image hash");
    if (bytes.size() > kMaxImageBytes) throw InvalidArgument("image larger than 64 MiB");
    const std::string hash = sha256_hex(bytes);
    for (auto it = cache_.begin(); it != cache_.end(); ++it)
        if ((*it)->sha256() == hash) {
            cache_.splice(cache_.begin(), cache_, it);
            return cache_.front();
        }
    auto img = std::make_shared<const ElfImage>(ElfImage::parse(bytes));
    img->require_protocol();
    cache_.push_front(img);
    cache_bytes_ += img->bytes().size();
    while (cache_bytes_ > cfg_.image_cache_bytes && cache_.size() > 1) {
        cache_bytes_ -= cache_.back()->bytes().size();
        cache_.pop_back();
    }
    return img;
}

Measurement AgentCore::run(const RunRequestData &req)
{
    return execute(req, nullptr, TableHooks{}).front();
}

std::vector<Measurement> AgentCore::run_tables(const RunRequestData &req, const std::vector<TableRun> &tables,
                                               TableHooks hooks)
{
    if (tables.empty()) throw InvalidArgument("run_tables: no table");
    return execute(req, &tables, std::move(hooks));
}

bool AgentCore::writes_tables(const std::string &board, const std::string &backend)
{
    return backends_.at(slot_for(board, backend).backend)->writes_tables();
}

bool AgentCore::places_arena(const std::string &board, const std::string &backend)
{
    return backends_.at(slot_for(board, backend).backend)->places_arena();
}

std::vector<Measurement> AgentCore::execute(const RunRequestData &req, const std::vector<TableRun> *tables,
                                            TableHooks hooks)
{
    const uint32_t repeats = req.repeats ? req.repeats : 1;
    if (repeats > kMaxRuns) throw InvalidArgument("repeats must be 1.." + std::to_string(kMaxRuns));
    if (req.warmups > kMaxRuns) throw InvalidArgument("warmups must be 0.." + std::to_string(kMaxRuns));
    const uint32_t deadline = req.deadline_ms ? req.deadline_ms : kDefaultDeadlineMs;
    if (deadline > kMaxDeadlineMs) throw InvalidArgument("deadline_ms must be at most " + std::to_string(kMaxDeadlineMs));
    if (req.board.empty()) throw InvalidArgument("board is missing");
    Slot &slot = slot_for(req.board, req.backend);
    const BoardProfile &profile = catalog_.get(slot.profile);
    auto image = image_for(req);
    if (image->arch() != profile.arch)
        throw InvalidArgument(std::string("image is for ") + to_string(image->arch()) + ", board '" +
                              profile.name + "' is " + profile.core);

    RunOptions opts;
    opts.repeats = repeats;
    opts.warmups = req.warmups;
    opts.deadline = std::chrono::milliseconds(deadline);
    opts.expected_crc = req.expected_crc;
    Backend &backend = *backends_.at(slot.backend);
    if (!req.arena_region.empty() && !backend.places_arena())
        throw InvalidArgument("arena region '" + req.arena_region + "': backend " + slot.backend +
                              " cannot move the arena (only the iss can); there the image's link decides where it lives");
    opts.arena_region = req.arena_region;
    opts.on_table = std::move(hooks.on_table);
    opts.table_limits = std::move(hooks.limits);
    opts.probe_symbols = std::move(hooks.probe_symbols);

    ++in_flight_;
    ++slot.running;
    std::vector<Measurement> ms;
    {
        // emulators: a bounded number at once; a real board: one image at a time
        std::unique_lock<std::mutex> board_lock(slot.board_mu, std::defer_lock);
        const bool physical = slot.backend == "openocd";
        if (physical)
            board_lock.lock();
        else
            emulator_slots_->acquire();
        try {
            ms = tables ? backend.run_tables(profile, *image, opts, *tables)
                        : std::vector<Measurement>{backend.run(profile, *image, opts)};
        } catch (const std::exception &e) {
            Measurement m;
            m.status = RunStatus::kInternal;
            m.error = std::string("backend: ") + e.what();
            ms.assign(tables ? tables->size() : 1, m);
        }
        if (!physical) emulator_slots_->release();
    }
    --slot.running;
    --in_flight_;
    ++runs_total_;
    for (Measurement &m : ms) {
        // backends that do not count their loads load the image once per request
        if (!tables && !backend.counts_image_loads() && m.status != RunStatus::kInvalidArgument) m.image_loads = 1;
        if (!tables && m.runs == 0 && m.status == RunStatus::kOk) m.runs = opts.warmups + opts.repeats;
        image_loads_ += m.image_loads;
        firmware_runs_ += m.runs;
        m.backend = slot.backend;
        m.board = profile.name;
        m.board_serial = slot.serial;
        m.image_hash = image->sha256();
        m.agent_version = kAgentVersion;
    }
    return ms;
}

std::vector<BoardInfo> AgentCore::describe() const
{
    std::vector<BoardInfo> out;
    for (const auto &s : slots_)
        out.push_back({s->profile, s->serial, s->backend, s->running ? "running" : "idle",
                       catalog_.get(s->profile).core, backends_.at(s->backend)->places_arena()});
    return out;
}

HealthInfo AgentCore::health() const
{
    HealthInfo h;
    h.runs_total = runs_total_.load();
    h.runs_in_flight = in_flight_.load();
    h.image_loads = image_loads_.load();
    h.firmware_runs = firmware_runs_.load();
    h.uptime_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    return h;
}

}  // namespace tinytx::agent
