// tinytx::tuner::CostModel — predicts the cycles (and energy, from the board's power model) of a
// model under a schedule on one board, as features . coefficients (ARCHITECTURE.md "Data flow").
//
// Features are exact work counts derived from the schedule, mirroring what the kernels run
// (kernels/src/ops/{mhsa,attention,encoder,linear}.c, the GEMM variants in kernels/src/{ref,opt,
// arm,rv}, the cluster kernels in kernels/src/pulp, docs/NUMERICS.md):
//   per GEMM variant v (ref, opt2x2, opt4x2, dsp, rv32, xpulp: the single-core library kernels;
//   cluster: the cluster kernels' GEMMs, the Xpulp micro-kernel on operands in L1, where the
//   single-core xpulp variant reads L2), summed over GEMM calls of M x N x K:
//     gemm_calls.v        GEMM micro-kernel invocations (per-call setup)
//     gemm_macs.v         multiply-accumulates (M*N*K, whatever path computes them)
//     gemm_out_rq.v       output elements requantized inside the GEMM (bias + requant + store)
//     gemm_out_acc.v      output elements accumulated in int32 (head-wise O-projection, FFN tiles)
//     gemm_out_grouped.v  outputs stored through the head-major index (V, and layer-wise Q/K:
//                         tx_gemm_store divides by the group width per output); 0 for dsp, whose
//                         column pointers walk the groups, and cluster (no head-major stores);
//                         xpulp: only its odd last column's (its pairs index once per pair)
//     gemm_blocks.v       dsp: column iterations beyond one per 6 outputs (the 3/2/1-row tail
//                         blocks' extra per-column overhead); xpulp, cluster: the 4 x 2 blocks (a
//                         hardware loop each); 0 for the others, whose register block overhead is
//                         per blocked output (part of gemm_out_*)
//     gemm_row_blocks.v   row blocks: M/bm for the bm x bn blocked variants (opt2x2 2x2, opt4x2
//                         4x2, rv32 4x4), dsp's blocks of 6 rows plus its 3/2/1-row tails;
//                         xpulp, cluster: the column pairs (per-pair requantization set-up)
//     gemm_edge_outs.v    outputs the blocked variants leave to the scalar edge path (M*N minus
//                         the blocked part; xpulp, cluster: the odd last column's M); each is a
//                         scalar dot of length K
//     gemm_edge_macs.v    MACs on that scalar edge path (edge_outs * K); for dsp the zero-padded
//                         lanes of the last 4-deep step (M*N*(4*ceil(K/4) - K))
//     gemm_steps.v        dsp: 4-deep reduction steps (a weight word loaded and split per step and
//                         column) beyond the 6-row ideal, i.e. those the tail blocks add; xpulp,
//                         cluster: the column pairs' scalar MACs of a K that is not a multiple of 4
//     gemm_widen.v        dsp: activation words widened to int16 pairs (M*ceil(K/4) per call);
//                         xpulp, cluster: the packed 4-deep steps of the rows below the last block
//                         of 4 (per column pair: a word of a, one per b row, two sdotsp)
//   variant-independent (scalar) work:
//     softmax_rows, softmax_elems   integer softmax (rows of S)
//     gelu_elems                    i-GELU
//     layernorm_rows, layernorm_elems
//     add_elems                     residual adds
//     acc_elems                     int32 accumulator zeroing + final requantization (S*E each
//                                   time the O-projection or FFN is summed in int32)
//     head_iters                    per-head loop bodies of head-wise / depth-first attention
//     attn_tiles                    attention tiles (score GEMM + softmax + A.V per tile)
//     ffn_tiles                     FFN hidden tiles (1 when untiled)
//     layers                        per-layer constant (softmax table, dispatch, call overhead)
//     cluster_forks                 fork-joins of the cluster kernels (dispatch, wake-up,
//                                   barrier; core 0's DMA programming between them)
//     dma_bytes                     bytes the cluster kernels move L2 -> L1 (mostly hidden behind
//                                   compute by double buffering)
// A cluster layer (cores >= 1) is counted on its critical path: the slowest core's share of every
// parallel section (features.cpp mirrors kernels/src/pulp/), so its GEMM, softmax, GELU and
// LayerNorm counts are one core's, its GEMMs under `cluster` (kClusterGemm).
// Predicted cycles = sum_i features[i] * coef[i], coef >= 0, with the arena in the board's default
// region; elsewhere plus placement_cycles (placement.cpp, docs/CYCLE_MODEL.md). Coefficients start from a prior per
// core (fitted to emulator measurements: the ISS, for gap9 the pulp cluster simulator; provenance
// in priors.cpp) and are calibrated from measurements by a non-negative, ridge-regularized
// (toward the prior), relative-error least-squares fit (Eigen).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "tinytx/kernels.h"
#include "tinytx/platform/board_profile.h"
#include "tinytx/platform/status.h"
#include "tinytx/tuner/model.h"
#include "tinytx/tuner/schedule.h"

