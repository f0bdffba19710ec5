#include "tinytx/platform/auth.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "tinytx/platform/elf_image.h"

namespace tinytx::platform {

std::string read_token_file(const std::string &path)
{
    std::ifstream in(path);
    if (!in) throw InvalidArgument("cannot read token file '" + path + "'");
    std::stringstream ss;
    ss << in.rdbuf();
    std::string t = ss.str();
    while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
    if (t.empty()) throw InvalidArgument("token file '" + path + "' is empty");
    return t;
}

std::string resolve_token(const std::string &flag, const std::string &file, const char *env)
{
    if (!flag.empty()) return flag;
    if (!file.empty()) return read_token_file(file);
    const char *value = std::getenv(env);
    return value ? value : "";
}

bool token_matches(const std::string &presented, const std::string &token)
{
    const std::string want = "Bearer " + token;
    unsigned char diff = presented.size() == want.size() ? 0 : 1;
    for (size_t i = 0; i < want.size(); ++i)
        diff |= uint8_t(want[i] ^ (i < presented.size() ? presented[i] : 0));
    return diff == 0;
}

}  // namespace tinytx::platform
