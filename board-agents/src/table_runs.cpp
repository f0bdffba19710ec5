// Backend::run_tables for backends that cannot write target memory between runs (every table is
// refused, so the caller measures specialized images instead), and the split of a table run's
// records into one Measurement per table that the backends which can share.
#include "tinytx/agent/backend.h"

#include <algorithm>

namespace tinytx::agent {

std::vector<Measurement> Backend::run_tables(const BoardProfile &board, const ElfImage &image,
                                             const RunOptions &, const std::vector<TableRun> &tables)
{
    Measurement m = begin_measurement(name(), board.name, image.sha256(), Source::kEmulated);
    m.status = RunStatus::kInvalidArgument;
    m.error = "backend " + name() + " cannot write a schedule-as-data image's layer table between runs; "
              "measure specialized images on it";
    return std::vector<Measurement>(tables.size(), m);
}

std::vector<Measurement> table_measurements(
    const Measurement &base, const std::vector<RunRecord> &records, const std::vector<TableRun> &tables,
    const RunOptions &opts, const EnergyModel &energy,
    const std::function<void(const std::vector<RunRecord> &, const RunOptions &, Measurement &)> &conclude_stopped)
{
    const size_t per = opts.warmups + opts.repeats;
    std::vector<Measurement> out(tables.size(), base);
    bool stopped = false;
    for (size_t k = 0; k < tables.size(); ++k) {
        Measurement &m = out[k];
        const size_t first = std::min(k * per, records.size()), last = std::min(first + per, records.size());
        const std::vector<RunRecord> group(records.begin() + std::ptrdiff_t(first), records.begin() + std::ptrdiff_t(last));
        m.runs = uint32_t(group.size());
        if (group.size() == per) {
            summarize(group, opts.warmups, tables[k].expected_crc, energy, m);
        } else if (stopped) {
            m.status = RunStatus::kUnavailable;
            m.error = "not run: the image ended before this table (" + std::to_string(records.size()) + " of " +
                      std::to_string(per * tables.size()) + " runs reported)";
        } else {
            stopped = true;
            RunOptions one = opts;
            one.expected_crc = tables[k].expected_crc;
            conclude_stopped(group, one, m);
        }
    }
    return out;
}

}  // namespace tinytx::agent
