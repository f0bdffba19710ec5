// Schedule-as-data measurement images (tinytx/firmware/schedule_table.h, mailbox protocol 3):
// one image per (model, board, set of GEMM kernels, weights region: flash or the RAM a schedule's
// `weights` knob copies them to) holds the weights once and runs whichever
// schedule the agent writes into its layer table before each measurement, so a batch of
// candidates is one image load and many runs instead of one compile, link and load each.
// Builder::build_schedule_data makes the image; the tuner writes encode_schedule_table() per
// candidate. The image the user deploys stays the specialized one (Builder::build, emit_c).
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "tinytx/kernels.h"
#include "tinytx/platform/status.h"
#include "tinytx/tuner/memory_planner.h"
#include "tinytx/tuner/model.h"
#include "tinytx/tuner/schedule.h"

namespace tinytx::tuner {

// Ok when the schedule-as-data image with these kernels runs s; else unimplemented saying why not
// (cluster layers run only in specialized images; a variant the image does not carry).
platform::Status schedule_data_fit(const Schedule &s, const std::set<tx_variant> &kernels);

// The table bytes of s (its knobs and plan p's offsets), tagged config_id (the mailbox echoes it).
// s must pass plan_codegen (its plan is p).
std::vector<uint8_t> encode_schedule_table(const Model &m, const Schedule &s, const MemoryPlan &p,
                                           uint32_t config_id);

// Size of the table of a model with n layers.
size_t schedule_table_bytes(size_t n_layers);

}  // namespace tinytx::tuner
