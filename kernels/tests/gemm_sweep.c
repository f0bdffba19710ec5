/* The GEMM sweep: one variant against the reference on the shapes and modes the operators issue —
 * M 1..13 (every row-block tail), N 1, 3, .., 9, K from 1 to 73 (every K % 4, tiny K, and K that
 * pass the assembly column loop's 8-step body more than once, entered at several steps), with and
 * without bias, requantized (shift above, at and below 32, per-channel) or accumulated into
 * int32, signed or unsigned A, plain or head-grouped output columns. Shared by the host test
 * (every variant, portable code) and the firmware image fw_gemm_sweep (the CPU's own variant,
 * its assembly). */
#include "gemm_sweep.h"

#define MAX_M 13
#define MAX_N 9
#define MAX_K 73
#define GCOLS 4 /* output column groups of 4, 16 elements apart (a head-major layout) */
#define GSTRIDE 16
#define OUT_ELEMS (MAX_M * 64)

static int8_t tx_a[MAX_M * MAX_K], tx_b[MAX_N * MAX_K];
static int32_t tx_bias[MAX_N], tx_ch_mul[MAX_N], tx_ch_shift[MAX_N];
static int8_t tx_out_ref[OUT_ELEMS], tx_out_var[OUT_ELEMS];
static int32_t tx_acc_ref[OUT_ELEMS], tx_acc_var[OUT_ELEMS];
static uint64_t tx_scratch[(6 * ((MAX_K + 3) / 4) * 8) / 8 + 1];

static uint32_t tx_rng;
static uint32_t tx_next(void)
{
    tx_rng = tx_rng * 1664525u + 1013904223u;
    return tx_rng >> 8;
}

static void tx_fill(void)
{
    for (int i = 0; i < MAX_M * MAX_K; ++i)
        tx_a[i] = (int8_t)tx_next();
    for (int i = 0; i < MAX_N * MAX_K; ++i)
        tx_b[i] = (int8_t)tx_next();
    for (int i = 0; i < MAX_N; ++i) {
        tx_bias[i] = (int32_t)(tx_next() % 20001u) - 10000;
        tx_ch_mul[i] = (int32_t)(0x40000000u + tx_next() % 0x3FFFFFFFu);
        tx_ch_shift[i] = 36 + (int32_t)(tx_next() % 8u);
    }
    for (int i = 0; i < OUT_ELEMS; ++i) {
        tx_out_ref[i] = tx_out_var[i] = (int8_t)0x5A;
        tx_acc_ref[i] = tx_acc_var[i] = (int32_t)tx_next() - (1 << 23);
    }
}

/* requantization modes: per tensor with shift > 32 (the SMMLA path), = 32, < 32, per channel */
static tx_requant tx_mode_rq(int mode)
{
    tx_requant rq = {.mul = 0x5A5A5A5A, .shift = 41};
    if (mode == 1) rq.shift = 32;
    if (mode == 2) { rq.mul = 0x7000; rq.shift = 20; }
    if (mode == 3) { rq.ch_mul = tx_ch_mul; rq.ch_shift = tx_ch_shift; }
    return rq;
}

int tx_gemm_sweep(tx_variant v, tx_gemm_sweep_case *failed)
{
    static const int32_t ks[] = {1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 31, 32, 33, 37, 40, 45, 73};
    const tx_gemm_fn fn = tx_gemm_for(v);
    int cases = 0;
    if (!fn)
        return -1;
    tx_rng = 12345u;
    tx_fill();
    for (int32_t M = 1; M <= MAX_M; ++M)
        for (int32_t N = 1; N <= MAX_N; N += 2)
            for (unsigned ki = 0; ki < sizeof ks / sizeof ks[0]; ++ki)
                for (int mode = 0; mode < 5; ++mode)
                    for (int flags = 0; flags < 8; ++flags) {
                        const int32_t K = ks[ki];
                        const tx_requant rq = tx_mode_rq(mode);
                        tx_gemm g = {.M = M, .N = N, .K = K, .a = tx_a, .lda = MAX_K,
                                     .a_unsigned = (flags >> 1) & 1, .b = tx_b, .ldb = MAX_K,
                                     .rq = mode < 4 ? &rq : 0, .bias = (flags & 1) ? tx_bias : 0,
                                     .rs = 64, .cs = 1, .gcols = (flags & 4) ? GCOLS : 0,
                                     .gstride = (flags & 4) ? GSTRIDE : 0, .scratch = tx_scratch};
                        g.out = tx_out_ref;
                        g.acc = tx_acc_ref;
                        tx_gemm_ref(&g);
                        g.out = tx_out_var;
                        g.acc = tx_acc_var;
                        fn(&g);
                        ++cases;
                        for (int32_t i = 0; i < M * 64; ++i)
                            if (tx_out_ref[i] != tx_out_var[i] || tx_acc_ref[i] != tx_acc_var[i]) {
                                *failed = (tx_gemm_sweep_case){M, N, K, mode, flags, i};
                                return -1;
                            }
                    }
    return cases;
}
