/* Cortex-M (Armv7E-M) DSP GEMM column loop for a block of R widened activation rows, R in
 * {6, 4, 2, 1}: for every weight row (column) of the GEMM, R dot products with SXTB16/SMLAD,
 * then either requantized through SMMLA (per-tensor, shift > 32: the identity in dsp.h) and
 * stored as int8 down the R output rows, or added to R int32 accumulators.
 *
 *   void tx_dsp_cols<R>_<rq|acc>(tx_dsp_job *job)         (job layout: gemm_dsp.c)
 *
 * Registers in the reduction: accumulators r0..r(R-1), weight lanes r6 (even k) / r7 (odd k),
 * widened activations r8-r11 (LDM of two rows' lane pairs: 5 cycles for 4 words on the M4 table,
 * against 6 for two LDRD), activation pointer r12, weight pointer lr. That is every register,
 * so the pass counter of the unrolled loop lives on the stack (7 cycles per 4 steps).
 * The 4-step body is entered Duff-style at the step that leaves a multiple of 4 (the entry
 * address is computed once per call), so any K costs no single-step loop; K % 4 ends with one
 * step whose activations were zero-padded by the widening and whose weight word is assembled
 * from the remaining bytes only (nothing is read past a weight row).
 * Cortex-M7 (TX_DUAL_ISSUE): rows are loaded with LDRD into alternating register pairs so that
 * every load sits between SMLADs it does not feed and the dual-issue pipeline can pair them; the
 * iss cycle model is single-issue and cannot show the pairing (it charges this order 3 cycles
 * more per 6-row step), so the M7 figures of the emulator are an upper bound here. */
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
/* An Armv7E-M core with a double-precision FPU is a Cortex-M7 (the M4's FPU is single precision):
 * the dual-issue order below. GCC predefines nothing that names the core itself. */
#if defined(__ARM_FP) && (__ARM_FP & 8)
#define TX_DUAL_ISSUE 1
#else
#define TX_DUAL_ISSUE 0
#endif
#include "dsp_epilogue.h"
    .syntax unified
    .thumb
    .text

    /* the job (gemm_dsp.c), copied below the saved registers as the stack frame; every field
     * the column loop touches is one SP-relative load away, and related fields are adjacent so
     * that one LDM fetches them */
    .equ F_PASS,    0   /* passes left through the 4-step body (working counter) */
    .equ F_MUL,     4   /* requantization: multiplier, rounding 2^(sh-1), shift - 32 */
    .equ F_RND,     8
    .equ F_SH,     12
    .equ F_OCOL,   16   /* output of row 0, current column (int8 or int32) */
    .equ F_RS,     20   /* bytes between output rows */
    .equ F_CS,     24   /* bytes between output columns */
    .equ F_WA,     28   /* const uint32_t *: widened rows, R interleaved (even, odd) pairs per step */
    .equ F_BSKIP,  32   /* from the end of a row's 4-deep steps to the next weight row */
    .equ F_NCOLS,  36   /* columns left */
    .equ F_BIAS,   40   /* const int32_t *: bias of the current column, or NULL */
    .equ F_ENTRY,  44   /* in: K / 4; then where each column enters the body (Thumb bit set) */
    .equ F_PASSES, 48   /* passes per column */
    .equ F_REM,    52   /* K % 4 */
    .equ F_B,      56   /* const int8_t *: the first column's weight row */
    .equ F_SIZE,   60
    .equ JOB_WORDS, 14  /* the job: F_MUL .. F_B */

    /* the R rows of one 4-deep step against the weight lanes in r6/r7 */
