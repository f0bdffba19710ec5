#include "tinytx/tuner/design_space.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <stdexcept>

#include "tinytx/tuner/memory_planner.h"

namespace tinytx::tuner {

std::vector<int32_t> DesignSpace::tile_rows_choices(int32_t S)
{
    const int32_t cands[] = {1, 2, 4, 8, static_cast<int32_t>(std::lround(std::sqrt(double(S)))),
                             S / 4, S / 2};
    std::vector<int32_t> out;
    for (int32_t t : cands)
        if (t >= 1 && t <= S - 1)
            out.push_back(t);
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

std::vector<int32_t> DesignSpace::ffn_tile_choices(int32_t F)
{
    std::vector<int32_t> out{0};
    for (int32_t t : {F / 8, F / 4, F / 2})
        if (t >= 1 && t <= F - 1)
            out.push_back(t);
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

std::vector<tx_variant> DesignSpace::variant_choices(const std::string &core, bool cluster)
{
    std::vector<tx_variant> v{TX_VARIANT_REF, TX_VARIANT_OPT2X2, TX_VARIANT_OPT4X2};
    if (core == "cortex-m4" || core == "cortex-m7")
        v.push_back(TX_VARIANT_DSP);
    if (core == "rv32imc")
        v.push_back(TX_VARIANT_RV32);
    if (cluster)
        v.push_back(TX_VARIANT_XPULP);
    return v;
}

std::vector<int32_t> DesignSpace::cores_choices(int32_t cluster_cores)
{
    std::vector<int32_t> out;
    for (int32_t c : {1, 2, 4, 8})
        if (c <= cluster_cores)
            out.push_back(c);
    return out;
}

namespace {

constexpr uint64_t kMaxSize = uint64_t(1) << 63;

// a^n, or nullopt above kMaxSize
std::optional<uint64_t> checked_pow(uint64_t a, size_t n)
{
    uint64_t r = 1;
    for (size_t i = 0; i < n; ++i) {
        if (a != 0 && r > kMaxSize / a)
            return std::nullopt;
        r *= a;
    }
    return r;
}

} // namespace

platform::Result<DesignSpace> DesignSpace::create(const Model &m, const platform::BoardProfile &b, SpaceMode mode,
                                                  const SpaceOptions &opt)
{
    // the cluster kernels compose post-norm layers only (encoder_cluster.c)
    SpaceOptions o = opt;
    if (m.norm == TX_NORM_PRE)
        o.cluster_cores = 0;
    return create(m.name, m.dims, m.layers.size(), m.has_fused(), b, mode, o);
}

platform::Result<DesignSpace> DesignSpace::create(const std::string &model_name, const tx_encoder_dims &d,
                                                  size_t n_layers, bool has_fused,
                                                  const platform::BoardProfile &b, SpaceMode mode,
                                                  const SpaceOptions &opt)
{
    if (d.S < 2 || d.E <= 0 || d.H <= 0 || d.P <= 0 || d.F <= 0)
        return platform::Status::invalid_argument("dims: S must be >= 2 and E, H, P, F positive");
    if (n_layers == 0)
        return platform::Status::invalid_argument("layers: the model has no layers");
    DesignSpace s;
    s.model_ = model_name;
    s.board_name_ = b.name;
    s.core_ = b.core;
    s.dims_ = d;
    s.n_layers_ = n_layers;
    s.has_fused_ = has_fused;
    s.mode_ = mode;
    s.opt_ = opt;

    std::vector<AttentionMode> modes{AttentionMode::kStandard};
    if (has_fused)
        modes.push_back(AttentionMode::kFused);
    const auto tiles = tile_rows_choices(d.S);
    const auto ffns = ffn_tile_choices(d.F);
    const auto variants = variant_choices(b.core, opt.cluster_cores > 0);
    const auto cores = cores_choices(opt.cluster_cores);
    for (auto a : modes) {
        std::vector<std::pair<MhsaSchedule, int32_t>> scheds{{MhsaSchedule::kLayerwise, 0},
                                                             {MhsaSchedule::kHeadwise, 0}};
        for (int32_t t : tiles)
            scheds.push_back({MhsaSchedule::kDepthfirst, t});
        for (auto [ms, t] : scheds)
            for (auto v : variants)
                for (int32_t f : ffns) {
                    s.knobs_.push_back(LayerKnobs{a, ms, t, v, f, "", 0, ClusterSplit::kRows, ""});
                    if (v != TX_VARIANT_XPULP)
                        continue;
                    for (int32_t c : cores)
                        for (ClusterSplit sp : {ClusterSplit::kRows, ClusterSplit::kHeads}) {
                            LayerKnobs k{a, ms, t, v, f, "", c, sp, ""};
                            const size_t l1 = layer_cluster_l1_bytes(d, k);
                            if (l1 != 0 && l1 <= opt.l1_bytes)
                                s.knobs_.push_back(k);
                        }
                }
    }

    std::vector<size_t> layout(s.knobs_.size());
    for (size_t i = 0; i < s.knobs_.size(); ++i)
        layout[i] = layer_layout_bytes(d, layer_scratch_bytes(d, s.knobs_[i]));

    std::vector<const platform::MemoryRegion *> placements;
    for (const auto &reg : b.memory)
        if (is_ram_like(reg))
            placements.push_back(&reg);
    if (placements.empty())
        placements.push_back(nullptr);   // placement "" (unchecked)
    const bool cortex_m = b.core == "cortex-m4" || b.core == "cortex-m7";   // their link places the weights
    s.weights_ram_ = cortex_m ? weights_region_choice(b, opt.weights_bytes) : "";
    std::vector<std::string> weights_choices{""};
    if (!s.weights_ram_.empty()) {
        weights_choices.push_back(s.weights_ram_);
        s.weights_ram_length_ = b.region(s.weights_ram_)->length;
    }
    const size_t digits = mode == SpaceMode::kShared ? 1 : n_layers;
    for (const platform::MemoryRegion *pl : placements)
        for (const std::string &w : weights_choices) {
            const platform::MemoryRegion *wr = w.empty() ? nullptr : b.region(w);
            std::vector<uint32_t> fit;
            for (size_t i = 0; i < s.knobs_.size(); ++i) {
                const LayerKnobs &k = s.knobs_[i];
                const uint64_t beside = wr && wr == pl ? s.weights_bytes(k) : 0;
                if (pl && layout[i] + beside > pl->length)
                    continue;
                if (wr && wr != pl && s.weights_bytes(k) > wr->length)
                    continue;
                if (pl && pl->kind == "l1" && k.cores > 0)
                    continue;
                fit.push_back(static_cast<uint32_t>(i));
            }
            auto n = checked_pow(fit.size(), digits);
            if (!n || s.size_ + *n > kMaxSize)
                return platform::Status::invalid_argument("design space larger than 2^63 points; use SpaceMode::kShared");
            s.size_ += *n;
            s.home_size_.push_back(*n);
            s.homes_.push_back({pl ? pl->name : "", w});
            s.home_length_.push_back(pl ? pl->length : 0);
            s.home_kind_.push_back(pl ? pl->kind : "");
            s.fit_.push_back(std::move(fit));
        }
    return s;
}

uint64_t DesignSpace::weights_bytes(const LayerKnobs &k) const
{
    const bool fused = opt_.fused_weights_bytes > 0 && (mode_ == SpaceMode::kPerLayer || k.attention == AttentionMode::kFused);
    return fused ? opt_.fused_weights_bytes : opt_.weights_bytes;
}

std::string weights_region_choice(const platform::BoardProfile &b, uint64_t weights_bytes)
{
    const platform::MemoryRegion *flash = nullptr, *best = nullptr;
    for (const auto &r : b.memory)
        if (r.kind == "flash" && !flash)
            flash = &r;
    if (!flash || weights_bytes == 0)
        return "";
    for (const auto &r : b.memory)
        if (is_ram_like(r) && r.length >= weights_bytes && r.timing.load_wait < flash->timing.load_wait &&
            (!best || r.timing.load_wait < best->timing.load_wait))
            best = &r;
    return best ? best->name : "";
}

Schedule DesignSpace::at(uint64_t index) const
{
    if (index >= size_)
        throw std::out_of_range("DesignSpace::at: index " + std::to_string(index) + " >= size " +
                                std::to_string(size_));
    size_t p = 0;
    while (index >= home_size_[p]) {
        index -= home_size_[p];
        ++p;
    }
    const auto &fit = fit_[p];
    Schedule s;
    s.model = model_;
    s.board = board_name_;
    for (size_t l = 0; l < n_layers_; ++l) {
        LayerKnobs k;
        if (mode_ == SpaceMode::kShared) {
            k = knobs_[fit[index]];
        } else {
            k = knobs_[fit[index % fit.size()]];
            index /= fit.size();
        }
        k.placement = homes_[p].placement;
        k.weights = homes_[p].weights;
        s.layers.push_back(std::move(k));
    }
    return s;
}

platform::Status DesignSpace::check(const Schedule &s) const
{
    using platform::Status;
    if (!s.model.empty() && s.model != model_)
        return Status::invalid_argument("model: schedule is for \"" + s.model + "\", the space for \"" + model_ + "\"");
    if (!s.board.empty() && s.board != board_name_)
        return Status::invalid_argument("board: schedule is for \"" + s.board + "\", the space for \"" + board_name_ +
                                        "\"");
    if (Status st = check_dims(s, dims_, n_layers_); !st.ok())
        return st;
    for (size_t i = 0; i < s.layers.size(); ++i) {
        const std::string base = "layers[" + std::to_string(i) + "]";
        LayerKnobs k = s.layers[i];
        k.placement.clear();
        k.weights.clear();
        if (k.attention == AttentionMode::kFused && !has_fused_)
            return Status::invalid_argument(base +
                                            ".attention: fused needs fused weights, which the model does not carry");
        const auto vs = variant_choices(core_, opt_.cluster_cores > 0);
        if (std::find(vs.begin(), vs.end(), k.variant) == vs.end())
            return Status::invalid_argument(
                base + ".variant: " + tx_variant_name(k.variant) + " is not available on " + core_ +
                (k.variant == TX_VARIANT_XPULP ? " without the cluster (the pulp backend)" : ""));
        if (k.cores > 0) {
            const auto cs = cores_choices(opt_.cluster_cores);
            if (std::find(cs.begin(), cs.end(), k.cores) == cs.end())
                return Status::invalid_argument(
                    base + ".cores: " + std::to_string(k.cores) + " is not among the space's choices (" +
                    (cs.empty() ? std::string("no cluster on this run")
                                : "1, 2, 4, 8 up to " + std::to_string(opt_.cluster_cores)) +
                    ")");
            const size_t l1 = layer_cluster_l1_bytes(dims_, k);
            if (l1 == 0 || l1 > opt_.l1_bytes)
                return Status::invalid_argument(base + ": the cluster kernel needs " + std::to_string(l1) +
                                                " bytes of L1, " + std::to_string(opt_.l1_bytes) + " are free");
        }
        if (std::find(knobs_.begin(), knobs_.end(), k) == knobs_.end())
            return Status::invalid_argument(base + ": tile_rows/ffn_tile not among the space's choices");
        if (mode_ == SpaceMode::kShared && !(s.layers[i] == s.layers[0]))
            return Status::invalid_argument(base + ": shared mode needs every layer to use layers[0]'s knobs");
    }
    const std::string &pl = s.layers[0].placement, &w = s.layers[0].weights;
    auto home = std::find_if(homes_.begin(), homes_.end(), [&](const Home &o) { return o.placement == pl; });
    if (home == homes_.end())
        return Status::invalid_argument("layers[0].placement: \"" + pl + "\" is not a RAM-like region of " +
                                        board_name_);
    while (home != homes_.end() && home->placement == pl && home->weights != w)
        ++home;
    if (home == homes_.end() || home->placement != pl)
        return Status::invalid_argument("layers[0].weights: \"" + w + "\" is not where the space puts weights on " +
                                        board_name_ + " (flash" + (weights_ram_.empty() ? "" : ", " + weights_ram_) + ")");
    const size_t h = static_cast<size_t>(home - homes_.begin());
    if (home_kind_[h] == "l1")
        for (const LayerKnobs &k : s.layers)
            if (k.cores > 0)
                return Status::invalid_argument("layers[0].placement: \"" + pl +
                                                "\" is the cluster's L1, which the cluster layers tile into");
    uint64_t weights = 0;
    for (const LayerKnobs &k : s.layers)
        weights = std::max(weights, weights_bytes(k));
    if (!w.empty() && w != pl && weights > weights_ram_length_)
        return Status::invalid_argument("layers[0].weights: " + std::to_string(weights) + " bytes of weights do not fit \"" +
                                        w + "\" (" + std::to_string(weights_ram_length_) + " bytes)");
    if (home_length_[h] != 0) {
        auto plan = plan_memory(dims_, n_layers_, s);
        if (!plan.ok())
            return plan.status();
        const uint64_t beside = w == pl ? weights : 0;
        if (plan->peak_bytes + beside > home_length_[h])
            return Status::invalid_argument("layers[0].placement: arena of " + std::to_string(plan->peak_bytes) +
                                            " bytes" +
                                            (beside ? " and weights of " + std::to_string(beside) + " bytes" : "") +
                                            (beside ? " do not fit \"" : " does not fit \"") + pl + "\" (" +
                                            std::to_string(home_length_[h]) + " bytes)");
    }
    return {};
}

} // namespace tinytx::tuner
