// Filling a C template (tinytx/tuner/c_template_fill.h): parts in place of their #include, values
// in place of their TX_FILL_ names.
#include "tinytx/tuner/c_template_fill.h"

#include <stdexcept>

namespace tinytx::tuner::c_templates {

std::string include_in_place(std::string_view text, std::string_view name, std::string_view with)
{
    const std::string line = "#include \"" + std::string(name) + "\"\n";
    for (size_t at = 0; at < text.size();) {
        if (text.compare(at, line.size(), line) == 0)
            return std::string(text.substr(0, at)).append(with).append(text.substr(at + line.size()));
        const size_t end = text.find('\n', at);
        if (end == std::string_view::npos)
            break;
        at = end + 1;
    }
    throw std::logic_error("C template: no line #include \"" + std::string(name) + "\"");
}

std::string fill_values(std::string_view text, const std::vector<FillValue> &values)
{
    constexpr std::string_view prefix = "TX_FILL_";
    const auto is_name_char = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'; };
    std::string out;
    size_t done = 0;
    for (size_t at = text.find(prefix); at != std::string_view::npos; at = text.find(prefix, done)) {
        size_t end = at + prefix.size();
        while (end < text.size() && is_name_char(text[end]))
            ++end;
        const std::string_view name = text.substr(at + prefix.size(), end - at - prefix.size());
        const FillValue *v = nullptr;
        for (const FillValue &candidate : values)
            if (candidate.first == name)
                v = &candidate;
        if (!v)
            throw std::logic_error("C template: no value for TX_FILL_" + std::string(name));
        out.append(text.substr(done, at - done)).append(v->second);
        done = end;
    }
    return out.append(text.substr(done));
}

} // namespace tinytx::tuner::c_templates
