// The gvsoc backend: GAP9 cluster images on GVSoC, the PULP team's event-based simulator (its
// pulp-open target with a 128 KiB L1; see docs/GAP9.md). The install is found through an explicit
// prefix (`--gvsoc PREFIX`) or $TINYTX_GVSOC; without one the backend refuses with a message
// saying how to install it. GVSoC has no debugger stub to rely on, so the image's mailbox inputs
// (runs, repeats) are written into a copy of the ELF, and its records come back on the console
// (the gap9 firmware echoes each one as a "TXMB <hex>" line).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tinytx/agent/backend.h"
#include "tinytx/platform/status.h"

namespace tinytx::agent::gvsoc {

// The environment variable naming the install prefix when no explicit one is given
constexpr const char *kPrefixEnv = "TINYTX_GVSOC";

// prefix/bin/gvsoc of an explicit prefix, else of $TINYTX_GVSOC; not found (saying how to
// install it) when neither holds an install
platform::Result<std::string> find_install(const std::string &prefix);

struct ExitReport {
    std::optional<int> exit_status;  // the CORESTATUS code; nullopt when it did not exit
    std::string console;             // the program's output (gvsoc's stdout)
    std::string error;               // why there is no exit status (deadline, launch failure)
};

// Runs an ELF to its exit on pulp-open, TCDM banks of one word per cycle (the conflicts the pulp
// backend models too).
ExitReport run_to_exit(const std::string &gvsoc, const std::vector<uint8_t> &elf,
                       std::chrono::milliseconds deadline);

// The mailbox protocol on GVSoC (never throws, as Backend::run).
Measurement run_gvsoc(const std::string &gvsoc, const BoardProfile &board, const ElfImage &image,
                      const RunOptions &opts);

}  // namespace tinytx::agent::gvsoc

namespace tinytx::agent {
// throws InvalidArgument when no install is found (the message says how to get one)
std::unique_ptr<Backend> make_gvsoc_backend(const std::string &prefix);
}  // namespace tinytx::agent
