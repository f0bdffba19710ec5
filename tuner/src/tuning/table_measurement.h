// Measuring a batch of candidates through one schedule-as-data image (schedule_data.h): the
// tables split into one request per worker, each request one image load and many runs.
#pragma once

#include <filesystem>
#include <memory>
#include <vector>

#include "tinytx/agent/backend.h"
#include "tinytx/tuner/runner.h"

namespace tinytx::tuner {

// One Measurement per table, in order. `job` names the board, backend, repeats and warm-ups (its
// deadline is per candidate; a request's is that times its tables, at most the agents' limit).
// Requests go to the agents in turn, at most `workers` at once, each taking every workers-th
// table from its own start; job.on_table hears of each table (its index in `tables`) as it is
// done, from the requests' threads, and job.table_limits is asked before each.
std::vector<platform::Measurement> measure_tables(const std::vector<std::shared_ptr<Agent>> &agents, const RunJob &job,
                                                  const std::filesystem::path &elf,
                                                  const std::vector<agent::TableRun> &tables, unsigned workers);

}  // namespace tinytx::tuner
