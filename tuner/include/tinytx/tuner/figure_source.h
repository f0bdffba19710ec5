// Where a figure came from, said exactly: which simulator emulated it, or which board it was
// measured on. Emulated cycles are never called measured (README, ARCHITECTURE.md "Measurement").
#pragma once

#include <string>

namespace tinytx::tuner {

// source: emulated | measured | modeled (platform::to_string of the cycles source); backend: the
// agent backend that produced it (iss, qemu, pulp, openocd, ...); board: the profile name.
// e.g. "emulated by the instruction-set simulator (Unicorn) with the nucleo-h743zi cycle model,
// not board cycles", "measured on a nucleo-h743zi board (OpenOCD)".
std::string figure_source_text(const std::string &source, const std::string &backend, const std::string &board);

}  // namespace tinytx::tuner
