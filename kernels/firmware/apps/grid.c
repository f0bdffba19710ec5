/* Enumeration of the configuration grid (see grid.h). */
#include "grid.h"

#if defined(__riscv)
static const tx_variant tx_fw_variant_list[] = {TX_VARIANT_REF, TX_VARIANT_OPT2X2,
                                                TX_VARIANT_OPT4X2, TX_VARIANT_RV32};
#else
static const tx_variant tx_fw_variant_list[] = {TX_VARIANT_REF, TX_VARIANT_OPT2X2,
                                                TX_VARIANT_OPT4X2, TX_VARIANT_DSP};
#endif
#define TX_FW_NVARIANTS ((int)(sizeof tx_fw_variant_list / sizeof tx_fw_variant_list[0]))

int tx_fw_variants(const tx_variant **list)
{
    *list = tx_fw_variant_list;
    return TX_FW_NVARIANTS;
}

int32_t tx_fw_tile_mid(int32_t S)
{
    int32_t r = 1;
    while ((r + 1) * (r + 1) <= S)
        ++r;
    /* round to nearest: r or r + 1 */
    if (S - r * r > (r + 1) * (r + 1) - S)
        ++r;
    return r;
}

int32_t tx_fw_ffn_tile(int32_t F)
{
    return F >= 4 ? (F + 3) / 4 : 1;
}

const char *tx_fw_op_name(tx_fw_op op)
{
    switch (op) {
    case TX_FW_OP_MHSA: return "mhsa";
    case TX_FW_OP_ENCODER: return "encoder";
    case TX_FW_OP_LINEAR: return "linear";
    case TX_FW_OP_ENCODER_PRE: return "encoder_pre";
    case TX_FW_OP_ENDS: return "ends";
    default: return "unknown";
    }
}

const char *tx_fw_mode_name(tx_attn_mode m)
{
    return m == TX_ATTN_FUSED ? "fused" : "std";
}

const char *tx_fw_sched_name(tx_mhsa_schedule s)
{
    switch (s) {
    case TX_MHSA_LAYERWISE: return "layerwise";
    case TX_MHSA_HEADWISE: return "headwise";
    case TX_MHSA_DEPTHFIRST: return "depthfirst";
    default: return "unknown";
    }
}

typedef struct {
    tx_mhsa_schedule sched;
    int32_t T;
} tx_fw_sched;

/* layer-wise, head-wise, depth-first T = 1, ~sqrt(S), S - 1 (duplicates dropped) */
static int tx_fw_schedules(int32_t S, tx_fw_sched *s)
{
    int n = 0;
    s[n++] = (tx_fw_sched){TX_MHSA_LAYERWISE, S};
    s[n++] = (tx_fw_sched){TX_MHSA_HEADWISE, S};
    const int32_t tiles[3] = {1, tx_fw_tile_mid(S), S - 1};
    for (int i = 0; i < 3; ++i) {
        int32_t T = tiles[i];
        int dup = T < 1;
        for (int j = 2; j < n && !dup; ++j)
            dup = s[j].T == T;
        if (!dup)
            s[n++] = (tx_fw_sched){TX_MHSA_DEPTHFIRST, T};
    }
    return n;
}

static int tx_fw_push(tx_fw_config *out, int n, int max, tx_fw_config c)
{
    if (n < max)
        out[n] = c;
    return n + 1;
}

int tx_fw_grid(int kind, const tx_encoder_dims *d, tx_fw_config *out, int max)
{
    const tx_variant *vars;
    const int nv = tx_fw_variants(&vars);
    tx_fw_sched sch[5];
    const int ns = tx_fw_schedules(d->S, sch);
    const tx_attn_mode modes[2] = {TX_ATTN_STANDARD, TX_ATTN_FUSED};
    int n = 0;

    for (int m = 0; m < 2; ++m) {
        for (int v = 0; v < nv; ++v) {
            for (int s = 0; s < ns; ++s) {
                if (kind == TX_FW_GRID_CHECK && vars[v] == TX_VARIANT_REF) {
                    /* the oracle once per mode: layer-wise (std), the middle depth-first tile (fused) */
                    const int want = m == 0 ? 0 : 3 < ns ? 3 : ns - 1;
                    if (s != want)
                        continue;
                }
                n = tx_fw_push(out, n, max,
                               (tx_fw_config){TX_FW_OP_MHSA, modes[m], sch[s].sched, sch[s].T, 0,
                                              vars[v]});
            }
        }
    }

    /* encoder: untiled with the layer-wise MHSA, FFN-tiled with the middle depth-first tile */
    const int32_t tmid = tx_fw_tile_mid(d->S);
    for (int v = kind == TX_FW_GRID_CHECK ? nv - 1 : 0; v < nv; ++v) {
        for (int m = 0; m < 2; ++m) {
            n = tx_fw_push(out, n, max,
                           (tx_fw_config){TX_FW_OP_ENCODER, modes[m], TX_MHSA_LAYERWISE, d->S, 0,
                                          vars[v]});
            n = tx_fw_push(out, n, max,
                           (tx_fw_config){TX_FW_OP_ENCODER, modes[m], TX_MHSA_DEPTHFIRST, tmid,
                                          tx_fw_ffn_tile(d->F), vars[v]});
            if (kind == TX_FW_GRID_CHECK)
                n = tx_fw_push(out, n, max,
                               (tx_fw_config){TX_FW_OP_ENCODER_PRE, modes[m], TX_MHSA_DEPTHFIRST,
                                              tmid, tx_fw_ffn_tile(d->F), vars[v]});
        }
    }

    if (kind == TX_FW_GRID_CHECK)
        for (int v = 0; v < nv; ++v)
            n = tx_fw_push(out, n, max,
                           (tx_fw_config){TX_FW_OP_ENDS, TX_ATTN_STANDARD, TX_MHSA_LAYERWISE, d->S, 0, vars[v]});

    if (kind == TX_FW_GRID_BENCH) {
        for (int v = 0; v < nv; ++v)
            n = tx_fw_push(out, n, max,
                           (tx_fw_config){TX_FW_OP_LINEAR, TX_ATTN_STANDARD, TX_MHSA_LAYERWISE, d->S,
                                          0, vars[v]});
    }
    return n;
}
