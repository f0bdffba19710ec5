// estimated_candidate_seconds (measuring_time.h).
#include "measuring_time.h"

namespace tinytx::tuner {
namespace {

// emulated cycles per wall second on one core (board-agents/backends/*/README.md "Speed": the iss
// runs ~120 M instructions/s; QEMU and the cluster simulators are slower per cycle)
double cycles_per_second(const std::string &backend)
{
    if (backend == "iss") return 100e6;
    if (backend == "qemu") return 50e6;
    return 20e6;  // pulp, gvsoc: eight cores modelled per cycle
}

constexpr double kSpecializedBuildS = 0.5;  // codegen, compile of model_main/model_data, link
constexpr double kLoadS = 0.01;             // an image load in an emulator (one per request)
constexpr double kFlashS = 5.0;             // a board: flash and verify through OpenOCD

}  // namespace

double estimated_candidate_seconds(const std::string &backend, bool specialized_image, double cycles,
                                   uint32_t runs, uint64_t clock_hz)
{
    const bool board = backend == "openocd";
    const double run_s = board ? (clock_hz ? cycles / double(clock_hz) : 0.0) : cycles / cycles_per_second(backend);
    double s = run_s * runs;
    if (specialized_image)
        s += kSpecializedBuildS + (board ? kFlashS : kLoadS);
    return s;
}

}  // namespace tinytx::tuner
