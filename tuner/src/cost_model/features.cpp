// Cost features: exact work counts of a schedule, per kernel kind and GEMM variant, mirroring the
// kernels call by call (kernels/src/ops/{mhsa,attention,encoder,linear}.c; the cluster kernels of
// kernels/src/pulp on their critical path) and, inside each GEMM call, the blocking of the variant
// that runs it (kernels/src/{ref,opt,arm,rv}).
#include "tinytx/tuner/cost_model.h"

#include <algorithm>

namespace tinytx::tuner {

namespace {

const char *const kVariantKeys[kCostVariants] = {"ref", "opt2x2", "opt4x2", "dsp", "rv32", "xpulp"};
const char *const kScalarKeys[kScalarFeatures] = {
    "softmax_rows", "softmax_elems", "gelu_elems", "layernorm_rows", "layernorm_elems",
    "add_elems",    "acc_elems",     "head_iters", "attn_tiles",     "ffn_tiles",
    "layers",       "cluster_forks", "dma_bytes"};
const char *const kGemmKeys[kGemmFeaturesPerVariant] = {
    "gemm_calls",      "gemm_macs",      "gemm_out_rq",     "gemm_out_acc",
    "gemm_out_grouped", "gemm_blocks",   "gemm_row_blocks", "gemm_edge_outs",
    "gemm_edge_macs",  "gemm_steps",     "gemm_widen"};

const std::vector<std::string> &feature_names() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> n(kNumCostFeatures);
        for (size_t v = 0; v < kCostVariants; ++v)
            for (size_t g = 0; g < kGemmFeaturesPerVariant; ++g)
                n[v * kGemmFeaturesPerVariant + g] = std::string(kGemmKeys[g]) + "." + kVariantKeys[v];
        for (size_t i = 0; i < kScalarFeatures; ++i)
            n[feat::kScalarBase + i] = kScalarKeys[i];
        return n;
    }();
    return names;
}

// How tx_gemm stores an output: requantized int8, or added to an int32 accumulator; through the
// plain row/column strides or the head-major column groups (tx_linear_run's HEAD / HEAD_T layouts).
enum class Out { kRequant, kAccumulate };
enum class Layout { kRow, kGrouped };

