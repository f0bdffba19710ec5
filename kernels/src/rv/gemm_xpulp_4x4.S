/* The Xpulp GEMM's 4 x 4 block (assembled for RV32, called only by GAP9 builds, TX_HAVE_XPULP;
 * gemm_xpulp.c has the C stand-in that hosts and plain RV32 run):
 * the row blocks of 4 output columns, requantized per tensor from the high word of acc * mul
 * (rq), or added to int32 accumulators whose 4 columns are adjacent (acc: the accumulators start
 * at their values and are stored back).
 *
 *   void tx_xp_quad_{rq,acc}_{ss,au,bu}(const tx_xp_quad *job)     (job layout: gemm_xpulp.c)
 *
 * Per 4 k the hardware loop loads 4 words of b (the 4 columns) and 4 of a (the 4 rows) and does
 * 16 packed dot products: 24 instructions per 64 MACs where the 4 x 2 block needs 28, and the
 * block's set-up and finishing are paid once per 16 outputs instead of 8. The rows of a and of b
 * are each walked by one pointer that post-increments by a register (the row stride, and at the
 * 4th row back to row 0's next word), so the loop holds 16 accumulators, 2 pointers, 4 strides
 * and 6 loaded words; the words of a alternate in two registers, each loaded two instructions
 * before its first use (no load-use stall). The row blocks are an outer hardware loop.
 *
 * Requantization: a column's 4 mulh back to back (no mulh result is read by the next
 * instruction), p.addRNr v, x0, s (v = (v + 2^(s-1)) >> s, the rounding shift in one), p.clip,
 * p.sb post-incremented down the column and on to the next (one output pointer).
 * Names: ss both operands int8; au a's bytes uint8; bu b's bytes uint8 (pv.sdotusp.b takes its
 * first source unsigned). Encodings as in xpulp.h; p.lw rd, rs2(rs1!) is opcode 0x0B, funct3 7,
 * funct7 0x10; p.sb / p.sw rs2, rs3(rs1!) opcode 0x2B, funct3 4 / 6, rs3 in the rd field;
 * lp.setup loop 1 has 1 in the rd field. */

#if defined(__riscv) && __riscv_xlen == 32
    .text
    .option norelax                        /* the outer loop's end is a label difference */

    /* tx_xp_quad (gemm_xpulp.c) */
    .equ J_A,      0    /* const int8_t *: row 0 of the first row block */
    .equ J_B,      4    /* const int8_t *: column 0's row of b, column j's ldb * j further */
    .equ J_LDA,    8
    .equ J_LDB,   12
    .equ J_N,     16    /* K / 4, >= 1 */
    .equ J_ROWS4, 20    /* row blocks, >= 1 */
    .equ J_RS,    24    /* output elements between rows */
    .equ J_CS,    28    /* ... between columns (rq) */
    .equ J_BIAS,  32    /* int32_t[4] (rq) */
    .equ J_MUL,   48
    .equ J_S,     52    /* shift - 32, 1..30 */
    .equ J_OUT,   56    /* int8_t * (rq) or int32_t * (acc): (row 0, column 0) */

    /* the frame: the callee-saved registers, then what the row blocks reuse */
    .equ F_OUT,   60    /* the current row block's output (row 0, column 0) */
    .equ F_STEP,  64    /* 4 lda - 4n: from the walk's end to the next row block */
    .equ F_INC1,  76    /* rq: rs; acc: 4 * rs - 12 (bytes from a row's 4th word to the next row) */
    .equ F_INC2,  80    /* rq: cs - 3 rs (row 3 -> the next column's row 0) */
    .equ F_INC3,  84    /* rq: rs - 3 cs (the last column's row 3 -> the next block) */
    .equ F_SIZE,  96

/* packed 4-byte dot product: acc += a . b with the variant's signedness */
.macro DOT_ss acc, wa, wb
    .insn r 0x57, 1, 0x5C, \acc, \wa, \wb
.endm
.macro DOT_au acc, wa, wb
    .insn r 0x57, 1, 0x54, \acc, \wa, \wb
.endm
.macro DOT_bu acc, wa, wb
    .insn r 0x57, 1, 0x54, \acc, \wb, \wa
.endm

/* lp.setup L1, x3, last: the body from the next instruction to `last` (the assembler's .insn
 * takes no forward label, so the word is spelt out: end offset / 2 in [31:20], x3 in rs1, loop 1
 * in [7]) */
