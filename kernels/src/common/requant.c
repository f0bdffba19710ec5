/* Requantization parameter checks and the scalar form (NUMERICS.md "Requantization"). */
#include "internal.h"

int8_t tx_requant_scalar(int32_t acc, int32_t mul, int32_t shift)
{
    return tx_rq(acc, mul, shift);
}

static int tx_rq_pair_ok(int32_t mul, int32_t shift)
{
    return mul >= 0 && shift >= 1 && shift <= 62;
}

tx_status tx_requant_check(const tx_requant *rq)
{
    if (!rq)
        return TX_ERR_NULL;
    if ((rq->ch_mul == NULL) != (rq->ch_shift == NULL))
        return TX_ERR_PARAM;
    if (!rq->ch_mul && !tx_rq_pair_ok(rq->mul, rq->shift))
        return TX_ERR_PARAM;
    return TX_OK;
}
