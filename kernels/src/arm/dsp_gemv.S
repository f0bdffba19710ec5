/* Cortex-M (Armv7E-M) DSP GEMM for a single widened activation row against 4 weight rows at a
 * time (a matrix-vector product: the depth-first tiles of one query row, a GEMM's last row):
 * the row's widened lane pair is loaded once per 4-deep step and fed to 8 SMLADs, where the
 * 6-row column loop (dsp_columns.S) with R = 1 loads it for every weight row.
 *
 *   void tx_dsp_gemv4_<rq|acc>(tx_dsp_gemv_job *job)       (job layout: gemm_dsp.c)
 *
 * Registers in the reduction: accumulators r0-r3, the row's lanes r4/r5, weight lanes r6/r7,
 * activation pointer r8, the 4 weight row pointers r9-r12, step counter lr. Per 4-deep step:
 * LDRD + 4 x (LDR + 2 SXTB16 + 2 SMLAD) = 27 cycles on the M4 table for 16 MACs (one row, one
 * weight row: 9 cycles for 4). K % 4 ends with one step whose weight words are assembled from
 * the remaining bytes (nothing is read past a weight row); the widened row is zero-padded. */
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#include "dsp_epilogue.h"
    .syntax unified
    .thumb
    .text

    .equ G_WA,      0   /* const uint32_t *: the widened row, (even, odd) lane pair per step */
    .equ G_B,       4   /* const int8_t *: first weight row of the current 4 */
    .equ G_LDB,     8
    .equ G_NQUADS, 12   /* groups of 4 columns left */
    .equ G_K4,     16
    .equ G_REM,    20
    .equ G_BIAS,   24   /* const int32_t *: bias of the current 4 columns, or NULL */
    .equ G_OCOL,   28   /* output of the current 4 columns' first (int8 or int32) */
    .equ G_CS,     32   /* bytes between output columns */
    .equ G_MUL,    36
    .equ G_RND,    40
    .equ G_SH,     44

    /* one weight row's 4-deep step: its word, lanes, 2 SMLADs into \acc */
    .macro COL acc, pb
    ldr.w   r7, [\pb], #4
    sxtb16  r6, r7
    sxtb16  r7, r7, ror #8
    smlad   \acc, r4, r6, \acc
    smlad   \acc, r5, r7, \acc
    .endm

    .macro STEP4
    ldrd    r4, r5, [r8], #8
    COL     r0, r9
    COL     r1, r10
    COL     r2, r11
    COL     r3, r12
    .endm

    /* the last K % 4 (lr) weights of a row, assembled into r7, against the padded lanes */
    .macro TAILCOL acc, pb
    ldrb    r7, [\pb]
    cmp     lr, #2
    itt     hs
    ldrbhs  r6, [\pb, #1]
    orrhs   r7, r7, r6, lsl #8
    cmp     lr, #3
    itt     eq
    ldrbeq  r6, [\pb, #2]
    orreq   r7, r7, r6, lsl #16
    sxtb16  r6, r7
    sxtb16  r7, r7, ror #8
    smlad   \acc, r4, r6, \acc
    smlad   \acc, r5, r7, \acc
    .endm

    /* the column epilogues: mul r4, rounding r5, shift r6 (dsp_epilogue.h) */
    .macro REQ acc, addr:vararg
    TX_REQUANT8 \acc, r4, r5, r6, \addr
    .endm
    .macro ACC acc, addr:vararg
    TX_ACCUMULATE32 \acc, r4, \addr
    .endm

    .macro GEMV MODE, name
    .global \name
    .type   \name, %function
    .thumb_func
\name:
    push    {r4-r11, lr}
    sub     sp, sp, #8
    str     r0, [sp]
10: /* 4 columns: accumulators from the bias (or 0), weight row pointers */
    ldr     r7, [sp]
    movs    r0, #0
    movs    r1, #0
    movs    r2, #0
    movs    r3, #0
    .ifc \MODE, rq
    ldr     r6, [r7, #G_BIAS]
    cbz     r6, 11f
    ldm     r6!, {r0-r3}
    str     r6, [r7, #G_BIAS]
11:
    .endif
    ldrd    r8, r9, [r7, #G_WA]
    ldr     r6, [r7, #G_LDB]
    add     r10, r9, r6
    add     r11, r10, r6
    add     r12, r11, r6
    add     r6, r12, r6
    str     r6, [r7, #G_B]
    ldr     lr, [r7, #G_K4]
    lsrs    lr, lr, #1
    beq     30f
20: STEP4
    STEP4
    subs    lr, lr, #1
    bne     20b
30: ldr     r7, [sp]
    ldr     lr, [r7, #G_K4]
    tst     lr, #1
    beq     40f
    STEP4
40: ldr     r7, [sp]
    ldr     lr, [r7, #G_REM]
    cmp     lr, #0
    beq     50f
    ldrd    r4, r5, [r8]
    TAILCOL r0, r9
    TAILCOL r1, r10
    TAILCOL r2, r11
    TAILCOL r3, r12
50: /* finish the 4 columns, then the next 4 */
    ldr     r7, [sp]
    ldr     r8, [r7, #G_OCOL]
    ldr     r9, [r7, #G_CS]
    .ifc \MODE, rq
    add     r6, r7, #G_MUL
    ldm     r6, {r4-r6}
    REQ     r0, [r8]
    REQ     r1, [r8, r9]
    add     r8, r8, r9, lsl #1
    REQ     r2, [r8]
    REQ     r3, [r8, r9]
    .else
    ACC     r0, [r8]
    ACC     r1, [r8, r9]
    add     r8, r8, r9, lsl #1
    ACC     r2, [r8]
    ACC     r3, [r8, r9]
    .endif
    add     r8, r8, r9, lsl #1
    str     r8, [r7, #G_OCOL]
    ldr     r6, [r7, #G_NQUADS]
    subs    r6, r6, #1
    str     r6, [r7, #G_NQUADS]
    bne     10b
    add     sp, sp, #8
    pop     {r4-r11, pc}
    .size   \name, . - \name
    .endm

    GEMV    rq,  tx_dsp_gemv4_rq
    GEMV    acc, tx_dsp_gemv4_acc
#endif
