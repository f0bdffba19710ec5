// ELF32 parsing for firmware images. Every offset and size read from the file is checked
// against the file size before use: images come from the network.
#include "tinytx/platform/elf_image.h"

#include <cstring>
#include <fstream>
#include <iterator>

#include "tinytx/platform/sha256.h"

namespace tinytx::platform {

const char *to_string(Arch a)
{
    return a == Arch::kArm ? "arm" : "riscv32";
}

namespace {

constexpr uint16_t kEmArm = 40, kEmRiscv = 243;
constexpr uint32_t kPtLoad = 1, kShtSymtab = 2, kShtNobits = 8, kShfAlloc = 2;

struct Reader {
    const std::vector<uint8_t> &b;
    void need(uint64_t off, uint64_t len, const char *what) const
    {
        if (off > b.size() || len > b.size() - off)
            throw InvalidArgument(std::string("ELF: ") + what + " lies outside the file (" +
                                  std::to_string(b.size()) + " bytes)");
    }
    uint16_t u16(uint64_t off) const
    {
        need(off, 2, "a header field");
        return uint16_t(b[off] | b[off + 1] << 8);
    }
    uint32_t u32(uint64_t off) const
    {
        need(off, 4, "a header field");
        return uint32_t(b[off]) | uint32_t(b[off + 1]) << 8 | uint32_t(b[off + 2]) << 16 |
               uint32_t(b[off + 3]) << 24;
    }
};

}  // namespace

ElfImage ElfImage::parse(std::vector<uint8_t> bytes)
{
    ElfImage img;
    const Reader r{bytes};
    if (bytes.size() < 52 || std::memcmp(bytes.data(), "\x7f" "ELF", 4) != 0)
        throw InvalidArgument("not an ELF file (" + std::to_string(bytes.size()) + " bytes)");
    if (bytes[4] != 1) throw InvalidArgument("ELF: not 32-bit (ELFCLASS32 expected)");
    if (bytes[5] != 1) throw InvalidArgument("ELF: not little-endian");
    if (r.u16(16) != 2) throw InvalidArgument("ELF: not an executable (ET_EXEC expected)");
    const uint16_t machine = r.u16(18);
    if (machine == kEmArm)
        img.arch_ = Arch::kArm;
    else if (machine == kEmRiscv)
        img.arch_ = Arch::kRiscv32;
    else
        throw InvalidArgument("ELF: machine " + std::to_string(machine) +
                              " is neither ARM (40) nor RISC-V (243)");
    img.entry_ = r.u32(24);
    const uint32_t phoff = r.u32(28), shoff = r.u32(32);
    const uint16_t phentsize = r.u16(42), phnum = r.u16(44), shentsize = r.u16(46),
                   shnum = r.u16(48), shstrndx = r.u16(50);

    if (phnum == 0) throw InvalidArgument("ELF: no program headers");
    if (phentsize < 32) throw InvalidArgument("ELF: program header entries too small");
    r.need(phoff, uint64_t(phentsize) * phnum, "the program header table");
    for (uint16_t i = 0; i < phnum; ++i) {
        const uint64_t ph = phoff + uint64_t(i) * phentsize;
        if (r.u32(ph) != kPtLoad) continue;
        Segment s;
        const uint32_t off = r.u32(ph + 4), filesz = r.u32(ph + 16);
        s.vaddr = r.u32(ph + 8);
        s.paddr = r.u32(ph + 12);
        s.memsz = r.u32(ph + 20);
        if (filesz > s.memsz) throw InvalidArgument("ELF: a segment's file size exceeds its memory size");
        r.need(off, filesz, "a loadable segment");
        s.data.assign(bytes.begin() + off, bytes.begin() + off + filesz);
        if (s.memsz) img.segments_.push_back(std::move(s));
    }
    if (img.segments_.empty()) throw InvalidArgument("ELF: no loadable segment");

    if (shnum && shentsize >= 40) {
        r.need(shoff, uint64_t(shentsize) * shnum, "the section header table");
        auto sh = [&](uint32_t i) { return shoff + uint64_t(i) * shentsize; };
        auto str_at = [&](uint32_t table, uint32_t off) {
            const uint32_t base = r.u32(sh(table) + 16), size = r.u32(sh(table) + 20);
            r.need(base, size, "a string table");
            if (off >= size) throw InvalidArgument("ELF: a name lies outside its string table");
            const char *p = reinterpret_cast<const char *>(bytes.data()) + base + off;
            return std::string(p, strnlen(p, size - off));
        };
        const bool names = shstrndx < shnum;
        for (uint32_t i = 0; i < shnum; ++i) {
            const uint32_t type = r.u32(sh(i) + 4), flags = r.u32(sh(i) + 8);
            if (flags & kShfAlloc) {
                Section s;
                s.name = names ? str_at(shstrndx, r.u32(sh(i))) : std::string();
                s.addr = r.u32(sh(i) + 12);
                s.size = r.u32(sh(i) + 20);
                s.nobits = type == kShtNobits;
                img.sections_.push_back(std::move(s));
            }
            if (type != kShtSymtab) continue;
            const uint32_t off = r.u32(sh(i) + 16), size = r.u32(sh(i) + 20),
                           link = r.u32(sh(i) + 24), entsize = r.u32(sh(i) + 36);
            if (entsize < 16 || link >= shnum) throw InvalidArgument("ELF: malformed symbol table");
            r.need(off, size, "the symbol table");
            for (uint32_t e = 0; e + entsize <= size; e += entsize) {
                const uint64_t st = uint64_t(off) + e;
                const uint32_t name = r.u32(st);
                if (!name) continue;
                Symbol sym{r.u32(st + 4), r.u32(st + 8)};
                const uint8_t info = bytes[st + 12];
                if (img.arch_ == Arch::kArm && (info & 0xF) == 2 /* STT_FUNC */) sym.addr &= ~1u;
                img.symbols_.emplace_back(str_at(link, name), sym);
            }
        }
    }
    img.sha256_ = sha256_hex(bytes);
    img.bytes_ = std::move(bytes);
    return img;
}

ElfImage ElfImage::load_file(const std::string &path)
{
    std::ifstream f(path, std::ios::binary);
    if (!f) throw InvalidArgument("cannot open image file '" + path + "'");
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    try {
        return parse(std::move(bytes));
    } catch (const InvalidArgument &e) {
        throw InvalidArgument(path + ": " + e.what());
    }
}

std::optional<Symbol> ElfImage::symbol(std::string_view name) const
{
    for (const auto &[n, s] : symbols_)
        if (n == name) return s;
    return std::nullopt;
}

Symbol ElfImage::require(std::string_view name) const
{
    if (auto s = symbol(name)) return *s;
    throw InvalidArgument("image has no symbol '" + std::string(name) +
                          "' (not built with the tinytx measurement harness?)");
}

void ElfImage::require_protocol() const
{
    for (const char *s : {"tx_mailbox", "tx_bench_begin", "tx_bench_end", "tx_bench_done",
                          "__tx_arena_start", "__tx_arena_end", "__stack_bottom", "__stack_top", "main"})
        require(s);
}

}  // namespace tinytx::platform
