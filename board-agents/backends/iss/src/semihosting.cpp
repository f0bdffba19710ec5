// Semihosting requests (see semihosting.h).
#include "tinytx/agent/iss/semihosting.h"

#include <algorithm>
#include <vector>

namespace tinytx::agent::iss {

void Semihosting::append(const char *s, size_t n)
{
    const size_t room = kConsoleCap - std::min(kConsoleCap, console_.size());
    if (n > room) {
        n = room;
        if (!truncated_) {
            truncated_ = true;
            console_.append(s, n);
            console_ += "\n[console output truncated]\n";
            return;
        }
    }
    console_.append(s, n);
}

std::string Semihosting::console_tail(size_t n) const
{
    return console_.size() <= n ? console_ : "..." + console_.substr(console_.size() - n);
}

Semihosting::Result Semihosting::call(uint32_t op, uint32_t arg, const Reader &read)
{
    Result r;
    switch (op) {
    case kWriteC: {
        char c;
        if (read(arg, &c, 1)) append(&c, 1);
        return r;
    }
    case kWrite0: {  // NUL-terminated; byte by byte, the string may end at a memory boundary
        char c;
        for (uint32_t addr = arg, total = 0; total < kConsoleCap; ++addr, ++total) {
            if (!read(addr, &c, 1) || c == '\0') break;
            append(&c, 1);
        }
        return r;
    }
    case kWrite: {  // block: fd, buffer, length; returns the bytes NOT written
        uint32_t block[3];
        if (!read(arg, block, sizeof block)) {
            r.value = uint32_t(-1);
            return r;
        }
        const uint32_t len = std::min<uint32_t>(block[2], uint32_t(kConsoleCap));
        std::vector<char> data(len);
        if (len && !read(block[1], data.data(), len)) {
            r.value = block[2];
            return r;
        }
        append(data.data(), len);
        r.value = block[2] - len;
        return r;
    }
    case kErrno: return r;
    case kExit:  // 32-bit: the argument is the reason code itself
        r.exit = true;
        r.exit_status = arg == kApplicationExit ? 0 : 1;
        return r;
    case kExitExtended: {  // block: reason, subcode
        uint32_t block[2];
        r.exit = true;
        if (!read(arg, block, sizeof block)) {
            r.exit_status = 1;
            return r;
        }
        r.exit_status = block[0] == kApplicationExit ? int(block[1]) : 1;
        return r;
    }
    default:
        r.value = uint32_t(-1);
        return r;
    }
}

}  // namespace tinytx::agent::iss
