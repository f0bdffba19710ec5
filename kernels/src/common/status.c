/* Names for statuses and variants, for messages and bench tables. */
#include "tinytx/kernels.h"

const char *tx_variant_name(tx_variant v)
{
    switch (v) {
    case TX_VARIANT_REF: return "ref";
    case TX_VARIANT_OPT2X2: return "opt2x2";
    case TX_VARIANT_OPT4X2: return "opt4x2";
    case TX_VARIANT_DSP: return "dsp";
    case TX_VARIANT_RV32: return "rv32";
    case TX_VARIANT_XPULP: return "xpulp";
    default: return "unknown";
    }
}

const char *tx_status_name(tx_status s)
{
    switch (s) {
    case TX_OK: return "ok";
    case TX_ERR_NULL: return "null pointer";
    case TX_ERR_DIM: return "bad dimensions";
    case TX_ERR_BUFFER: return "scratch buffer too small";
    case TX_ERR_PARAM: return "parameter out of range";
    case TX_ERR_VARIANT: return "unknown variant";
    default: return "unknown status";
    }
}
