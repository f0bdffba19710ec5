/* The Xpulp GEMM micro-kernel (rv/gemm_xpulp.c): the tx_gemm contract of common/internal.h,
 * used by the cluster kernels (pulp/). Not a tx_variant: it serves the cluster entry points. */
#ifndef TINYTX_INTERNAL_XPULP_H
#define TINYTX_INTERNAL_XPULP_H

#include "../common/internal.h"

void tx_gemm_xpulp(const tx_gemm *g);

#endif
