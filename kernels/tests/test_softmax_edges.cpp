// The softmax where its per-row reciprocal is hardest (sums at and around powers of two and the
// fast path's limits, all-equal and one-dominant rows, S = 1, extreme constants, the longest
// valid row), through the attention path (exp table) and tx_softmax_s8, against a reference
// written from NUMERICS.md "Integer softmax" with 64-bit arithmetic.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

extern "C" {
#include "common/internal.h"
}
#include "softmax_edges.h"

namespace {

std::vector<uint8_t> reference(const tx_softmax_params &p, const int8_t *x, int32_t n)
{
    int32_t m = x[0];
    for (int32_t j = 1; j < n; ++j)
        m = x[j] > m ? x[j] : m;
    std::vector<uint64_t> y(size_t(n), 0);
    uint64_t sum = 0;
    for (int32_t j = 0; j < n; ++j) {
        const int64_t d = int64_t(x[j]) - m;                        // <= 0
        const int64_t z = std::min<int64_t>(-d / p.ln2, 31);
        const int64_t t = d + z * p.ln2 + p.b;
        y[size_t(j)] = uint64_t(t * t + p.c) >> z;
        sum += y[size_t(j)];
    }
    std::vector<uint8_t> out(static_cast<size_t>(n));
    for (int32_t j = 0; j < n; ++j)
        out[size_t(j)] = uint8_t(y[size_t(j)] * 255u / sum);
    return out;
}

// one row through the table path (as attention runs it, in place) and through tx_softmax_s8
// (rows repeated so the public entry point takes the table path too)
void check_row(const tx_softmax_params &p, const tx_softmax_table &lut, const std::vector<int8_t> &x,
               int32_t reps)
{
    const int32_t n = int32_t(x.size());
    const std::vector<uint8_t> want = reference(p, x.data(), n);
    std::vector<int8_t> row = x;
    std::vector<uint32_t> tmp(size_t(n) + 1);
    tx_softmax_rows_lut(&lut, 1, n, row.data(), reinterpret_cast<uint8_t *>(row.data()), tmp.data());
    ASSERT_EQ(0, std::memcmp(row.data(), want.data(), size_t(n))) << "table path, n=" << n;
    row = x;
    tx_softmax_rows(&p, 1, n, row.data(), reinterpret_cast<uint8_t *>(row.data()), tmp.data());
    ASSERT_EQ(0, std::memcmp(row.data(), want.data(), size_t(n))) << "exp by exp, n=" << n;

    std::vector<int8_t> in;
    for (int32_t r = 0; r < reps; ++r)
        in.insert(in.end(), x.begin(), x.end());
    std::vector<uint8_t> out(in.size());
    std::vector<uint8_t> scratch(tx_softmax_s8_get_buffer_size(n));
    tx_ctx ctx{scratch.data(), scratch.size(), TX_VARIANT_REF};
    ASSERT_EQ(TX_OK, tx_softmax_s8(&ctx, &p, reps, n, in.data(), out.data()));
    for (int32_t r = 0; r < reps; ++r)
        ASSERT_EQ(0, std::memcmp(out.data() + size_t(r) * n, want.data(), size_t(n)))
            << "tx_softmax_s8, n=" << n << " row " << r;
}

// floor(d / ln2) as a multiply, for every ln2 the parameters allow and every d of an int8 row
TEST(SoftmaxEdges, DivideByLn2AsMultiplyEveryPair)
{
    for (uint32_t ln2 = 1; ln2 <= 65535u; ++ln2) {
        const uint32_t m = tx_div_ln2_mul(ln2);
        for (uint32_t d = 0; d < 256u; ++d)
            if (tx_div_ln2(d, m) != d / ln2)
                FAIL() << "ln2=" << ln2 << " d=" << d;
    }
}

// floor(N / sum) through the row's reciprocal, at the ends of both ranges and around every
// multiple boundary of random sums
TEST(SoftmaxEdges, DivideByReciprocal)
{
    std::vector<uint32_t> sums{1, 2, 3, 255, 510, 511, 65535, 65536, 1u << 24, 0x7FFFFFFFu,
                               0x80000000u, 0xFFFFFFFEu, 0xFFFFFFFFu};
    uint32_t s = 12345;
    for (int i = 0; i < 2000; ++i) {
        s = s * 1664525u + 1013904223u;
        sums.push_back((s >> (s & 31)) | 1u);
    }
    for (const uint32_t sum : sums) {
        const uint32_t R = 0xFFFFFFFFu / sum;
        std::vector<uint32_t> ns{0, 1, sum - 1, sum, 0xFFFFFFFFu, 0xFFFFFFFEu};
        for (uint32_t q = 1; q < 300; q += 7) {
            const uint64_t base = uint64_t(q) * sum;
            for (int64_t dn = -1; dn <= 1; ++dn)
                if (base + dn <= 0xFFFFFFFFu)
                    ns.push_back(uint32_t(base + dn));
        }
        for (const uint32_t N : ns)
            ASSERT_EQ(N / sum, tx_div_by_recip(N, sum, R)) << "N=" << N << " sum=" << sum;
    }
}

// every entry of the table is the definition's i-exp of its d, for every parameter set
TEST(SoftmaxEdges, TableHoldsEveryExp)
{
    for (int pi = 0; pi < TX_SM_EDGE_NPARAMS; ++pi) {
        const tx_softmax_params &p = tx_sm_edge_params[pi];
        tx_softmax_table lut;
        tx_softmax_lut(&p, &lut);
        if (lut.emax == 0)
            continue; // the direct path: no table
        for (int64_t d = 0; d < 256; ++d) {
            const int64_t z = std::min<int64_t>(d / p.ln2, 31), t = p.b - (d - z * p.ln2);
            ASSERT_EQ(lut.u.r[255 - d], uint64_t(t * t + p.c) >> z)
                << "ln2=" << p.ln2 << " b=" << p.b << " c=" << p.c << " d=" << d;
        }
    }
}

TEST(SoftmaxEdges, HardRowsEveryParameterSetAndLength)
{
    size_t rows = 0, fast_sets = 0;
    for (int pi = 0; pi < TX_SM_EDGE_NPARAMS; ++pi) {
        const tx_softmax_params &p = tx_sm_edge_params[pi];
        tx_softmax_table lut;
        tx_softmax_lut(&p, &lut);
        fast_sets += lut.emax != 0;
        for (int li = 0; li < TX_SM_EDGE_NLENGTHS; ++li) {
            const int32_t n = tx_sm_edge_lengths[li];
            if (tx_softmax_check(&p, n) != TX_OK)
                continue;
            SCOPED_TRACE(testing::Message() << "ln2=" << p.ln2 << " b=" << p.b << " c=" << p.c
                                            << " n=" << n);
            tx_sm_edge_iter it{};
            std::vector<int8_t> x(static_cast<size_t>(n));
            while (tx_sm_edge_next(&it, &p, n, x.data())) {
                check_row(p, lut, x, 256 / n + 1);
                if (HasFatalFailure())
                    return;
                ++rows;
            }
        }
    }
    EXPECT_GT(rows, 1000u);
    EXPECT_GT(fast_sets, 5u); // most sets take the 16-bit table, the rest the direct path
}

// n (tmax^2 + c) just below 2^32: the longest row tx_softmax_check accepts, exps at the table's
// 15-bit limit, so the sum is far beyond the fast reciprocal's range
TEST(SoftmaxEdges, LongestValidRow)
{
    const tx_softmax_params p{125, 181, 0};
    const uint32_t ymax = 181u * 181u;
    const int32_t n = int32_t(0xFFFFFFFFu / ymax);
    ASSERT_EQ(TX_OK, tx_softmax_check(&p, n));
    ASSERT_NE(TX_OK, tx_softmax_check(&p, n + 1));
    tx_softmax_table lut;
    tx_softmax_lut(&p, &lut);
    ASSERT_NE(0u, lut.emax);
    std::vector<int8_t> x(size_t(n), 5);
    check_row(p, lut, x, 1);
    uint32_t s = 1;
    for (auto &v : x) {
        s = s * 1664525u + 1013904223u;
        v = int8_t((s >> 24) % 5u);
    }
    check_row(p, lut, x, 1);
}

}  // namespace
