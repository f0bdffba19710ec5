// Helpers for tests that run kernels against the golden cases: a scratch buffer sized by the
// kernel's own _get_buffer_size and fenced by guard bytes, and byte comparisons that say where
// the first difference is.
#pragma once
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "golden_case.h"
#include "tinytx/kernels.h"

namespace tinytx::test {

inline std::vector<const tx_golden_case *> golden_cases()
{
    return {tx_golden_cases, tx_golden_cases + tx_golden_case_count};
}

// the golden case of that name; nullptr when the vectors have none
inline const tx_golden_case *golden_case(const std::string &name)
{
    for (const tx_golden_case *c : golden_cases())
        if (name == c->name)
            return c;
    return nullptr;
}

inline std::vector<tx_variant> all_variants()
{
    std::vector<tx_variant> v;
    for (int i = 0; i < TX_VARIANT_COUNT; ++i)
        v.push_back(static_cast<tx_variant>(i));
    return v;
}

// A buffer with guard bytes on both sides; check() fails if a kernel wrote outside it.
class Guarded {
public:
    static constexpr size_t kGuard = 64;
    static constexpr uint8_t kFill = 0xA5;
    explicit Guarded(size_t n, size_t offset = 0) : n_(n), off_(offset), bytes_(n + 2 * kGuard + offset, kFill) {}
    uint8_t *data() { return bytes_.data() + kGuard + off_; }
    int8_t *s8() { return reinterpret_cast<int8_t *>(data()); }
    size_t size() const { return n_; }
    bool guards_intact() const
    {
        for (size_t i = 0; i < kGuard + off_; ++i)
            if (bytes_[i] != kFill) return false;
        for (size_t i = kGuard + off_ + n_; i < bytes_.size(); ++i)
            if (bytes_[i] != kFill) return false;
        return true;
    }
private:
    size_t n_, off_;
    std::vector<uint8_t> bytes_;
};

inline ::testing::AssertionResult same_bytes(const void *got, const void *want, size_t n)
{
    auto *g = static_cast<const uint8_t *>(got);
    auto *w = static_cast<const uint8_t *>(want);
    size_t diffs = 0, first = n;
    for (size_t i = 0; i < n; ++i)
        if (g[i] != w[i]) {
            if (first == n) first = i;
            ++diffs;
        }
    if (diffs == 0) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << diffs << " of " << n << " bytes differ; first at " << first << ": got "
           << int(static_cast<int8_t>(g[first])) << " want " << int(static_cast<int8_t>(w[first]));
}

inline std::string case_variant_name(const tx_golden_case *c, tx_variant v)
{
    return std::string(c->name) + "/" + tx_variant_name(v);
}

}  // namespace tinytx::test
