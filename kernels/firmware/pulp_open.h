/* The pulp-open platform as GVSoC models it and as the pulp backend models it too: the addresses
 * and register offsets the GAP9 runtime uses (docs/GAP9.md has the map and where a real GAP9
 * differs). Macros only, so crt0_gap9.S includes it as well. */
#ifndef TX_FW_PULP_OPEN_H
#define TX_FW_PULP_OPEN_H

/* mhartid = cluster_id << 5 | core_id; the fabric controller is cluster 31, core 0 */
#define TX_PO_HARTID_FC 0x3E0
#define TX_PO_CLUSTER_CORES 8

/* cluster control: fetch enable (core bit mask), boot address of core i at +0x40 + 4 i */
#define TX_PO_CL_CTRL 0x10200000
#define TX_PO_CL_FETCH_EN (TX_PO_CL_CTRL + 0x08)
#define TX_PO_CL_BOOTADDR(i) (TX_PO_CL_CTRL + 0x40 + 4 * (i))
/* shared instruction cache control: +0 enable (all ones), +4 flush; off after reset */
#define TX_PO_ICACHE_ENABLE 0x10201400

/* event unit, the per-core alias (every core sees its own registers here) */
#define TX_PO_EU 0x10204000
#define TX_PO_EU_MASK_OR (TX_PO_EU + 0x08)
/* hardware barrier b: trigger mask (cores taking part), target mask (cores woken), and the
 * trigger-wait-clear register, whose read arrives, sleeps until every core has, and clears the
 * event. Every barrier raises event line 16. */
#define TX_PO_EU_BARRIER(b) (TX_PO_EU + 0x200 + 0x20 * (b))
#define TX_PO_EU_BARRIER_TRIGGER_MASK(b) (TX_PO_EU_BARRIER(b) + 0x00)
#define TX_PO_EU_BARRIER_TARGET_MASK(b) (TX_PO_EU_BARRIER(b) + 0x0C)
#define TX_PO_EU_BARRIER_WAIT(b) (TX_PO_EU_BARRIER(b) + 0x1C)
#define TX_PO_EU_BARRIER_EVENT 16

/* cluster DMA (mchan v7), per-core alias: a read of CMD allocates a transfer id; then CMD takes
 * the command word, the L1 address, the L2 address (the transfer starts), and for a 2-D L2 side
 * the row length and the L2 row stride. STATUS bit t: transfer t busy; writing 1 << t frees t. */
#define TX_PO_DMA 0x10204400
#define TX_PO_DMA_CMD (TX_PO_DMA + 0x0)
#define TX_PO_DMA_STATUS (TX_PO_DMA + 0x4)
#define TX_PO_DMA_LEN_MAX 0x1FFFF          /* command bits 0..16 */
#define TX_PO_DMA_EXT2LOC (1u << 17)       /* L2 -> L1 */
#define TX_PO_DMA_INC (1u << 18)
#define TX_PO_DMA_2D_EXT (1u << 19)        /* the L2 side is 2-D */

/* SoC control: CORESTATUS = 0x80000000 | code ends the simulation with that status */
#define TX_PO_CORESTATUS 0x1A1040A0

/* PULP performance counters: event enable, mode (1 = count), counter i at CSR 0x780 + i */
#define TX_PO_CSR_PCER 0xCC0
#define TX_PO_CSR_PCMR 0xCC1
#define TX_PO_PC_CYCLES 0
#define TX_PO_PC_INSTR 1
#define TX_PO_PC_LD_STALL 2
#define TX_PO_PC_IMISS 4
#define TX_PO_PC_TCDM_CONT 16
#define TX_PO_STR2(x) #x
#define TX_PO_STR(x) TX_PO_STR2(x) /* a CSR number in inline assembly */

#endif
