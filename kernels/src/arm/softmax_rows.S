/* Cortex-M (Armv7E-M) softmax rows through the exp table: the same three passes and per-row
 * reciprocal as kernels/src/ops/softmax_row.c (whose C is the host-tested model of this code),
 * with everything a row needs kept in registers, so a row costs its loops plus ~40 cycles on
 * the Cortex-M4 table. Whole 8-blocks run the unrolled loops; the last n % 8 scores go one or
 * two at a time. Rows of whole 16-blocks, word aligned, take a second copy of the row loop
 * without any tail test (.Lrow16), chosen once per call.
 *
 * void tx_sm_rows_dsp(const tx_softmax_table *lut, int32_t rows, int32_t n, const int8_t *in,
 *                     uint8_t *out, uint32_t *tmp)
 * Requires rows >= 1, n >= 1, lut->emax != 0, tmp 4-byte aligned (LDM/LDRD/STRD); in and out
 * may alias and need no alignment.
 *
 * Registers across rows: r3 in (the exp pass walks it to the next row), r1 out (likewise the
 * normalization), r2 n, r0 &lut->r[255], lr tmp; rows left, emax and tmp on the stack. */
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
    .syntax unified
    .thumb
    .text

    .equ T_EMAX, 512    /* offsetof(tx_softmax_table, emax) */

    /* four exps: one word of scores, two packed pairs to tmp, both added to the sum (r5)
     * row base r6, 0x00010001 in r7 */
    .macro EXP4 first=0
    ldr     r8, [r3], #4
    sxtb    r9, r8
    sxtb    r10, r8, ror #8
    sxtb    r11, r8, ror #16
    asr     r12, r8, #24
    ldrh    r9, [r6, r9, lsl #1]
    ldrh    r10, [r6, r10, lsl #1]
    ldrh    r11, [r6, r11, lsl #1]
    ldrh    r12, [r6, r12, lsl #1]
    pkhbt   r9, r9, r10, lsl #16
    pkhbt   r11, r11, r12, lsl #16
    .if \first                      /* a row's first: the sum starts with SMUAD, no zeroed r5 */
    smuad   r5, r9, r7
    .else
    smlad   r5, r9, r7, r5
    .endif
    smlad   r5, r11, r7, r5
    str     r9, [lr], #4                /* two STRs: 2 cycles, STRD 3 (M4 TRM) */
    str     r11, [lr], #4
    .endm

    /* two outputs words from two packed pairs (\p, \p2): q = ((M y) >> 16) >> 16, M (r9) < 2^31;
     * q0 | q2 << 16 and q1 | q3 << 16 (PKHTB), then the bytes in order */
    .macro NORM4 p, p2
    smulwb  r10, r9, \p
    smulwb  r11, r9, \p2
    pkhtb   r10, r11, r10, asr #16
    smulwt  r11, r9, \p
    smulwt  \p2, r9, \p2                /* \p2 is dead: two temporaries suffice */
    pkhtb   r11, \p2, r11, asr #16
    orr     r10, r10, r11, lsl #8
    str     r10, [r1], #4
    .endm

    /* eight outputs: four packed pairs in one LDM (tmp is word aligned) */
    .macro NORM8
    ldmia   lr!, {r5-r8}
    NORM4   r5, r6
    NORM4   r7, r8
    .endm

    /* NORM8 of the 16-block loop, which keeps 0x00010001 in r7 across rows */
    .macro NORM8_KEEP_R7
    ldmia   lr!, {r4, r5, r6, r8}
    NORM4   r4, r5
    NORM4   r6, r8
    .endm

    /* one output by the remainder check: y in \y, R in r6, sum in r5 */
    .macro CHECKED1 y
    rsb     \y, \y, \y, lsl #8          /* N = 255 y */
    umull   r10, r11, \y, r6            /* (N R) >> 32: q or q - 1 */
    mls     r10, r11, r5, \y
    cmp     r10, r5
    it      hs
    addhs   r11, r11, #1
    strb    r11, [r1], #1
    .endm

    /* per byte lane max of r7..r10 into r6 (r11: SSUB8's discarded difference) */
    .macro MAX16
    ssub8   r11, r7, r8
    sel     r7, r7, r8
    ssub8   r11, r9, r10
    sel     r9, r9, r10
    ssub8   r11, r7, r9
    sel     r7, r7, r9
    ssub8   r11, r7, r6
    sel     r6, r7, r6
    .endm

    /* ---- the per-row reciprocal, shared by both row loops: R = floor((2^32 - 1) / sum) (r6),
     * rr = 2^32 - R sum; falls through with M = 255 (R + 1) in r9 when that is exact (e =
     * 255 (sum - rr) <= emax, emax left in r11), else to \exact (r11 = emax) or \checked */
    .macro RECIP checked, exact
    mov     r8, #-1
    udiv    r6, r8, r5
    cmp     r5, #510                    /* M < 2^31 needs sum > 510 */
    bls     \checked
    lsrs    r9, r5, #24                 /* 255 rr < 2^32 needs sum < 2^24 */
    bne     \checked
    ldr     r11, [sp, #4]               /* emax */
    mla     r9, r6, r5, r5              /* sum - rr = (R + 1) sum mod 2^32 */
    rsb     r9, r9, r9, lsl #8
    cmp     r9, r11
    bhi     \exact
    add     r9, r6, #1
    rsb     r9, r9, r9, lsl #8
    .endm

    /* M = 255 R + ceil(255 rr / sum), e = sum - 1 - rem, the quotient through R with one check;
     * on to \norm with M in r9, or to \checked when e > emax */
    .macro EXACT checked, norm
    mul     r8, r6, r5
    rsb     r8, r8, #0                  /* rr = 2^32 - R sum */
    rsb     r9, r8, r8, lsl #8
    add     r9, r9, r5
    sub     r9, r9, #1                  /* u = 255 rr + sum - 1 */
    umull   r10, r12, r9, r6
    mls     r10, r12, r5, r9
    cmp     r10, r5
    itt     hs
    subhs   r10, r10, r5
    addhs   r12, r12, #1
    sub     r10, r5, r10
    sub     r10, r10, #1
    cmp     r10, r11
    bhi     \checked
    rsb     r9, r6, r6, lsl #8
    add     r9, r9, r12
    b       \norm
    .endm

    /* normalize the row by the remainder check (sums the fast path cannot take), then \next */
    .macro CHECKED_ROW next
    lsrs    r4, r2, #1
    beq     15f
10: ldr     r7, [lr], #4
    uxth    r8, r7
    CHECKED1 r8
    lsr     r8, r7, #16
    CHECKED1 r8
    subs    r4, r4, #1
    bne     10b
15: tst     r2, #1
    beq     \next
    ldr     r8, [lr], #4                /* the odd last exp (upper half 0) */
    CHECKED1 r8
    b       \next
    .endm

    .global tx_sm_rows_dsp
    .type   tx_sm_rows_dsp, %function
    .thumb_func
    .p2align 2
tx_sm_rows_dsp:
    push    {r4-r11, lr}
    sub     sp, sp, #12
    ldr     r4, [r0, #T_EMAX]
    strd    r1, r4, [sp]                /* rows left, emax */
    add     r0, r0, #510                /* &lut->r[255] */
    ldr     r1, [sp, #48]               /* out */
    ldr     lr, [sp, #52]               /* tmp */
    str     lr, [sp, #8]
    tst     r2, #15
    bne     .Lrow
    tst     r3, #3
    bne     .Lrow
    ldr     r4, [sp]
    mla     r4, r4, r2, r3
    str     r4, [sp]                    /* rows of 16-blocks count by the input's end */
    mov     r7, #0x00010001             /* kept across the 16-block rows */
    b       .Lrow16

.Lrow:
    /* ---- row max: 16 bytes per iteration (SSUB8 sets GE per lane, SEL keeps the larger); LDM
     * when the row is word aligned */
    mov     r6, #0x80808080
    mov     r4, r3
    lsrs    r5, r2, #4
    beq     .Lmax_tail
    tst     r3, #3
    bne     .Lmax_unaligned
1:  ldmia   r4!, {r7-r10}
    MAX16
    subs    r5, r5, #1
    bne     1b
.Lmax_tail:
    tst     r2, #8
    bne     .Lmax8
.Lmax_word:
    tst     r2, #4
    bne     .Lmax4
.Lmax_reduce:
    ror     r7, r6, #16
    ssub8   r11, r6, r7
    sel     r6, r6, r7
    lsr     r7, r6, #8
    ssub8   r11, r6, r7
    sel     r6, r6, r7
    sxtb    r6, r6
    ands    r5, r2, #3
    bne     .Lmax_bytes
.Lmax_done:
    sub     r6, r0, r6, lsl #1          /* row base: base[x] = r[255 - (max - x)] */

    /* ---- exps and their sum: an odd 8-block, pairs of 8-blocks, then the last n % 8 */
    movs    r5, #0
    mov     r7, #0x00010001
    lsrs    r4, r2, #4                  /* carry: n & 8; Z: no pair (EXP4 keeps the flags) */
    bcs     .Lexp_odd8
.Lexp_pairs:
    beq     6f
5:  EXP4
    EXP4
    EXP4
    EXP4
    subs    r4, r4, #1
    bne     5b
6:  ands    r4, r2, #7
    bne     .Lexp_tail
.Lexp_done:
    ldr     lr, [sp, #8]                /* tmp back to the row's pairs */

    RECIP   .Lchecked, .Lexact

    /* ---- normalize, M in r9: an odd 8-block, pairs of 8-blocks, then the last n % 8 */
.Lnorm:
    lsrs    r4, r2, #4                  /* carry: n & 8; Z: no pair (NORM8 keeps the flags) */
    bcs     .Lnorm_odd8
.Lnorm_pairs:
    beq     7f
8:  NORM8
    NORM8
    subs    r4, r4, #1
    bne     8b
7:  ands    r4, r2, #7
    bne     .Lnorm_tail
.Lnext:
    ldr     lr, [sp, #8]
    ldr     r4, [sp]
    subs    r4, r4, #1
    str     r4, [sp]
    bne     .Lrow
.Lreturn:
    add     sp, sp, #12
    pop     {r4-r11, pc}

    /* ---- out of line: the row max of unaligned rows, of an 8-block and of the last bytes */
.Lmax_unaligned:
    ldr     r7, [r4], #4
    ldr     r8, [r4], #4
    ldr     r9, [r4], #4
    ldr     r10, [r4], #4
    MAX16
    subs    r5, r5, #1
    bne     .Lmax_unaligned
    b       .Lmax_tail
.Lmax8:
    ldr     r7, [r4], #4
    ldr     r8, [r4], #4
    ssub8   r11, r7, r8
    sel     r7, r7, r8
    ssub8   r11, r7, r6
    sel     r6, r7, r6
    b       .Lmax_word
.Lmax4:
    ldr     r7, [r4], #4
    ssub8   r11, r7, r6
    sel     r6, r7, r6
    b       .Lmax_reduce
.Lmax_bytes:                            /* r5 = n % 4 bytes at r4, the max so far in r6 */
    ldrsb   r7, [r4], #1
    cmp     r7, r6
    it      gt
    movgt   r6, r7
    subs    r5, r5, #1
    bne     .Lmax_bytes
    b       .Lmax_done

    /* ---- out of line: exps of an odd 8-block, and of the last n % 8 scores (r4) by pairs */
.Lexp_odd8:
    EXP4
    EXP4
    b       .Lexp_pairs
.Lexp_tail:                             /* r4 = n % 8: a word of four first */
    tst     r4, #4
    beq     13f
    EXP4
13: ands    r4, r4, #3
    beq     .Lexp_done
    subs    r4, r4, #2
    blo     12f
11: ldrsb   r9, [r3], #1
    ldrsb   r10, [r3], #1
    ldrh    r9, [r6, r9, lsl #1]
    ldrh    r10, [r6, r10, lsl #1]
    pkhbt   r9, r9, r10, lsl #16
    smlad   r5, r9, r7, r5
    str     r9, [lr], #4
    subs    r4, r4, #2
    bhs     11b
12: cmn     r4, #1                      /* -1: one score left, -2: none */
    bne     .Lexp_done
    ldrsb   r9, [r3], #1
    ldrh    r9, [r6, r9, lsl #1]
    add     r5, r5, r9
    str     r9, [lr], #4
    b       .Lexp_done

.Lexact:
    EXACT   .Lchecked, .Lnorm

    /* ---- out of line: normalization of an odd 8-block and of the last n % 8 (r4) */
.Lnorm_odd8:
    NORM8
    b       .Lnorm_pairs
.Lnorm_tail:                            /* r4 = n % 8: four first */
    tst     r4, #4
    beq     14f
    ldrd    r6, r7, [lr], #8
    NORM4   r6, r7
14: ands    r4, r4, #3
    beq     .Lnext
16: ldr     r6, [lr], #4
    smulwb  r10, r9, r6
    lsr     r10, r10, #16
    strb    r10, [r1], #1
    subs    r4, r4, #1
    beq     .Lnext
    smulwt  r10, r9, r6
    lsr     r10, r10, #16
    strb    r10, [r1], #1
    subs    r4, r4, #1
    bne     16b
    b       .Lnext

.Lchecked:
    CHECKED_ROW .Lnext

    /* ---- rows of whole 16-blocks, word aligned (n % 16 == 0 and in aligned: every row is):
     * the same passes without a tail test, the first block's max without the initial compare,
     * and tmp walked back by n/2 words instead of reloaded; ~20 cycles less per row */
.Lrow16:
    ldmia   r3, {r8-r11}                /* the exp pass walks r3 */
    ssub8   r12, r8, r9
    sel     r8, r8, r9
    ssub8   r12, r10, r11
    sel     r10, r10, r11
    ssub8   r12, r8, r10
    sel     r6, r8, r10
    cmp     r2, #16
    bhi     .Lmax16_more
.Lmax16_reduce:
    ror     r8, r6, #16
    ssub8   r12, r6, r8
    sel     r6, r6, r8
    lsr     r8, r6, #8
    ssub8   r12, r6, r8
    sel     r6, r6, r8
    sxtb    r6, r6
    sub     r6, r0, r6, lsl #1          /* row base */
    lsrs    r4, r2, #4
    EXP4 first=1
    EXP4
    EXP4
    EXP4
    subs    r4, r4, #1
    bne     .Lexp16_more
.Lexp16_done:
    sub     lr, lr, r2, lsl #1          /* tmp back to the row's pairs */
    RECIP   .Lchecked16, .Lexact16
.Lnorm16:
    lsrs    r12, r2, #4
18: NORM8_KEEP_R7
    NORM8_KEEP_R7
    subs    r12, r12, #1
    bne     18b
.Lnext16:
    sub     lr, lr, r2, lsl #1
    ldr     r4, [sp]                    /* the end of the input */
    cmp     r3, r4
    bne     .Lrow16
    b       .Lreturn
.Lmax16_more:
    add     r4, r3, #16
    lsr     r5, r2, #4
    sub     r5, r5, #1
19: ldmia   r4!, {r8-r11}
    ssub8   r12, r8, r9
    sel     r8, r8, r9
    ssub8   r12, r10, r11
    sel     r10, r10, r11
    ssub8   r12, r8, r10
    sel     r8, r8, r10
    ssub8   r12, r8, r6
    sel     r6, r8, r6
    subs    r5, r5, #1
    bne     19b
    b       .Lmax16_reduce
.Lexp16_more:
    EXP4
    EXP4
    EXP4
    EXP4
    subs    r4, r4, #1
    bne     .Lexp16_more
    b       .Lexp16_done
.Lexact16:
    EXACT   .Lchecked16, .Lnorm16
.Lchecked16:
    CHECKED_ROW .Lchecked16_done
.Lchecked16_done:
    mov     r7, #0x00010001             /* the checked row used r7 */
    b       .Lnext16
    .size   tx_sm_rows_dsp, . - tx_sm_rows_dsp
#endif
