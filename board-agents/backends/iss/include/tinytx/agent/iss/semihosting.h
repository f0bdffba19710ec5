// Semihosting requests (ARM "Semihosting for AArch32 and AArch64", also used by the RISC-V
// semihosting spec): the trap itself is recognised by the machine (ARM `bkpt 0xAB`, RISC-V
// `slli x0,x0,0x1f; ebreak; srai x0,x0,7`), which passes the operation and its argument here.
// Supported: SYS_WRITEC, SYS_WRITE0, SYS_WRITE (console text, capped), SYS_EXIT,
// SYS_EXIT_EXTENDED, SYS_ERRNO; any other operation returns -1 to the image.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace tinytx::agent::iss {

class Semihosting {
public:
    // reads guest memory; false when [addr, addr + n) is not mapped
    using Reader = std::function<bool(uint32_t addr, void *dst, size_t n)>;

    static constexpr uint32_t kWriteC = 0x03, kWrite0 = 0x04, kWrite = 0x05, kErrno = 0x13,
                              kExit = 0x18, kExitExtended = 0x20;
    static constexpr uint32_t kApplicationExit = 0x20026;  // ADP_Stopped_ApplicationExit
    static constexpr size_t kConsoleCap = 64 * 1024;

    struct Result {
        bool exit = false;
        int exit_status = 0;
        uint32_t value = 0;  // returned to the image (r0 / a0)
    };

    Result call(uint32_t op, uint32_t arg, const Reader &read);

    const std::string &console() const { return console_; }
    std::string console_tail(size_t n) const;

private:
    void append(const char *s, size_t n);

    std::string console_;
    bool truncated_ = false;
};

}  // namespace tinytx::agent::iss
