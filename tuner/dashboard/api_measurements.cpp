// GET /api/measurements and /api/calibration (predicted vs measured cycles).
#include "dashboard_api_impl.h"

#include <cmath>

#include "front_view.h"
#include "tinytx/tuner/figure_source.h"

namespace tinytx::farm {

HttpResponse DashboardApi::Impl::measurements(const UrlQuery &q)
{
    const auto p = query_pair(q);
    if (!p.ok())
        return status_response(p.status());
    const auto candidate_arg = q.id("candidate");
    if (!candidate_arg.ok())
        return error_response(400, candidate_arg.status().message());
    const auto limit = q.number("limit", 1, 10000);
    if (!limit.ok())
        return error_response(400, limit.status().message());
    const auto offset = q.number("offset", 0, UINT32_MAX);
    if (!offset.ok())
        return error_response(400, offset.status().message());
    const std::optional<int64_t> candidate = *candidate_arg;
    if (candidate) {
        const auto c = store.candidate(*candidate);
        if (!c)
            return error_response(404, "no candidate with id " + std::to_string(*candidate));
        if (c->model_id != p->model.id || c->board_id != p->board.id)
            return error_response(400, "candidate " + std::to_string(*candidate) + " is not of this model and board");
    }
    std::vector<tuner::MeasuredCandidate> all = store.measurements(p->model.id, p->board.id);
    std::reverse(all.begin(), all.end());  // newest first
    if (candidate)
        std::erase_if(all, [&](const tuner::MeasuredCandidate &mc) { return mc.candidate_id != *candidate; });
    json items = json::array();
    const size_t first = std::min<size_t>(offset->value_or(0), all.size());
    const size_t last = std::min<size_t>(all.size(), first + limit->value_or(100));
    for (size_t i = first; i < last; ++i)
        items.push_back(measurement_json(all[i]));
    return json_response(json{{"total", all.size()}, {"offset", first}, {"items", items}}.dump());
}

HttpResponse DashboardApi::Impl::calibration(const UrlQuery &q)
{
    if (!q.has("board"))
        return error_response(400, "parameter 'board' is required (an id from /api/boards)");
    const auto board_arg = q.id("board");
    if (!board_arg.ok())
        return error_response(400, board_arg.status().message());
    const auto model_arg = q.id("model");
    if (!model_arg.ok())
        return error_response(400, model_arg.status().message());
    const std::optional<int64_t> board_id = *board_arg, model_id = *model_arg;
    const auto board = store.board(*board_id);
    if (!board)
        return error_response(404, "no board with id " + std::to_string(*board_id));
    if (model_id && !store.model(*model_id))
        return error_response(404, "no model with id " + std::to_string(*model_id));

    std::map<std::string, tuner::CostModel> models_by_source;
    std::map<std::string, std::vector<double>> errors;
    json points = json::array();
    for (const auto &[m_id, b_id, count] : store.measured_pairs()) {
        if (b_id != *board_id || (model_id && m_id != *model_id))
            continue;
        const auto p = pair(m_id, b_id);
        if (!p.ok())
            continue;
        const FrontView v = front_view(store.measurements(m_id, b_id), p->dims, p->n_layers, UINT64_MAX);
        for (const FrontPoint &fp : v.points) {
            if (!models_by_source.count(fp.source))
                models_by_source.emplace(fp.source, cost_model(*board, fp.source));
            const double predicted =
                models_by_source.at(fp.source).predict_cycles(tuner::schedule_features(p->dims, fp.trial.schedule));
            const double measured = static_cast<double>(fp.trial.measurement.cycles_median);
            const double e = measured > 0 ? (predicted - measured) / measured * 100.0 : 0.0;
            errors[fp.source].push_back(std::abs(e));
            points.push_back({{"candidate_id", fp.trial.candidate_id},
                              {"model_id", m_id},
                              {"model", p->model.name},
                              {"schedule_id", fp.trial.hash},
                              {"source", fp.source},
                              {"predicted_cycles", predicted},
                              {"measured_cycles", fp.trial.measurement.cycles_median},
                              {"error_pct", e}});
        }
    }
    json sources = json::object();
    for (auto &[source, e] : errors) {
        std::sort(e.begin(), e.end());
        double sum = 0;
        for (double x : e)
            sum += x;
        const tuner::CostModel &cm = models_by_source.at(source);
        sources[source] = {{"points", e.size()},
                           {"median_abs_pct", e.empty() ? 0.0 : e[e.size() / 2]},
                           {"mape_pct", e.empty() ? 0.0 : sum / double(e.size())},
                           {"max_abs_pct", e.empty() ? 0.0 : e.back()},
                           {"cost_model_calibration_points", cm.calibration_points}};
    }
    return json_response(json{{"board", {{"id", board->id}, {"name", board->name}}},
                              {"sources", sources},
                              {"points", points}}
                             .dump());
}

}  // namespace tinytx::farm
