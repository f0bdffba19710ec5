// RV32 performance counters (mcycle/minstret and their user aliases) as the cycle model counts
// them. Unicorn 2.0 returns host time-stamp-counter ticks for these CSRs, which would make the
// firmware's own figures nondeterministic garbage, and offers no CSR hook. So the image's code
// is scanned for `csrr rd, <counter>` (CSRRS rd, csr, x0) before the run; a code hook on each
// such instruction notes the value the model has at that point, and a code hook on the next
// instruction overwrites rd with it (the CSR read itself has executed by then). A site that is
// not really an instruction (data that happens to look like one) never arms the second hook.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "tinytx/agent/platform.h"
#include "tinytx/platform/elf_image.h"

namespace tinytx::agent::iss {

struct CounterRead {
    uint32_t addr = 0;
    uint8_t rd = 0;
    uint16_t csr = 0;
};

// At most `cap` sites, in address order.
std::vector<CounterRead> find_counter_reads(const std::vector<Segment> &segments, size_t cap);

// The CSR's value for the model's counts; nullopt for CSRs that are not counters.
std::optional<uint32_t> counter_value(uint16_t csr, uint64_t cycles, uint64_t instructions);

}  // namespace tinytx::agent::iss
