/* GAP9 cluster startup on the pulp-open platform (pulp_open.h). The loader starts only the fabric
 * controller (FC), at this entry: it copies the mailbox and .data when they have a separate load
 * address, clears .bss, enables the cluster's instruction cache, points the cluster cores' boot
 * addresses here and fetch-enables them, then sleeps. Each cluster core comes back here: core 0
 * takes the main stack, runs main and ends the simulation with main's return value
 * (tx_fw_exit); cores 1..7 take their stacks in L1 and serve forks (cluster_gap9.c). */
#include "pulp_open.h"

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
    li t1, TX_PO_HARTID_FC
    beq t0, t1, .Lfc
    andi t0, t0, 0x1f
    bnez t0, .Lworker

    la sp, __stack_top
    call tx_gap9_cluster_init
    call main
    call tx_fw_exit

/* worker k (1..7): sp = __worker_stacks + k * __worker_stack_size */
.Lworker:
    la sp, __worker_stacks
    la t1, __worker_stack_size
    mul t1, t1, t0
    add sp, sp, t1
    call tx_gap9_cluster_init
    call tx_gap9_worker
1:  wfi
    j 1b

/* the fabric controller: C environment, then the cluster; no stack needed */
.Lfc:
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
2:  bgeu t0, t1, 3f
    sw zero, 0(t0)
    addi t0, t0, 4
    j 2b
3:  li t0, TX_PO_ICACHE_ENABLE
    li t1, -1
    sw t1, 0(t0)
    la t1, _start
    li t0, TX_PO_CL_BOOTADDR(0)
    li t2, TX_PO_CLUSTER_CORES
4:  sw t1, 0(t0)
    addi t0, t0, 4
    addi t2, t2, -1
    bnez t2, 4b
    li t0, TX_PO_CL_FETCH_EN
    li t1, (1 << TX_PO_CLUSTER_CORES) - 1
    sw t1, 0(t0)
5:  wfi
    j 5b

.Lcopy:
    beq a0, a1, 7f
6:  bgeu a0, a2, 7f
    lw t0, 0(a1)
    sw t0, 0(a0)
    addi a0, a0, 4
    addi a1, a1, 4
    j 6b
7:  ret
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
8:  j 8b
