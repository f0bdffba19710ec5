// The cost model against the emulators (the tuner issue's acceptance criterion): per board, a
// seeded sample of design-space points over EEGFormer, ECGFormer and the 4-layer model is built
// and measured in process (the ISS; gap9 on the pulp cluster simulator over the cluster design
// space: single-core variants incl. xpulp, cluster layers on 1/2/4/8 cores, rows or heads split),
// split 70/30 into train and held-out points; after calibration on train, the median
// |predicted - measured| / measured on held-out must be <= 10%, on gap9 also over its held-out
// points whose layers all run on the cluster. On nucleo-h743zi the same sample measured with the
// arena in DTCM and in AXI SRAM: the placement's effect predicted within 15 %, median, and the
// held-out cycles of both placements within 10 % after calibration.
// Calibration must also get there from another core's prior (what a real board, whose cycles
// differ from the emulator's, asks of it). The priors alone must rank each model's points (they
// steer the guided search before any measurement).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <set>

#include "iss_sample.h"
#include "tinytx/platform/board_profile.h"

using namespace tinytx;
using namespace tinytx::tuner;

namespace {

constexpr size_t kPointsPerBoard = 36;
// gap9's cluster space has two more GEMM blocks (xpulp, cluster) and the cluster scalars to
// calibrate, and mixes three kinds of image (single-core, xpulp, cluster); its images build and
// run fast on pulp (about 30 s for the 120 from a cold builder cache on 2 cores)
constexpr size_t kPointsPerBoardCluster = 120;
constexpr uint32_t kSeed = 20240611;   // any fixed value: the sample and split are reproducible
constexpr double kTrainFraction = 0.7;
constexpr double kCriterionPct = 10.0; // median held-out error after calibration
constexpr double kMinRankCorrelation = 0.9;
// median |predicted - emulated| / emulated effect of moving the arena: the arena access rates are
// fitted (priors.cpp) to within about 6 % median on their loads; on this sample the effect comes
// out at 11.3 % median (4.9 % on the fit's own held-out points), so 15 % leaves room, not slack
constexpr double kPlacementEffectPct = 15.0;

// Spearman's rank correlation of two equally long series (no ties expected in cycle counts)
double spearman(const std::vector<double> &a, const std::vector<double> &b) {
    auto ranks = [](const std::vector<double> &v) {
        std::vector<size_t> idx(v.size());
        std::iota(idx.begin(), idx.end(), 0);
        std::sort(idx.begin(), idx.end(), [&](size_t i, size_t j) { return v[i] < v[j]; });
        std::vector<double> r(v.size());
        for (size_t i = 0; i < idx.size(); ++i) r[idx[i]] = double(i);
        return r;
    };
    const auto ra = ranks(a), rb = ranks(b);
    const double n = double(a.size());
    double d2 = 0;
    for (size_t i = 0; i < ra.size(); ++i) d2 += (ra[i] - rb[i]) * (ra[i] - rb[i]);
    return 1 - 6 * d2 / (n * (n * n - 1));
}

bool all_cluster(const Schedule &s) {
    return std::all_of(s.layers.begin(), s.layers.end(), [](const LayerKnobs &k) { return k.cores > 0; });
}

// The board's own prior, and a deliberately foreign one (another core's table, off by tens of
// percent, as the emulator-fitted priors may be on a real board): calibration must do the work.
// cluster: the board is measured on pulp with the cluster knobs, which the sample must cover.
// the seeded sample of one board over the three models
iss_sample::Spec sample_of(const std::string &board, size_t points) {
    iss_sample::Spec spec;
    spec.boards = {board};
    spec.models = {"eegformer", "ecgformer", "tiny4"};
    spec.models_dir = TINYTX_MODELS_DIR;
    spec.boards_dir = TINYTX_BOARDS_DIR;
    spec.cache_dir = TINYTX_BUILDER_CACHE;
    spec.points_per_board = points;
    spec.seed = kSeed;
    spec.jobs = 2;
    return spec;
}

void check_board(const std::string &board, const std::string &foreign_core, bool cluster = false) {
    const size_t n_points = cluster ? kPointsPerBoardCluster : kPointsPerBoard;
    const iss_sample::Spec spec = sample_of(board, n_points);
    const auto res = iss_sample::measure(spec);
    ASSERT_TRUE(res.ok()) << res.error;
    ASSERT_EQ(res.points.size(), n_points);
    std::printf("[iss] %s: %zu points measured on %s in %.1f s (%zu images built, %zu cached)\n", board.c_str(),
                res.points.size(), res.points.front().backend.c_str(), res.seconds, res.built, res.cache_hits);
    // the cluster points: every layer on the cluster (the labels are schedule hashes)
    std::set<std::string> cluster_labels;
    std::set<int32_t> core_counts;
    std::set<ClusterSplit> splits;
    for (const auto &p : res.points) {
        for (const auto &k : p.schedule.layers)
            if (k.cores > 0) core_counts.insert(k.cores), splits.insert(k.split);
        if (all_cluster(p.schedule)) cluster_labels.insert(p.m.label);
    }
    if (cluster) {
        EXPECT_EQ(res.points.front().backend, "pulp");
        EXPECT_GE(cluster_labels.size(), n_points / 5) << "cluster points in the sample";
        EXPECT_EQ(core_counts, (std::set<int32_t>{1, 2, 4, 8})) << "core counts in the sample";
        EXPECT_EQ(splits.size(), 2u) << "rows and heads splits in the sample";
        std::printf("[iss] %s: %zu of the points run every layer on the cluster\n", board.c_str(),
                    cluster_labels.size());
    }
    auto of_cluster = [&](const std::vector<CostMeasurement> &v) {
        std::vector<CostMeasurement> out;
        for (const auto &m : v)
            if (cluster_labels.count(m.label)) out.push_back(m);
        return out;
    };

    std::vector<CostMeasurement> train, held;
    iss_sample::split(res.points, kTrainFraction, kSeed, train, held);
    ASSERT_GE(held.size(), 9u);

    const auto profile = platform::BoardCatalog::load_dir(TINYTX_BOARDS_DIR).get(board);
    CostModel m = CostModel::prior_for(profile);
    // ranking within a model is what the guided search needs (across models it is trivial)
    double rho = 1;
    for (const auto &model : spec.models) {
        std::vector<double> pred, meas;
        for (const auto &p : res.points)
            if (p.model == model) {
                pred.push_back(m.predict_cycles(p.m.features));
                meas.push_back(p.m.cycles);
            }
        rho = std::min(rho, spearman(pred, meas));
    }
    const auto prior = m.evaluate(held);
    const auto prior_cl = m.evaluate(of_cluster(held));
    const auto fit = m.calibrate(train);
    const auto cal = m.evaluate(held);
    const auto cal_cl = m.evaluate(of_cluster(held));
    std::printf("[iss] %s: prior    held-out median %6.2f%%  max %6.2f%%  (rank correlation per model >= %.3f)\n",
                board.c_str(), prior.median_abs_pct, prior.max_abs_pct, rho);
    std::printf("[iss] %s: calibrated on %zu (train median %.2f%%): held-out (%zu) median %6.2f%%  max %6.2f%%\n",
                board.c_str(), train.size(), fit.median_abs_pct, held.size(), cal.median_abs_pct, cal.max_abs_pct);
    if (cluster) {
        std::printf("[iss] %s: cluster points held out (%zu): prior median %6.2f%%  max %6.2f%%; calibrated median "
                    "%6.2f%%  max %6.2f%%\n",
                    board.c_str(), cal_cl.points, prior_cl.median_abs_pct, prior_cl.max_abs_pct,
                    cal_cl.median_abs_pct, cal_cl.max_abs_pct);
        EXPECT_GE(cal_cl.points, 3u) << "cluster points held out";
        EXPECT_LE(cal_cl.median_abs_pct, kCriterionPct) << "calibrated held-out median error on " << board
                                                        << "'s cluster points";
    }

    CostModel f = CostModel::prior_for_core(foreign_core, profile.clock_hz, profile.active_mw, board);
    const auto fprior = f.evaluate(held);
    f.calibrate(train);
    const auto fcal = f.evaluate(held);
    std::printf("[iss] %s: from the %s prior (held-out median %.2f%%), calibrated: median %6.2f%%  max %6.2f%%\n",
                board.c_str(), foreign_core.c_str(), fprior.median_abs_pct, fcal.median_abs_pct, fcal.max_abs_pct);

    EXPECT_LE(cal.median_abs_pct, kCriterionPct) << "calibrated held-out median error on " << board;
    EXPECT_LE(fcal.median_abs_pct, kCriterionPct) << "held-out median error on " << board
                                                  << " after calibrating from the " << foreign_core << " prior";
    EXPECT_GE(rho, kMinRankCorrelation) << "the priors mis-rank the sample on " << board;
}

// Arena placement on the H7 (DTCM zero wait, AXI SRAM with the profile's wait states): every
// sampled point is measured with the arena in each region; the prior model, told the placement,
// must predict what the move adds (the emulated difference of each twin pair) and, calibrated on
// train points of both placements, the held-out cycles.
void check_placement(const std::string &board) {
    iss_sample::Spec spec = sample_of(board, kPointsPerBoard);
    spec.placements = true;
    const auto res = iss_sample::measure(spec);
    ASSERT_TRUE(res.ok()) << res.error;
    const auto profile = platform::BoardCatalog::load_dir(TINYTX_BOARDS_DIR).get(board);
    CostModel m = CostModel::prior_for(profile);
    std::vector<double> effect_err;
    size_t moved = 0;
    for (const auto &q : res.points) {
        if (q.m.placement.empty()) continue;
        ++moved;
        for (const auto &p : res.points)
            if (p.m.label == q.m.label && p.m.placement.empty()) {
                const double emulated = q.m.cycles - p.m.cycles;
                const double predicted = m.placement_cycles(q.m.features, q.m.placement);
                ASSERT_NE(emulated, 0) << "placement must change the emulated cycles on " << board;
                effect_err.push_back(std::abs(predicted - emulated) / std::abs(emulated) * 100.0);
            }
    }
    ASSERT_EQ(moved, kPointsPerBoard) << "one other RAM-like region per point";
    std::sort(effect_err.begin(), effect_err.end());
    const double effect_median = effect_err[effect_err.size() / 2];
    std::vector<CostMeasurement> train, held;
    iss_sample::split(res.points, kTrainFraction, kSeed, train, held);
    m.calibrate(train);
    const auto cal = m.evaluate(held);
    std::printf("[iss] %s placement: predicted effect of the arena's move vs emulated over %zu points: median "
                "%.2f%%, max %.2f%%; calibrated on %zu: held-out (%zu, both placements) median %6.2f%%  max %6.2f%%\n",
                board.c_str(), effect_err.size(), effect_median, effect_err.back(), train.size(), held.size(),
                cal.median_abs_pct, cal.max_abs_pct);
    EXPECT_LE(effect_median, kPlacementEffectPct) << "predicted placement effect on " << board;
    EXPECT_LE(cal.median_abs_pct, kCriterionPct) << "calibrated held-out median error with placement on " << board;
}

} // namespace

TEST(CostModelIss, NucleoH743ziPlacement) { check_placement("nucleo-h743zi"); }
TEST(CostModelIss, NucleoH743zi) { check_board("nucleo-h743zi", "cortex-m4"); }
TEST(CostModelIss, NucleoL476rg) { check_board("nucleo-l476rg", "cortex-m7"); }
TEST(CostModelIss, Gap9Cluster) { check_board("gap9", "cortex-m7", true); }
