/* One measured job of an agent image: its arena and how often it ran (a run after the first
 * copies the input again: the layers' ping-pong overwrote it). A part of model_main.c and
 * schedule_data_main.c, written in place of their #include; before it they define
 * TX_MODEL_INPUT_AT, the input's offset in the arena. */
typedef struct {
    uint8_t *arena;
    uint32_t calls;
} tx_model_job;

static void tx_model_copy_input(uint8_t *arena)
{
    int8_t *dst = (int8_t *)(arena + TX_MODEL_INPUT_AT);
    for (size_t i = 0; i < TX_MODEL_ACT_BYTES; ++i)
        dst[i] = tx_model_input[i];
}
