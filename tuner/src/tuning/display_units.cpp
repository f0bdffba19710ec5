// display_units.h: the unit tables and the rounding the CLI table and the front picture share.
#include "tinytx/tuner/display_units.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

namespace tinytx::tuner {

DisplayUnit display_unit(Quantity q, double value)
{
    static const std::vector<DisplayUnit> bytes = {{"B", 1}, {"KiB", 1024}, {"MiB", 1024.0 * 1024}};
    static const std::vector<DisplayUnit> micros = {{"µs", 1}, {"ms", 1e3}, {"s", 1e6}};
    static const std::vector<DisplayUnit> cycles = {{"cycles", 1}, {"k cycles", 1e3}, {"M cycles", 1e6}};
    static const std::vector<DisplayUnit> microjoules = {{"µJ", 1}, {"mJ", 1e3}, {"J", 1e6}};
    const std::vector<DisplayUnit> &units = q == Quantity::kBytes          ? bytes
                                            : q == Quantity::kMicroseconds ? micros
                                            : q == Quantity::kCycles       ? cycles
                                                                           : microjoules;
    DisplayUnit u = units.front();
    for (const DisplayUnit &c : units)
        if (value >= c.scale)
            u = c;
    return u;
}

std::string three_figures(double v)
{
    if (v == 0 || !std::isfinite(v))
        return "0";
    const int decimals = std::max(0, 2 - static_cast<int>(std::floor(std::log10(std::fabs(v)) + 1e-9)));
    char b[48];
    std::snprintf(b, sizeof b, "%.*f", decimals, v);
    std::string s = b;
    if (s.find('.') != std::string::npos) {  // 2.50 -> 2.5, 3.00 -> 3
        s.erase(s.find_last_not_of('0') + 1);
        if (s.back() == '.')
            s.pop_back();
    }
    return s;
}

}  // namespace tinytx::tuner
