// Filling the C templates (c_templates.h): a template's #include of a part is replaced by the part.
#include "c_templates.h"

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

} // namespace tinytx::tuner::c_templates
