/* Cortex-M (Armv7E-M) DSP GEMM column loop for a block of R widened activation rows: for every
 * weight row (column) of the GEMM, R dot products with SXTB16/SMLAD, requantized through SMMLA
 * (shift > 32, NUMERICS.md identity in dsp.h) and stored down the R output rows.
 *
 * void tx_dsp_colsR_asm(tx_dsp_cols_job *job), R in {6, 3, 2, 1}   (job layout: gemm_dsp.c)
 *
 * The routine keeps up to 6 accumulators (r0-r5), both stream pointers and 4 temporaries in
 * r6-r11 and the step counter in r12 during the reduction; everything per column lives in the job
 * struct, addressed through lr. Requires K % 4 == 0, K >= 4, a bias array and per-tensor
 * requantization. */
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
    .syntax unified
    .thumb
    .text

    .equ J_WA,      0   /* const uint32_t *: widened rows, 6 interleaved (even, odd) pairs per step */
    .equ J_B,       4   /* const int8_t *: current weight row */
    .equ J_LDB,     8
    .equ J_NLEFT,  12   /* columns left */
    .equ J_K4,     16   /* 4-deep steps */
    .equ J_BIAS,   20   /* const int32_t *: bias of the current column */
    .equ J_OCOL,   24   /* int8_t *: output of row 0, current column */
    .equ J_RS,     28
    .equ J_MUL,    32
    .equ J_RND,    36
    .equ J_SH,     40
    .equ J_GLEFT,  44   /* columns left in the current group */
    .equ J_GCOLS,  48
    .equ J_CS,     52
    .equ J_GSTRIDE, 56
    .equ J_OGROUP, 60   /* int8_t *: output of row 0, first column of the current group */

    /* one activation row of a 4-deep step: its (even, odd) lane pair against the weight lanes */
    .macro ROW acc
    ldrd    r10, r11, [r6], #8
    smlad   \acc, r10, r8, \acc
    smlad   \acc, r11, r9, \acc
    .endm

    /* one 4-deep step for R rows: weight word -> (even, odd) lanes, then R rows */
    .macro STEP R
    ldr     r9, [r7], #4
    sxtb16  r8, r9
    sxtb16  r9, r9, ror #8
    ROW     r0
    .if \R > 1
    ROW     r1
    .endif
    .if \R > 2
    ROW     r2
    .endif
    .if \R > 3
    ROW     r3
    ROW     r4
    ROW     r5
    .endif
    .endm

    /* requantize accumulator \acc and store it at \addr */
    .macro REQ acc, addr:vararg
    smmla   \acc, \acc, r8, r9
    asr     \acc, \acc, r10
    ssat    \acc, #8, \acc
    strb    \acc, \addr
    .endm

    .macro COLUMNS R, name
    .global \name
    .type   \name, %function
    .thumb_func
\name:
    push    {r4-r11, lr}
    mov     lr, r0
1:  /* column */
    ldr     r7, [lr, #J_B]
    ldr     r6, [lr, #J_WA]
    ldr     r12, [lr, #J_BIAS]
    ldr     r0, [r12], #4
    str     r12, [lr, #J_BIAS]
    .if \R > 1
    mov     r1, r0
    .endif
    .if \R > 2
    mov     r2, r0
    .endif
    .if \R > 3
    mov     r3, r0
    mov     r4, r0
    mov     r5, r0
    .endif
    ldr     r12, [lr, #J_K4]
    /* K4 % 4 single steps first, then blocks of four */
    ands    r8, r12, #3
    beq     3f
2:  STEP    \R
    subs    r12, r12, #1
    tst     r12, #3
    bne     2b
3:  lsrs    r12, r12, #2
    beq     5f
4:  STEP    \R
    STEP    \R
    STEP    \R
    STEP    \R
    subs    r12, r12, #1
    bne     4b
5:  /* finish the column */
    ldr     r6, [lr, #J_LDB]
    ldr     r7, [lr, #J_B]
    add     r7, r7, r6
    str     r7, [lr, #J_B]
    ldr     r8, [lr, #J_MUL]
    ldr     r9, [lr, #J_RND]
    ldr     r10, [lr, #J_SH]
    ldr     r11, [lr, #J_OCOL]
    ldr     r12, [lr, #J_RS]
    REQ     r0, [r11]
    .if \R > 1
    REQ     r1, [r11, r12]
    .endif
    .if \R > 2
    add     r6, r11, r12, lsl #1
    REQ     r2, [r6]
    .endif
    .if \R > 3
    REQ     r3, [r6, r12]
    add     r6, r6, r12, lsl #1
    REQ     r4, [r6]
    REQ     r5, [r6, r12]
    .endif
    /* next column: within the group, or the first column of the next group */
    ldr     r8, [lr, #J_GLEFT]
    subs    r8, r8, #1
    beq     6f
    ldr     r9, [lr, #J_CS]
    add     r11, r11, r9
    b       7f
6:  ldr     r11, [lr, #J_OGROUP]
    ldr     r9, [lr, #J_GSTRIDE]
    add     r11, r11, r9
    str     r11, [lr, #J_OGROUP]
    ldr     r8, [lr, #J_GCOLS]
7:  str     r8, [lr, #J_GLEFT]
    str     r11, [lr, #J_OCOL]
    ldr     r8, [lr, #J_NLEFT]
    subs    r8, r8, #1
    str     r8, [lr, #J_NLEFT]
    bne     1b
    pop     {r4-r11, pc}
    .size   \name, . - \name
    .endm

    COLUMNS 6, tx_dsp_cols6_asm
    COLUMNS 3, tx_dsp_cols3_asm
    COLUMNS 2, tx_dsp_cols2_asm
    COLUMNS 1, tx_dsp_cols1_asm
#endif
