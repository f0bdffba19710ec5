/* Cortex-M (Armv7E-M) DSP GEMM for a single widened activation row against 4 weight rows at a
 * time (a matrix-vector product: the depth-first tiles of one query row, a GEMM's last row):
 * the row's widened lane pair is loaded once per 4-deep step and fed to 8 SMLADs, where the
 * 6-row column loop (dsp_columns.S) with R = 1 loads it for every weight row.
 *
 *   void tx_dsp_gemv4_<rq|acc>(tx_dsp_gemv_job *job)       (job layout: gemm_dsp.c)
 *
 * Registers in the reduction: accumulators r0-r3, the row's lanes r4/r5, weight lanes r6/r7,
 * activation pointer r8, the 4 weight row pointers r9-r12, the activations' end lr. Per 4-deep
 * step: LDRD + 4 x (LDR + 2 SXTB16 + 2 SMLAD) = 27 cycles on the M4 table for 16 MACs (one row,
 * one weight row: 9 cycles for 4). The job is copied into the stack frame, so every field is one
 * SP-relative access and the epilogue's constants one LDM; the 4-step body is entered Duff-style
 * (the entry computed once per call) and ends on the activation pointer, so a group of 4
 * columns pays no step counter. K % 4 ends with one step whose weight words are assembled from
 * the remaining bytes (nothing is read past a weight row); the widened row is zero-padded. */
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#include "dsp_epilogue.h"
    .syntax unified
    .thumb
    .text

    /* the frame: the job (gemm_dsp.c), then what the call computes */
    .equ G_MUL,     0   /* requantization: multiplier, rounding 2^(sh-1), shift - 32 */
    .equ G_RND,     4
    .equ G_SH,      8
    .equ G_OCOL,   12   /* output of the current 4 columns' first (int8 or int32) */
    .equ G_CS,     16   /* bytes between output columns */
    .equ G_WA,     20   /* const uint32_t *: the widened row, (even, odd) lane pair per step */
    .equ G_B,      24   /* const int8_t *: first weight row of the current 4 */
    .equ G_LDB,    28
    .equ G_NQUADS, 32   /* groups of 4 columns left */
    .equ G_K4,     36
    .equ G_REM,    40
    .equ G_BIAS,   44   /* const int32_t *: bias of the current 4 columns, or NULL */
    .equ G_ENTRY,  48   /* where a group enters the 4-step body (Thumb bit set) */
    .equ G_AFTER,  52   /* after the full steps: the K % 4 step, or the group's end */
    .equ G_SIZE,   56
    .equ STEP4_BYTES, 84 /* LDRD + 4 x (LDR.W + 2 SXTB16 + 2 SMLAD), 32-bit encodings */

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

    /* the last K % 4 (r8) weights of a row, assembled into r7, against the padded lanes */
    .macro TAILCOL acc, pb
    ldrb    r7, [\pb]
    cmp     r8, #2
    itt     hs
    ldrbhs  r6, [\pb, #1]
    orrhs   r7, r7, r6, lsl #8
    cmp     r8, #3
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
    sub     sp, sp, #(G_SIZE + 4)   /* + 4: 8-byte stack alignment */
    mov     r1, sp                  /* the job's 12 words become the frame's G_MUL .. G_BIAS */
    ldm     r0!, {r2-r7}
    stmia   r1!, {r2-r7}
    ldm     r0, {r2-r7}
    stm     r1, {r2-r7}
    ldr     r1, [sp, #G_K4]
    ldr     r2, [sp, #G_REM]
    adr.w   r4, 50f
    cbz     r2, 1f
    adr.w   r4, 40f
1:  orr     r4, r4, #1
    str     r4, [sp, #G_AFTER]
    cbz     r1, 2f                  /* no full step: straight to G_AFTER */
    and     r3, r1, #3
    rsb     r3, r3, #4
    and     r3, r3, #3              /* steps the first pass skips */
    adr.w   r4, 20f
    movs    r5, #STEP4_BYTES
    mla     r4, r3, r5, r4
    orr     r4, r4, #1
2:  str     r4, [sp, #G_ENTRY]
    ldr     r2, [sp, #G_WA]
    add     lr, r2, r1, lsl #3      /* the activations' end: 8 bytes per step */
10: /* 4 columns: accumulators from the bias (or 0), weight row pointers */
    ldr     r8, [sp, #G_WA]
    movs    r0, #0
    movs    r1, #0
    movs    r2, #0
    movs    r3, #0
    .ifc \MODE, rq
    ldr     r6, [sp, #G_BIAS]
    cbz     r6, 11f
    ldm     r6!, {r0-r3}
    str     r6, [sp, #G_BIAS]
11:
    .endif
    ldrd    r9, r6, [sp, #G_B]      /* first weight row, ldb */
    add     r10, r9, r6
    add     r11, r10, r6
    add     r12, r11, r6
    add     r6, r12, r6
    str     r6, [sp, #G_B]
    ldr     pc, [sp, #G_ENTRY]
    .balign 4
20: STEP4
21: STEP4
    STEP4
    STEP4
    .if (21b - 20b) != STEP4_BYTES
    .error "STEP4 size differs from the Duff entry's step size"
    .endif
    cmp     r8, lr
    bne     20b
    ldr     pc, [sp, #G_AFTER]
40: ldrd    r4, r5, [r8]
    ldr     r8, [sp, #G_REM]
    TAILCOL r0, r9
    TAILCOL r1, r10
    TAILCOL r2, r11
    TAILCOL r3, r12
50: /* finish the 4 columns, then the next 4 */
    .ifc \MODE, rq
    ldm     sp, {r4-r8}             /* mul, rnd, sh, ocol, cs */
    REQ     r0, [r7]
    REQ     r1, [r7, r8]
    add     r7, r7, r8, lsl #1
    REQ     r2, [r7]
    REQ     r3, [r7, r8]
    .else
    add     r4, sp, #G_OCOL
    ldm     r4, {r7, r8}            /* ocol, cs */
    ACC     r0, [r7]
    ACC     r1, [r7, r8]
    add     r7, r7, r8, lsl #1
    ACC     r2, [r7]
    ACC     r3, [r7, r8]
    .endif
    add     r7, r7, r8, lsl #1
    str     r7, [sp, #G_OCOL]
    ldr     r6, [sp, #G_NQUADS]
    subs    r6, r6, #1
    str     r6, [sp, #G_NQUADS]
    bne     10b
    add     sp, sp, #(G_SIZE + 4)
    pop     {r4-r11, pc}
    .size   \name, . - \name
    .endm

    GEMV    rq,  tx_dsp_gemv4_rq
    GEMV    acc, tx_dsp_gemv4_acc
#endif
