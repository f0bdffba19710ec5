// Figures as the tuner shows them to people: one unit per column or axis, chosen by magnitude
// (the largest unit the value is at least 1 of), and three significant figures.
#pragma once

#include <string>

namespace tinytx::tuner {

enum class Quantity { kBytes, kMicroseconds, kCycles, kMicrojoules };

struct DisplayUnit {
    const char *name;  // "KiB", "ms", ...
    double scale;      // base units (bytes, µs, cycles, µJ) per this unit
};

// The unit `value` (in base units) reads best in: 3597.6 µs -> ms, 53248 B -> KiB.
DisplayUnit display_unit(Quantity q, double value);

// 18.42109375 -> "18.4", 2.5 -> "2.5", 1536 -> "1536": three significant figures, no exponent,
// no trailing zeros.
std::string three_figures(double value);

}  // namespace tinytx::tuner
