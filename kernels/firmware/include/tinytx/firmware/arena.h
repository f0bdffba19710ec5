/* The measurement arena: one large buffer in its own linker section (.tx_arena, NOLOAD), sized
 * per board by the linker script (__tx_arena_size). Inputs, outputs and kernel scratch of a
 * measured run are all placed here, so painting it never touches other data. */
#ifndef TX_FW_ARENA_H
#define TX_FW_ARENA_H

#include <stddef.h>
#include <stdint.h>

uint8_t *tx_fw_arena(void);
size_t tx_fw_arena_size(void);

/* Bump placement inside the arena, 8-byte aligned offsets. */
typedef struct {
    size_t used;
} tx_fw_layout;

/* returns the aligned offset of a new block of `bytes`, or (size_t)-1 when it does not fit */
size_t tx_fw_place(tx_fw_layout *l, size_t bytes);

#endif