// One GEMM micro-kernel call out(m, n) = sum_k a[m][k] b[n][k], M x N outputs over K.
void gemm(CostFeatures &f, tx_variant v, int64_t M, int64_t N, int64_t K, Out out,
          Layout layout = Layout::kRow) {
    const double outs = double(M) * double(N);
    f[feat::gemm_calls(v)] += 1;
    f[feat::gemm_macs(v)] += outs * double(K);
    f[out == Out::kRequant ? feat::gemm_out_rq(v) : feat::gemm_out_acc(v)] += outs;
    if (v == TX_VARIANT_DSP) {
        // gemm_dsp.c: blocks of 6 rows, then at most one block each of 3, 2 and 1 rows; each
        // block widens its rows once, then runs every column with ceil(K/4) weight-word steps.
        // Column iterations and steps are counted beyond the 6-row ideal (M/6 blocks): the ideal
        // part is proportional to the (padded) MACs and outputs, so this is the same model with
        // well-conditioned columns, and what remains is what the 3/2/1-row tails cost extra.
        int64_t blocks = M / 6, rem = M % 6;
        for (int64_t r = 3; r >= 1; --r)
            if (rem >= r) {
                ++blocks;
                rem -= r;
            }
        const int64_t k4 = (K + 3) / 4;
        const double extra = double(blocks) - double(M) / 6.0;
        f[feat::gemm_row_blocks(v)] += double(blocks);
        f[feat::gemm_blocks(v)] += extra * double(N);
        f[feat::gemm_steps(v)] += extra * double(N * k4);
        f[feat::gemm_edge_macs(v)] += outs * double(4 * k4 - K);
        f[feat::gemm_widen(v)] += double(M * k4);
        return;
    }
    if (layout == Layout::kGrouped) f[feat::gemm_out_grouped(v)] += outs;
    if (v == TX_VARIANT_XPULP) {
        // gemm_xpulp.c: column pairs, each down blocks of 4 rows x 2 columns of packed 4-deep dot
        // products in a hardware loop; the rows below the last block of 4 and an odd last column
        // take the edge paths; a K that is not a multiple of 4 leaves scalar MACs per output
        const int64_t M4 = M - M % 4, N2 = N - N % 2, K4 = K - K % 4;
        const double edge = outs - double(M4) * double(N2);
        f[feat::gemm_row_blocks(v)] += double(N2 / 2);
        f[feat::gemm_blocks(v)] += double(M4 / 4) * double(N2 / 2);
        f[feat::gemm_edge_outs(v)] += edge;
        f[feat::gemm_edge_macs(v)] += edge * double(K);
        f[feat::gemm_steps(v)] += outs * double(K - K4);
        return;
    }
    int64_t bm = 0, bn = 0;   // register block of the blocked variants (gemm_edges.h does the rest)
    switch (v) {
    case TX_VARIANT_OPT2X2: bm = 2, bn = 2; break;
    case TX_VARIANT_OPT4X2: bm = 4, bn = 2; break;
    case TX_VARIANT_RV32: bm = 4, bn = 4; break;
    default: return;   // ref: one scalar dot per output, charged by gemm_out_* and gemm_macs
    }
    // a register block's own overhead is per blocked output (bm*bn of them), so it is part of the
    // gemm_out_* cost; the edge outputs pay the scalar path's overhead on top
    const int64_t Mb = M - M % bm, Nb = N - N % bn;
    const double edge = outs - double(Mb) * double(Nb);
    f[feat::gemm_row_blocks(v)] += double(M / bm);
    f[feat::gemm_edge_outs(v)] += edge;
    f[feat::gemm_edge_macs(v)] += edge * double(K);
}

// The largest share of n items over `cores` when each share is rounded up to `align` (the
// kernels' tx_mc_band / tx_ec_band): what the slowest core computes.
int64_t share(int64_t n, int64_t cores, int64_t align) {
    int64_t per = (n + cores - 1) / cores;
    per = (per + align - 1) / align * align;
    return std::min(per, n);
}

// One head's attention of `rows` query rows in tiles of T (scores, softmax, A.V).
void attention_rows(CostFeatures &f, int64_t rows, int64_t T, int64_t S, int64_t D, int64_t P) {
    constexpr tx_variant x = TX_VARIANT_XPULP;
    for (int64_t r0 = 0; r0 < rows; r0 += T) {
        const int64_t t = std::min(T, rows - r0);
        f[feat::attn_tiles] += 1;
        gemm(f, x, t, S, D, Out::kRequant);
        f[feat::softmax_rows] += double(t);
        f[feat::softmax_elems] += double(t * S);
        gemm(f, x, t, P, S, Out::kRequant);
    }
}

