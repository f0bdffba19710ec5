/* Softmax rows where the per-row reciprocal is hardest, shared by the host test
 * (test_golden_ops.cpp, against a reference written from NUMERICS.md) and the firmware check
 * (fw_softmax_bench, table path against the per-element divide on the target itself).
 *
 * A row is "k scores at 127, the others at 127 - d" (sum = k y(0) + (n - k) y(d)), or a
 * seeded random row. tx_sm_edge_next() walks, per parameter set and row length, every (k, d)
 * whose sum sits within 2 of a power of two or of the fast path's limits (510, 511, 2^24), or
 * where the fast path's error bound is what keeps it exact, plus all-equal, one-dominant and
 * random rows. C99, no allocation. */
#ifndef TINYTX_TESTS_SOFTMAX_EDGES_H
#define TINYTX_TESTS_SOFTMAX_EDGES_H

#include <stdint.h>

#include "tinytx/kernels.h"

/* realistic scales (eps 0.1 as in the golden cases, 1/16, 1/50), exps at the table's 15-bit
 * limit and just past it, and extremes: ln2 = b = 1, t going negative (ln2 > 2b + 1), large c */
static const tx_softmax_params tx_sm_edge_params[] = {
    {7, 14, 96},   {11, 22, 246}, {35, 68, 2399}, {125, 181, 0}, {125, 181, 7},
    {1, 1, 0},     {150, 1, 0},   {7, 1, 30000},  {2, 255, 0},   {3, 2, 1},
};
static const int32_t tx_sm_edge_lengths[] = {1, 2, 3, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 64, 81, 128};

#define TX_SM_EDGE_NPARAMS ((int)(sizeof tx_sm_edge_params / sizeof tx_sm_edge_params[0]))
#define TX_SM_EDGE_NLENGTHS ((int)(sizeof tx_sm_edge_lengths / sizeof tx_sm_edge_lengths[0]))

/* i-exp of d = max - x (NUMERICS.md "Integer softmax") */
static inline uint32_t tx_sm_edge_iexp(const tx_softmax_params *p, int32_t d)
{
    int32_t z = d / p->ln2;
    if (z > 31)
        z = 31;
    int64_t t = (int64_t)z * p->ln2 - d + p->b;
    return (uint32_t)(((uint64_t)(t * t) + (uint64_t)p->c) >> z);
}

static inline int tx_sm_edge_target(uint64_t sum)
{
    static const uint64_t lim[] = {510, 511, 1u << 24};
    for (unsigned i = 0; i < sizeof lim / sizeof lim[0]; ++i)
        if (sum + 2 >= lim[i] && sum <= lim[i] + 2)
            return 1;
    for (int j = 0; j < 33; ++j) {
        const uint64_t q = (uint64_t)1 << j;
        if (sum + 2 >= q && sum <= q + 2)
            return 1;
    }
    return 0;
}

/* rows where q = (y M) >> 32 with M = ceil(255 2^32 / sum) alone would be wrong for one of the
 * row's two exps: the fast path must see y e >= 2^32 there and take the checked one (only
 * possible when sum > 2^32 / 2^15) */
static inline int tx_sm_edge_needs_bound(const tx_softmax_params *p, uint64_t sum, int32_t d)
{
    if (sum <= ((uint64_t)1 << 17) || sum >= ((uint64_t)1 << 24))
        return 0;
    const uint64_t M = (((uint64_t)255 << 32) + sum - 1) / sum;
    const uint64_t y[2] = {tx_sm_edge_iexp(p, 0), tx_sm_edge_iexp(p, d)};
    for (int i = 0; i < 2; ++i)
        if (((y[i] * M) >> 32) != y[i] * 255u / sum)
            return 1;
    return 0;
}

typedef struct {
    int32_t k, d; /* the next (k, d) to look at; k == n + 1: the fixed rows */
    int32_t fixed;
} tx_sm_edge_iter;

/* Fills x[0..n) with the next edge row for (p, n); returns 0 when there are no more. */
static inline int tx_sm_edge_next(tx_sm_edge_iter *it, const tx_softmax_params *p, int32_t n,
                                  int8_t *x)
{
    while (it->k <= n) {
        const int32_t k = it->k, d = it->d;
        if (++it->d > 255) {
            it->d = 0;
            ++it->k;
        }
        if (k < 1)
            continue;
        const uint64_t sum = (uint64_t)k * tx_sm_edge_iexp(p, 0) +
                             (uint64_t)(n - k) * tx_sm_edge_iexp(p, d);
        if (!tx_sm_edge_target(sum) && !tx_sm_edge_needs_bound(p, sum, d))
            continue;
        for (int32_t j = 0; j < n; ++j) /* the max scores spread over the row */
            x[j] = (int8_t)((j * 7919 % n) < k ? 127 : 127 - d);
        return 1;
    }
    const int32_t f = it->fixed++;
    uint32_t s = 2463534242u + (uint32_t)f * 977u + (uint32_t)n;
    for (int32_t j = 0; j < n; ++j) {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        switch (f) {
        case 0: x[j] = -7; break;                                   /* all equal */
        case 1: x[j] = (int8_t)(j == n / 2 ? 127 : -128); break;    /* one dominant */
        case 2: x[j] = (int8_t)(s >> 24); break;                    /* full range */
        case 3: x[j] = (int8_t)(100 - (int32_t)(s % 9u)); break;    /* near the max */
        case 4: x[j] = (int8_t)((int32_t)(s % 97u) - 48); break;    /* like scores */
        default: return 0;
        }
    }
    return 1;
}

#endif
