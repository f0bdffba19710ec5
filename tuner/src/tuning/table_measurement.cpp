// measure_tables (table_measurement.h).
#include "table_measurement.h"

#include <algorithm>
#include <fstream>
#include <future>
#include <iterator>
#include <stdexcept>
#include <string>

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
    // worker c takes tables c, c + chunks, ...: each starts at the head of the order it was given
    // (the tuner gives the likely fastest first, so that their figures bound the rest early)
    auto table_of = [chunks](size_t c, size_t k) { return c + k * chunks; };
    std::vector<std::future<std::vector<platform::Measurement>>> parts;
    for (size_t c = 0; c < chunks; ++c) {
        parts.push_back(std::async(std::launch::async, [&, c] {
            std::vector<agent::TableRun> mine;
            for (size_t i = c; i < n; i += chunks)
                mine.push_back(tables[i]);
            RunJob j = job;
            const auto per = job.deadline.count() > 0 ? job.deadline : std::chrono::milliseconds(platform::kDefaultDeadlineMs);
            j.deadline = std::min(per * int64_t(mine.size()), std::chrono::milliseconds(platform::kMaxDeadlineMs));
            if (job.on_table)
                j.on_table = [&, c](size_t k, const platform::Measurement &m) { job.on_table(table_of(c, k), m); };
            if (job.table_limits)
                j.table_limits = [&, c](size_t k) { return job.table_limits(table_of(c, k)); };
            return agents[c % agents.size()]->run_tables(j, bytes, mine);
        }));
    }
    std::vector<platform::Measurement> out(n);
    for (size_t c = 0; c < chunks; ++c) {
        std::vector<platform::Measurement> part = parts[c].get();
        const size_t asked = (n - c + chunks - 1) / chunks;  // tables c, c + chunks, ... below n
        if (part.size() != asked)
            throw std::runtime_error("an agent answered " + std::to_string(part.size()) + " measurements for " +
                                     std::to_string(asked) + " layer tables");
        for (size_t k = 0; k < part.size(); ++k)
            out[table_of(c, k)] = std::move(part[k]);
    }
    return out;
}

}  // namespace tinytx::tuner