#if TX_DUAL_ISSUE
    /* Cortex-M7: one row per LDRD, alternating r8/r9 and r10/r11, so each load is independent of
     * the SMLADs beside it and the dual-issue pipeline can pair them (on the single-issue M4
     * table this order costs 3 cycles more per 6-row step than the LDMs below) */
    .macro ROWPAIR acc_a, acc_b, last
    smlad   \acc_a, r8, r6, \acc_a
    smlad   \acc_a, r9, r7, \acc_a
    .if \last == 0
    ldrd    r8, r9, [r12], #8
    .endif
    smlad   \acc_b, r10, r6, \acc_b
    smlad   \acc_b, r11, r7, \acc_b
    .endm
    .macro ROWS R
    .if \R == 1
    ldrd    r8, r9, [r12], #8
    smlad   r0, r8, r6, r0
    smlad   r0, r9, r7, r0
    .else
    ldrd    r8, r9, [r12], #8
    ldrd    r10, r11, [r12], #8
    .if \R == 2
    ROWPAIR r0, r1, 1
    .else
    ROWPAIR r0, r1, 0
    ldrd    r10, r11, [r12], #8
    .if \R == 4
    ROWPAIR r2, r3, 1
    .else
    ROWPAIR r2, r3, 0
    ldrd    r10, r11, [r12], #8
    ROWPAIR r4, r5, 1
    .endif
    .endif
    .endif
    .endm
#else
    .macro ROWS R
    .if \R == 1
    ldrd    r8, r9, [r12], #8
    smlad   r0, r8, r6, r0
    smlad   r0, r9, r7, r0
    .else
    ldm     r12!, {r8-r11}
    smlad   r0, r8, r6, r0
    smlad   r0, r9, r7, r0
    smlad   r1, r10, r6, r1
    smlad   r1, r11, r7, r1
    .endif
    .if \R >= 4
    ldm     r12!, {r8-r11}
    smlad   r2, r8, r6, r2
    smlad   r2, r9, r7, r2
    smlad   r3, r10, r6, r3
    smlad   r3, r11, r7, r3
    .endif
    .if \R == 6
    ldm     r12!, {r8-r11}
    smlad   r4, r8, r6, r4
    smlad   r4, r9, r7, r4
    smlad   r5, r10, r6, r5
    smlad   r5, r11, r7, r5
    .endif
    .endm
#endif

    /* one full step: the weight word, its (even, odd) lanes, the rows; 32-bit encodings only,
     * so every step has the same size (the Duff entry relies on it) */
    .macro STEP R
    ldr.w   r7, [lr], #4
    sxtb16  r6, r7
    sxtb16  r7, r7, ror #8
    ROWS    \R
    .endm

    /* the column epilogues: mul r6, rounding r7, shift r8 (dsp_epilogue.h) */
    .macro REQ acc, addr:vararg
    TX_REQUANT8 \acc, r6, r7, r8, \addr
    .endm
    .macro ACC acc, addr:vararg
    TX_ACCUMULATE32 \acc, r6, \addr
    .endm

    /* finish R rows of the column whose row 0 is at r9, rows r10 bytes apart */
    .macro FINISH R, OP
    \OP     r0, [r9]
    .if \R > 1
    \OP     r1, [r9, r10]
    .endif
    .if \R > 2
    add     r12, r9, r10, lsl #1
    \OP     r2, [r12]
    \OP     r3, [r12, r10]
    .endif
    .if \R > 4
    add     r12, r12, r10, lsl #1
    \OP     r4, [r12]
    \OP     r5, [r12, r10]
    .endif
    .endm

    .macro COLUMNS R, MODE, name, step_bytes
    .global \name
    .type   \name, %function
    .thumb_func
