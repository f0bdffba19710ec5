// The Cortex-M private peripheral bus (0xE0000000..0xE00FFFFF) as emulated I/O: Unicorn has no
// NVIC, SysTick, DWT or SCB, so the range is mapped as MMIO and served here.
//  - DWT CYCCNT (0xE0001004) counts the cycle model's cycles while DEMCR.TRCENA and
//    DWT_CTRL.CYCCNTENA are set (the firmware's tx_counters_init sets both and then checks that
//    CYCCNT advances, so it reports TX_CNT_CYCLES and the mailbox `cycles` are model cycles).
//  - SysTick CVR counts down from RVR at one tick per model cycle while enabled. No interrupt is
//    ever delivered (ICSR.PENDSTSET reads 0), so the firmware's 64-bit tick extension does not
//    advance: mailbox `ticks` are only meaningful below 2^24 cycles. Nothing depends on them.
//  - CPUID reads the core's identification; every other register (SCB, CPACR, VTOR, SHPR, cache
//    maintenance, DWT_LAR...) reads back what was last written (0 at reset).
// Values are the cycle count at the start of the current translation block plus the whole block
// (the model charges per block); both reads of a measured window see the same rounding, so
// differences between reads are exact multiples of whole blocks.
#pragma once

#include <cstdint>
#include <unordered_map>

namespace tinytx::agent::iss {

class SystemControlSpace {
public:
    static constexpr uint32_t kBase = 0xE0000000u;
    static constexpr uint32_t kSize = 0x00100000u;

    SystemControlSpace(const uint64_t *cycles, uint32_t cpuid) : cycles_(cycles), cpuid_(cpuid) {}

    // offset from kBase; size 1, 2 or 4 (sub-word accesses address bytes of the word)
    uint64_t read(uint64_t offset, unsigned size);
    void write(uint64_t offset, unsigned size, uint64_t value);

    uint32_t read32(uint32_t offset);
    void write32(uint32_t offset, uint32_t value);

private:
    bool cyccnt_enabled() const;
    void cyccnt_update_state();
    uint32_t cyccnt_now() const;

    const uint64_t *cycles_;
    uint32_t cpuid_;
    std::unordered_map<uint32_t, uint32_t> regs_;
    // DWT CYCCNT: value = base + (cycles - origin) while running
    bool cyccnt_running_ = false;
    uint32_t cyccnt_base_ = 0;
    uint64_t cyccnt_origin_ = 0;
    // SysTick
    uint64_t systick_origin_ = 0;
};

}  // namespace tinytx::agent::iss
