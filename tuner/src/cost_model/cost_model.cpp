// CostModel: the linear cycle model over the work counts of features.cpp, starting from the priors
// of priors.cpp, its calibration (non-negative ridge least squares on relative residuals, Eigen),
// error reports and JSON persistence.
#include "tinytx/tuner/cost_model.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include <Eigen/Dense>
#include <nlohmann/json.hpp>

namespace tinytx::tuner {

CostModel CostModel::prior_for_core(const std::string &core, uint64_t clock_hz, double active_mw,
                                    const std::string &board_name) {
    CostModel m;
    m.board = board_name;
    m.core = core;
    m.clock_hz = clock_hz;
    m.active_mw = active_mw;
    m.prior = prior_coefficients(core);
    m.coef = m.prior;
    m.arena_rates = arena_access_rates(core);
    m.weight_rates = weight_load_rates(core);
    return m;
}

CostModel CostModel::prior_for(const platform::BoardProfile &b) {
    CostModel m = prior_for_core(b.core, b.clock_hz, b.active_mw, b.name);
    for (const platform::MemoryRegion &r : b.memory)
        if (platform::is_ram_kind(r.kind)) m.region_waits[r.name] = {double(r.timing.load_wait), double(r.timing.store_wait)};
    m.default_arena = b.emulator_arena;
    for (const platform::MemoryRegion &r : b.memory)
        if (r.kind == "flash" && !m.flash_load_wait) m.flash_load_wait = double(r.timing.load_wait);
    return m;
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
    std::vector<double> errs;
    for (const auto &p : points) {
        if (!(p.cycles > 0)) continue;
        const double e = std::abs(predict_cycles(p.features, p.placement, p.weights) - p.cycles) / p.cycles * 100.0;
        errs.push_back(e);
        sum += e;
        sq += e * e;
        r.max_abs_pct = std::max(r.max_abs_pct, e);
        ++r.points;
    }
    if (r.points) {
        r.mape_pct = sum / double(r.points);
        r.rms_pct = std::sqrt(sq / double(r.points));
        std::sort(errs.begin(), errs.end());
        const size_t h = errs.size() / 2;
        r.median_abs_pct = errs.size() % 2 ? errs[h] : 0.5 * (errs[h - 1] + errs[h]);
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
    // the default placement's cycles of every point: what the coefficients describe
    std::vector<CostMeasurement> at_default;
    for (const auto &p : points) {
        if (!(p.cycles > 0)) continue;
        CostMeasurement d = p;
        d.cycles = p.cycles - placement_cycles(p.features, p.placement) - weights_cycles(p.features, p.weights);
        d.placement.clear();
        d.weights.clear();
        if (d.cycles > 0) at_default.push_back(std::move(d));
    }
    std::vector<const CostMeasurement *> pts;
    for (const auto &p : at_default) pts.push_back(&p);
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
    for (const auto &p : points)
        if (p.cycles > 0) copy.push_back(p);
    calibration_error = evaluate(copy);
    calibration_points = pts.size();
    return calibration_error;
}

// ------------------------------------------------------------------------------------------- JSON
nlohmann::json CostModel::placement_json() const {
    nlohmann::json regions = nlohmann::json::object();
    for (const auto &[name, w] : region_waits) regions[name] = {{"load_wait", w.load}, {"store_wait", w.store}};
    nlohmann::json j = {{"default_arena", default_arena}, {"regions", regions}};
    if (flash_load_wait) j["flash_load_wait"] = *flash_load_wait;
    return j;
}

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
              {"rms_pct", calibration_error.rms_pct},
              {"median_abs_pct", calibration_error.median_abs_pct}}},
            {"placement", placement_json()}};
}

platform::Result<CostModel> CostModel::from_json(const nlohmann::json &j) {
    using platform::Status;
    try {
        if (!j.is_object()) return Status::corruption("not an object");
        if (j.value("format", "") != "tinytx.cost_model/1")
            return Status::corruption("format: expected tinytx.cost_model/1");
        CostModel m;
        m.board = j.value("board", "");
        m.core = j.value("core", "");
        m.clock_hz = j.value("clock_hz", uint64_t(0));
        m.active_mw = j.value("active_mw", 0.0);
        m.prior = prior_coefficients(m.core);
        m.coef = m.prior;
        auto read = [&](const char *key, CostFeatures &dst) -> Status {
            if (!j.contains(key)) return {};
            const auto &o = j.at(key);
            if (!o.is_object()) return Status::corruption(std::string(key) + ": not an object");
            for (const auto &[name, val] : o.items()) {
                const auto idx = cost_feature_index(name);
                if (!idx) return Status::corruption(std::string(key) + "." + name + ": unknown feature");
                if (!val.is_number() || !(val.get<double>() >= 0) || !std::isfinite(val.get<double>()))
                    return Status::corruption(std::string(key) + "." + name + ": must be a number >= 0");
                dst[*idx] = val.get<double>();
            }
            return {};
        };
        if (Status s = read("prior", m.prior); !s.ok()) return s;
        m.coef = m.prior;
        if (Status s = read("coefficients", m.coef); !s.ok()) return s;
        m.arena_rates = arena_access_rates(m.core);
        m.weight_rates = weight_load_rates(m.core);
        if (j.contains("placement")) {  // absent in models stored before region timing
            const auto &pl = j.at("placement");
            m.default_arena = pl.value("default_arena", "");
            if (pl.contains("flash_load_wait"))  // absent in models stored before the weights knob
                m.flash_load_wait = pl.value("flash_load_wait", 0.0);
            const nlohmann::json regions = pl.value("regions", nlohmann::json::object());
            for (const auto &[name, w] : regions.items())
                m.region_waits[name] = {w.value("load_wait", 0.0), w.value("store_wait", 0.0)};
        }
        if (j.contains("calibration")) {
            const auto &c = j.at("calibration");
            m.calibration_points = c.value("points", size_t(0));
            m.calibration_error.points = m.calibration_points;
            m.calibration_error.mape_pct = c.value("mape_pct", 0.0);
            m.calibration_error.max_abs_pct = c.value("max_abs_pct", 0.0);
            m.calibration_error.rms_pct = c.value("rms_pct", 0.0);
            m.calibration_error.median_abs_pct = c.value("median_abs_pct", 0.0);
        }
        return m;
    } catch (const nlohmann::json::exception &e) {  // a field of the wrong JSON type
        return Status::corruption(e.what());
    }
}

platform::Status CostModel::save(const std::filesystem::path &p) const {
    using platform::Status;
    std::error_code ec;
    if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
    const auto tmp = p.string() + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) return Status::io_error("cannot write " + tmp);
        out << to_json().dump(2) << "\n";
        if (!out) return Status::io_error("cannot write " + tmp);
    }
    std::filesystem::rename(tmp, p, ec);
    if (ec) return Status::io_error("cannot rename to " + p.string() + ": " + ec.message());
    return {};
}

platform::Result<CostModel> CostModel::load(const std::filesystem::path &p) {
    using platform::Status;
    std::ifstream in(p, std::ios::binary);
    if (!in) return Status::io_error("cannot read " + p.string());
    std::stringstream ss;
    ss << in.rdbuf();
    const auto j = nlohmann::json::parse(ss.str(), nullptr, false);
    if (j.is_discarded()) return Status::corruption(p.string() + ": invalid JSON");
    platform::Result<CostModel> m = from_json(j);
    if (!m.ok()) return Status::corruption(p.string() + ": " + m.status().message());
    return m;
}

} // namespace tinytx::tuner
