// `tinytx-agent calibrate`: fits a board profile's cycle table and memory wait states to the
// cycles of the fw_calib micro-benchmarks (kernels/firmware/apps/fw_calib.c) run through any
// backend. Method and limits: docs/CYCLE_MODEL.md.
#pragma once

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "tinytx/agent/agent_core.h"
#include "tinytx/platform/board_profile.h"

namespace tinytx::agent {

struct CalibrationRequest {
    std::string board;             // profile name in the core's catalog
    std::string backend;           // "" = the core's backend for the board
    std::vector<uint8_t> image;    // fw_calib for the board's core
    uint32_t deadline_ms = 0;      // per run of the image (0 = the agent's default)
    std::function<void(const std::string &)> progress;  // one line per step, may be empty
};

// One fitted figure: a cycle-table class ("alu") or a region's wait ("axi_sram.load_wait").
struct CalibratedFigure {
    std::string name;
    double profile = 0;   // what the profile said before
    double fitted = 0;    // the least-squares value
};

struct CalibrationResult {
    BoardProfile profile;                  // the input profile with the fitted figures, rounded
    std::vector<CalibratedFigure> figures;
    double max_residual = 0;               // cycles per loop iteration, worst benchmark
    size_t equations = 0;
};

// InvalidArgument unless the micro-benchmarks cover the board's core (Cortex-M).
void require_calibratable(const BoardProfile &board);

// A run of the image that did not give its measurements (status and message).
class CalibrationRunFailed : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Throws InvalidArgument for a board the benchmarks do not cover (not Cortex-M) or benchmarks
// that cannot separate the unknowns, CalibrationRunFailed when a run fails.
CalibrationResult calibrate(AgentCore &core, const BoardProfile &board, const CalibrationRequest &req);

}  // namespace tinytx::agent
