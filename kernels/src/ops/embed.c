/* The input embedding: a linear projection of the input features, an optional CLS row before it
 * and an optional positional term added with the residual add's formula. NUMERICS.md "Input
 * embedding". */
#include "../common/internal.h"

size_t tx_embed_s8_get_buffer_size(tx_variant v, int32_t S_in, int32_t F, int32_t E)
{
    return tx_linear_s8_get_buffer_size(v, S_in, F, E);
}

tx_status tx_embed_s8(const tx_ctx *ctx, const tx_embed_params *params, int32_t S_in, int32_t F,
                      int32_t E, const int8_t *u, int8_t *out)
{
    if (!params)
        return TX_ERR_NULL;
    const tx_linear_params lp = {params->rq, TX_LAYOUT_ROW, 1};
    tx_status st = tx_check_gemm_ctx(ctx);
    if (st != TX_OK)
        return st;
    if (!u || !out || !params->w)
        return TX_ERR_NULL;
    if ((st = tx_linear_check(&lp, S_in, F, E)) != TX_OK)
        return st;
    if (params->pos && (st = tx_add_check(&params->add_pos)) != TX_OK)
        return st;
    const int32_t first = params->cls ? 1 : 0;
    if ((st = tx_linear_s8(ctx, &lp, S_in, F, E, u, params->w, params->bias, out + first * E)) != TX_OK)
        return st;
    for (int32_t e = 0; e < E * first; ++e)
        out[e] = params->cls[e];
    if (!params->pos)
        return TX_OK;
    return tx_add_s8(ctx, &params->add_pos, (S_in + first) * E, out, params->pos, out);
}
