// figure_source_text: one sentence per (source, backend), shared by the CLI, its picture and the
// dashboard so all three say the same thing.
#include "tinytx/tuner/figure_source.h"

namespace tinytx::tuner {

std::string figure_source_text(const std::string &source, const std::string &backend, const std::string &board)
{
    if (source == "measured")
        return "measured on a " + board + " board" + (backend == "openocd" ? " (OpenOCD)" : backend.empty() ? "" : " (" + backend + ")");
    if (source == "modeled")
        return "modeled (the cost model's prediction, not run)";
    std::string by;
    if (backend == "iss")
        by = "the instruction-set simulator (Unicorn) with the " + board + " cycle model";
    else if (backend == "qemu")
        by = "QEMU (-icount, instruction counts as cycles)";
    else if (backend == "pulp")
        by = "the project's GAP9 cluster simulator (pulp backend)";
    else if (backend == "gvsoc")
        by = "GVSoC, the PULP team's event-based simulator (pulp-open with GAP9's 128 KiB L1)";
    else if (!backend.empty())
        by = "the " + backend + " simulator";
    else
        by = "a simulator";
    return "emulated by " + by + ", not board cycles";
}

}  // namespace tinytx::tuner
