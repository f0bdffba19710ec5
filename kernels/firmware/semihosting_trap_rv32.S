/* RISC-V semihosting trap (RISC-V semihosting spec): the three-instruction sequence
 *     slli x0, x0, 0x1f ; ebreak ; srai x0, x0, 7
 * must be made of uncompressed instructions that do not straddle a page, so it is assembled
 * with compression off and aligned to 16 bytes. Operation in a0, argument in a1, result in a0.
 *
 * uintptr_t tx_sh_trap(uintptr_t op, uintptr_t arg) */
    .section .text.tx_sh_trap, "ax", @progbits
    .globl tx_sh_trap
    .type tx_sh_trap, @function
    .option push
    .option norvc
    .balign 16
tx_sh_trap:
    slli x0, x0, 0x1f
    ebreak
    srai x0, x0, 7
    ret
    .option pop
    .size tx_sh_trap, . - tx_sh_trap
