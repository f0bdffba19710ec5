/* Line-buffered console: one semihosting request per line keeps the emulator fast and the
 * lines whole when several images share a terminal. */
#include "semihosting.h"
#include "tinytx/firmware/console.h"

#define TX_CONSOLE_LINE 240

static char tx_line[TX_CONSOLE_LINE + 1];
static unsigned tx_line_len;

void tx_flush(void)
{
    if (tx_line_len == 0)
        return;
    tx_line[tx_line_len] = '\0';
    tx_sh_write0(tx_line);
    tx_line_len = 0;
}

void tx_putc(char c)
{
    if (tx_line_len == TX_CONSOLE_LINE)
        tx_flush();
    tx_line[tx_line_len++] = c;
    if (c == '\n')
        tx_flush();
}

void tx_puts(const char *s)
{
    while (*s)
        tx_putc(*s++);
}

void tx_put_u64(uint64_t v)
{
    char buf[21];
    int i = 0;
    do {
        /* 64-bit division by a constant: the compiler turns it into multiplications on
         * targets with a 32x32->64 multiply; libgcc covers the rest */
        buf[i++] = (char)('0' + (int)(v % 10u));
        v /= 10u;
    } while (v);
    while (i)
        tx_putc(buf[--i]);
}

void tx_put_u32(uint32_t v)
{
    char buf[11];
    int i = 0;
    do {
        buf[i++] = (char)('0' + (int)(v % 10u));
        v /= 10u;
    } while (v);
    while (i)
        tx_putc(buf[--i]);
}

void tx_put_i32(int32_t v)
{
    if (v < 0) {
        tx_putc('-');
        tx_put_u32((uint32_t)0 - (uint32_t)v);
    } else {
        tx_put_u32((uint32_t)v);
    }
}

void tx_put_hex32(uint32_t v)
{
    static const char digits[] = "0123456789abcdef";
    tx_puts("0x");
    for (int s = 28; s >= 0; s -= 4)
        tx_putc(digits[(v >> s) & 0xFu]);
}

void tx_put_kv_u32(const char *key, uint32_t v)
{
    tx_putc(' ');
    tx_puts(key);
    tx_putc('=');
    tx_put_u32(v);
}

void tx_put_kv_u64(const char *key, uint64_t v)
{
    tx_putc(' ');
    tx_puts(key);
    tx_putc('=');
    tx_put_u64(v);
}

void tx_put_kv_str(const char *key, const char *v)
{
    tx_putc(' ');
    tx_puts(key);
    tx_putc('=');
    tx_puts(v);
}
