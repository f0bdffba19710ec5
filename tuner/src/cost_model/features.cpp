// Cost features: exact work counts of a schedule, per kernel kind and GEMM variant, mirroring the
// kernels call by call (kernels/src/ops/{mhsa,attention,encoder,linear}.c; the cluster kernels of
// kernels/src/pulp on their critical path) and, inside each GEMM call, the blocking of the variant
// that runs it (kernels/src/{ref,opt,arm,rv}).
#include "tinytx/tuner/cost_model.h"
#include "tinytx/tuner/schedule.h"

#include <algorithm>
#include <array>

namespace tinytx::tuner {

namespace {

const char *const kVariantKeys[kCostVariants] = {"ref", "opt2x2", "opt4x2", "dsp", "rv32", "xpulp", "cluster"};
const char *const kScalarKeys[kScalarFeatures] = {
    "softmax_rows", "softmax_elems", "gelu_elems", "layernorm_rows", "layernorm_elems",
    "add_elems",    "acc_elems",     "head_iters", "attn_tiles",     "ffn_tiles",
    "layers",       "cluster_forks", "dma_bytes"};
const char *const kGemmKeys[kGemmFeaturesPerVariant] = {
    "gemm_calls",      "gemm_macs",      "gemm_out_rq",     "gemm_out_acc",
    "gemm_out_grouped", "gemm_blocks",   "gemm_row_blocks", "gemm_edge_outs",
    "gemm_edge_macs",  "gemm_steps",     "gemm_widen"};
// heads at most this deep take the kernels' direct loops (TX_THIN_HEAD, kernels/src/common/internal.h)
constexpr int64_t kThinHead = 4;

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
          Layout layout = Layout::kRow, bool one_row = false) {
    const double outs = double(M) * double(N);
    f[feat::gemm_calls(v)] += 1;
    f[feat::gemm_macs(v)] += outs * double(K);
    f[out == Out::kRequant ? feat::gemm_out_rq(v) : feat::gemm_out_acc(v)] += outs;
    if (v == TX_VARIANT_DSP) {
        // gemm_dsp.c: blocks of 6 rows, then at most one block each of 4, 2 and 1 rows; each
        // block widens its rows once, then runs every column with ceil(K/4) weight-word steps.
        // Column iterations and steps are counted beyond the 6-row ideal (M/6 blocks): the ideal
        // part is proportional to the (padded) MACs and outputs, so this is the same model with
        // well-conditioned columns, and what remains is what the 4/2/1-row tails cost extra.
        // (tx_gemm_dsp_rows1, the memory-minimal schedule's: every row a block of its own)
        int64_t blocks = one_row ? M : M / 6, rem = one_row ? 0 : M % 6;
        for (int64_t r = 4; r >= 1; r /= 2)
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
    if (v == TX_VARIANT_XPULP || v == kClusterGemm) {
        // gemm_xpulp.c (the single-core variant xpulp, and every GEMM of the cluster kernels):
        // column pairs, each down blocks of 4 rows x 2 columns of packed 4-deep dot products in a
        // hardware loop; the rows below the last block of 4 run packed 4-deep steps for the pair
        // (a word of a, one of each b row, two sdotsp); an odd last column takes the shared scalar
        // path (tx_dot_at + tx_gemm_store: a scalar dot of length K per output); the pairs' K % 4
        // last terms are scalar MACs. Head-major stores cost per column pair (two tx_gemm_index
        // calls, part of the pair's set-up) except on the odd column, whose tx_gemm_store divides
        // per output.
        const int64_t M4 = M - M % 4, N2 = N - N % 2, K4 = K - K % 4;
        const double odd = double(M) * double(N % 2);
        f[feat::gemm_row_blocks(v)] += double(N2 / 2);
        f[feat::gemm_blocks(v)] += double(M4 / 4) * double(N2 / 2);
        f[feat::gemm_widen(v)] += double(M - M4) * double(N2 / 2) * double(K4 / 4);
        f[feat::gemm_edge_outs(v)] += odd;
        f[feat::gemm_edge_macs(v)] += odd * double(K);
        f[feat::gemm_steps(v)] += double(M) * double(N2) * double(K - K4);
        if (layout == Layout::kGrouped) f[feat::gemm_out_grouped(v)] += odd;
        return;
    }
    if (layout == Layout::kGrouped) f[feat::gemm_out_grouped(v)] += outs;
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

// Core `core`'s band [b0, b1) of n items over `cores`, each band rounded up to `align` (the
// kernels' tx_cl_band, kernels/src/pulp/cluster_internal.h): the first bands are full, the last
// may be short (odd).
struct Band {
    int64_t b0, b1;
    int64_t n() const { return b1 - b0; }
};
Band band(int64_t n, int64_t core, int64_t cores, int64_t align) {
    int64_t per = (n + cores - 1) / cores;
    per = (per + align - 1) / align * align;
    const int64_t b0 = std::min(core * per, n);
    return {b0, std::min(b0 + per, n)};
}

// Which core of a parallel section is the slowest: its share's cycles by rough per-unit costs of
// the cluster's code paths (the Xpulp GEMM in L1; only the order of the shares of one section
// matters, e.g. a last band of one odd column on the scalar path against full bands of pairs).
double share_cycles(const CostFeatures &f) {
    constexpr tx_variant x = kClusterGemm;
    return 50 * f[feat::gemm_calls(x)] + 0.5 * f[feat::gemm_macs(x)] + 8 * f[feat::gemm_out_rq(x)] +
           8 * f[feat::gemm_out_acc(x)] + 25 * f[feat::gemm_blocks(x)] + 60 * f[feat::gemm_row_blocks(x)] +
           40 * f[feat::gemm_edge_outs(x)] + 6 * f[feat::gemm_edge_macs(x)] + 6 * f[feat::gemm_steps(x)] +
           5 * f[feat::gemm_widen(x)] + 60 * f[feat::softmax_rows] + 30 * f[feat::softmax_elems] +
           40 * f[feat::gelu_elems] + 300 * f[feat::layernorm_rows] + 30 * f[feat::layernorm_elems] +
           15 * f[feat::add_elems] + 10 * f[feat::acc_elems] + 50 * f[feat::attn_tiles];
}

// A parallel section (one fork-join): share(core, features) adds core `core`'s work; the slowest
// core's is what the section costs. bands(core) names a core's work (its band sizes): cores with
// the same bands do the same work, so only the first of them is counted (full bands, the short
// last one, empty ones: a few shares per section, whatever the core count).
using Bands = std::array<int64_t, 2>;
template <class BandsOf, class Share>
void section(CostFeatures &f, int64_t cores, BandsOf &&bands, Share &&share) {
    CostFeatures worst{};
    double worst_cycles = -1;
    std::array<Bands, 16> seen{};
    size_t n_seen = 0;
    for (int64_t c = 0; c < cores; ++c) {
        const Bands b = bands(c);
        if (std::find(seen.begin(), seen.begin() + n_seen, b) != seen.begin() + n_seen) continue;
        if (n_seen < seen.size()) seen[n_seen++] = b;
        CostFeatures s{};
        share(c, s);
        const double cy = share_cycles(s);
        if (cy > worst_cycles) worst = s, worst_cycles = cy;
    }
    for (size_t i = 0; i < kNumCostFeatures; ++i) f[i] += worst[i];
    f[feat::cluster_forks] += 1;
}

// One head's attention of `rows` query rows in tiles of T (scores, softmax, A.V); q_k > 0: each
// tile first projects its own rows of Q_h (or X W_h^T), t x D over K = q_k (the heads split).
void attention_rows(CostFeatures &f, int64_t rows, int64_t T, int64_t S, int64_t D, int64_t P,
                    int64_t q_k = 0) {
    constexpr tx_variant x = kClusterGemm;
    for (int64_t r0 = 0; r0 < rows; r0 += T) {
        const int64_t t = std::min(T, rows - r0);
        f[feat::attn_tiles] += 1;
        if (q_k > 0) gemm(f, x, t, D, q_k, Out::kRequant);
        gemm(f, x, t, S, D, Out::kRequant);
        f[feat::softmax_rows] += double(t);
        f[feat::softmax_elems] += double(t * S);
        gemm(f, x, t, P, S, Out::kRequant);
    }
}

// tx_encoder_s8_cluster (kernels/src/pulp/encoder_cluster.c, mhsa_cluster.c) on its critical
// path: every parallel section counts its slowest core's share (section()); what core 0 does
// alone between the forks (DMA programming and waits) is per head / group / tile.
CostFeatures cluster_layer_features(const tx_encoder_dims &d, const LayerKnobs &k) {
    CostFeatures f{};
    constexpr tx_variant x = kClusterGemm;
    constexpr Out rq = Out::kRequant, acc = Out::kAccumulate;
    const int64_t S = d.S, E = d.E, H = d.H, P = d.P, F = d.F, c = k.cores;
    const bool fused = k.attention == AttentionMode::kFused;
    const int64_t D = fused ? E : P;
    const int64_t head_w = (fused ? E * E : 2 * P * E) + P * E + E * P + 4 * (D + (fused ? 0 : P) + P);
    const bool df = k.mhsa == MhsaSchedule::kDepthfirst;
    // the bands of n items (rows: align 1; GEMM columns: align 2, as the kernels cut them)
    auto cols = [&](int64_t n) { return [n, c](int64_t core) { return Bands{band(n, core, c, 2).n(), 0}; }; };
    const auto rows = [c, S](int64_t core) { return Bands{band(S, core, c, 1).n(), 0}; };
    // norm1 / norm2: residual + LayerNorm by rows; the FFN's int32 accumulator zeroed with norm1
    // and requantized with norm2 (acc_elems counts zero + requantization once, as single-core)
    const auto norm = [&](int64_t core, CostFeatures &s) {
        const int64_t r = rows(core)[0];
        s[feat::add_elems] += double(r * E);
        s[feat::layernorm_rows] += double(r);
        s[feat::layernorm_elems] += double(r * E);
        s[feat::acc_elems] += 0.5 * double(r * E);
    };
    f[feat::dma_bytes] += double(S * E);                   // x into L1
    if (k.split == ClusterSplit::kRows) {
        // per head: the projection columns, the query rows (tiles of T within the core's rows),
        // the output columns into the int32 acc; acc zeroed before the heads and requantized
        // (+ bo) after them, by rows
        const int64_t per = (S + c - 1) / c;
        const int64_t T = std::max<int64_t>(1, df ? std::min<int64_t>(k.tile_rows, per) : per);
        const auto half_acc = [&](int64_t core, CostFeatures &s) { s[feat::acc_elems] += 0.5 * double(rows(core)[0] * E); };
        section(f, c, rows, half_acc);
        for (int64_t h = 0; h < H; ++h) {
            f[feat::head_iters] += 1;
            f[feat::dma_bytes] += double(head_w);
            section(
                f, c, [&](int64_t core) { return Bands{band(D, core, c, 2).n(), band(P, core, c, 2).n()}; },
                [&](int64_t core, CostFeatures &s) {
                    const int64_t nd = band(D, core, c, 2).n(), np = band(P, core, c, 2).n();
                    if (nd) gemm(s, x, S, nd, E, rq);             // Q_h or X W_h^T
                    if (np) gemm(s, x, S, np, E, rq);             // Vt_h
                    if (np && !fused) gemm(s, x, S, np, E, rq);   // K_h
                });
            section(f, c, rows, [&](int64_t core, CostFeatures &s) { attention_rows(s, rows(core)[0], T, S, D, P); });
            section(f, c, cols(E), [&](int64_t core, CostFeatures &s) {
                if (const int64_t ne = band(E, core, c, 2).n()) gemm(s, x, S, ne, P, acc);   // O_h Wo_h^T
            });
        }
        section(f, c, rows, half_acc);
    } else {
        // whole heads per core, a group of min(c, H) heads at a time (every core of a group does
        // the same work: Vt_h and K_h over all S rows, then per tile its Q rows and the
        // attention), then the output projection by columns
        const int64_t groups = (H + c - 1) / c;
        const int64_t T = std::max<int64_t>(1, df ? std::min<int64_t>(k.tile_rows, S) : S);
        f[feat::dma_bytes] += double(H * head_w);
        for (int64_t g = 0; g < groups; ++g) {
            f[feat::head_iters] += 1;
            section(f, 1, rows, [&](int64_t, CostFeatures &s) {
                gemm(s, x, S, P, E, rq);
                if (!fused) gemm(s, x, S, P, E, rq);
                attention_rows(s, S, T, S, D, P, E);
            });
        }
        section(f, c, cols(E), [&](int64_t core, CostFeatures &s) {
            if (const int64_t ne = band(E, core, c, 2).n()) gemm(s, x, S, ne, H * P, rq);   // requant(O Wo^T + bo)
        });
    }
    // norm1; per hidden tile the hidden columns (first linear, then i-GELU row by row), then the
    // E output columns; norm2
    section(f, c, rows, norm);
    const int64_t Fc = (k.ffn_tile <= 0 || k.ffn_tile >= F) ? F : k.ffn_tile;
    for (int64_t f0 = 0; f0 < F; f0 += Fc) {
        const int64_t fc = std::min(Fc, F - f0);
        f[feat::ffn_tiles] += 1;
        f[feat::dma_bytes] += double(2 * fc * E + 4 * fc);
        section(f, c, cols(fc), [&](int64_t core, CostFeatures &s) {
            if (const int64_t nf = band(fc, core, c, 2).n()) {
                gemm(s, x, S, nf, E, rq);
                s[feat::gelu_elems] += double(S * nf);
            }
        });
        section(f, c, cols(E), [&](int64_t core, CostFeatures &s) {
            if (const int64_t ne = band(E, core, c, 2).n()) gemm(s, x, S, ne, fc, acc);
        });
    }
    section(f, c, rows, norm);
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
        const tx_mhsa_dims md{d.S, d.E, d.H, d.P};
        const tx_encoder_config cfg = to_encoder_config(k);
        tx_mhsa_plan_info plan;
        tx_mhsa_s8_plan_info(&cfg.mhsa, &md, v, &plan);
        const bool concat = plan.out_stage == TX_MHSA_OUT_CONCAT_S8;
        const bool one_row = plan.gemm_rows == 1;         // the memory-minimal schedule (mhsa.c)
        if (!concat) f[feat::acc_elems] += double(S * E);   // zero + requant of the O accumulator
        for (int64_t h = 0; h < H; ++h) {
            f[feat::head_iters] += 1;
            // V_h (HEAD_T, one group) and K_h; a one-row plan with more rows than a (not thin)
            // head's weight rows runs them weight row by weight row (tx_gemm_by_weight_rows)
            const int projections = fused ? 1 : 2;
            for (int i = 0; i < projections; ++i) {
                if (one_row && P > kThinHead && S > P)
                    for (int64_t p = 0; p < P; ++p) gemm(f, v, 1, S, E, rq, Layout::kRow, true);
                else
                    gemm(f, v, S, P, E, rq, i == 0 ? Layout::kGrouped : Layout::kRow, one_row);
            }
            for (int64_t r0 = 0; r0 < S; r0 += T) {
                const int64_t t = std::min(T, S - r0);
                f[feat::attn_tiles] += 1;
                gemm(f, v, t, fused ? E : P, E, rq);      // query tile (Q_h rows or X W_h^T)
                gemm(f, v, t, S, D, rq);                  // scores
                f[feat::softmax_rows] += double(t);
                f[feat::softmax_elems] += double(t * S);
                gemm(f, v, t, P, S, rq);                  // A . V
                if (!concat) gemm(f, v, t, E, P, acc);    // O-projection slice, int32 accumulate
            }
        }
        if (concat) gemm(f, v, S, E, HP, rq, Layout::kRow, one_row);   // the int8 stage's projection
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

} // namespace tinytx::tuner
