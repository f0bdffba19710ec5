// The mailbox's inputs written into the ELF itself: the image initialises tx_mailbox from its
// load image, so a copy whose bytes at runs and repeats are changed starts with those values
// (the way to give them to a simulator that a debugger cannot drive).
#pragma once

#include <cstdint>
#include <vector>

#include "tinytx/agent/platform.h"
#include "tinytx/platform/elf_image.h"

namespace tinytx::agent::gvsoc {

// the ELF's bytes with the mailbox's runs and repeats set; InvalidArgument when the mailbox is
// not in a loaded segment
std::vector<uint8_t> with_mailbox_inputs(const ElfImage &image, uint32_t runs, uint32_t repeats);

}  // namespace tinytx::agent::gvsoc