\name:
    push    {r4-r11, lr}
    sub     sp, sp, #F_SIZE
    add     r1, sp, #F_MUL
    ldm     r0!, {r2-r8}
    stmia   r1!, {r2-r8}
    ldm     r0, {r2-r8}
    stm     r1, {r2-r8}
    ldr     r1, [sp, #F_ENTRY]      /* K / 4 */
    adds    r2, r1, #3
    lsrs    r2, r2, #2              /* passes = ceil(K4 / 4) */
    str     r2, [sp, #F_PASSES]
    cbnz    r1, 1f
    adr.w   r4, 40f                 /* K < 4: straight to the last step */
    b       2f
1:  and     r3, r1, #3
    rsb     r3, r3, #4
    and     r3, r3, #3              /* steps the first pass skips */
    adr.w   r4, 20f
    movs    r5, #\step_bytes
    mla     r4, r3, r5, r4
2:  orr     r4, r4, #1
    str     r4, [sp, #F_ENTRY]
    ldr     lr, [sp, #F_B]
10: /* column: accumulators start at the bias (or 0 in accumulate mode / without bias) */
    ldr     r12, [sp, #F_WA]
    movs    r0, #0
    .ifc \MODE, rq
    ldr     r6, [sp, #F_BIAS]
    cbz     r6, 11f
    ldr     r0, [r6], #4
    str     r6, [sp, #F_BIAS]
11:
    .endif
    .if \R > 1
    mov     r1, r0
    .endif
    .if \R > 2
    mov     r2, r0
    mov     r3, r0
    .endif
    .if \R > 4
    mov     r4, r0
    mov     r5, r0
    .endif
    ldrd    r6, r7, [sp, #F_ENTRY]  /* entry, passes */
    str     r7, [sp, #F_PASS]
    bx      r6
    .balign 4
20: STEP    \R
21: STEP    \R
    STEP    \R
    STEP    \R
    .if (21b - 20b) != \step_bytes
    .error "STEP size differs from the Duff entry's step size"
    .endif
    ldr     r6, [sp, #F_PASS]
    subs    r6, r6, #1
    str     r6, [sp, #F_PASS]
    bne     20b
40: /* K % 4: the last weights of the row, assembled bytewise, against zero-padded activations */
    ldr     r6, [sp, #F_REM]
    cmp     r6, #0
    beq     50f
    ldrb    r7, [lr]
    cmp     r6, #2
    itt     hs
    ldrbhs  r8, [lr, #1]
    orrhs   r7, r7, r8, lsl #8
    cmp     r6, #3
    itt     eq
    ldrbeq  r8, [lr, #2]
    orreq   r7, r7, r8, lsl #16
    sxtb16  r6, r7
    sxtb16  r7, r7, ror #8
    ROWS    \R
50: /* finish the column, then step to the next one */
    .ifc \MODE, rq
    add     r6, sp, #F_MUL
    ldm     r6, {r6-r10}            /* mul, rnd, sh, ocol, rs */
    FINISH  \R, REQ
    .else
    ldrd    r9, r10, [sp, #F_OCOL]
    FINISH  \R, ACC
    .endif
    ldr     r6, [sp, #F_CS]
    add     r9, r9, r6
    str     r9, [sp, #F_OCOL]
    ldr     r6, [sp, #F_BSKIP]
    add     lr, lr, r6
    ldr     r6, [sp, #F_NCOLS]
    subs    r6, r6, #1
    str     r6, [sp, #F_NCOLS]
    bne     10b
    add     sp, sp, #F_SIZE
    pop     {r4-r11, pc}
    .size   \name, . - \name
    .endm

    /* step sizes in bytes: LDR.W + 2 SXTB16 = 12, then per row pair LDM.W + 4 SMLAD = 20, or two
     * LDRD + 4 SMLAD = 24 in the dual-issue order (one row: LDRD + 2 SMLAD = 12) */
#if TX_DUAL_ISSUE
    COLUMNS 6, rq,  tx_dsp_cols6_rq,  84
    COLUMNS 4, rq,  tx_dsp_cols4_rq,  60
    COLUMNS 2, rq,  tx_dsp_cols2_rq,  36
    COLUMNS 1, rq,  tx_dsp_cols1_rq,  24
    COLUMNS 6, acc, tx_dsp_cols6_acc, 84
    COLUMNS 4, acc, tx_dsp_cols4_acc, 60
    COLUMNS 2, acc, tx_dsp_cols2_acc, 36
    COLUMNS 1, acc, tx_dsp_cols1_acc, 24
#else
    COLUMNS 6, rq,  tx_dsp_cols6_rq,  72
    COLUMNS 4, rq,  tx_dsp_cols4_rq,  52
    COLUMNS 2, rq,  tx_dsp_cols2_rq,  32
    COLUMNS 1, rq,  tx_dsp_cols1_rq,  24
    COLUMNS 6, acc, tx_dsp_cols6_acc, 72
    COLUMNS 4, acc, tx_dsp_cols4_acc, 52
    COLUMNS 2, acc, tx_dsp_cols2_acc, 32
    COLUMNS 1, acc, tx_dsp_cols1_acc, 24
#endif
#endif
