// Helpers shared by the model tests.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

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

} // namespace tinytx::tuner::test
