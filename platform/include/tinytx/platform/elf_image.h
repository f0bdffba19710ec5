// A firmware image: the ELF file the board agent runs, parsed and checked once.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tinytx::platform {

// Thrown for unusable input (bad bytes, wrong architecture, missing symbols, bad profile fields);
// the message names the problem. Becomes RunStatus::kInvalidArgument at the service boundary.
class InvalidArgument : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

enum class Arch { kArm, kRiscv32 };
const char *to_string(Arch a);

struct Segment {          // a PT_LOAD program header
    uint32_t paddr = 0;   // load address (flash for .data's initial image)
    uint32_t vaddr = 0;
    uint32_t memsz = 0;
    std::vector<uint8_t> data;  // filesz bytes
};

struct Section {          // an allocated section (SHF_ALLOC), including NOLOAD ones
    std::string name;
    uint32_t addr = 0;
    uint32_t size = 0;
    bool nobits = false;  // SHT_NOBITS (.bss, .stack, .tx_arena)
};

struct Symbol {
    uint32_t addr = 0;    // for Thumb functions the address has bit 0 cleared
    uint32_t size = 0;
};

class ElfImage {
public:
    // Parses ELF32 little-endian, ARM or RISC-V, executable; throws InvalidArgument.
    static ElfImage parse(std::vector<uint8_t> bytes);
    static ElfImage load_file(const std::string &path);

    Arch arch() const { return arch_; }
    uint32_t entry() const { return entry_; }
    const std::vector<Segment> &segments() const { return segments_; }
    const std::vector<Section> &sections() const { return sections_; }
    std::optional<Symbol> symbol(std::string_view name) const;
    // the symbol, or InvalidArgument naming it
    Symbol require(std::string_view name) const;
    const std::vector<uint8_t> &bytes() const { return bytes_; }
    const std::string &sha256() const { return sha256_; }

    // The measurement protocol's symbols (tinytx/firmware/mailbox.h), checked by require():
    // tx_mailbox, tx_bench_begin, tx_bench_end, tx_bench_done, __tx_arena_start, __tx_arena_end,
    // __stack_bottom, __stack_top.
    void require_protocol() const;

private:
    Arch arch_ = Arch::kArm;
    uint32_t entry_ = 0;
    std::vector<Segment> segments_;
    std::vector<Section> sections_;
    std::vector<std::pair<std::string, Symbol>> symbols_;
    std::vector<uint8_t> bytes_;
    std::string sha256_;
};

}  // namespace tinytx::platform
