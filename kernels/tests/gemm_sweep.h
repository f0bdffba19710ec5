/* A sweep of one GEMM variant against the reference (gemm_sweep.c). */
#ifndef TINYTX_GEMM_SWEEP_H
#define TINYTX_GEMM_SWEEP_H

#include "common/internal.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int32_t M, N, K;
    int mode;   /* 0: shift > 32, 1: shift 32, 2: shift < 32, 3: per channel, 4: int32 accumulate */
    int flags;  /* bit 0: bias, bit 1: unsigned A, bit 2: head-grouped columns */
    int32_t index;
} tx_gemm_sweep_case;

/* the number of cases run, or -1 with the first mismatch in *failed */
int tx_gemm_sweep(tx_variant v, tx_gemm_sweep_case *failed);

#ifdef __cplusplus
}
#endif
#endif
