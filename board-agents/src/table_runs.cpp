// Backend::run_tables for backends that cannot write target memory between runs: every table is
// refused, so the caller measures specialized images instead.
#include "tinytx/agent/backend.h"

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

}  // namespace tinytx::agent
