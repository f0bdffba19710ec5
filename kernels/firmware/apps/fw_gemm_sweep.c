/* fw_gemm_sweep: the CPU's own GEMM variant (dsp on Cortex-M: its assembly; rv32 on RISC-V)
 * against the reference on every shape and mode of kernels/tests/gemm_sweep.c, on the core.
 * Prints "GEMM SWEEP PASS cases=N" or the first mismatch. */
#include "gemm_sweep.h"
#include "startup.h"
#include "tinytx/firmware/console.h"

int main(void)
{
#if defined(__riscv)
    const tx_variant v = TX_VARIANT_RV32;
#else
    const tx_variant v = TX_VARIANT_DSP;
#endif
    tx_gemm_sweep_case c;
    const int cases = tx_gemm_sweep(v, &c);
    if (cases < 0) {
        tx_puts("GEMM SWEEP FAIL variant=");
        tx_puts(tx_variant_name(v));
        tx_put_kv_u32("M", (uint32_t)c.M);
        tx_put_kv_u32("N", (uint32_t)c.N);
        tx_put_kv_u32("K", (uint32_t)c.K);
        tx_put_kv_u32("mode", (uint32_t)c.mode);
        tx_put_kv_u32("flags", (uint32_t)c.flags);
        tx_put_kv_u32("index", (uint32_t)c.index);
        tx_putc('\n');
        return TX_FW_EXIT_FAIL;
    }
    tx_puts("GEMM SWEEP PASS variant=");
    tx_puts(tx_variant_name(v));
    tx_put_kv_u32("cases", (uint32_t)cases);
    tx_putc('\n');
    return TX_FW_EXIT_OK;
}
