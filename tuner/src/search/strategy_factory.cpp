// The search strategies by name, and the cost-model predictor the guided one uses.
#include "tinytx/tuner/search.h"

#include "tinytx/tuner/memory_planner.h"

namespace tinytx::tuner {

Predictor cost_model_predictor(const DesignSpace &space, const tx_encoder_dims &dims,
                               std::shared_ptr<const CostModel> model)
{
    auto sp = std::make_shared<DesignSpace>(space);
    return [sp, dims, model](uint64_t i) {
        const Schedule s = sp->at(i);
        const CostFeatures f = schedule_features(dims, s);
        Objectives o;
        o.latency_cycles = s.layers.empty() ? model->predict_cycles(f)
                                            : model->predict_cycles(f, s.layers[0].placement, weights_region(s));
        o.energy_uj = model->energy_uj(o.latency_cycles);
        const platform::Result<MemoryPlan> p = plan_memory(dims, s.layers.size(), s);
        if (!p.ok()) return Objectives::failure();
        o.memory_bytes = double(p->peak_bytes);
        return o;
    };
}

platform::Result<std::unique_ptr<SearchStrategy>> make_strategy(const std::string &kind, const IndexCoding &coding,
                                                                const SearchOptions &opt, Predictor predict)
{
    const uint64_t size = coding.size();
    std::string k = kind;
    if (k == "auto") k = (opt.budget == 0 || size <= opt.budget) ? "exhaustive" : "nsga2";
    if (k == "exhaustive") return std::make_unique<ExhaustiveStrategy>(size, opt);
    if (k == "nsga2") return std::make_unique<Nsga2Strategy>(coding, opt);
    if (k == "guided") {
        if (!predict) return platform::Status::invalid_argument("search strategy 'guided' needs a cost model");
        return std::make_unique<GuidedStrategy>(size, std::move(predict), opt);
    }
    return platform::Status::invalid_argument("unknown search strategy '" + kind + "' (auto|exhaustive|nsga2|guided)");
}

platform::Result<std::unique_ptr<SearchStrategy>> make_strategy(const std::string &kind, const DesignSpace &space,
                                                                const SearchOptions &opt,
                                                                const SpaceSearchContext &ctx)
{
    const IndexCoding coding = IndexCoding::from_space(space);
    if (kind != "guided") return make_strategy(kind, coding, opt, {});
    if (!ctx.model) return platform::Status::invalid_argument("search strategy 'guided' needs a cost model");
    auto model = std::make_shared<CostModel>(*ctx.model);
    Predictor predict = cost_model_predictor(space, ctx.dims, model);
    std::function<void(uint64_t, const Objectives &)> on_tell;
    if (ctx.calibrate_on_tell) {
        auto sp = std::make_shared<DesignSpace>(space);
        auto points = std::make_shared<std::vector<CostMeasurement>>();
        const tx_encoder_dims dims = ctx.dims;
        const CostModel base = *ctx.model;   // every calibration starts from the given model
        on_tell = [sp, points, model, dims, base](uint64_t i, const Objectives &o) {
            if (o.failed || !(o.latency_cycles > 0)) return;
            CostMeasurement m;
            m.features = schedule_features(dims, sp->at(i));
            m.cycles = o.latency_cycles;
            points->push_back(m);
            *model = base;
            model->calibrate(*points);
        };
    }
    return std::make_unique<GuidedStrategy>(space.size(), std::move(predict), opt, std::move(on_tell));
}

} // namespace tinytx::tuner
