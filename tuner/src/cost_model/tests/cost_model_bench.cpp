// tinytx_cost_model_bench: how well the cost model predicts the emulators (the ISS; gap9 on the
// pulp cluster simulator), per board, before and after calibration, on held-out points of a seeded
// design-space sample (the figures of the closing note). --dump writes every point (knobs,
// features, per-layer features, cycles) as JSON for offline analysis; --fit prints the
// coefficients fitted to all points next to
// the priors (how the priors were derived, on seed 1: the default seed is another one, so the
// held-out figures are out of that sample). --placements also measures every ISS point with the
// arena in the board's other RAM-like regions (the held-out error then covers placement, and the
// predicted placement effect is compared with the emulated one); --fit-arena-rates counts each
// point's arena loads and stores exactly and prints the rates of priors.cpp fitted to them;
// --weights measures every ISS point again with its weights in the board's fastest RAM (the
// held-out error then covers it, and the predicted effect is compared with the emulated one), and
// --fit-weight-rates prints the weight-load rates of priors.cpp fitted to their exact counts.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "iss_sample.h"
#include "tinytx/platform/board_profile.h"

using namespace tinytx;
using namespace tinytx::tuner;

namespace {

std::vector<std::string> split_list(const std::string &s) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    for (std::string item; std::getline(ss, item, ',');)
        if (!item.empty()) out.push_back(item);
    return out;
}

int usage(const char *argv0) {
    std::fprintf(stderr,
                 "usage: %s [--boards b1,b2] [--models m1,m2] [--per-board N] [--seed S]\n"
                 "          [--train-fraction F] [--jobs J] [--cache DIR] [--models-dir DIR] [--dump FILE]\n"
                 "          [--ridge R] [--prior-core CORE] [--fit [--fit-ridge R]] [--placements]\n"
                 "          [--fit-arena-rates] [--weights [--fit-weight-rates]]\n"
                 "defaults: --boards nucleo-h743zi,nucleo-l476rg,gap9 --models eegformer,ecgformer,tiny4\n"
                 "          --per-board 36 --seed 2 --train-fraction 0.7 --jobs 2 (the priors were fitted on seed 1)\n",
                 argv0);
    return 2;
}

// Fits every coefficient the points determine (ridge toward the current prior, which keeps the
// directions the sample cannot separate where they were) and prints the result as priors.cpp rows.
void print_fit(const std::string &board, const std::string &core, const CostModel &prior,
               const std::vector<CostMeasurement> &all, double ridge) {
    CostModel fit = prior;
    CalibrationOptions o;
    o.ridge = ridge;
    const auto rep = fit.calibrate(all, o);
    std::printf("\n%s (%s): fit to all %zu points (ridge %g): median %.2f%%, max %.2f%%\n", board.c_str(),
                core.c_str(), rep.points, ridge, rep.median_abs_pct, rep.max_abs_pct);
    for (size_t v = 0; v < kCostVariants; ++v) {
        bool seen = false;
        for (const auto &p : all) seen |= p.features[feat::gemm_calls(tx_variant(v))] != 0;
        if (!seen) continue;
        // "gemm_calls.<variant>" -> TX_VARIANT_<VARIANT>, or kClusterGemm
        std::string name = cost_feature_name(feat::gemm_calls(tx_variant(v)));
        name = name.substr(name.find('.') + 1);
        for (char &ch : name) ch = char(std::toupper(static_cast<unsigned char>(ch)));
        if (tx_variant(v) == kClusterGemm) name = "kClusterGemm";
        else name = "TX_VARIANT_" + name;
        std::printf("    {%s,", name.c_str());
        for (size_t g = 0; g < kGemmFeaturesPerVariant; ++g)
            std::printf(" %.3g%s", fit.coef[v * kGemmFeaturesPerVariant + g], g + 1 < kGemmFeaturesPerVariant ? "," : "},\n");
    }
    for (size_t j = feat::kScalarBase; j < kNumCostFeatures; ++j)
        std::printf("    %-16s %.3g   (prior %.3g)\n", cost_feature_name(j).c_str(), fit.coef[j], prior.coef[j]);
}

