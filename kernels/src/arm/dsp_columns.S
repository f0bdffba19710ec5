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
 * so the unrolled loop ends when the activation pointer reaches its end, kept on the stack
 * (4 cycles per 8 steps), and where a column goes next is an address in the frame.
 * Per column: the first 4-deep step is peeled and starts every accumulator at the bias (or 0)
 * held in the last accumulator, so no MOVs initialise them; the remaining K / 4 - 1 steps run
 * an 8-step body entered Duff-style at the step that leaves a multiple of 8 (the entry address
 * is computed once per call), so any K costs no single-step loop; K % 4 ends with one step
 * whose activations were zero-padded by the widening and whose weight word is assembled from
 * the remaining bytes only (nothing is read past a weight row). K >= 4 (the C loop takes less).
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
    .equ F_MUL,     0   /* requantization: multiplier, rounding 2^(sh-1), shift - 32 */
    .equ F_RND,     4
    .equ F_SH,      8
    .equ F_OCOL,   12   /* output of row 0, current column (int8 or int32) */
    .equ F_RS,     16   /* bytes between output rows */
    .equ F_CS,     20   /* bytes between output columns */
    .equ F_WA,     24   /* const uint32_t *: widened rows, R interleaved (even, odd) pairs per step */
    .equ F_BSKIP,  28   /* from the end of a row's 4-deep steps to the next weight row */
    .equ F_NCOLS,  32   /* columns left */
    .equ F_BIAS,   36   /* const int32_t *: bias of the current column, or NULL */
    .equ F_ENTRY,  40   /* in: K / 4; then where each column goes after its peeled first step:
                         * into the body, or to F_AFTER (Thumb bit set) */
    .equ F_AEND,   44   /* where the activation pointer stands after the last full step */
    .equ F_REM,    48   /* K % 4 */
    .equ F_B,      52   /* const int8_t *: the first column's weight row */
    .equ F_AFTER,  56   /* after the full steps: the K % 4 step, or the column's end */
    .equ F_SIZE,   60

    /* one row's two SMLADs against the weight lanes in r6/r7, accumulating onto \init (the
     * accumulator itself unless given: the peeled first step starts from the bias) */
    .macro ROW acc, lo, hi, init
    .ifb \init
    smlad   \acc, \lo, r6, \acc
    .else
    smlad   \acc, \lo, r6, \init
    .endif
    smlad   \acc, \hi, r7, \acc
    .endm

    /* the R rows of one 4-deep step; \init is the last accumulator, so it is read by every
     * row before its own row overwrites it */
#if TX_DUAL_ISSUE
    /* Cortex-M7: one row per LDRD, alternating r8/r9 and r10/r11, so each load is independent of
     * the SMLADs beside it and the dual-issue pipeline can pair them (on the single-issue M4
     * table this order costs 3 cycles more per 6-row step than the LDMs below) */
    .macro ROWPAIR acc_a, acc_b, last, init
    ROW     \acc_a, r8, r9, \init
    .if \last == 0
    ldrd    r8, r9, [r12], #8
    .endif
    ROW     \acc_b, r10, r11, \init
    .endm
    .macro ROWS R, init
    .if \R == 1
    ldrd    r8, r9, [r12], #8
    ROW     r0, r8, r9, \init
    .else
    ldrd    r8, r9, [r12], #8
    ldrd    r10, r11, [r12], #8
    .if \R == 2
    ROWPAIR r0, r1, 1, \init
    .else
    ROWPAIR r0, r1, 0, \init
    ldrd    r10, r11, [r12], #8
    .if \R == 4
    ROWPAIR r2, r3, 1, \init
    .else
    ROWPAIR r2, r3, 0, \init
    ldrd    r10, r11, [r12], #8
    ROWPAIR r4, r5, 1, \init
    .endif
    .endif
    .endif
    .endm
