// tinytx::tuner::MemoryPlanner — the exact arena the generated firmware allocates for a model
// and a schedule (ARCHITECTURE.md "Data flow": its peak is exact).
//
// Layout (one arena, offsets from its start; align8(n) = (n + 7) & ~7, as tx_fw_place does):
//   act[0]   offset 0                          size S*E   the model input; later layers' x/out
//   act[1]   offset align8(S*E)                size S*E
//   scratch  offset align8(align8(S*E) + S*E)  size max_i scratch_i, where
//            scratch_i = tx_encoder_s8_get_buffer_size(to_encoder_config(layer i), dims, variant_i)
// Layer i (0-based) reads x = act[i % 2] and writes out = act[(i + 1) % 2] (ping-pong); the model
// output is act[L % 2]. The scratch block is reused by every layer (layers run one after another).
// So for every layer the placement is exactly kernels/firmware/apps/run.c's bump placement
// (tx_fw_place of x, out, scratch, 8-byte aligned, one after another), with x and out swapped on
// odd layers (they have the same size, so the offsets are the same set).
//
// What "peak" means: peak_bytes is the LAYOUT size — the bytes the firmware reserves
// (run.c's layout_bytes = l.used after the three placements), max over layers. The painted
// arena_peak an agent measures is the highest byte actually written; it is <= peak_bytes, the
// difference being scratch the kernel declares but does not touch for this input (the kernels'
// TX_SCRATCH_SLACK and sub-buffers that a given phase leaves unused). The planner reports the
// layout size because that is what must fit in the region: it is a deterministic function of the
// schedule, never exceeded, and the builder allocates exactly that many bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "tinytx/platform/board_profile.h"
#include "tinytx/platform/status.h"
#include "tinytx/tuner/model.h"
#include "tinytx/tuner/schedule.h"

namespace tinytx::tuner {

constexpr size_t align8(size_t n) { return (n + 7u) & ~static_cast<size_t>(7u); }

// One buffer of the plan. Lifetimes are in layer steps, inclusive: [first_layer, last_layer].
// For the activation buffers, the lifetime is the span of layers that read or write them.
struct PlannedBuffer {
    std::string name;    // "act0", "act1", "scratch"
    size_t offset = 0;
    size_t size = 0;
    int first_layer = 0;
    int last_layer = 0;
};

// One layer's view of the arena: exactly run.c's three placements.
struct LayerPlacement {
    size_t x_offset = 0, x_size = 0;
    size_t out_offset = 0, out_size = 0;
    size_t scratch_offset = 0, scratch_size = 0;  // scratch_i (not the max over layers)
    size_t layout_bytes = 0;                      // scratch_offset + scratch_size
};

struct MemoryPlan {
    size_t peak_bytes = 0;          // max over layers of layout_bytes (= arena size to allocate)
    int peak_layer = 0;             // the layer that sets it (first one on ties)
    size_t activation_bytes = 0;    // S*E
    std::vector<LayerPlacement> layers;
    std::vector<PlannedBuffer> buffers;  // act0, act1, scratch (size = max scratch_i)
    // GAP9 cluster layers keep their tiles in L1, outside the arena: the most any layer uses
    // (tx_encoder_s8_cluster_l1_size with every bias assumed; 0 without cluster layers)
    size_t cluster_l1_bytes = 0;

    bool fits(size_t budget_bytes) const { return peak_bytes <= budget_bytes; }
};

// Scratch for one layer, as the kernels compute it.
size_t layer_scratch_bytes(const tx_encoder_dims &d, const LayerKnobs &k);
// The L1 bytes of a GAP9 cluster layer's tiles (tx_encoder_s8_cluster_l1_size, every bias
// assumed); 0 for a single-core layer or a configuration the kernels refuse.
size_t layer_cluster_l1_bytes(const tx_encoder_dims &d, const LayerKnobs &k);
// Layout bytes of the first three placements for one layer's scratch size (run.c's l.used).
size_t layer_layout_bytes(const tx_encoder_dims &d, size_t scratch_bytes);

// Scratch of the model's input embedding and head (kernel variants of the first and the last
// layer), 0 without them. They run in the layers' scratch block (buffers[2]).
size_t ends_scratch_bytes(const Model &m, const Schedule &s);

// The plan; the schedule must pass check_dims(s, d, n_layers) (the error names the offending
// field). For a model, the scratch block (and so the peak) is grown when its embedding or head
// needs more than the layers.
platform::Result<MemoryPlan> plan_memory(const tx_encoder_dims &d, size_t n_layers, const Schedule &s);
platform::Result<MemoryPlan> plan_memory(const Model &m, const Schedule &s);

// Regions an arena may be placed in: kind ram, tcm, l1 or l2.
bool is_ram_like(const platform::MemoryRegion &r);
// Does the plan fit the region named by the schedule's placement? Ok, or invalid_argument saying
// why not. An empty placement is checked against nothing and is ok.
platform::Status check_placement(const MemoryPlan &p, const Schedule &s, const platform::BoardProfile &b);

} // namespace tinytx::tuner