namespace tinytx::tuner {

// GEMM feature blocks: one per library variant (tx_variant), then the cluster kernels' GEMMs
inline constexpr size_t kCostVariants = TX_VARIANT_COUNT + 1;  // 7
inline constexpr tx_variant kClusterGemm = static_cast<tx_variant>(TX_VARIANT_COUNT);
// calls, macs, out_rq, out_acc, out_grouped, blocks, row_blocks, edge_outs, edge_macs, steps, widen
inline constexpr size_t kGemmFeaturesPerVariant = 11;
inline constexpr size_t kScalarFeatures = 13;
inline constexpr size_t kNumCostFeatures = kCostVariants * kGemmFeaturesPerVariant + kScalarFeatures;

// Index of each feature in a CostFeatures vector.
namespace feat {
inline constexpr size_t gemm_calls(tx_variant v) { return size_t(v) * kGemmFeaturesPerVariant + 0; }
inline constexpr size_t gemm_macs(tx_variant v) { return size_t(v) * kGemmFeaturesPerVariant + 1; }
inline constexpr size_t gemm_out_rq(tx_variant v) { return size_t(v) * kGemmFeaturesPerVariant + 2; }
inline constexpr size_t gemm_out_acc(tx_variant v) { return size_t(v) * kGemmFeaturesPerVariant + 3; }
inline constexpr size_t gemm_out_grouped(tx_variant v) { return size_t(v) * kGemmFeaturesPerVariant + 4; }
inline constexpr size_t gemm_blocks(tx_variant v) { return size_t(v) * kGemmFeaturesPerVariant + 5; }
inline constexpr size_t gemm_row_blocks(tx_variant v) { return size_t(v) * kGemmFeaturesPerVariant + 6; }
inline constexpr size_t gemm_edge_outs(tx_variant v) { return size_t(v) * kGemmFeaturesPerVariant + 7; }
inline constexpr size_t gemm_edge_macs(tx_variant v) { return size_t(v) * kGemmFeaturesPerVariant + 8; }
inline constexpr size_t gemm_steps(tx_variant v) { return size_t(v) * kGemmFeaturesPerVariant + 9; }
inline constexpr size_t gemm_widen(tx_variant v) { return size_t(v) * kGemmFeaturesPerVariant + 10; }
inline constexpr size_t kScalarBase = kCostVariants * kGemmFeaturesPerVariant;
inline constexpr size_t softmax_rows = kScalarBase + 0;
inline constexpr size_t softmax_elems = kScalarBase + 1;
inline constexpr size_t gelu_elems = kScalarBase + 2;
inline constexpr size_t layernorm_rows = kScalarBase + 3;
inline constexpr size_t layernorm_elems = kScalarBase + 4;
inline constexpr size_t add_elems = kScalarBase + 5;
inline constexpr size_t acc_elems = kScalarBase + 6;
inline constexpr size_t head_iters = kScalarBase + 7;
inline constexpr size_t attn_tiles = kScalarBase + 8;
inline constexpr size_t ffn_tiles = kScalarBase + 9;
inline constexpr size_t layers = kScalarBase + 10;
inline constexpr size_t cluster_forks = kScalarBase + 11;
inline constexpr size_t dma_bytes = kScalarBase + 12;
} // namespace feat

using CostFeatures = std::array<double, kNumCostFeatures>;

// "gemm_macs.dsp", "gemm_macs.cluster", "softmax_elems", ... (the JSON keys of coefficients)
const std::string &cost_feature_name(size_t i);
std::optional<size_t> cost_feature_index(const std::string &name);

// Exact work counts of one encoder layer / a whole schedule (one LayerKnobs per layer).
// tile_rows outside 1..S-1 for depth-first counts as head-wise (T = S) in the library kernels; the
// cluster kernels clamp it to 1..(their rows); ffn_tile 0 or >= F is untiled, as in the kernels.
CostFeatures layer_features(const tx_encoder_dims &d, const LayerKnobs &k);
CostFeatures schedule_features(const tx_encoder_dims &d, const Schedule &s);
inline CostFeatures schedule_features(const Model &m, const Schedule &s) {
    return schedule_features(m.dims, s);
}

// The MACs summed over the GEMM blocks, cluster included.
double total_gemm_macs(const CostFeatures &f);

struct CostMeasurement {
    CostFeatures features{};
    double cycles = 0;
    std::string label;   // e.g. schedule hash; informational
    std::string placement;  // the board region the arena was in ("" = the board's default)
    std::string weights;    // the RAM region the weights were copied to ("" = in flash)
};

// Arena data accesses per unit of each feature: how many of a schedule's loads and stores fall in
// the arena (activations, scores, scratch; the weights are constants in flash). Counts, not
// timings: fitted per core to the iss's exact counts (priors.cpp), the same on every board.
struct ArenaAccessRates {
    CostFeatures loads{}, stores{};
};
ArenaAccessRates arena_access_rates(const std::string &core);
// Loads of the layers' weights (the tensors a schedule may copy to RAM: LayerKnobs::weights) per
// unit of each feature, fitted per core like the arena's (priors.cpp).
CostFeatures weight_load_rates(const std::string &core);

// Predicted-vs-measured error over a set of points (percentages of the measured cycles).
struct CostErrorReport {
    size_t points = 0;
    double mape_pct = 0;        // mean |pred - meas| / meas * 100
    double max_abs_pct = 0;     // max  |pred - meas| / meas * 100
    double rms_pct = 0;
    double median_abs_pct = 0;  // median |pred - meas| / meas * 100 (the tuner issue's criterion)
};

struct CalibrationOptions {
    // Ridge strength toward the prior, in units of (relative residual)^2 per unit relative change
    // of a coefficient (the unknowns are coef/prior). Not scaled with the number of points, so
    // it matters only when data is scarce or a feature is poorly determined.
    double ridge = 1e-3;
    size_t max_iterations = 200;   // NNLS outer iterations
};

class CostModel {
public:
    CostModel() = default;
    // Prior coefficients for the board's core (cortex-m4 | cortex-m7 | rv32imc | other).
    static CostModel prior_for(const platform::BoardProfile &board);
    static CostModel prior_for_core(const std::string &core, uint64_t clock_hz, double active_mw,
                                    const std::string &board_name = "");
    static CostFeatures prior_coefficients(const std::string &core);

