/* The arena's bounds come from the linker script (see arena.h). */
#include "tinytx/firmware/arena.h"

extern uint8_t __tx_arena_start[];
extern uint8_t __tx_arena_end[];

uint8_t *tx_fw_arena(void)
{
    return __tx_arena_start;
}

size_t tx_fw_arena_size(void)
{
    return (size_t)(__tx_arena_end - __tx_arena_start);
}

size_t tx_fw_place(tx_fw_layout *l, size_t bytes)
{
    size_t off = (l->used + 7u) & ~(size_t)7u;
    if (off > tx_fw_arena_size() || bytes > tx_fw_arena_size() - off)
        return (size_t)-1;
    l->used = off + bytes;
    return off;
}
