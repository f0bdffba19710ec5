/* GAP9 cluster startup: every core boots here. Core 0 sets up C (mailbox and .data copies when
 * needed, .bss), installs the trap vector, runs main and exits through semihosting; cores 1..7
 * take their own stack in L1 and wait in the event unit for forks (cluster_gap9.c). */
    .section .text.init, "ax", @progbits
    .globl _start
    .type _start, @function
_start:
    .option push
    .option norelax
    la gp, __global_pointer$
    .option pop
    la t0, tx_trap_entry
    csrw mtvec, t0
    csrr t0, mhartid
    bnez t0, .Lworker
    la sp, __stack_top

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

/* worker k (1..7): sp = __worker_stacks + k * __worker_stack_size */
.Lworker:
    la sp, __worker_stacks
    la t1, __worker_stack_size
    mul t1, t1, t0
    add sp, sp, t1
    call tx_gap9_worker
3:  wfi
    j 3b

.Lcopy:
    beq a0, a1, 5f
4:  bgeu a0, a2, 5f
    lw t0, 0(a1)
    sw t0, 0(a0)
    addi a0, a0, 4
    addi a1, a1, 4
    j 4b
5:  ret
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
6:  j 6b
