/* The Xpulp GEMM's 4 x 4 block (GAP9 builds only; gemm_xpulp.c has the C stand-in that hosts run):
 * the row blocks of 4 output columns, requantized per tensor from the high word of acc * mul
 * (rq), or added to int32 accumulators whose 4 columns are adjacent (acc: the accumulators start
 * at their values and are stored back).
 *
 *   void tx_xp_quad_{rq,acc}_{ss,au,bu}(const tx_xp_quad *job)     (job layout: gemm_xpulp.c)
 *
 * Per 4 k the hardware loop loads 4 words of b (the 4 columns) and 4 of a (the 4 rows) and does
 * 16 packed dot products: 24 instructions per 64 MACs where the 4 x 2 block needs 28, and the
 * block's set-up and loop start are paid once per 16 outputs instead of 8. That takes 30
 * registers in the loop (16 accumulators, 8 row pointers, 6 loaded words): every one but zero and
 * sp, so ra, gp and tp are saved with the s registers and everything else lives in the job or
 * the frame. The words of a alternate in two registers, each loaded two instructions before its
 * first use (no load-use stall). The requantization issues a column's 4 mulh back to back, so no
 * mulh result is read by the next instruction (GVSoC's RI5CY: +1 cycle when it is).
 * Names: ss both operands int8; au a's bytes uint8; bu b's bytes uint8 (pv.sdotusp.b takes its
 * first source unsigned). Encodings as in xpulp.h. */

    .text

    /* tx_xp_quad (gemm_xpulp.c) */
    .equ J_A,      0    /* const int8_t *: row 0 of the first row block */
    .equ J_B0,     4    /* const int8_t *[4]: the 4 columns' rows of b */
    .equ J_B1,     8
    .equ J_B2,    12
    .equ J_B3,    16
    .equ J_LDA,   20
    .equ J_N,     24    /* K / 4, >= 1 */
    .equ J_ROWS4, 28    /* row blocks, >= 1 */
    .equ J_RS,    32    /* output elements between rows */
    .equ J_CS,    36    /* ... between columns (rq) */
    .equ J_BIAS,  40    /* int32_t[4] */
    .equ J_MUL,   56
    .equ J_S,     60    /* shift - 32, 1..31 */
    .equ J_OUT,   64    /* int8_t * (rq) or int32_t * (acc): (row 0, column 0) */

    /* the frame: the callee-saved registers, then the walk over the row blocks */
    .equ F_JOB,   60
    .equ F_A,     64    /* row 0 of the current row block */
    .equ F_OUT,   68    /* its output in column 0 */
    .equ F_LEFT,  72    /* row blocks left */
    .equ F_SIZE,  80

/* packed 4-byte dot product: acc += a . b with the variant's signedness (DOT: funct7; ORDER: which
 * source goes first) */
.macro DOT_ss acc, wa, wb
    .insn r 0x57, 1, 0x5C, \acc, \wa, \wb
.endm
.macro DOT_au acc, wa, wb
    .insn r 0x57, 1, 0x54, \acc, \wa, \wb
.endm
.macro DOT_bu acc, wa, wb
    .insn r 0x57, 1, 0x54, \acc, \wb, \wa
.endm

/* p.lw rd, 4(rs1!) */
.macro LWI rd, rs1
    .insn i 0x0B, 2, \rd, \rs1, 4
.endm

/* requantize 4 accumulators (one column, rows 0..3) and store them down the column: o += rs each.
 * x5 mul, x7 s, x28 rs. p.addRNr v, x0, s: v = (v + 2^(s-1)) >> s, the rounding shift in one. */
