// The analyze report (analyze_report.h).
#include "tinytx/tuner/analyze_report.h"

#include <iomanip>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tinytx/tuner/cost_model.h"
#include "tinytx/tuner/display_units.h"
#include "tinytx/tuner/memory_planner.h"
#include "tinytx/tuner/tuning.h"

namespace tinytx::tuner {
namespace {

using nlohmann::json;

// MACs of one layer: the MHSA (docs/NUMERICS.md; fused-weight attention forms x.W_h per head)
// and the FFN's two linears
uint64_t layer_macs(const tx_encoder_dims &d, const LayerKnobs &k)
{
    const uint64_t S = d.S, E = d.E, H = d.H, P = d.P, F = d.F;
    const uint64_t mhsa = k.attention == AttentionMode::kFused
                              ? H * (S * E * E + S * S * E) + 2 * S * E * P * H + S * S * P * H
                              : 4 * S * E * P * H + 2 * S * S * P * H;
    return mhsa + 2 * S * E * F;
}

template <class T>
uint64_t bytes_of(const std::vector<T> &v)
{
    return v.size() * sizeof(T);
}

// the layer's tensors as the generated C holds them for these knobs (requantization tables aside)
uint64_t layer_weight_bytes(const EncoderLayer &l, const LayerKnobs &k)
{
    uint64_t n = bytes_of(l.wq) + bytes_of(l.wk) + bytes_of(l.wv) + bytes_of(l.wo) + bytes_of(l.bq) + bytes_of(l.bk) +
                 bytes_of(l.bv) + bytes_of(l.bo) + bytes_of(l.w1) + bytes_of(l.b1) + bytes_of(l.w2) + bytes_of(l.b2) +
                 bytes_of(l.ln1_gamma) + bytes_of(l.ln1_beta) + bytes_of(l.ln2_gamma) + bytes_of(l.ln2_beta);
    if (k.attention == AttentionMode::kFused && l.fused)
        n += bytes_of(l.fused->wf) + bytes_of(l.fused->bf);
    return n;
}

std::string in_unit(Quantity q, double v)
{
    const DisplayUnit u = display_unit(q, v);
    return three_figures(v / u.scale) + " " + u.name;
}

std::string millions(double v)
{
    return three_figures(v / 1e6) + " M";
}

} // namespace

std::string analyze_report(const Model &m, const Schedule &s, const platform::BoardProfile &board,
                           const json &best_point, const json &import_accuracy)
{
    std::ostringstream o;
    const platform::Result<MemoryPlan> plan = plan_memory(m, s);
    const CostModel cm = CostModel::prior_for(board);
    const double measured = best_point.is_object() ? best_point.value("latency_cycles", 0.0) : 0.0;
    const std::string source = best_point.is_object() ? best_point.value("source", std::string("?")) : "?";

    // each layer's share of the cycles, as the board's prior cost model divides them
    std::vector<double> predicted(s.layers.size());
    double predicted_sum = 0;
    for (size_t i = 0; i < s.layers.size(); ++i) {
        Schedule one = s;
        one.layers = {s.layers[i]};
        predicted_sum += predicted[i] = cm.predict_cycles(schedule_features(m.dims, one));
    }

    o << "analyze: " << m.name << " on " << board.name << " (" << board.core << ", "
      << three_figures(board.clock_hz / 1e6) << " MHz), " << m.layers.size() << " encoder layer(s), S=" << m.dims.S
      << " E=" << m.dims.E << " H=" << m.dims.H << " P=" << m.dims.P << " F=" << m.dims.F
      << (m.norm == TX_NORM_PRE ? ", pre-norm" : ", post-norm") << "\n\n";
    o << std::left << std::setw(6) << "layer" << std::setw(10) << "attention" << std::setw(17) << "MHSA"
      << std::setw(8) << "GEMM" << std::setw(10) << "FFN tile" << std::right << std::setw(10) << "MACs"
      << std::setw(12) << "weights" << std::setw(12) << "scratch" << std::setw(18) << "cycles (share)" << "\n";
    uint64_t macs = 0, weights = 0;
    for (size_t i = 0; i < s.layers.size(); ++i) {
        const LayerKnobs &k = s.layers[i];
        const uint64_t lm = layer_macs(m.dims, k), lw = layer_weight_bytes(m.layers.at(i), k);
        macs += lm;
        weights += lw;
        std::string sched = mhsa_name(k.mhsa);
        if (k.mhsa == MhsaSchedule::kDepthfirst)
            sched += " T=" + std::to_string(k.tile_rows);
        const double share = predicted_sum > 0 ? predicted[i] / predicted_sum : 0;
        std::ostringstream cyc;
        cyc << (measured > 0 ? millions(share * measured) : millions(predicted[i])) << " ("
            << static_cast<int>(100 * share + 0.5) << " %)";
        o << std::left << std::setw(6) << i << std::setw(10) << attention_name(k.attention) << std::setw(17) << sched
          << std::setw(8) << tx_variant_name(k.variant)
          << std::setw(10) << (k.ffn_tile ? std::to_string(k.ffn_tile) : std::string("untiled")) << std::right
          << std::setw(10) << millions(double(lm)) << std::setw(12) << in_unit(Quantity::kBytes, double(lw))
          << std::setw(12)
          << (plan.ok() ? in_unit(Quantity::kBytes, double(plan->layers[i].scratch_size)) : std::string("?"))
          << std::setw(18) << cyc.str() << "\n";
    }
    // the network's ends run in network.c around the layers: no knobs, no cycles of their own here
    const auto end_row = [&](const std::string &what, uint64_t end_macs, uint64_t end_weights) {
        macs += end_macs;
        weights += end_weights;
        o << std::left << std::setw(51) << what << std::right << std::setw(10) << millions(double(end_macs))
          << std::setw(12) << in_unit(Quantity::kBytes, double(end_weights)) << "\n";
    };
    const uint64_t E = static_cast<uint64_t>(m.dims.E);
    if (m.prelude)
        end_row("embedding", uint64_t(m.prelude->tokens) * uint64_t(m.prelude->features) * E,
                m.prelude->we.size() + 4 * m.prelude->be.size() + m.prelude->cls.size() + m.prelude->pos.size());
    if (m.final_norm) {
        // one row with CLS or last-token pooling (NUMERICS.md "Final LayerNorm"), else every row
        const uint64_t rows = m.head && m.head->pool != TX_POOL_MEAN ? 1 : static_cast<uint64_t>(m.dims.S);
        end_row("final LayerNorm", rows * E, m.final_norm->gamma.size() + 4 * m.final_norm->beta.size());
    }
    if (m.head)
        end_row(std::string("head (") + (m.head->pool == TX_POOL_MEAN ? "mean" : m.head->pool == TX_POOL_FIRST
                                                                                    ? "CLS"
                                                                                    : "last token") +
                    " pooling)",
                uint64_t(m.head->classes) * E, m.head->wh.size() + 4 * m.head->bh.size());
    o << "\ntotal: " << millions(double(macs)) << " MACs, weights " << in_unit(Quantity::kBytes, double(weights));
    if (plan.ok())
        o << ", arena " << in_unit(Quantity::kBytes, double(plan->peak_bytes)) << " (two activation buffers of "
          << in_unit(Quantity::kBytes, double(plan->activation_bytes)) << " and the largest scratch)";
    o << "\n";
    if (measured > 0)
        o << "cycles: " << millions(measured) << " " << source << " = "
          << in_unit(Quantity::kMicroseconds, measured / (board.clock_hz / 1e6)) << " at "
          << three_figures(board.clock_hz / 1e6) << " MHz, " << three_figures(double(macs) / measured)
          << " MAC/cycle; the per-layer split is the board's cost model's, not measured per layer\n";
    if (best_point.is_object() && best_point.value("flash_bytes", uint64_t(0)) > 0)
        o << "flash: the image " << in_unit(Quantity::kBytes, best_point.value("flash_bytes", 0.0))
          << " (code, weights, tables)\n";
    if (import_accuracy.is_object()) {
        o << "accuracy against the float model (tinytx-import):\n";
        for (const auto &[set, modes] : import_accuracy.items())
            for (const auto &[mode, a] : modes.items()) {
                o << "  " << set << " (" << a.value("samples", 0) << "), " << mode << ": cosine " << std::fixed
                  << std::setprecision(5) << a.value("cosine", 0.0) << std::defaultfloat;
                if (a.contains("int8_top1"))
                    o << ", top-1 int8 " << three_figures(100 * a.value("int8_top1", 0.0)) << " % (float "
                      << three_figures(100 * a.value("float_top1", 0.0)) << " %)";
                o << "\n";
            }
    }
    return o.str();
}

} // namespace tinytx::tuner
