// The agent without its transport: which boards it drives, the image cache, admission of
// concurrent runs, and one Run request -> Measurement. The gRPC service and the local
// `tinytx-agent measure` mode both go through here (the same code path).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <semaphore>
#include <string>
#include <variant>
#include <vector>

#include "tinytx/agent/backend.h"
#include "tinytx/platform/board_profile.h"

namespace tinytx::agent {

constexpr const char *kAgentVersion = "tinytx-agent 0.1.0";

struct AgentConfig {
    std::string boards_dir;                  // board profiles
    // (profile, backend) pairs this agent serves; empty: every profile on iss and qemu
    std::vector<std::pair<std::string, std::string>> boards;
    unsigned workers = 0;                    // concurrent emulator runs, 0 = one per core
    std::string openocd_serial;              // probe serial for openocd boards
    std::string gvsoc_prefix;                // GVSoC install for the gvsoc backend ("" = $TINYTX_GVSOC)
    size_t image_cache_bytes = 256u << 20;
};

struct RunRequestData {
    std::variant<std::vector<uint8_t>, std::string> image;  // ELF bytes, or the sha256 of one
    std::string board;
    std::string backend;                     // empty: the first one serving the board
    uint32_t repeats = 1, warmups = 0, deadline_ms = 0;
    std::optional<uint32_t> expected_crc;
    std::string arena_region;                // RunOptions::arena_region ("" = the profile's)
};

struct BoardInfo {
    std::string profile, serial, backend, state, core;
    bool places_arena = false;               // the backend honours RunRequestData::arena_region
};

struct HealthInfo {
    uint64_t runs_total = 0, runs_in_flight = 0;  // requests
    uint64_t image_loads = 0, firmware_runs = 0;  // what they took on the targets (Measurement)
    double uptime_s = 0;
};

// A schedule-as-data request's per-table callbacks and probes (RunOptions::on_table,
// table_limits, probe_symbols).
struct TableHooks {
    std::function<void(size_t table, const Measurement &)> on_table;
    std::function<TableLimits(size_t table)> limits;
    std::vector<std::string> probe_symbols;
};

class AgentCore {
public:
    explicit AgentCore(AgentConfig cfg);  // InvalidArgument for unknown boards or backends
    ~AgentCore();

    // InvalidArgument for a bad request or an unusable image; every firmware outcome is a status.
    Measurement run(const RunRequestData &req);
    // A schedule-as-data image run once per table, in one image load (Backend::run_tables); the
    // request's expected_crc is ignored (each table has its own).
    std::vector<Measurement> run_tables(const RunRequestData &req, const std::vector<TableRun> &tables,
                                        TableHooks hooks = {});
    // Whether the backend serving this board writes layer tables (else: specialized images).
    bool writes_tables(const std::string &board, const std::string &backend);
    // Whether the backend serving this board places the arena where a request says
    // (arena_region); elsewhere a request naming a region is refused.
    bool places_arena(const std::string &board, const std::string &backend);
    std::vector<BoardInfo> describe() const;
    HealthInfo health() const;

private:
    struct Slot;
    std::shared_ptr<const ElfImage> image_for(const RunRequestData &req);
    Slot &slot_for(const std::string &board, const std::string &backend);
    // run and run_tables: validation, admission, backend dispatch (tables == nullptr: run)
    std::vector<Measurement> execute(const RunRequestData &req, const std::vector<TableRun> *tables, TableHooks hooks);

    AgentConfig cfg_;
    BoardCatalog catalog_;
    std::vector<std::unique_ptr<Slot>> slots_;
    std::map<std::string, std::unique_ptr<Backend>> backends_;
    std::unique_ptr<std::counting_semaphore<>> emulator_slots_;
    mutable std::mutex cache_mu_;
    std::list<std::shared_ptr<const ElfImage>> cache_;  // most recent first
    size_t cache_bytes_ = 0;
    std::atomic<uint64_t> runs_total_{0}, in_flight_{0}, image_loads_{0}, firmware_runs_{0};
    std::chrono::steady_clock::time_point started_;
};

}  // namespace tinytx::agent