.macro RQ_COLUMN o, v0, v1, v2, v3
    mulh \v0, \v0, x5
    mulh \v1, \v1, x5
    mulh \v2, \v2, x5
    mulh \v3, \v3, x5
    .insn r 0x5B, 6, 0x20, \v0, x0, x7
    .insn r 0x5B, 6, 0x20, \v1, x0, x7
    .insn r 0x5B, 6, 0x20, \v2, x0, x7
    .insn r 0x5B, 6, 0x20, \v3, x0, x7
    .insn r 0x33, 1, 0x0A, \v0, \v0, x8    /* p.clip v, v, 8: [-128, 127] */
    .insn r 0x33, 1, 0x0A, \v1, \v1, x8
    .insn r 0x33, 1, 0x0A, \v2, \v2, x8
    .insn r 0x33, 1, 0x0A, \v3, \v3, x8
    .insn r 0x2B, 4, 0, x28, \o, \v0       /* p.sb v, rs(o!) */
    .insn r 0x2B, 4, 0, x28, \o, \v1
    .insn r 0x2B, 4, 0, x28, \o, \v2
    .insn r 0x2B, 4, 0, x28, \o, \v3
.endm
/* The hardware loop over k: a's row pointers x5 x6 x7 x28, b's x29 x30 x31 x1; b's words x3 x4 x8
 * x9, a's x10 x11; accumulator (row i, column j) in x(12 + 4i + j); the count in x11. */
.macro QUAD_LOOP dot
    .option push
    .option norvc                          /* the loop's end is counted in 4-byte instructions */
    .insn i 0x7B, 4, x0, x11, 48           /* lp.setup L0, n: the 24 instructions below */
    LWI x3, x29
    LWI x4, x30
    LWI x8, x31
    LWI x10, x5
    LWI x9, x1
    \dot x12, x10, x3
    LWI x11, x6
    \dot x13, x10, x4
    \dot x14, x10, x8
    \dot x15, x10, x9
    LWI x10, x7
    \dot x16, x11, x3
    \dot x17, x11, x4
    \dot x18, x11, x8
    \dot x19, x11, x9
    LWI x11, x28
    \dot x20, x10, x3
    \dot x21, x10, x4
    \dot x22, x10, x8
    \dot x23, x10, x9
    \dot x24, x11, x3
    \dot x25, x11, x4
    \dot x26, x11, x8
    \dot x27, x11, x9
    .option pop
.endm

/* entry: save ra, gp, tp and the s registers; the walk over the row blocks starts at the job's */
.macro QUAD_ENTER
    addi sp, sp, -F_SIZE
    sw ra, 0(sp)
    sw gp, 4(sp)
    sw tp, 8(sp)
    sw s0, 12(sp)
    sw s1, 16(sp)
    sw s2, 20(sp)
    sw s3, 24(sp)
    sw s4, 28(sp)
    sw s5, 32(sp)
    sw s6, 36(sp)
    sw s7, 40(sp)
    sw s8, 44(sp)
    sw s9, 48(sp)
    sw s10, 52(sp)
    sw s11, 56(sp)
    sw a0, F_JOB(sp)
    lw t0, J_A(a0)
    lw t1, J_OUT(a0)
    lw t2, J_ROWS4(a0)
    sw t0, F_A(sp)
    sw t1, F_OUT(sp)
    sw t2, F_LEFT(sp)
.endm

.macro QUAD_LEAVE
    lw ra, 0(sp)
    lw gp, 4(sp)
    lw tp, 8(sp)
    lw s0, 12(sp)
    lw s1, 16(sp)
    lw s2, 20(sp)
    lw s3, 24(sp)
    lw s4, 28(sp)
    lw s5, 32(sp)
    lw s6, 36(sp)
    lw s7, 40(sp)
    lw s8, 44(sp)
    lw s9, 48(sp)
    lw s10, 52(sp)
    lw s11, 56(sp)
    addi sp, sp, F_SIZE
    ret
.endm

/* a row block's row pointers (x5 x6 x7 x28 into a, x29 x30 x31 x1 into b) and, in x11, the loop
 * count; x10 = the job */
.macro QUAD_POINTERS
    lw x10, F_JOB(sp)
    lw x5, F_A(sp)
    lw x11, J_LDA(x10)
    lw x29, J_B0(x10)
    lw x30, J_B1(x10)
    add x6, x5, x11
    add x7, x6, x11
    add x28, x7, x11
    lw x31, J_B2(x10)
    lw x1, J_B3(x10)
    lw x11, J_N(x10)