    // Cycles with the arena where the board puts it by default (`default_arena`): the placement
    // the coefficients are fitted for. With a placement: plus placement_cycles.
    double predict_cycles(const CostFeatures &f) const;
    // With the weights in RAM region `weights` too: plus weights_cycles.
    double predict_cycles(const CostFeatures &f, const std::string &placement, const std::string &weights = "") const;
    // What moving the arena from `default_arena` to `placement` adds (negative when it saves):
    // the difference of the two regions' wait states (the board profile's, docs/CYCLE_MODEL.md)
    // times the arena loads and stores the features imply. 0 for "" or an unknown region.
    double placement_cycles(const CostFeatures &f, const std::string &placement) const;
    // What copying the weights from flash to RAM region `weights` adds (negative when it saves): the
    // difference of the region's and the flash's load wait states times the weight loads the
    // features imply (weight_rates). 0 for "" (flash) or an unknown region.
    double weights_cycles(const CostFeatures &f, const std::string &weights) const;
    double predict_energy_uj(const CostFeatures &f) const { return energy_uj(predict_cycles(f)); }
    // energy_uj = cycles / clock_hz * active_mw * 1000 (0 when the clock is unknown)
    double energy_uj(double cycles) const;

    // Non-negative ridge least squares on the relative residuals (pred/meas - 1). Replaces the
    // coefficients; keeps the old ones as the ridge target. Returns the error on `points`.
    // A point measured with the arena elsewhere than the default counts as its cycles less
    // placement_cycles (the wait states are the profile's, calibrated by tinytx-agent calibrate),
    // one with its weights in RAM less weights_cycles.
    CostErrorReport calibrate(const std::vector<CostMeasurement> &points,
                              const CalibrationOptions &opt = {});
    CostErrorReport evaluate(const std::vector<CostMeasurement> &points) const;

    // JSON: {"format":"tinytx.cost_model/1","board","core","clock_hz","active_mw",
    //        "coefficients":{name:value},"prior":{name:value},
    //        "calibration":{"points","mape_pct","max_abs_pct","rms_pct","median_abs_pct"},
    //        "placement":{"default_arena","regions":{name:{"load_wait","store_wait"}},
    //                     "flash_load_wait"}}
    nlohmann::json to_json() const;
    // Corruption naming the field when j is not a cost model.
    static platform::Result<CostModel> from_json(const nlohmann::json &j);
    platform::Status save(const std::filesystem::path &p) const;
    static platform::Result<CostModel> load(const std::filesystem::path &p);

    std::string board;
    std::string core;
    uint64_t clock_hz = 0;
    double active_mw = 0;
    CostFeatures coef{};
    CostFeatures prior{};
    size_t calibration_points = 0;   // 0 = prior only
    CostErrorReport calibration_error;
    // the board's memory timing (prior_for(board)): wait states of its RAM-like regions, where
    // its images put the arena, and the core's arena access rates
    struct Waits {
        double load = 0, store = 0;
    };
    std::map<std::string, Waits> region_waits;
    std::string default_arena;
    ArenaAccessRates arena_rates;
    std::optional<double> flash_load_wait;   // the board's flash (where the weights are by default)
    CostFeatures weight_rates{};

private:
    nlohmann::json placement_json() const;
};

} // namespace tinytx::tuner