// tx_encoder_s8_cluster (kernels/src/pulp/encoder_cluster.c, mhsa_cluster.c) on its critical
// path: every parallel section counts the largest share.
CostFeatures cluster_layer_features(const tx_encoder_dims &d, const LayerKnobs &k) {
    CostFeatures f{};
    constexpr tx_variant x = TX_VARIANT_XPULP;
    constexpr Out rq = Out::kRequant, acc = Out::kAccumulate;
    const int64_t S = d.S, E = d.E, H = d.H, P = d.P, F = d.F, c = k.cores;
    const bool fused = k.attention == AttentionMode::kFused;
    const int64_t D = fused ? E : P;
    const int64_t head_w = (fused ? E * E : 2 * P * E) + P * E + E * P + 4 * (D + (fused ? 0 : P) + P);
    const int64_t rows = share(S, c, 1);
    const bool df = k.mhsa == MhsaSchedule::kDepthfirst && k.tile_rows >= 1;
    f[feat::dma_bytes] += double(S * E);                   // x into L1
    if (k.split == ClusterSplit::kRows) {
        // per head: projection columns, query rows, output columns; acc zeroed and requantized by rows
        const int64_t T = df ? std::max<int64_t>(1, std::min<int64_t>(k.tile_rows, rows)) : rows;
        f[feat::cluster_forks] += double(2 + 3 * H);
        f[feat::acc_elems] += double(rows * E);
        for (int64_t h = 0; h < H; ++h) {
            f[feat::head_iters] += 1;
            f[feat::dma_bytes] += double(head_w);
            gemm(f, x, S, share(D, c, 2), E, rq);              // Q_h or X W_h^T
            gemm(f, x, S, share(P, c, 2), E, rq);              // Vt_h
            if (!fused) gemm(f, x, S, share(P, c, 2), E, rq);  // K_h
            attention_rows(f, rows, T, S, D, P);
            gemm(f, x, S, share(E, c, 2), P, acc);             // O_h Wo_h^T
        }
    } else {
        // whole heads per core, a group of `c` heads at a time, then the output projection by columns
        const int64_t groups = (H + c - 1) / c;
        const int64_t T = df ? std::min<int64_t>(k.tile_rows, S) : S;
        f[feat::cluster_forks] += double(groups + 1);
        f[feat::dma_bytes] += double(H * head_w);
        for (int64_t g = 0; g < groups; ++g) {
            f[feat::head_iters] += 1;
            gemm(f, x, S, D, E, rq);
            gemm(f, x, S, P, E, rq);
            if (!fused) gemm(f, x, S, P, E, rq);
            attention_rows(f, S, T, S, D, P);
        }
        gemm(f, x, S, share(E, c, 2), H * P, rq);             // requant(O Wo^T + bo)
    }
    // residual + LayerNorm by rows (acc zeroed), FFN tiles by columns, requant + residual + LayerNorm
    f[feat::cluster_forks] += 2;
    f[feat::add_elems] += double(2 * rows * E);
    f[feat::layernorm_rows] += double(2 * rows);
    f[feat::layernorm_elems] += double(2 * rows * E);
    f[feat::acc_elems] += double(rows * E);
    const int64_t Fc = (k.ffn_tile <= 0 || k.ffn_tile >= F) ? F : k.ffn_tile;
    for (int64_t f0 = 0; f0 < F; f0 += Fc) {
        const int64_t fc = std::min(Fc, F - f0);
        f[feat::ffn_tiles] += 1;
        f[feat::cluster_forks] += 2;
        f[feat::dma_bytes] += double(2 * fc * E + 4 * fc);
        gemm(f, x, S, share(fc, c, 2), E, rq);
        f[feat::gelu_elems] += double(S * share(fc, c, 2));
        gemm(f, x, S, share(E, c, 2), fc, acc);
    }
    f[feat::layers] += 1;
    return f;
}

} // namespace

const std::string &cost_feature_name(size_t i) { return feature_names().at(i); }

std::optional<size_t> cost_feature_index(const std::string &name) {
    const auto &n = feature_names();
    auto it = std::find(n.begin(), n.end(), name);
    if (it == n.end()) return std::nullopt;
    return size_t(it - n.begin());
}