#else
    .macro ROWS R, init
    .if \R == 1
    ldrd    r8, r9, [r12], #8
    ROW     r0, r8, r9, \init
    .else
    ldm     r12!, {r8-r11}
    ROW     r0, r8, r9, \init
    ROW     r1, r10, r11, \init
    .endif
    .if \R >= 4
    ldm     r12!, {r8-r11}
    ROW     r2, r8, r9, \init
    ROW     r3, r10, r11, \init
    .endif
    .if \R == 6
    ldm     r12!, {r8-r11}
    ROW     r4, r8, r9, \init
    ROW     r5, r10, r11, \init
    .endif
    .endm
#endif

    /* one full step: the weight word, its (even, odd) lanes, the rows; 32-bit encodings only,
     * so every step has the same size (the Duff entry relies on it) */
    .macro STEP R, init
    ldr.w   r7, [lr], #4
    sxtb16  r6, r7
    sxtb16  r7, r7, ror #8
    ROWS    \R, \init
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

    /* a column function's entry: the job copied into the frame, the after-body target (40: a
     * K tail, 50: none) in F_AFTER; leaves K / 4 in r1 and the activations in r2 */
    .macro COLUMNS_ENTRY name
    .global \name
    .type   \name, %function
    .thumb_func
\name:
    push    {r4-r11, lr}
    sub     sp, sp, #F_SIZE
    mov     r1, sp                  /* the job's 14 words become the frame's F_MUL .. F_B */
    ldm     r0!, {r2-r8}
    stmia   r1!, {r2-r8}
    ldm     r0, {r2-r8}
    stm     r1, {r2-r8}
    ldr     r1, [sp, #F_ENTRY]      /* K / 4 >= 1 */
    ldr     r2, [sp, #F_REM]
    adr.w   r4, 50f
    cbz     r2, 1f
    adr.w   r4, 40f
1:  orr     r4, r4, #1
    str     r4, [sp, #F_AFTER]
    ldr     r2, [sp, #F_WA]
    .endm

    .macro COLUMNS R, MODE, name, step_bytes, last
    COLUMNS_ENTRY \name
    movs    r3, #(8 * \R)
    mla     r2, r1, r3, r2
    str     r2, [sp, #F_AEND]
    subs    r1, r1, #1              /* steps after the peeled one */
    beq     2f                      /* none: straight to F_AFTER */
    and     r3, r1, #7
    rsb     r3, r3, #8
    and     r3, r3, #7              /* steps the first pass skips */
    adr.w   r4, 20f
    movs    r5, #\step_bytes
    mla     r4, r3, r5, r4
    orr     r4, r4, #1
2:  str     r4, [sp, #F_ENTRY]
    ldr     lr, [sp, #F_B]
10: /* column: the peeled first step starts every accumulator at \last = the bias or 0 */
    ldr     r12, [sp, #F_WA]
    movs    \last, #0
    .ifc \MODE, rq
    ldr     r6, [sp, #F_BIAS]
    cbz     r6, 11f
    ldr     \last, [r6], #4
    str     r6, [sp, #F_BIAS]
11:
    .endif
    STEP    \R, \last
    ldr     pc, [sp, #F_ENTRY]
    .balign 4
20: STEP    \R
21: STEP    \R
    STEP    \R
    STEP    \R
    STEP    \R
    STEP    \R
    STEP    \R
    STEP    \R
    .if (21b - 20b) != \step_bytes
    .error "STEP size differs from the Duff entry's step size"
    .endif
    ldr     r6, [sp, #F_AEND]
    cmp     r12, r6
    bne     20b
    ldr     pc, [sp, #F_AFTER]
40: /* K % 4: the last weights of the row, assembled bytewise, against zero-padded activations */
    ldr     r6, [sp, #F_REM]
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
50: /* finish the column, then step to the next one: output, weight row, count */
    .ifc \MODE, rq
    ldm     sp, {r6-r11}            /* mul, rnd, sh, ocol, rs, cs */
    FINISH  \R, REQ
    .else
    add     r6, sp, #F_OCOL
    ldm     r6, {r9-r11}            /* ocol, rs, cs */
    FINISH  \R, ACC
    .endif
    add     r9, r9, r11
    str     r9, [sp, #F_OCOL]
    ldrd    r6, r7, [sp, #F_BSKIP]  /* bskip, columns left */
    add     lr, lr, r6
    subs    r7, r7, #1
    str     r7, [sp, #F_NCOLS]
    bne     10b
    add     sp, sp, #F_SIZE
    pop     {r4-r11, pc}
    .size   \name, . - \name
    .endm

    /* Two rows x two columns (R = 2: depth-first tiles of two queries, a GEMM's last rows): each
     * widened row word feeds both columns, so a 4-deep step is 2 weight words, 4 SXTB16, 2 LDRD
     * and 8 SMLAD, 22 cycles on the M4 table for 16 MACs, against 26 for two columns of the
     * 2-row loop above. Accumulators r0 (row 0) / r1 (row 1) of the even column, r2 / r3 of the
     * odd one; weight lanes r4/r5 and r6/r7; one row's lanes r8/r9; weight rows lr and r10;
     * activation pointer r12 and its end r11. The job's F_NCOLS counts column pairs and F_BSKIP
     * goes from the end of a pair's 4-deep steps to the next pair's first weight row. */
    .macro STEP2X2
    ldr.w   r5, [lr], #4
    ldr.w   r7, [r10], #4
    STEP2X2_ROWS
    .endm
    .macro STEP2X2_ROWS
    sxtb16  r4, r5
    sxtb16  r5, r5, ror #8
    sxtb16  r6, r7
    sxtb16  r7, r7, ror #8
    ldrd    r8, r9, [r12], #8
    smlad   r0, r8, r4, r0
    smlad   r2, r8, r6, r2
    smlad   r0, r9, r5, r0
    smlad   r2, r9, r7, r2
    ldrd    r8, r9, [r12], #8
    smlad   r1, r8, r4, r1
    smlad   r3, r8, r6, r3
    smlad   r1, r9, r5, r1
    smlad   r3, r9, r7, r3
    .endm

    /* the last K % 4 (r9) weights of the row at \pb, assembled into \w (r8 is clobbered) */
    .macro TAILWORD w, pb
    ldrb    \w, [\pb]
    cmp     r9, #2
    itt     hs
    ldrbhs  r8, [\pb, #1]
    orrhs   \w, \w, r8, lsl #8
    cmp     r9, #3
    itt     eq
    ldrbeq  r8, [\pb, #2]
    orreq   \w, \w, r8, lsl #16
    .endm

    .macro COLUMNS2X2 MODE, name
    COLUMNS_ENTRY \name
    add     r11, r2, r1, lsl #4     /* the activations' end: 16 bytes per step */
    and     r3, r1, #3
    rsb     r3, r3, #4
    and     r3, r3, #3              /* steps the first pass skips */
    adr.w   r4, 20f
    movs    r5, #64                 /* bytes per step */
    mla     r4, r3, r5, r4
    orr     r4, r4, #1
    str     r4, [sp, #F_ENTRY]
    ldr     r2, [sp, #F_BSKIP]
    add     r2, r2, r1, lsl #2
    lsrs    r2, r2, #1              /* ldb = (F_BSKIP + 4 K/4) / 2 */
    ldr     lr, [sp, #F_B]
    add     r10, lr, r2
10: /* column pair: accumulators from the pair's biases (or 0) */
    ldr     r12, [sp, #F_WA]
    movs    r0, #0
    movs    r2, #0
    .ifc \MODE, rq
    ldr     r6, [sp, #F_BIAS]
    cbz     r6, 11f
    ldrd    r0, r2, [r6], #8
    str     r6, [sp, #F_BIAS]
11:
    .endif
    mov     r1, r0
    mov     r3, r2
    ldr     pc, [sp, #F_ENTRY]
    .balign 4
20: STEP2X2
21: STEP2X2
    STEP2X2
    STEP2X2
    .if (21b - 20b) != 64
    .error "STEP2X2 size differs from the Duff entry's step size"
    .endif
    cmp     r12, r11
    bne     20b
    ldr     pc, [sp, #F_AFTER]
40: /* K % 4: both rows' last weights, assembled bytewise, against zero-padded activations */
    ldr     r9, [sp, #F_REM]
    TAILWORD r5, lr
    TAILWORD r7, r10
    STEP2X2_ROWS
50: /* finish the pair, then the next one */
    .ifc \MODE, rq
    ldm     sp, {r4-r9}             /* mul, rnd, sh, ocol, rs, cs */
    TX_REQUANT8 r0, r4, r5, r6, [r7]
    TX_REQUANT8 r1, r4, r5, r6, [r7, r8]
    add     r12, r7, r9
    TX_REQUANT8 r2, r4, r5, r6, [r12]
    TX_REQUANT8 r3, r4, r5, r6, [r12, r8]
    .else
    add     r4, sp, #F_OCOL
    ldm     r4, {r7-r9}             /* ocol, rs, cs */
    TX_ACCUMULATE32 r0, r4, [r7]
    TX_ACCUMULATE32 r1, r4, [r7, r8]
    add     r12, r7, r9
    TX_ACCUMULATE32 r2, r4, [r12]
    TX_ACCUMULATE32 r3, r4, [r12, r8]
    .endif
    add     r7, r12, r9
    str     r7, [sp, #F_OCOL]
    ldrd    r6, r7, [sp, #F_BSKIP]  /* bskip, pairs left */
    add     lr, lr, r6
    add     r10, r10, r6
    subs    r7, r7, #1
    str     r7, [sp, #F_NCOLS]
    bne     10b
    add     sp, sp, #F_SIZE
    pop     {r4-r11, pc}
    .size   \name, . - \name
    .endm

    COLUMNS2X2 rq,  tx_dsp_cols2x2_rq
    COLUMNS2X2 acc, tx_dsp_cols2x2_acc

    /* step sizes in bytes: LDR.W + 2 SXTB16 = 12, then per row pair LDM.W + 4 SMLAD = 20, or two
     * LDRD + 4 SMLAD = 24 in the dual-issue order (one row: LDRD + 2 SMLAD = 12) */
#if TX_DUAL_ISSUE
    COLUMNS 6, rq,  tx_dsp_cols6_rq,  84, r5
    COLUMNS 4, rq,  tx_dsp_cols4_rq,  60, r3
    COLUMNS 2, rq,  tx_dsp_cols2_rq,  36, r1
    COLUMNS 1, rq,  tx_dsp_cols1_rq,  24, r0
    COLUMNS 6, acc, tx_dsp_cols6_acc, 84, r5
    COLUMNS 4, acc, tx_dsp_cols4_acc, 60, r3
    COLUMNS 2, acc, tx_dsp_cols2_acc, 36, r1
    COLUMNS 1, acc, tx_dsp_cols1_acc, 24, r0
#else
    COLUMNS 6, rq,  tx_dsp_cols6_rq,  72, r5
    COLUMNS 4, rq,  tx_dsp_cols4_rq,  52, r3
    COLUMNS 2, rq,  tx_dsp_cols2_rq,  32, r1
    COLUMNS 1, rq,  tx_dsp_cols1_rq,  24, r0
    COLUMNS 6, acc, tx_dsp_cols6_acc, 72, r5
    COLUMNS 4, acc, tx_dsp_cols4_acc, 52, r3
    COLUMNS 2, acc, tx_dsp_cols2_acc, 32, r1
    COLUMNS 1, acc, tx_dsp_cols1_acc, 24, r0
#endif
#endif
