// Folding per-run records into a Measurement, and its JSON form.
#include "tinytx/platform/measurement.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace tinytx::platform {

const char *to_string(RunStatus s)
{
    switch (s) {
    case RunStatus::kOk: return "OK";
    case RunStatus::kTimeout: return "TIMEOUT";
    case RunStatus::kFault: return "FAULT";
    case RunStatus::kWrongOutput: return "WRONG_OUTPUT";
    case RunStatus::kKernelError: return "KERNEL_ERROR";
    case RunStatus::kInvalidArgument: return "INVALID_ARGUMENT";
    case RunStatus::kUnavailable: return "UNAVAILABLE";
    case RunStatus::kInternal: return "INTERNAL";
    case RunStatus::kAboveBound: return "ABOVE_BOUND";
    case RunStatus::kProbed: return "PROBED";
    case RunStatus::kNotRun: return "NOT_RUN";
    }
    return "INTERNAL";
}

const char *to_string(Source s)
{
    switch (s) {
    case Source::kMeasured: return "measured";
    case Source::kEmulated: return "emulated";
    case Source::kModeled: return "modeled";
    }
    return "modeled";
}

static uint64_t median(std::vector<uint64_t> v)
{
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

Measurement begin_measurement(const std::string &backend, const std::string &board, const std::string &image_hash,
                              Source cycles_source)
{
    Measurement m;
    m.backend = backend;
    m.board = board;
    m.image_hash = image_hash;
    m.cycles_source = cycles_source;
    m.energy_source = Source::kModeled;
    return m;
}

void summarize(const std::vector<RunRecord> &runs, uint32_t warmups,
               std::optional<uint32_t> expected_crc, const EnergyModel &energy, Measurement &m)
{
    m.cycles.clear();
    std::vector<uint64_t> insns;
    m.stack_peak_bytes = m.arena_peak_bytes = 0;
    m.output_ok = true;
    int32_t kernel_status = 0;
    for (size_t i = warmups; i < runs.size(); ++i) {
        const RunRecord &r = runs[i];
        m.cycles.push_back(r.cycles);
        insns.push_back(r.instructions);
        m.stack_peak_bytes = std::max(m.stack_peak_bytes, r.stack_peak);
        m.arena_peak_bytes = std::max(m.arena_peak_bytes, r.arena_peak);
        if (i == warmups) m.output_crc32 = r.crc32;
        // every measured run must produce the same output
        if (r.crc32 != m.output_crc32) m.output_ok = false;
        if (r.kernel_status != 0 && kernel_status == 0) kernel_status = r.kernel_status;
    }
    m.cycles_median = median(m.cycles);
    m.instructions = median(insns);
    m.probes = runs.size() > warmups ? runs.back().probes : std::vector<ProbeHit>{};
    if (expected_crc && *expected_crc != m.output_crc32) m.output_ok = false;
    m.energy_uj = energy.clock_hz > 0
                      ? double(m.cycles_median) / energy.clock_hz * energy.active_mw * 1e3
                      : 0.0;
    if (runs.size() <= warmups) {
        m.status = RunStatus::kInternal;
        m.error = "no measured run was recorded";
    } else if (kernel_status != 0) {
        m.status = RunStatus::kKernelError;
        m.error = "the firmware reported tx_status " + std::to_string(kernel_status);
    } else if (!m.output_ok) {
        m.status = RunStatus::kWrongOutput;
        char buf[96];
        if (expected_crc && *expected_crc != m.output_crc32)
            std::snprintf(buf, sizeof buf, "output CRC 0x%08x, expected 0x%08x", m.output_crc32,
                          *expected_crc);
        else
            std::snprintf(buf, sizeof buf, "output CRC differs between runs");
        m.error = buf;
    } else {
        m.status = RunStatus::kOk;
        m.error.clear();
    }
}

nlohmann::json to_json(const Measurement &m)
{
    nlohmann::json j = {
        {"status", to_string(m.status)},
        {"error", m.error},
        {"backend", m.backend},
        {"board", m.board},
        {"board_serial", m.board_serial},
        {"image_hash", m.image_hash},
        {"agent_version", m.agent_version},
        {"cycles", m.cycles},
        {"cycles_median", m.cycles_median},
        {"cycles_source", to_string(m.cycles_source)},
        {"instructions", m.instructions},
        {"stack_peak_bytes", m.stack_peak_bytes},
        {"arena_peak_bytes", m.arena_peak_bytes},
        {"energy_uj", m.energy_uj},
        {"energy_source", to_string(m.energy_source)},
        {"output_crc32", m.output_crc32},
        {"output_ok", m.output_ok},
        {"wall_time_ms", m.wall_time_ms},
        {"image_loads", m.image_loads},
        {"runs", m.runs},
    };
    j["fault_pc"] = m.fault_pc ? nlohmann::json(*m.fault_pc) : nlohmann::json(nullptr);
    return j;
}

}  // namespace tinytx::platform