// Mirrors tx_encoder_s8 (encoder.c), tx_mhsa_layerwise / tx_mhsa_by_head (mhsa.c),
// tx_attention_run (attention.c) and tx_linear_run (linear.c), GEMM by GEMM.
CostFeatures layer_features(const tx_encoder_dims &d, const LayerKnobs &k) {
    if (k.cores > 0) return cluster_layer_features(d, k);
    CostFeatures f{};
    const int64_t S = d.S, E = d.E, H = d.H, P = d.P, F = d.F, HP = H * P;
    const tx_variant v = (k.variant >= 0 && k.variant < TX_VARIANT_COUNT) ? k.variant : TX_VARIANT_REF;
    const bool fused = k.attention == AttentionMode::kFused;
    const int64_t D = fused ? E : P;   // reduction of the score GEMM
    constexpr Out rq = Out::kRequant, acc = Out::kAccumulate;

    if (k.mhsa == MhsaSchedule::kLayerwise) {
        gemm(f, v, S, HP, E, rq, Layout::kGrouped);       // V, head-major transposed
        if (fused) {
            for (int64_t h = 0; h < H; ++h) gemm(f, v, S, E, E, rq);   // X . W_h^T
        } else {
            gemm(f, v, S, HP, E, rq, Layout::kGrouped);   // Q, head-major
            gemm(f, v, S, HP, E, rq, Layout::kGrouped);   // K, head-major
        }
        for (int64_t h = 0; h < H; ++h) gemm(f, v, S, S, D, rq);       // scores
        f[feat::softmax_rows] += double(H * S);
        f[feat::softmax_elems] += double(H * S * S);
        for (int64_t h = 0; h < H; ++h) gemm(f, v, S, P, S, rq);       // A . V
        gemm(f, v, S, E, HP, rq);                         // output projection
    } else {
        int64_t T = S;
        if (k.mhsa == MhsaSchedule::kDepthfirst && k.tile_rows >= 1 && k.tile_rows < S)
            T = k.tile_rows;
        f[feat::acc_elems] += double(S * E);              // zero + requant of the O accumulator
        for (int64_t h = 0; h < H; ++h) {
            f[feat::head_iters] += 1;
            gemm(f, v, S, P, E, rq, Layout::kGrouped);    // V_h (HEAD_T, one group)
            if (!fused) gemm(f, v, S, P, E, rq);          // K_h
            for (int64_t r0 = 0; r0 < S; r0 += T) {
                const int64_t t = std::min(T, S - r0);
                f[feat::attn_tiles] += 1;
                gemm(f, v, t, fused ? E : P, E, rq);      // query tile (Q_h rows or X W_h^T)
                gemm(f, v, t, S, D, rq);                  // scores
                f[feat::softmax_rows] += double(t);
                f[feat::softmax_elems] += double(t * S);
                gemm(f, v, t, P, S, rq);                  // A . V
                gemm(f, v, t, E, P, acc);                 // O-projection slice, int32 accumulate
            }
        }
    }

    // encoder: add + LayerNorm, FFN, add + LayerNorm
    f[feat::add_elems] += double(2 * S * E);
    f[feat::layernorm_rows] += double(2 * S);
    f[feat::layernorm_elems] += double(2 * S * E);
    const int64_t Fc = (k.ffn_tile <= 0 || k.ffn_tile >= F) ? F : k.ffn_tile;
    if (Fc == F) {
        f[feat::ffn_tiles] += 1;
        gemm(f, v, S, F, E, rq);
        f[feat::gelu_elems] += double(S * F);
        gemm(f, v, S, E, F, rq);
    } else {
        f[feat::acc_elems] += double(S * E);
        for (int64_t f0 = 0; f0 < F; f0 += Fc) {
            const int64_t fc = std::min(Fc, F - f0);
            f[feat::ffn_tiles] += 1;
            gemm(f, v, S, fc, E, rq);
            f[feat::gelu_elems] += double(S * fc);
            gemm(f, v, S, E, fc, acc);
        }
    }
    f[feat::layers] += 1;
    return f;
}

CostFeatures schedule_features(const tx_encoder_dims &d, const Schedule &s) {
    CostFeatures f{};
    for (const auto &k : s.layers) {
        const CostFeatures l = layer_features(d, k);
        for (size_t i = 0; i < kNumCostFeatures; ++i) f[i] += l[i];
    }
    return f;
}

double total_gemm_macs(const CostFeatures &f) {
    double s = 0;
    for (size_t v = 0; v < kCostVariants; ++v) s += f[feat::gemm_macs(tx_variant(v))];
    return s;
}

double total_gemm_calls(const CostFeatures &f) {
    double s = 0;
    for (size_t v = 0; v < kCostVariants; ++v) s += f[feat::gemm_calls(tx_variant(v))];
    return s;
}

} // namespace tinytx::tuner
