// measure_tables (table_measurement.h).
#include "table_measurement.h"

#include <algorithm>
#include <fstream>
#include <future>
#include <iterator>

#include "tinytx/platform/run_limits.h"

namespace tinytx::tuner {

std::vector<platform::Measurement> measure_tables(const std::vector<std::shared_ptr<Agent>> &agents, const RunJob &job,
                                                  const std::filesystem::path &elf,
                                                  const std::vector<agent::TableRun> &tables, unsigned workers)
{
    std::ifstream in(elf, std::ios::binary);
    const std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    const size_t n = tables.size();
    const size_t chunks = std::min<size_t>(std::max(1u, workers), n);
    std::vector<std::future<std::vector<platform::Measurement>>> parts;
    for (size_t c = 0; c < chunks; ++c) {
        const size_t lo = n * c / chunks, hi = n * (c + 1) / chunks;
        parts.push_back(std::async(std::launch::async, [&, lo, hi, c] {
            RunJob j = job;
            const auto per = job.deadline.count() > 0 ? job.deadline : std::chrono::milliseconds(platform::kDefaultDeadlineMs);
            j.deadline = std::min(per * int64_t(hi - lo), std::chrono::milliseconds(platform::kMaxDeadlineMs));
            if (job.on_table)
                j.on_table = [&job, lo](size_t k, const platform::Measurement &m) { job.on_table(lo + k, m); };
            const std::vector<agent::TableRun> mine(tables.begin() + std::ptrdiff_t(lo), tables.begin() + std::ptrdiff_t(hi));
            return agents[c % agents.size()]->run_tables(j, bytes, mine);
        }));
    }
    std::vector<platform::Measurement> out;
    out.reserve(n);
    for (auto &p : parts) {
        std::vector<platform::Measurement> part = p.get();
        std::move(part.begin(), part.end(), std::back_inserter(out));
    }
    return out;
}

}  // namespace tinytx::tuner
