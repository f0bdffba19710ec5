// Byte sizes as people write them on a command line (budgets) and as the tuner prints them.
#include <cmath>
#include <cstdio>
#include <string>

#include "tinytx/tuner/tuning.h"

namespace tinytx::tuner {

platform::Result<uint64_t> parse_byte_size(const std::string &text)
{
    auto fail = [&](const std::string &why) -> platform::Result<uint64_t> {
        return platform::Status::invalid_argument("'" + text + "': " + why);
    };
    size_t i = 0;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.'))
        ++i;
    const std::string number = text.substr(0, i);
    std::string unit = text.substr(i);
    while (!unit.empty() && unit.front() == ' ')
        unit.erase(unit.begin());
    if (number.empty() || number == "." || number.find('.') != number.rfind('.'))
        return fail("expected a number of bytes with an optional unit, e.g. 512KB, 512KiB, 0.5MiB, 65536");
    std::string u;
    for (char c : unit)
        u += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    double scale = 0;
    if (u.empty() || u == "b")
        scale = 1;
    else if (u == "k" || u == "kb" || u == "kib")
        scale = 1024.0;
    else if (u == "m" || u == "mb" || u == "mib")
        scale = 1024.0 * 1024.0;
    else
        return fail("unknown unit '" + unit + "' (use B, KB, KiB, MB or MiB; K and M are 1024-based)");
    const double v = std::stod(number) * scale;
    if (!(v >= 1) || v > 1e15)
        return fail("must be between 1 byte and 1 PB");
    if (v != std::floor(v))
        return fail("is not a whole number of bytes (" + std::to_string(v) + ")");
    // "--budget 512" almost always means 512 KB: no arena is that small, so ask rather than guess
    if (u.empty() && v < 1024)
        return fail("a plain number is bytes and " + number + " bytes is less than 1 KiB: did you mean " + number +
                    "KB? (write the unit: 512KB, 512KiB, 0.5MiB; " + number + "B if you do mean bytes)");
    return static_cast<uint64_t>(v);
}

std::string format_bytes(uint64_t bytes)
{
    char buf[32];
    if (bytes < 1024)
        std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
    else if (bytes < 1024ull * 1024)
        std::snprintf(buf, sizeof buf, "%.1f KiB", bytes / 1024.0);
    else
        std::snprintf(buf, sizeof buf, "%.2f MiB", bytes / (1024.0 * 1024.0));
    return buf;
}

}  // namespace tinytx::tuner
