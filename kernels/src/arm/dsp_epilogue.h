/* The column epilogues the Thumb-2 GEMM loops share (dsp_columns.S, dsp_gemv.S), as assembler
 * macros: each loop binds its own registers. */
#ifndef TINYTX_DSP_EPILOGUE_H
#define TINYTX_DSP_EPILOGUE_H

    /* requantize accumulator \acc with the multiplier \mul, rounding \rnd and shift \sh (SMMLA
     * then ASR: the per-tensor identity of dsp.h), saturate and store it as int8 at \addr */
    .macro TX_REQUANT8 acc, mul, rnd, sh, addr:vararg
    smmla   \acc, \acc, \mul, \rnd
    asr     \acc, \acc, \sh
    ssat    \acc, #8, \acc
    strb    \acc, \addr
    .endm

    /* add accumulator \acc to the int32 at \addr (\tmp is clobbered) */
    .macro TX_ACCUMULATE32 acc, tmp, addr:vararg
    ldr     \tmp, \addr
    add     \tmp, \tmp, \acc
    str     \tmp, \addr
    .endm

#endif
