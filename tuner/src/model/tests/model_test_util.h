// Helpers shared by the model tests.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tinytx/platform/status.h"
#include "tinytx/tuner/model.h"

namespace tinytx::tuner::test {

inline std::filesystem::path models_dir() { return TINYTX_MODELS_DIR; }

inline const std::vector<std::string> &shipped_models()
{
    static const std::vector<std::string> names = {"eegformer", "ecgformer", "tiny4", "cct"};
    return names;
}

inline std::string read_text(const std::filesystem::path &p)
{
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

inline nlohmann::json read_json(const std::filesystem::path &p)
{
    return nlohmann::json::parse(read_text(p));
}

// The field and the reason of a refused spec, read back from its Status, whose message is
// ModelError::message(), "<path>: <reason>": a JSON path has no space, and the reasons that name
// no field ("invalid JSON: ...", "model spec '...' does not exist ...") have one before any ": ".
inline ModelError model_error(const platform::Status &st)
{
    const std::string &m = st.message();
    const size_t colon = m.find(": ");
    if (colon == std::string::npos || colon == 0 || m.find(' ') < colon)
        return {"", m};
    return {m.substr(0, colon), m.substr(colon + 2)};
}

} // namespace tinytx::tuner::test
