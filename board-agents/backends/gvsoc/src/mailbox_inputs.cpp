#include "mailbox_inputs.h"

#include <cstring>

#include "tinytx/platform/mailbox.h"

namespace tinytx::agent::gvsoc {

namespace {

uint32_t le32_at(const std::vector<uint8_t> &b, size_t off)
{
    if (off + 4 > b.size()) throw InvalidArgument("gvsoc: truncated ELF header");
    return uint32_t(b[off]) | uint32_t(b[off + 1]) << 8 | uint32_t(b[off + 2]) << 16 | uint32_t(b[off + 3]) << 24;
}

uint16_t le16_at(const std::vector<uint8_t> &b, size_t off)
{
    if (off + 2 > b.size()) throw InvalidArgument("gvsoc: truncated ELF header");
    return uint16_t(b[off] | b[off + 1] << 8);
}

// the file offset of the byte loaded at addr (ELF32 program headers)
size_t file_offset(const std::vector<uint8_t> &b, uint32_t addr)
{
    constexpr uint32_t kPtLoad = 1;
    const uint32_t phoff = le32_at(b, 0x1C);
    const uint16_t phentsize = le16_at(b, 0x2A), phnum = le16_at(b, 0x2C);
    for (uint16_t i = 0; i < phnum; ++i) {
        const size_t ph = size_t(phoff) + size_t(i) * phentsize;
        if (le32_at(b, ph) != kPtLoad) continue;
        const uint32_t offset = le32_at(b, ph + 4), vaddr = le32_at(b, ph + 8), filesz = le32_at(b, ph + 16);
        if (addr - vaddr < filesz && size_t(offset) + (addr - vaddr) + 4 <= b.size()) return offset + (addr - vaddr);
    }
    throw InvalidArgument("gvsoc: tx_mailbox is not in a loaded segment of the image");
}

}  // namespace

std::vector<uint8_t> with_mailbox_inputs(const ElfImage &image, uint32_t runs, uint32_t repeats)
{
    std::vector<uint8_t> b = image.bytes();
    const uint32_t mb = image.require("tx_mailbox").addr;
    for (const auto &[off, value] : {std::pair{mailbox::kOffRuns, runs}, std::pair{mailbox::kOffRepeats, repeats}}) {
        const auto v = mailbox::le32(value);
        std::memcpy(b.data() + file_offset(b, mb + off), v.data(), 4);
    }
    return b;
}

}  // namespace tinytx::agent::gvsoc
