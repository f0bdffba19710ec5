// Prior cost coefficients per core (cycles per unit of each feature of cost_model.h): what the
// guided search ranks candidates with before anything is measured, and the ridge target of
// calibration.
//
// Where the numbers come from: fitted to ISS measurements (board-agents/backends/iss, the cycle
// tables of board-agents/boards/*.json; arm-none-eabi-gcc 12.2.1 and riscv64-unknown-elf-gcc
// 12.2.0 at -O3) on 2026-11-24, 240 seeded design-space points per board over the four example
// models and six extra shapes (tuner/src/cost_model/tests/prior_shapes.py), by
//     tuner/src/cost_model/tests/prior_shapes.py --out /tmp/prior_shapes
//     tinytx_cost_model_bench --models-dir /tmp/prior_shapes --per-board 240 --seed 1 --fit
//         --models shape_a,shape_b,shape_c,shape_d,shape_e,shape_f,eegformer,ecgformer,tiny4,cct
// i.e. CostModel::calibrate (non-negative, ridge 1e-3 toward the analytic estimates this file
// held before: Cortex-M4 instruction costs scaled per core). In-sample error of that fit: median
// 0.9 / 0.9 / 0.7 %, max 5.8 / 4.6 / 3.2 % (nucleo-h743zi / nucleo-l476rg / gap9).
// The ISS is single-issue without a memory system (see its cycle_model.h): on a real board the
// Cortex-M7's dual issue and caches make these pessimistic, which calibration corrects.
// Reading the numbers: a MAC costs ~8 cycles in ref (two byte loads, MLA, loop), ~4 in opt2x2,
// ~1.4 in dsp (SMLAD on widened pairs); opt4x2 is slower per MAC than opt2x2 on the M-class cores
// (its 8 accumulators and 4 row pointers spill) but not on RV32 (31 registers). A requantized
// output costs 60-100 cycles on the portable paths (the 64-bit multiply-round-shift) and 10-15 on
// dsp (SMMLA). Per-layer work (LayerNorm's integer square root per row, the softmax table)
// shares little with the schedule and is the least determined part of the fit.
#include "tinytx/tuner/cost_model.h"

#include <vector>