// Arena loads and stores per unit of each feature, fitted (non-negative, relative residuals) to the
// exact counts; printed as priors.cpp's Rates tables.
// Access counts per unit of work fitted to `counts` (their cycles are the counts), printed as a
// priors.cpp table `name`.
void print_rates(const std::string &board, const std::string &core, const std::string &name,
                 const std::vector<CostMeasurement> &counts, double ridge) {
    CostModel fit = CostModel::prior_for_core(core, 0, 0);
    for (double &v : fit.prior) v *= 0.25;  // a positive scale per feature for the ridge
    fit.coef = fit.prior;
    CalibrationOptions o;
    o.ridge = ridge;
    const auto rep = fit.calibrate(counts, o);
    std::printf("\n%s %s per unit of work: fit to %zu points, median %.2f%%, max %.2f%%\n", board.c_str(), name.c_str(),
                rep.points, rep.median_abs_pct, rep.max_abs_pct);
    std::printf("const Rates %s = {", name.c_str());
    for (size_t j = 0; j < kNumCostFeatures; ++j) {
        bool seen = false;  // features the sample never exercises keep the scale, not a rate
        for (const auto &c : counts) seen |= c.features[j] != 0;
        if (seen && fit.coef[j] >= 1e-4) std::printf("{\"%s\", %.4g}, ", cost_feature_name(j).c_str(), fit.coef[j]);
    }
    std::printf("};\n");
}

void print_arena_rates(const std::string &board, const platform::BoardProfile &profile,
                       const std::vector<iss_sample::Point> &pts, double ridge) {
    for (const bool loads : {true, false}) {
        std::vector<CostMeasurement> counts;
        for (const auto &p : pts) {
            if (!p.m.placement.empty() || !p.m.weights.empty()) continue;
            CostMeasurement c = p.m;
            c.cycles = loads ? p.arena_loads : p.arena_stores;
            counts.push_back(c);
        }
        print_rates(board, profile.core, loads ? "kArenaLoads" : "kArenaStores", counts, ridge);
    }
}

void print_weight_rates(const std::string &board, const platform::BoardProfile &profile,
                        const std::vector<iss_sample::Point> &pts, double ridge) {
    std::vector<CostMeasurement> counts;
    for (const auto &p : pts) {
        if (p.m.weights.empty()) continue;
        CostMeasurement c = p.m;
        c.cycles = p.weight_loads;
        c.weights.clear();
        counts.push_back(c);
    }
    print_rates(board, profile.core, "kWeightLoads", counts, ridge);
}

// Held-out points measured with the arena elsewhere ("placement") or the weights in RAM
// ("weights"): the predicted effect of the move against the emulated one (the point's cycles less
// those of its twin with the arena in the default region and the weights in flash).
void print_effect(const char *what, const CostModel &m, const std::vector<iss_sample::Point> &pts,
                  const std::vector<CostMeasurement> &held) {
    const bool weights = std::string(what) == "weights";
    std::vector<double> errs;
    for (const auto &h : held) {
        if ((weights ? h.weights : h.placement).empty()) continue;
        for (const auto &p : pts) {
            if (p.m.label != h.label || !p.m.placement.empty() || !p.m.weights.empty()) continue;
            const double measured = h.cycles - p.m.cycles,
                         predicted = weights ? m.weights_cycles(h.features, h.weights)
                                             : m.placement_cycles(h.features, h.placement);
            if (measured != 0) errs.push_back(std::abs(predicted - measured) / std::abs(measured) * 100.0);
        }
    }
    if (errs.empty()) return;
    std::sort(errs.begin(), errs.end());
    std::printf("%-15s %s effect of %zu held-out points: |predicted - emulated| / emulated median %.2f%%, max %.2f%%\n",
                "", what, errs.size(), errs[errs.size() / 2], errs.back());
}

} // namespace

