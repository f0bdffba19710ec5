/* The layer table of a schedule-as-data image (mailbox.h, protocol version 3): every run-time knob
 * of one schedule and the arena offsets its memory plan chose, written by the host into the
 * image's RAM (symbol `tx_schedule_table`) before each measurement. One image holds the weights
 * once (standard and fused where the model has both) and runs any schedule of its model whose
 * kernels it carries. All fields are 32-bit little-endian; the host's encoder
 * (tuner/src/builder/schedule_table.cpp) includes this header and writes this layout. */
#ifndef TX_FW_SCHEDULE_TABLE_H
#define TX_FW_SCHEDULE_TABLE_H

#include <stdint.h>

#define TX_SCHEDULE_TABLE_MAGIC 0x53445854u /* "TXDS" in memory */

typedef struct {
    uint32_t magic;          /*  0 TX_SCHEDULE_TABLE_MAGIC: a table was written */
    uint32_t config_id;      /*  4 the host's index of this schedule, echoed in the mailbox */
    uint32_t layers;         /*  8 must equal the image's layer count */
    uint32_t arena_bytes;    /* 12 the plan's peak */
    uint32_t input_offset;   /* 16 where the input goes */
    uint32_t output_offset;  /* 20 where the last layer leaves its output */
    uint32_t scratch_offset; /* 24 the scratch block (for the mailbox's scratch peak) */
    uint32_t scratch_bytes;  /* 28 */
} tx_schedule_head;

typedef struct {
    int32_t mode;            /*  0 tx_attn_mode */
    int32_t schedule;        /*  4 tx_mhsa_schedule */
    int32_t tile_rows;       /*  8 T of the depth-first schedule */
    int32_t ffn_tile;        /* 12 */
    int32_t variant;         /* 16 tx_variant */
    uint32_t x_offset;       /* 20 arena offsets of this layer's input, output and scratch */
    uint32_t out_offset;     /* 24 */
    uint32_t scratch_offset; /* 28 */
    uint32_t scratch_size;   /* 32 */
} tx_schedule_layer;

/* the host's encoder includes this header too (C++) */
#ifdef __cplusplus
#define TX_TABLE_LAYOUT_ASSERT(c) static_assert(c, "schedule table layout")
#else
#define TX_TABLE_LAYOUT_ASSERT(c) _Static_assert(c, "schedule table layout")
#endif
TX_TABLE_LAYOUT_ASSERT(sizeof(tx_schedule_head) == 32);
TX_TABLE_LAYOUT_ASSERT(sizeof(tx_schedule_layer) == 36);

#endif