.macro LP_SETUP_L1_X3 first, last
    .word 0x7B | (4 << 12) | (3 << 15) | (1 << 7) | (((\last - \first + 4) / 2) << 20)
.endm

/* p.lw rd, inc(rs1!) with inc a register */
.macro LWR rd, rs1, inc
    .insn r 0x0B, 7, 0x10, \rd, \rs1, \inc
.endm

/* The k walk: count (a register, >= 1) times 4 words of each of the 4 rows of a (pointer x5,
 * strides x6 = lda, x7 = 4 - 3 lda) and of b (x28; x29 = ldb, x30 = 4 - 3 ldb). b's words in x3
 * x4 x8 x9, a's in x10 x11; accumulator (row i, column j) in x(12 + 4i + j). */
.macro QUAD_LOOP dot, count
    .option push
    .option norvc                          /* the loop's end is counted in 4-byte instructions */
    .insn i 0x7B, 4, x0, \count, 48        /* lp.setup L0, count: the 24 instructions below */
    LWR x3, x28, x29
    LWR x4, x28, x29
    LWR x8, x28, x29
    LWR x10, x5, x6
    LWR x9, x28, x30
    \dot x12, x10, x3
    LWR x11, x5, x6
    \dot x13, x10, x4
    \dot x14, x10, x8
    \dot x15, x10, x9
    LWR x10, x5, x6
    \dot x16, x11, x3
    \dot x17, x11, x4
    \dot x18, x11, x8
    \dot x19, x11, x9
    LWR x11, x5, x7
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

/* entry of routine `name`: save ra, gp, tp and the s registers (all 30 others are used); the
 * pointers and strides of the walk and the row blocks' reused values. x31 = the job, x1 = 4n (a
 * row's bytes). QUAD_BLOCK_END closes the routine. */
.macro QUAD_ENTER name
    .globl \name
    .type \name, @function
    .balign 4
\name:
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
    mv x31, a0
    lw x4, J_N(x31)
    lw x5, J_A(x31)
    lw x28, J_B(x31)
    lw x6, J_LDA(x31)
    lw x29, J_LDB(x31)
    slli x1, x4, 2
    slli x4, x6, 2
    sub x4, x4, x1
    sw x4, F_STEP(sp)
    li x7, 4
    sub x7, x7, x6
    sub x7, x7, x6
    sub x7, x7, x6
    li x30, 4
    sub x30, x30, x29
    sub x30, x30, x29
    sub x30, x30, x29
    lw x3, J_OUT(x31)
    sw x3, F_OUT(sp)
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

/* requantize one column's 4 accumulators (x3 mul, x4 s) and store them through x8: rows 1..3
 * x9 (rs) apart, then on by \next */
.macro RQ_COLUMN v0, v1, v2, v3, next
    mulh \v0, \v0, x3
    mulh \v1, \v1, x3
    mulh \v2, \v2, x3
    mulh \v3, \v3, x3
    .insn r 0x5B, 6, 0x20, \v0, x0, x4     /* p.addRNr v, x0, s */
    .insn r 0x5B, 6, 0x20, \v1, x0, x4
    .insn r 0x5B, 6, 0x20, \v2, x0, x4
    .insn r 0x5B, 6, 0x20, \v3, x0, x4
    .insn r 0x33, 1, 0x0A, \v0, \v0, x8    /* p.clip v, v, 8: [-128, 127] (8 is the rs2 field) */
    .insn r 0x33, 1, 0x0A, \v1, \v1, x8
    .insn r 0x33, 1, 0x0A, \v2, \v2, x8
    .insn r 0x33, 1, 0x0A, \v3, \v3, x8
    .insn r 0x2B, 4, 0, x9, x8, \v0        /* p.sb v, rs(x8!) */
    .insn r 0x2B, 4, 0, x9, x8, \v1
    .insn r 0x2B, 4, 0, x9, x8, \v2
    .insn r 0x2B, 4, 0, \next, x8, \v3
.endm

.macro QUAD_BLOCK_END name                /* the output pointer on, the loop's last step */
    lw x3, F_STEP(sp)
    sw x8, F_OUT(sp)
