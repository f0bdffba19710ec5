/* The Xpulp GEMM micro-kernel (rv/gemm_xpulp.c): the tx_gemm contract of common/internal.h,
 * of TX_VARIANT_XPULP and of the cluster kernels (pulp/). */
#ifndef TINYTX_INTERNAL_XPULP_H
#define TINYTX_INTERNAL_XPULP_H

#include "../common/internal.h"

void tx_gemm_xpulp(const tx_gemm *g);

#endif