int main(int argc, char **argv) {
    iss_sample::Spec spec;
    spec.boards = {"nucleo-h743zi", "nucleo-l476rg", "gap9"};
    spec.models = {"eegformer", "ecgformer", "tiny4"};
    spec.models_dir = TINYTX_MODELS_DIR;
    spec.boards_dir = TINYTX_BOARDS_DIR;
    spec.cache_dir = TINYTX_BUILDER_CACHE;
    spec.seed = 2;
    double train_fraction = 0.7;
    std::string dump;
    bool fit = false, fit_weight_rates = false;
    double ridge = -1;        // calibration ridge; < 0: CalibrationOptions' default
    std::string prior_core;   // start calibration from another core's prior (a deliberately wrong one)
    double fit_ridge = 1e-3;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto val = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "%s needs a value\n", a.c_str());
                std::exit(usage(argv[0]));
            }
            return argv[++i];
        };
        if (a == "--boards") spec.boards = split_list(val());
        else if (a == "--models") spec.models = split_list(val());
        else if (a == "--per-board") spec.points_per_board = std::strtoul(val().c_str(), nullptr, 10);
        else if (a == "--seed") spec.seed = uint32_t(std::strtoul(val().c_str(), nullptr, 10));
        else if (a == "--train-fraction") train_fraction = std::strtod(val().c_str(), nullptr);
        else if (a == "--jobs") spec.jobs = unsigned(std::strtoul(val().c_str(), nullptr, 10));
        else if (a == "--cache") spec.cache_dir = val();
        else if (a == "--models-dir") spec.models_dir = val();
        else if (a == "--dump") dump = val();
        else if (a == "--fit") fit = true;
        else if (a == "--prior-core") prior_core = val();
        else if (a == "--ridge") ridge = std::strtod(val().c_str(), nullptr);
        else if (a == "--fit-ridge") fit_ridge = std::strtod(val().c_str(), nullptr);
        else if (a == "--placements") spec.placements = true;
        else if (a == "--fit-arena-rates") spec.arena_accesses = true;
        else if (a == "--weights") spec.weights = true;
        else if (a == "--fit-weight-rates") fit_weight_rates = true;
        else return usage(argv[0]);
    }
    if (spec.boards.empty() || spec.models.empty() || spec.points_per_board < 2 || !(train_fraction > 0) ||
        !(train_fraction < 1) || spec.jobs == 0)
        return usage(argv[0]);

    const auto res = iss_sample::measure(spec);
    std::printf("measured %zu points in %.1f s (%zu images built, %zu from the cache)\n", res.points.size(),
                res.seconds, res.built, res.cache_hits);
    if (!res.ok()) {
        std::fprintf(stderr, "error: %s\n", res.error.c_str());
        return 1;
    }
    const auto catalog = platform::BoardCatalog::load_dir(spec.boards_dir.string());

    std::printf("\nheld-out |predicted - measured| / measured (emulated cycles), seed %u, train fraction %.2f, "
                "prior: %s\n",
                spec.seed, train_fraction, prior_core.empty() ? "the board's core" : prior_core.c_str());
    std::printf("%-15s %5s %5s | %9s %9s | %9s %9s\n", "board", "train", "held", "prior med", "prior max",
                "calib med", "calib max");
    nlohmann::json out = nlohmann::json::array();
    for (const auto &b : spec.boards) {
        const auto pts = iss_sample::of_board(res.points, b);
        std::vector<CostMeasurement> train, held;
        iss_sample::split(pts, train_fraction, spec.seed, train, held);
        const auto &profile = catalog.get(b);
        CostModel m = CostModel::prior_for(profile);
        if (!prior_core.empty()) m.prior = m.coef = CostModel::prior_coefficients(prior_core);
        const auto prior = m.evaluate(held);
        CalibrationOptions co;
        if (ridge >= 0) co.ridge = ridge;
        m.calibrate(train, co);
        const auto cal = m.evaluate(held);
        std::printf("%-15s %5zu %5zu | %8.2f%% %8.2f%% | %8.2f%% %8.2f%%\n", b.c_str(), train.size(), held.size(),
                    prior.median_abs_pct, prior.max_abs_pct, cal.median_abs_pct, cal.max_abs_pct);
        print_effect("placement", m, pts, held);
        print_effect("weights", m, pts, held);
        if (spec.arena_accesses && iss_sample::backend_for(profile) == "iss") print_arena_rates(b, profile, pts, fit_ridge);
        if (fit_weight_rates && spec.weights) print_weight_rates(b, profile, pts, fit_ridge);
        if (fit) {
            std::vector<CostMeasurement> all;
            for (const auto &p : pts) all.push_back(p.m);
            print_fit(b, catalog.get(b).core, CostModel::prior_for(catalog.get(b)), all, fit_ridge);
        }
        if (!dump.empty()) {
            const CostModel p0 = CostModel::prior_for(catalog.get(b));
            for (const auto &p : pts) {
                nlohmann::json f = nlohmann::json::object();
                for (size_t j = 0; j < kNumCostFeatures; ++j)
                    if (p.m.features[j] != 0) f[cost_feature_name(j)] = p.m.features[j];
                nlohmann::json per_layer = nlohmann::json::array();
                for (const auto &k : p.schedule.layers) {
                    const CostFeatures lf = layer_features(p.dims, k);
                    nlohmann::json o = nlohmann::json::object();
                    for (size_t j = 0; j < kNumCostFeatures; ++j)
                        if (lf[j] != 0) o[cost_feature_name(j)] = lf[j];
                    per_layer.push_back(std::move(o));
                }
                out.push_back({{"board", p.board},
                               {"model", p.model},
                               {"backend", p.backend},
                               {"layer_features", per_layer},
                               {"schedule", to_json(p.schedule)},
                               {"features", f},
                               {"cycles", p.m.cycles},
                               {"instructions", p.instructions},
                               {"prior_cycles", p0.predict_cycles(p.m.features)}});
            }
        }
    }
    if (!dump.empty()) {
        std::ofstream(dump) << out.dump(1) << "\n";
        std::printf("\nwrote %zu points to %s\n", out.size(), dump.c_str());
    }
    return 0;
}