namespace tinytx::tuner {

namespace {

// one variant's GEMM coefficients, in the order of kGemmFeaturesPerVariant
struct GemmPrior {
    tx_variant v;
    double call, mac, out_rq, out_acc, grouped, blocks, row_blocks, edge_outs, edge_macs, steps, widen;
};

// kScalarFeatures, in feat:: order: softmax_rows, softmax_elems, gelu_elems, layernorm_rows,
// layernorm_elems, add_elems, acc_elems, head_iters, attn_tiles, ffn_tiles, layers, cluster_forks,
// dma_bytes
using ScalarPrior = std::array<double, kScalarFeatures>;

struct CorePrior {
    std::vector<GemmPrior> gemm;
    ScalarPrior scalar;
};

// Variants a core's design space never offers (rv32 and xpulp on Cortex-M, dsp on RV32) were not
// measured: the nearest measured variant stands in (opt4x2 for the 4x4 rv32 kernel and the 4x2
// xpulp one on Cortex-M; ref for dsp's portable C stand-ins on RV32, which do ref's work plus the
// packing). The RV32 xpulp row and the cluster features (cluster_forks, dma_bytes) are XPULP_PRIOR
// below.
const CorePrior kCortexM7 = {
    {{TX_VARIANT_REF, 64.4, 6.14, 74.7, 16.2, 8, 0, 0, 0, 0, 0, 0},
     {TX_VARIANT_OPT2X2, 151, 2.81, 60.3, 14.8, 10.6, 0, 20.5, 13.8, 3.31, 0, 0},
     {TX_VARIANT_OPT4X2, 155, 4.79, 62.6, 8.36, 11.9, 0, 16.1, 15.6, 1.19, 0, 0},
     {TX_VARIANT_DSP, 312, 1.4, 10.6, 7.83, 0, 44.2, 37.1, 0, 2.24, 5.54, 9.22},
     {TX_VARIANT_RV32, 155, 4.79, 62.6, 8.36, 11.9, 0, 16.1, 15.6, 1.19, 0, 0},
     {TX_VARIANT_XPULP, 155, 4.79, 62.6, 8.36, 11.9, 0, 16.1, 15.6, 1.19, 0, 0}},
    {39.5, 35.7, 33.4, 338, 91.2, 14.8, 65.2, 35.8, 108, 36.9, 2690, 0, 0}};

const CorePrior kCortexM4 = {
    {{TX_VARIANT_REF, 81.3, 8.48, 103, 19.3, 14.5, 0, 0, 0, 0, 0, 0},
     {TX_VARIANT_OPT2X2, 208, 4.1, 82.3, 19.1, 16.2, 0, 30.5, 18.1, 4.91, 0, 0},
     {TX_VARIANT_OPT4X2, 211, 6.52, 87.2, 17.8, 16.9, 0, 24.3, 15.3, 2.52, 0, 0},
     {TX_VARIANT_DSP, 333, 1.47, 14.1, 14.1, 0, 69.9, 50.2, 0, 2.83, 6.7, 10.2},
     {TX_VARIANT_RV32, 211, 6.52, 87.2, 17.8, 16.9, 0, 24.3, 15.3, 2.52, 0, 0},
     {TX_VARIANT_XPULP, 211, 6.52, 87.2, 17.8, 16.9, 0, 24.3, 15.3, 2.52, 0, 0}},
    {50.2, 44.2, 40.4, 469, 87.9, 16.4, 85.3, 50.6, 137, 53.6, 3610, 0, 0}};

const CorePrior kRv32imc = {
    {{TX_VARIANT_REF, 70.7, 8.15, 86.3, 17.6, 19.3, 0, 0, 0, 0, 0, 0},
     {TX_VARIANT_OPT2X2, 142, 4.8, 63.6, 11.3, 20.7, 0, 25.9, 17.6, 3.47, 0, 0},
     {TX_VARIANT_OPT4X2, 139, 3.59, 85.9, 15.2, 19.4, 0, 26.2, 2.63, 4.61, 0, 0},
     {TX_VARIANT_DSP, 70.7, 8.15, 86.3, 17.6, 19.3, 0, 0, 0, 0, 0, 0},
     {TX_VARIANT_RV32, 89.3, 4.09, 72.6, 15, 20.5, 0, 25.6, 13.6, 4.05, 0, 0},
     {TX_VARIANT_XPULP, 60, 0.45, 8, 4, 10, 15, 30, 20, 0.6, 5, 0}},
    {56.4, 55.4, 37.6, 550, 133, 22.2, 78.1, 55.8, 106, 57.4, 4040, 40, 0.01}};

} // namespace

// cortex-m7, cortex-m4, rv32* as fitted; any other core gets the Cortex-M4's (the most
// conservative single-issue M-class table) until it is calibrated.
CostFeatures CostModel::prior_coefficients(const std::string &core) {
    const CorePrior &p = core == "cortex-m7"           ? kCortexM7
                         : core.rfind("rv32", 0) == 0 ? kRv32imc
                                                       : kCortexM4;
    CostFeatures c{};
    for (const GemmPrior &g : p.gemm) {
        const double row[kGemmFeaturesPerVariant] = {g.call,      g.mac,      g.out_rq,    g.out_acc,
                                                     g.grouped,   g.blocks,   g.row_blocks, g.edge_outs,
                                                     g.edge_macs, g.steps,    g.widen};
        for (size_t i = 0; i < kGemmFeaturesPerVariant; ++i) c[size_t(g.v) * kGemmFeaturesPerVariant + i] = row[i];
    }
    for (size_t i = 0; i < kScalarFeatures; ++i) c[feat::kScalarBase + i] = p.scalar[i];
    return c;
}

} // namespace tinytx::tuner
