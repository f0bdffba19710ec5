// A static picture of a Pareto front (SVG) for reports: latency against arena peak, the best
// point marked, the budget drawn as a line when it is near the points and as an annotation when it
// is far above them (a line there would squash every point against the bottom). Drawn by
// `tinytx-tune --plot` from its front and by the dashboard's "download SVG" from the database.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tinytx::tuner {

struct PicturePoint {
    uint64_t latency_cycles = 0;
    double latency_us = 0;             // 0 when the board's clock is unknown
    uint64_t peak_bytes = 0;           // planned arena peak
    std::string status = "front";      // front | dominated | over_budget
    bool best = false;                 // the point --out exports
};

struct FrontPicture {
    std::string model, board;
    std::string source;                // how the figures were obtained, said exactly
    uint64_t clock_hz = 0;             // 0: latency in cycles
    uint64_t budget_bytes = 0;         // 0: no budget
    std::vector<PicturePoint> points;
};

// The SVG document (self-contained: no fonts or scripts fetched).
std::string front_svg(const FrontPicture &picture);

}  // namespace tinytx::tuner
