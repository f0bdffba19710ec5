/* Variant table: which micro-kernel serves a tx_ctx, and how much scratch it wants. */
#include "internal.h"

/* every variant; an image that names its own (tinytx/gemm_table.h) links only those */
__attribute__((weak)) const tx_gemm_impl tx_gemm_table[TX_VARIANT_COUNT] = {
    [TX_VARIANT_REF] = TX_GEMM_IMPL_REF,       [TX_VARIANT_OPT2X2] = TX_GEMM_IMPL_OPT2X2,
    [TX_VARIANT_OPT4X2] = TX_GEMM_IMPL_OPT4X2, [TX_VARIANT_DSP] = TX_GEMM_IMPL_DSP,
    [TX_VARIANT_RV32] = TX_GEMM_IMPL_RV32,     [TX_VARIANT_XPULP] = TX_GEMM_IMPL_XPULP,
};

tx_gemm_fn tx_gemm_for(tx_variant v)
{
    return (unsigned)v < (unsigned)TX_VARIANT_COUNT ? tx_gemm_table[v].full : 0;
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
    return (unsigned)v < (unsigned)TX_VARIANT_COUNT ? tx_gemm_table[v].one_row : 0;
}
