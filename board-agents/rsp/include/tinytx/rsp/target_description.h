// The target description a stub serves as target.xml (qXfer:features:read): the registers by
// name with the numbers that `p`/`P` and the `g` layout use. Numbering follows GDB: registers
// are numbered in document order (includes expanded where they appear), a `regnum` attribute
// sets the number and the following registers continue from it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace tinytx::rsp {

struct RegisterInfo {
    std::string name;
    uint32_t regnum = 0;
    uint32_t bitsize = 32;
    std::string feature;  // e.g. org.gnu.gdb.arm.m-profile
};

class TargetDescription {
public:
    // fetch(annex) returns the text of an included document (e.g. "arm-m-profile.xml").
    // ProtocolError on malformed XML or an include cycle.
    static TargetDescription parse(const std::string &target_xml,
                                   const std::function<std::string(const std::string &)> &fetch);

    const std::string &architecture() const { return architecture_; }
    const std::vector<RegisterInfo> &registers() const { return registers_; }  // by regnum
    const RegisterInfo *find(std::string_view name) const;
    // the register, or platform::Error naming it and the architecture
    const RegisterInfo &require(std::string_view name) const;
    bool empty() const { return registers_.empty(); }

    // Splits a `g` reply into registers: registers in regnum order, each bitsize/8 bytes, until
    // the data ends (stubs send the leading registers only).
    std::vector<std::pair<const RegisterInfo *, std::vector<uint8_t>>> split_g(
        const std::vector<uint8_t> &g) const;

private:
    std::string architecture_;
    std::vector<RegisterInfo> registers_;
};

}  // namespace tinytx::rsp
