/* Which GEMM variants an image links. The operators find a variant's GEMM in tx_gemm_table (one
 * entry per tx_variant). The library defines the table weakly, with every variant; an application
 * that knows the variants it runs defines its own, naming only those, and linked with
 * --gc-sections it carries no code of the others (the tuner's generated images do this):
 *
 *     #include "tinytx/gemm_table.h"
 *     const tx_gemm_impl tx_gemm_table[TX_VARIANT_COUNT] = {[TX_VARIANT_DSP] = TX_GEMM_IMPL_DSP};
 *
 * A tx_ctx naming a variant its table leaves out gets TX_ERR_VARIANT from every operator. */
#ifndef TINYTX_GEMM_TABLE_H
#define TINYTX_GEMM_TABLE_H

#include "tinytx/kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

struct tx_gemm; /* one GEMM call (kernels/src/common/internal.h) */
typedef void (*tx_gemm_fn)(const struct tx_gemm *g);

typedef struct {
    tx_gemm_fn full;    /* any number of rows, tx_gemm_scratch_size(v, M, K) scratch */
    tx_gemm_fn one_row; /* scratch for one row only: the memory-minimal schedules */
} tx_gemm_impl;

extern const tx_gemm_impl tx_gemm_table[TX_VARIANT_COUNT];

void tx_gemm_ref(const struct tx_gemm *g);
void tx_gemm_opt2x2(const struct tx_gemm *g);
void tx_gemm_opt4x2(const struct tx_gemm *g);
void tx_gemm_dsp(const struct tx_gemm *g);
void tx_gemm_dsp_rows1(const struct tx_gemm *g);
void tx_gemm_rv32(const struct tx_gemm *g);
void tx_gemm_xpulp(const struct tx_gemm *g);

#define TX_GEMM_IMPL_REF {tx_gemm_ref, tx_gemm_ref}
#define TX_GEMM_IMPL_OPT2X2 {tx_gemm_opt2x2, tx_gemm_opt2x2}
#define TX_GEMM_IMPL_OPT4X2 {tx_gemm_opt4x2, tx_gemm_opt4x2}
#define TX_GEMM_IMPL_DSP {tx_gemm_dsp, tx_gemm_dsp_rows1}
#define TX_GEMM_IMPL_RV32 {tx_gemm_rv32, tx_gemm_rv32}
#define TX_GEMM_IMPL_XPULP {tx_gemm_xpulp, tx_gemm_xpulp}

#ifdef __cplusplus
}
#endif
#endif
