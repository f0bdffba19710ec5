// CostModel: exact work counts per kernel kind and variant, a linear cycle model over them, and
// its calibration (non-negative ridge least squares on relative residuals, Eigen).
#include "tinytx/tuner/cost_model.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include <Eigen/Dense>
#include <nlohmann/json.hpp>

namespace tinytx::tuner {

namespace {

const char *const kVariantKeys[kCostVariants] = {"ref", "opt2x2", "opt4x2", "dsp", "rv32"};
const char *const kScalarKeys[kScalarFeatures] = {
    "softmax_rows", "softmax_elems", "gelu_elems", "layernorm_rows", "layernorm_elems",
    "add_elems",    "acc_elems",     "head_iters", "attn_tiles",     "ffn_tiles",
    "layers"};
const char *const kGemmKeys[kGemmFeaturesPerVariant] = {"gemm_calls", "gemm_macs", "gemm_out_rq",
                                                        "gemm_out_acc"};

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

// one GEMM micro-kernel call: M x N outputs over a reduction of K
void gemm(CostFeatures &f, tx_variant v, int64_t M, int64_t N, int64_t K, bool requant) {
    f[feat::gemm_calls(v)] += 1;
    f[feat::gemm_macs(v)] += double(M) * double(N) * double(K);
    f[requant ? feat::gemm_out_rq(v) : feat::gemm_out_acc(v)] += double(M) * double(N);
}

void set_gemm_prior(CostFeatures &c, tx_variant v, double call, double mac, double out_rq,
                    double out_acc) {
    c[feat::gemm_calls(v)] = call;
    c[feat::gemm_macs(v)] = mac;
    c[feat::gemm_out_rq(v)] = out_rq;
    c[feat::gemm_out_acc(v)] = out_acc;
}

void fail(std::string *error, const std::string &msg) {
    if (error) *error = msg;
}

} // namespace

const std::string &cost_feature_name(size_t i) { return feature_names().at(i); }

std::optional<size_t> cost_feature_index(const std::string &name) {
    const auto &n = feature_names();
    auto it = std::find(n.begin(), n.end(), name);
    if (it == n.end()) return std::nullopt;
    return size_t(it - n.begin());
}

// Mirrors kernels/src/ops/mhsa.c (tx_mhsa_layerwise / tx_mhsa_by_head) and encoder.c.
CostFeatures layer_features(const tx_encoder_dims &d, const LayerKnobs &k) {
    CostFeatures f{};
    const int64_t S = d.S, E = d.E, H = d.H, P = d.P, F = d.F, HP = H * P;
    const tx_variant v = (k.variant >= 0 && k.variant < TX_VARIANT_COUNT) ? k.variant : TX_VARIANT_REF;
    const bool fused = k.attention == AttentionMode::kFused;
    const int64_t D = fused ? E : P;   // reduction of the score GEMM

    if (k.mhsa == MhsaSchedule::kLayerwise) {
        gemm(f, v, S, HP, E, true);                       // V (HEAD_T layout)
        if (fused) {
            for (int64_t h = 0; h < H; ++h) gemm(f, v, S, E, E, true);   // X . W_h^T
        } else {
            gemm(f, v, S, HP, E, true);                   // Q
            gemm(f, v, S, HP, E, true);                   // K
        }
        for (int64_t h = 0; h < H; ++h) gemm(f, v, S, S, D, true);       // scores
        f[feat::softmax_rows] += double(H * S);
        f[feat::softmax_elems] += double(H * S * S);
        for (int64_t h = 0; h < H; ++h) gemm(f, v, S, P, S, true);       // A . V
        gemm(f, v, S, E, HP, true);                       // output projection
    } else {
        int64_t T = S;
        if (k.mhsa == MhsaSchedule::kDepthfirst && k.tile_rows >= 1 && k.tile_rows < S)
            T = k.tile_rows;
        f[feat::acc_elems] += double(S * E);              // zero + requant of the O accumulator
        for (int64_t h = 0; h < H; ++h) {
            f[feat::head_iters] += 1;
            gemm(f, v, S, P, E, true);                    // V_h
            if (!fused) gemm(f, v, S, P, E, true);        // K_h
            for (int64_t r0 = 0; r0 < S; r0 += T) {
                const int64_t t = std::min(T, S - r0);
                f[feat::attn_tiles] += 1;
                gemm(f, v, t, fused ? E : P, E, true);    // query tile (Q_h rows or X W_h^T)
                gemm(f, v, t, S, D, true);                // scores
                f[feat::softmax_rows] += double(t);
                f[feat::softmax_elems] += double(t * S);
                gemm(f, v, t, P, S, true);                // A . V
                gemm(f, v, t, E, P, false);               // O-projection slice, int32 accumulate
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
        gemm(f, v, S, F, E, true);
        f[feat::gelu_elems] += double(S * F);
        gemm(f, v, S, E, F, true);
    } else {
        f[feat::acc_elems] += double(S * E);
        for (int64_t f0 = 0; f0 < F; f0 += Fc) {
            const int64_t fc = std::min(Fc, F - f0);
            f[feat::ffn_tiles] += 1;
            gemm(f, v, S, fc, E, true);
            f[feat::gelu_elems] += double(S * fc);
            gemm(f, v, S, E, fc, false);
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

// ------------------------------------------------------------------------------------------ priors
// Analytic priors (cycles per unit of each feature), before any measurement:
//  Cortex-M4 (single-issue, 1-cycle MUL/MLA, 2-cycle loads, no cache on SRAM):
//    ref     ~8 cycles/MAC (two LDRSB + MLA + loop), opt2x2 ~4 (4 MACs share 4 loads),
//    opt4x2  ~3.5, dsp ~1.3 (SXTB16 + SMLAD: two MACs per instruction, 6-row blocks),
//    rv32 (portable unrolled C on Arm) ~5. Per call: 60-200 cycles of setup (blocking edges).
//    Requantized output: ~20 cycles (64-bit multiply, round, clamp, store, bias load);
//    int32-accumulated output: ~6. Softmax ~25/elem (max, i-exp LUT, sum, divide) + 40/row;
//    GELU ~15/elem; LayerNorm ~30/elem (two passes, division) + 250/row (isqrt);
//    add ~10/elem; int32 accumulator zero + requant ~20/elem; loop bodies 50-100;
//    per layer ~3000 (softmax exponential table, dispatch).
//  Cortex-M7 (dual issue, caches/TCM): ~0.6x the M4 MAC costs, ~0.7x the rest.
//  RV32IMC (no SIMD): ref ~10, opt2x2 ~6, opt4x2 ~5, dsp ~8 (portable SMLAD stand-ins),
//    rv32 ~4 cycles/MAC; the rest ~1.1x the M4 costs.
CostFeatures CostModel::prior_coefficients(const std::string &core) {
    CostFeatures c{};
    set_gemm_prior(c, TX_VARIANT_REF, 60, 8.0, 20, 6);
    set_gemm_prior(c, TX_VARIANT_OPT2X2, 120, 4.0, 18, 5);
    set_gemm_prior(c, TX_VARIANT_OPT4X2, 150, 3.5, 18, 5);
    set_gemm_prior(c, TX_VARIANT_DSP, 200, 1.3, 18, 5);
    set_gemm_prior(c, TX_VARIANT_RV32, 80, 5.0, 18, 5);
    c[feat::softmax_rows] = 40;
    c[feat::softmax_elems] = 25;
    c[feat::gelu_elems] = 15;
    c[feat::layernorm_rows] = 250;
    c[feat::layernorm_elems] = 30;
    c[feat::add_elems] = 10;
    c[feat::acc_elems] = 20;
    c[feat::head_iters] = 50;
    c[feat::attn_tiles] = 100;
    c[feat::ffn_tiles] = 50;
    c[feat::layers] = 3000;
    if (core == "cortex-m7") {
        for (size_t i = 0; i < kNumCostFeatures; ++i) {
            const bool mac = i < feat::kScalarBase && i % kGemmFeaturesPerVariant == 1;
            c[i] *= mac ? 0.6 : 0.7;
        }
    } else if (core.rfind("rv32", 0) == 0) {
        for (size_t i = 0; i < kNumCostFeatures; ++i) c[i] *= 1.1;
        c[feat::gemm_macs(TX_VARIANT_REF)] = 10;
        c[feat::gemm_macs(TX_VARIANT_OPT2X2)] = 6;
        c[feat::gemm_macs(TX_VARIANT_OPT4X2)] = 5;
        c[feat::gemm_macs(TX_VARIANT_DSP)] = 8;
        c[feat::gemm_macs(TX_VARIANT_RV32)] = 4;
    }
    return c;
}

CostModel CostModel::prior_for_core(const std::string &core, uint64_t clock_hz, double active_mw,
                                    const std::string &board_name) {
    CostModel m;
    m.board = board_name;
    m.core = core;
    m.clock_hz = clock_hz;
    m.active_mw = active_mw;
    m.prior = prior_coefficients(core);
    m.coef = m.prior;
    return m;
}

CostModel CostModel::prior_for(const agent::BoardProfile &b) {
    return prior_for_core(b.core, b.clock_hz, b.active_mw, b.name);
}

double CostModel::predict_cycles(const CostFeatures &f) const {
    double c = 0;
    for (size_t i = 0; i < kNumCostFeatures; ++i) c += f[i] * coef[i];
    return c;
}

double CostModel::energy_uj(double cycles) const {
    if (clock_hz == 0) return 0;
    return cycles / double(clock_hz) * active_mw * 1000.0;
}

CostErrorReport CostModel::evaluate(const std::vector<CostMeasurement> &points) const {
    CostErrorReport r;
    double sum = 0, sq = 0;
    for (const auto &p : points) {
        if (!(p.cycles > 0)) continue;
        const double e = std::abs(predict_cycles(p.features) - p.cycles) / p.cycles * 100.0;
        sum += e;
        sq += e * e;
        r.max_abs_pct = std::max(r.max_abs_pct, e);
        ++r.points;
    }
    if (r.points) {
        r.mape_pct = sum / double(r.points);
        r.rms_pct = std::sqrt(sq / double(r.points));
    }
    return r;
}

// ------------------------------------------------------------------------------------ calibration
namespace {

// Lawson-Hanson non-negative least squares: min ||A x - b||, x >= 0.
Eigen::VectorXd nnls(const Eigen::MatrixXd &A, const Eigen::VectorXd &b, size_t max_outer) {
    const Eigen::Index n = A.cols();
    Eigen::VectorXd x = Eigen::VectorXd::Zero(n);
    std::vector<bool> passive(size_t(n), false);
    const double tol = 1e-12 * std::max(1.0, A.norm() * b.norm());

    auto solve_passive = [&](Eigen::VectorXd &z) {
        std::vector<Eigen::Index> idx;
        for (Eigen::Index j = 0; j < n; ++j)
            if (passive[size_t(j)]) idx.push_back(j);
        z = Eigen::VectorXd::Zero(n);
        if (idx.empty()) return;
        Eigen::MatrixXd Ap(A.rows(), Eigen::Index(idx.size()));
        for (size_t c = 0; c < idx.size(); ++c) Ap.col(Eigen::Index(c)) = A.col(idx[c]);
        const Eigen::VectorXd zp = Ap.colPivHouseholderQr().solve(b);
        for (size_t c = 0; c < idx.size(); ++c) z[idx[c]] = zp[Eigen::Index(c)];
    };

    for (size_t outer = 0; outer < max_outer; ++outer) {
        const Eigen::VectorXd w = A.transpose() * (b - A * x);
        Eigen::Index best = -1;
        double wmax = tol;
        for (Eigen::Index j = 0; j < n; ++j)
            if (!passive[size_t(j)] && w[j] > wmax) {
                wmax = w[j];
                best = j;
            }
        if (best < 0) break;
        passive[size_t(best)] = true;
        for (size_t inner = 0; inner < size_t(3 * n + 3); ++inner) {
            Eigen::VectorXd z;
            solve_passive(z);
            bool all_pos = true;
            for (Eigen::Index j = 0; j < n; ++j)
                if (passive[size_t(j)] && z[j] <= 0) all_pos = false;
            if (all_pos) {
                x = z;
                break;
            }
            double alpha = 1.0;
            for (Eigen::Index j = 0; j < n; ++j)
                if (passive[size_t(j)] && z[j] <= 0) alpha = std::min(alpha, x[j] / (x[j] - z[j]));
            x += alpha * (z - x);
            for (Eigen::Index j = 0; j < n; ++j)
                if (passive[size_t(j)] && x[j] <= 1e-15) {
                    passive[size_t(j)] = false;
                    x[j] = 0;
                }
        }
    }
    return x;
}

} // namespace

// Unknowns u_j = coef_j / s_j with s_j = prior_j (so u = 1 is the prior and every column of the
// design matrix is "share of the measured cycles explained by feature j at prior cost").
// Rows: (x_i . (s*u)) / y_i = 1 (relative residuals), plus sqrt(ridge) * (u_j - 1) = 0 for the
// ridge toward the prior. Features never seen in the data keep their prior coefficient.
CostErrorReport CostModel::calibrate(const std::vector<CostMeasurement> &points,
                                     const CalibrationOptions &opt) {
    std::vector<const CostMeasurement *> pts;
    for (const auto &p : points)
        if (p.cycles > 0) pts.push_back(&p);
    if (pts.empty()) return {};
    bool prior_set = false;
    for (double v : prior) prior_set |= v > 0;
    if (!prior_set) prior = prior_coefficients(core);

    std::vector<size_t> cols;
    for (size_t j = 0; j < kNumCostFeatures; ++j) {
        bool seen = false;
        for (const auto *p : pts) seen |= p->features[j] != 0;
        if (seen) cols.push_back(j);
    }
    CostFeatures next = prior;
    if (!cols.empty()) {
        const Eigen::Index m = Eigen::Index(pts.size()), n = Eigen::Index(cols.size());
        const double lam = std::sqrt(std::max(0.0, opt.ridge));
        Eigen::MatrixXd A = Eigen::MatrixXd::Zero(m + n, n);
        Eigen::VectorXd b = Eigen::VectorXd::Zero(m + n);
        std::vector<double> scale(cols.size());
        for (size_t c = 0; c < cols.size(); ++c) scale[c] = prior[cols[c]] > 0 ? prior[cols[c]] : 1.0;
        for (Eigen::Index i = 0; i < m; ++i) {
            const auto &p = *pts[size_t(i)];
            for (Eigen::Index c = 0; c < n; ++c)
                A(i, c) = p.features[cols[size_t(c)]] * scale[size_t(c)] / p.cycles;
            b[i] = 1.0;
        }
        for (Eigen::Index c = 0; c < n; ++c) {
            A(m + c, c) = lam;
            b[m + c] = prior[cols[size_t(c)]] > 0 ? lam : 0.0;
        }
        const Eigen::VectorXd u = nnls(A, b, opt.max_iterations);
        for (Eigen::Index c = 0; c < n; ++c) next[cols[size_t(c)]] = u[c] * scale[size_t(c)];
    }
    coef = next;
    std::vector<CostMeasurement> copy;
    copy.reserve(pts.size());
    for (const auto *p : pts) copy.push_back(*p);
    calibration_error = evaluate(copy);
    calibration_points = pts.size();
    return calibration_error;
}

// ------------------------------------------------------------------------------------------- JSON
nlohmann::json CostModel::to_json() const {
    nlohmann::json c = nlohmann::json::object(), p = nlohmann::json::object();
    for (size_t i = 0; i < kNumCostFeatures; ++i) {
        c[cost_feature_name(i)] = coef[i];
        p[cost_feature_name(i)] = prior[i];
    }
    return {{"format", "tinytx.cost_model/1"},
            {"board", board},
            {"core", core},
            {"clock_hz", clock_hz},
            {"active_mw", active_mw},
            {"coefficients", c},
            {"prior", p},
            {"calibration",
             {{"points", calibration_points},
              {"mape_pct", calibration_error.mape_pct},
              {"max_abs_pct", calibration_error.max_abs_pct},
              {"rms_pct", calibration_error.rms_pct}}}};
}

std::optional<CostModel> CostModel::from_json(const nlohmann::json &j, std::string *error) {
    try {
        if (!j.is_object()) return fail(error, "not an object"), std::nullopt;
        if (j.value("format", "") != "tinytx.cost_model/1")
            return fail(error, "format: expected tinytx.cost_model/1"), std::nullopt;
        CostModel m;
        m.board = j.value("board", "");
        m.core = j.value("core", "");
        m.clock_hz = j.value("clock_hz", uint64_t(0));
        m.active_mw = j.value("active_mw", 0.0);
        m.prior = prior_coefficients(m.core);
        m.coef = m.prior;
        auto read = [&](const char *key, CostFeatures &dst) -> bool {
            if (!j.contains(key)) return true;
            const auto &o = j.at(key);
            if (!o.is_object()) return fail(error, std::string(key) + ": not an object"), false;
            for (const auto &[name, val] : o.items()) {
                const auto idx = cost_feature_index(name);
                if (!idx) return fail(error, std::string(key) + "." + name + ": unknown feature"), false;
                if (!val.is_number() || !(val.get<double>() >= 0) || !std::isfinite(val.get<double>()))
                    return fail(error, std::string(key) + "." + name + ": must be a number >= 0"), false;
                dst[*idx] = val.get<double>();
            }
            return true;
        };
        if (!read("prior", m.prior)) return std::nullopt;
        m.coef = m.prior;
        if (!read("coefficients", m.coef)) return std::nullopt;
        if (j.contains("calibration")) {
            const auto &c = j.at("calibration");
            m.calibration_points = c.value("points", size_t(0));
            m.calibration_error.points = m.calibration_points;
            m.calibration_error.mape_pct = c.value("mape_pct", 0.0);
            m.calibration_error.max_abs_pct = c.value("max_abs_pct", 0.0);
            m.calibration_error.rms_pct = c.value("rms_pct", 0.0);
        }
        return m;
    } catch (const std::exception &e) {
        fail(error, e.what());
        return std::nullopt;
    }
}

bool CostModel::save(const std::filesystem::path &p, std::string *error) const {
    std::error_code ec;
    if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
    const auto tmp = p.string() + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) return fail(error, "cannot write " + tmp), false;
        out << to_json().dump(2) << "\n";
        if (!out) return fail(error, "cannot write " + tmp), false;
    }
    std::filesystem::rename(tmp, p, ec);
    if (ec) return fail(error, "cannot rename to " + p.string() + ": " + ec.message()), false;
    return true;
}

std::optional<CostModel> CostModel::load(const std::filesystem::path &p, std::string *error) {
    std::ifstream in(p, std::ios::binary);
    if (!in) return fail(error, "cannot read " + p.string()), std::nullopt;
    std::stringstream ss;
    ss << in.rdbuf();
    const auto j = nlohmann::json::parse(ss.str(), nullptr, false);
    if (j.is_discarded()) return fail(error, p.string() + ": invalid JSON"), std::nullopt;
    std::string why;
    auto m = from_json(j, &why);
    if (!m) fail(error, p.string() + ": " + why);
    return m;
}

} // namespace tinytx::tuner
