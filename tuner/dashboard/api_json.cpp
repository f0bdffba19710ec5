// JSON shapes and file names shared by the dashboard API's resources.
#include "dashboard_api_impl.h"

#include <cctype>

#include "tinytx/tuner/report_json.h"

namespace tinytx::farm {

json measurement_json(const tuner::MeasuredCandidate &mc)
{
    json j = platform::to_json(mc.measurement);
    j["id"] = mc.measurement_id;
    j["candidate_id"] = mc.candidate_id;
    j["schedule_id"] = mc.schedule_hash;
    j["agent"] = mc.agent;
    j["created"] = mc.created;
    return j;
}

std::string file_part(std::string s)
{
    for (char &c : s)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.')
            c = '_';
    return s;
}

std::string download_stem(const std::string &model, const std::string &board, const std::string &schedule_hash)
{
    return file_part(model) + "-" + file_part(board) + "-" + schedule_hash.substr(0, 12);
}

json candidate_accuracy(const json &import_accuracy, const tuner::Schedule &s)
{
    const json a = tuner::schedule_accuracy(import_accuracy, s);
    return a.is_object() ? json(a.value("cosine", 0.0)) : json(nullptr);
}

json accuracy_summary(const json &import_accuracy)
{
    const std::string set = tuner::accuracy_set(import_accuracy);
    if (set.empty())
        return nullptr;
    json out = {{"set", set}};
    for (const char *mode : {"standard", "fused"})
        if (import_accuracy[set].contains(mode))
            out[mode] = import_accuracy[set][mode].value("cosine", 0.0);
    return out;
}

}  // namespace tinytx::farm