.L\name\()_last:                        /* a: from word n of row 0 to the next row block */
    add x5, x5, x3
    QUAD_LEAVE
    .size \name, . - \name
.endm

.macro QUAD_RQ name, dot
    QUAD_ENTER \name
    lw x3, J_RS(x31)
    lw x4, J_CS(x31)
    sw x3, F_INC1(sp)
    sub x8, x4, x3
    sub x8, x8, x3
    sub x8, x8, x3
    sw x8, F_INC2(sp)
    sub x8, x3, x4
    sub x8, x8, x4
    sub x8, x8, x4
    sw x8, F_INC3(sp)
    lw x3, J_ROWS4(x31)
    LP_SETUP_L1_X3 .L\name\()_first, .L\name\()_last  /* lp.setup L1, x3 = rows4 */
.L\name\()_first:                       /* the accumulators start at the columns' biases */
    lw x12, J_BIAS(x31)
    lw x13, J_BIAS + 4(x31)
    lw x14, J_BIAS + 8(x31)
    lw x15, J_BIAS + 12(x31)
    lw x10, J_N(x31)
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
    QUAD_LOOP \dot, x10
    sub x28, x28, x1                       /* b back to word 0 */
    lw x3, J_MUL(x31)
    lw x4, J_S(x31)
    lw x8, F_OUT(sp)
    lw x9, F_INC1(sp)
    lw x10, F_INC2(sp)
    lw x11, F_INC3(sp)
    RQ_COLUMN x12, x16, x20, x24, x10
    RQ_COLUMN x13, x17, x21, x25, x10
    RQ_COLUMN x14, x18, x22, x26, x10
    RQ_COLUMN x15, x19, x23, x27, x11
    QUAD_BLOCK_END \name
.endm

/* one row of 4 adjacent int32 accumulators through x8: 3 words on, then x9 to the next row */
.macro ACC_ROW_LOAD v0, v1, v2, v3
    .insn i 0x0B, 2, \v0, x8, 4            /* p.lw v, 4(x8!) */
    .insn i 0x0B, 2, \v1, x8, 4
    .insn i 0x0B, 2, \v2, x8, 4
    LWR \v3, x8, x9
.endm
.macro ACC_ROW_STORE v0, v1, v2, v3
    .insn s 0x2B, 2, \v0, 4(x8)            /* p.sw v, 4(x8!) */
    .insn s 0x2B, 2, \v1, 4(x8)
    .insn s 0x2B, 2, \v2, 4(x8)
    .insn r 0x2B, 6, 0, x9, x8, \v3        /* p.sw v, x9(x8!) */
.endm

.macro QUAD_ACC name, dot
    QUAD_ENTER \name
    lw x3, J_RS(x31)
    slli x3, x3, 2
    addi x3, x3, -12
    sw x3, F_INC1(sp)
    lw x3, J_ROWS4(x31)
    LP_SETUP_L1_X3 .L\name\()_first, .L\name\()_last  /* lp.setup L1, x3 = rows4 */
.L\name\()_first:                       /* the accumulators start at the outputs' values */
    lw x8, F_OUT(sp)
    lw x10, J_N(x31)
    lw x9, F_INC1(sp)
    ACC_ROW_LOAD x12, x13, x14, x15
    ACC_ROW_LOAD x16, x17, x18, x19
    ACC_ROW_LOAD x20, x21, x22, x23
    ACC_ROW_LOAD x24, x25, x26, x27
    QUAD_LOOP \dot, x10
    sub x28, x28, x1                       /* b back to word 0 */
    lw x8, F_OUT(sp)
    lw x9, F_INC1(sp)
    ACC_ROW_STORE x12, x13, x14, x15
    ACC_ROW_STORE x16, x17, x18, x19
    ACC_ROW_STORE x20, x21, x22, x23
    ACC_ROW_STORE x24, x25, x26, x27
    QUAD_BLOCK_END \name
.endm

    QUAD_RQ tx_xp_quad_rq_ss, DOT_ss
    QUAD_RQ tx_xp_quad_rq_au, DOT_au
    QUAD_RQ tx_xp_quad_rq_bu, DOT_bu
    QUAD_ACC tx_xp_quad_acc_ss, DOT_ss
    QUAD_ACC tx_xp_quad_acc_au, DOT_au
    QUAD_ACC tx_xp_quad_acc_bu, DOT_bu
#endif
