/* RV32 startup (machine mode, hart 0): global and stack pointers, copy the mailbox and .data
 * when they have a separate load address, zero .bss, install the trap vector, call main, exit
 * through semihosting with main's return value. Other harts park. */
    .section .text.init, "ax", @progbits
    .globl _start
    .type _start, @function
_start:
    .option push
    .option norelax
    la gp, __global_pointer$
    .option pop
    csrr t0, mhartid
    bnez t0, .Lpark
    la sp, __stack_top

    la t0, tx_trap_entry
    csrw mtvec, t0

    /* mailbox, then .data: copy [dst, end) from src unless already in place */
    la a0, _smailbox
    la a1, _simailbox
    la a2, _emailbox
    call .Lcopy
    la a0, _sdata
    la a1, _sidata
    la a2, _edata
    call .Lcopy

    la t0, _sbss
    la t1, _ebss
1:  bgeu t0, t1, 2f
    sw zero, 0(t0)
    addi t0, t0, 4
    j 1b
2:
    call main
    call tx_sh_exit
.Lpark:
    wfi
    j .Lpark

.Lcopy:
    beq a0, a1, 4f
3:  bgeu a0, a2, 4f
    lw t0, 0(a1)
    sw t0, 0(a0)
    addi a0, a0, 4
    addi a1, a1, 4
    j 3b
4:  ret
    .size _start, . - _start

/* Trap vector (direct mode, 4-byte aligned): report and exit, see trap_rv32.c */
    .section .text.tx_trap_entry, "ax", @progbits
    .balign 4
    .globl tx_trap_entry
tx_trap_entry:
    la sp, __stack_top
    csrr a0, mcause
    csrr a1, mepc
    csrr a2, mtval
    call tx_trap_handler
1:  j 1b
