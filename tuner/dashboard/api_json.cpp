// JSON shapes and file names shared by the dashboard API's resources.
#include "dashboard_api_impl.h"

#include <cctype>

namespace tinytx::farm {

json measurement_json(const tuner::MeasuredCandidate &mc)
{
    json j = agent::to_json(mc.measurement);
    j["id"] = mc.measurement_id;
    j["candidate_id"] = mc.candidate_id;
    j["schedule_id"] = mc.schedule_hash;
    j["agent"] = mc.agent;
    j["created"] = mc.created;
    return j;
}

std::string short_hash(const std::string &h) { return h.substr(0, 12); }

std::string file_part(std::string s)
{
    for (char &c : s)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.')
            c = '_';
    return s;
}

json candidate_accuracy(const json &accuracy, const tuner::Schedule &s)
{
    if (!accuracy.is_object() || s.layers.empty())
        return nullptr;
    const tuner::AttentionMode m = s.layers[0].attention;
    for (const auto &k : s.layers)
        if (k.attention != m)
            return nullptr;
    const char *mode = m == tuner::AttentionMode::kFused ? "fused" : "standard";
    return accuracy.contains(mode) ? accuracy[mode] : json(nullptr);
}

}  // namespace tinytx::farm