.endm

/* the next row block: a 4 rows down, F_OUT = \o (the output pointer, already there); x10 = the
 * job; loops back to 1: while blocks are left */
.macro QUAD_NEXT o
    lw x5, F_A(sp)
    lw x11, J_LDA(x10)
    lw x12, F_LEFT(sp)
    slli x11, x11, 2
    add x5, x5, x11
    addi x12, x12, -1
    sw \o, F_OUT(sp)
    sw x5, F_A(sp)
    sw x12, F_LEFT(sp)
    bnez x12, 1b
.endm

.macro QUAD_RQ name, dot
    .globl \name
    .type \name, @function
    .balign 4
\name:
    QUAD_ENTER
1:  /* the accumulators start at the columns' biases */
    QUAD_POINTERS
    lw x12, J_BIAS(x10)
    lw x13, J_BIAS + 4(x10)
    lw x14, J_BIAS + 8(x10)
    lw x15, J_BIAS + 12(x10)
    mv x16, x12
    mv x17, x13
    mv x18, x14
    mv x19, x15
    mv x20, x12
    mv x21, x13
    mv x22, x14
    mv x23, x15
    mv x24, x12
    mv x25, x13
    mv x26, x14
    mv x27, x15
    QUAD_LOOP \dot
    /* requantize: column j's 4 rows through its own output pointer */
    lw x10, F_JOB(sp)
    lw x29, F_OUT(sp)
    lw x1, J_CS(x10)
    lw x5, J_MUL(x10)
    lw x7, J_S(x10)
    lw x28, J_RS(x10)
    add x30, x29, x1
    add x31, x30, x1
    add x1, x31, x1
    RQ_COLUMN x29, x12, x16, x20, x24
    RQ_COLUMN x30, x13, x17, x21, x25
    RQ_COLUMN x31, x14, x18, x22, x26
    RQ_COLUMN x1, x15, x19, x23, x27
    QUAD_NEXT x29
    QUAD_LEAVE
    .size \name, . - \name
.endm

/* one row of 4 adjacent int32 accumulators at \o: load or store, then \o += x9 (a row's bytes) */
.macro ACC_ROW op, o, v0, v1, v2, v3
    \op \v0, 0(\o)
    \op \v1, 4(\o)
    \op \v2, 8(\o)
    \op \v3, 12(\o)
    add \o, \o, x9
.endm

.macro QUAD_ACC name, dot
    .globl \name
    .type \name, @function
    .balign 4
\name:
    QUAD_ENTER
1:  /* the accumulators start at the outputs' values */
    QUAD_POINTERS
    lw x9, J_RS(x10)
    lw x3, F_OUT(sp)
    slli x9, x9, 2
    ACC_ROW lw, x3, x12, x13, x14, x15
    ACC_ROW lw, x3, x16, x17, x18, x19
    ACC_ROW lw, x3, x20, x21, x22, x23
    ACC_ROW lw, x3, x24, x25, x26, x27
    QUAD_LOOP \dot
    lw x10, F_JOB(sp)
    lw x3, F_OUT(sp)
    lw x9, J_RS(x10)
    slli x9, x9, 2
    ACC_ROW sw, x3, x12, x13, x14, x15
    ACC_ROW sw, x3, x16, x17, x18, x19
    ACC_ROW sw, x3, x20, x21, x22, x23
    ACC_ROW sw, x3, x24, x25, x26, x27
    QUAD_NEXT x3
    QUAD_LEAVE
    .size \name, . - \name
.endm

    QUAD_RQ tx_xp_quad_rq_ss, DOT_ss
    QUAD_RQ tx_xp_quad_rq_au, DOT_au
    QUAD_RQ tx_xp_quad_rq_bu, DOT_bu
    QUAD_ACC tx_xp_quad_acc_ss, DOT_ss
    QUAD_ACC tx_xp_quad_acc_au, DOT_au
    QUAD_ACC tx_xp_quad_acc_bu, DOT_bu
