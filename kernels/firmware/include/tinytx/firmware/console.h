/* Line-buffered console output over semihosting, with the few formatters the firmware needs
 * (no printf: images are freestanding). A line is sent when '\n' is written or on tx_flush. */
#ifndef TX_FW_CONSOLE_H
#define TX_FW_CONSOLE_H

#include <stdint.h>

void tx_putc(char c);
void tx_puts(const char *s);              /* no newline added */
void tx_put_u32(uint32_t v);              /* decimal */
void tx_put_i32(int32_t v);               /* decimal, signed */
void tx_put_u64(uint64_t v);              /* decimal */
void tx_put_hex32(uint32_t v);            /* 0x%08x */
void tx_put_kv_u32(const char *key, uint32_t v);  /* " key=v" */
void tx_put_kv_u64(const char *key, uint64_t v);  /* " key=v" */
void tx_put_kv_str(const char *key, const char *v); /* " key=v" */
void tx_flush(void);

#endif
