// tinytx::tuner::Schedule — the knob values for every encoder layer of one model on one board
// (ARCHITECTURE.md "Data flow"), its JSON form (schemas/json/schedule.schema.json), a canonical
// JSON text and its sha256 (the candidate's identity), and the kernels' C view of one layer.
// Parsing never throws for bad input: it fails with the Status "<JSON path>: <reason>" (ScheduleError).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "tinytx/cluster.h"
#include "tinytx/kernels.h"
#include "tinytx/platform/status.h"

namespace tinytx::tuner {

enum class AttentionMode { kStandard, kFused };
enum class MhsaSchedule { kLayerwise, kHeadwise, kDepthfirst };
// How a cluster layer divides its work among the cores (tinytx/cluster.h tx_cluster_split):
// per head by projection columns / query rows / output columns, or whole heads per core.
enum class ClusterSplit { kRows, kHeads };

// One layer's knobs. tile_rows is meaningful only for kDepthfirst (it is 0 otherwise: the
// canonical form); ffn_tile 0 = untiled, else 1..F-1 hidden columns per tile. placement names the
// board memory region holding the arena ("" = not chosen). The arena is one block for the whole
// model (see memory_planner.h), so every layer of a valid schedule names the same placement.
// weights names the RAM-like board region the model's weights are copied to at start-up ("" = they
// stay in flash, the default); one weights section for the model, so every layer names the same.
// cores: 0 = the single-core library kernel (tx_encoder_s8 with `variant`); 1..16 = the cluster
// kernel (tx_encoder_s8_cluster, GAP9) on that many cores, split as `split`, variant xpulp (the
// cluster's GEMM), tile_rows and ffn_tile its L1 tiles. split is kRows (the canonical form) when
// cores is 0.
struct LayerKnobs {
    AttentionMode attention = AttentionMode::kStandard;
    MhsaSchedule mhsa = MhsaSchedule::kLayerwise;
    int32_t tile_rows = 0;
    tx_variant variant = TX_VARIANT_REF;
    int32_t ffn_tile = 0;
    std::string placement;
    int32_t cores = 0;
    ClusterSplit split = ClusterSplit::kRows;
    std::string weights;

    bool operator==(const LayerKnobs &) const = default;
};

// the cluster kernels' limit
inline constexpr int32_t kMaxClusterCores = TX_CLUSTER_MAX_CORES;
// LayerKnobs::weights "flash" as JSON may spell it; parsed and kept as ""
inline constexpr const char *kWeightsInFlash = "flash";

struct Schedule {
    std::string model;   // model name ("" = unspecified)
    std::string board;   // board profile name ("" = unspecified)
    std::vector<LayerKnobs> layers;

    bool operator==(const Schedule &) const = default;
};

// Why a schedule is refused: the field and the reason. Its message() is what a parse's Status says.
// Where the schedule's weights live: "" (flash) or the RAM region its image copies them to (every
// layer names the same: check_dims).
const std::string &weights_region(const Schedule &s);

struct ScheduleError {
    std::string path;    // JSON path, e.g. "layers[1].tile_rows"
    std::string reason;
    std::string message() const { return path.empty() ? reason : path + ": " + reason; }
};

// knob names as they appear in JSON
const char *attention_name(AttentionMode m);      // standard | fused
const char *mhsa_name(MhsaSchedule s);            // layerwise | headwise | depthfirst
const char *split_name(ClusterSplit s);           // rows | heads
std::optional<AttentionMode> parse_attention(const std::string &s);
std::optional<MhsaSchedule> parse_mhsa(const std::string &s);
std::optional<ClusterSplit> parse_split(const std::string &s);
// variant names are tx_variant_name() of the kernel library
std::optional<tx_variant> parse_variant(const std::string &s);

// {"model","board","layers":[{"attention","mhsa","tile_rows"(depthfirst only),"variant",
//  "ffn_tile","placement"(when set),"weights"(when not flash),"cores","split"(cluster layers only: cores >= 1)}]}. Extra top-level keys (objectives, memory plan, ...) are
// ignored by the parser so an exported schedule reads back.
nlohmann::json layer_to_json(const LayerKnobs &k);
nlohmann::json to_json(const Schedule &s);
platform::Result<Schedule> schedule_from_json(const nlohmann::json &j);
platform::Result<Schedule> parse_schedule(const std::string &json_text);

// to_json(s) with sorted keys and no whitespace; the tile_rows of non-depth-first layers are
// normalised to 0 (omitted) first, so equal schedules have equal text.
std::string canonical_json(const Schedule &s);
// sha256 hex of canonical_json(s)
std::string schedule_hash(const Schedule &s);

// One line for people: "fused depthfirst(T=8) dsp ffn/32 @dtcm weights@dtcm" (cluster layers: "... xpulp x8
// heads ..."), then " | L<i>: ..." for every
// layer whose knobs differ from the layer before.
std::string schedule_summary(const Schedule &s);

// Structural check against the model's dims (not board legality: see DesignSpace::check):
// tile_rows in 1..S-1 for depth-first (T = S is head-wise), ffn_tile 0 or 1..F-1, variant known,
// layer count equal to n_layers, one placement and one weights region for all layers, cores 0..kMaxClusterCores with
// variant xpulp on cluster layers. A refusal is invalid_argument with ScheduleError::message().
platform::Status check_dims(const Schedule &s, const tx_encoder_dims &d, size_t n_layers);

// The kernels' view of one layer's knobs.
// The kernel configuration of a layer. `norm` is the model's (Model::norm); the scratch size
// tx_encoder_s8_get_buffer_size asks for is the same for both, so planners may leave it.
tx_encoder_config to_encoder_config(const LayerKnobs &k, tx_norm_position norm = TX_NORM_POST);
tx_cluster_split to_cluster_split(ClusterSplit s);
inline tx_variant to_variant(const LayerKnobs &k) { return k.variant; }

} // namespace tinytx::tuner
