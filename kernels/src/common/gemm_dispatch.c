/* Variant table: which micro-kernel serves a tx_ctx, and how much scratch it wants. */
#include "internal.h"
#include "../rv/internal_xpulp.h"

tx_gemm_fn tx_gemm_for(tx_variant v)
{
    switch (v) {
    case TX_VARIANT_REF: return tx_gemm_ref;
    case TX_VARIANT_OPT2X2: return tx_gemm_opt2x2;
    case TX_VARIANT_OPT4X2: return tx_gemm_opt4x2;
    case TX_VARIANT_DSP: return tx_gemm_dsp;
    case TX_VARIANT_RV32: return tx_gemm_rv32;
    case TX_VARIANT_XPULP: return tx_gemm_xpulp;
    default: return 0;
    }
}

size_t tx_gemm_scratch_size(tx_variant v, int32_t M, int32_t K)
{
    /* the DSP kernel widens up to 6 rows of A to int16 once per row block (see arm/gemm_dsp.c) */
    if (v == TX_VARIANT_DSP && M > 0 && K > 0)
        return TX_ALIGN8((size_t)(M < 6 ? M : 6) * (size_t)((K + 3) / 4) * 8u);
    return 0;
}

tx_gemm_fn tx_gemm_one_row_for(tx_variant v)
{
    return v == TX_VARIANT_DSP ? tx_gemm_dsp_rows1 : tx_gemm_for(v);
}
