/* Integer softmax (I-BERT i-exp): second-order polynomial on (-ln2, 0], shifts for the power of
 * two, integer normalization to uint8. NUMERICS.md "Integer softmax". */
#include "../common/internal.h"

static uint32_t tx_softmax_tmax(const tx_softmax_params *p)
{
    int64_t lo = (int64_t)p->b - p->ln2 + 1;
    if (lo < 0)
        lo = -lo;
    return (uint32_t)(lo > p->b ? lo : p->b);
}

tx_status tx_softmax_check(const tx_softmax_params *p, int32_t n)
{
    if (!p)
        return TX_ERR_NULL;
    if (p->ln2 < 1 || p->b < 1 || p->c < 0 || p->b > 65535 || p->ln2 > 65535)
        return TX_ERR_PARAM;
    uint64_t t = tx_softmax_tmax(p);
    uint64_t ymax = t * t + (uint64_t)p->c;
    if (ymax * 255u >= ((uint64_t)1 << 32) || (uint64_t)n * ymax >= ((uint64_t)1 << 32))
        return TX_ERR_PARAM;
    return TX_OK;
}

/* i-exp of d = max - x (NUMERICS.md), for 0 <= d <= 255, with floor(d / ln2) as a multiply
 * (tx_div_ln2); the constants by value, so a row's stores to tmp cannot force their reloads */
static inline uint32_t tx_iexp(uint32_t ln2, int32_t b, uint32_t c, uint32_t inv_ln2, uint32_t nd)
{
    uint32_t z = tx_div_ln2(nd, inv_ln2);
    if (z > 31)
        z = 31;
    int32_t t = (int32_t)(z * ln2) - (int32_t)nd + b; /* p + b */
    return ((uint32_t)(t * t) + c) >> z;
}

/* The table without a divide: d = max - x walks 0..255 in runs of ln2 values that share the shift
 * z = floor(d / ln2) (NUMERICS.md), in which t = p + b = b - (d - z ln2) falls by one per step;
 * once z reaches its cap of 31 the last run takes every remaining d, as floor(-d / ln2) capped at
 * 31 demands. Every run below the cap has the same values of t, so once a run's largest exp
 * (at one of its ends: t^2 is convex) shifts to 0, every later one does too (the capped run's
 * exps are below 2^31 >> 31 = 0 as well): the rest of the table is zeros. The largest exp has
 * z = 0 and sits at an end of the first run. */
void tx_softmax_lut(const tx_softmax_params *p, tx_softmax_table *lut)
{
    const uint32_t ln2 = (uint32_t)p->ln2, c = (uint32_t)p->c;
    const int32_t b = p->b, dlast = p->ln2 - 1 < 255 ? p->ln2 - 1 : 255;
    const uint32_t y0 = (uint32_t)(b * b) + c, y1 = (uint32_t)((b - dlast) * (b - dlast)) + c;
    const uint32_t ymax = y0 > y1 ? y0 : y1;
    if (ymax > 0x7FFFu) { /* the rows' packed halves and SMLAD sum need 15-bit exps */
        lut->u.p = *p;
        lut->emax = 0;
        return;
    }
    /* a full run's largest exp before the shift: t runs b .. b - ln2 + 1 in every run below the
     * cap, so this is the same for all of them (the last, cut at d = 255, is checked alone) */
    const int32_t t_full = b - (int32_t)ln2 + 1;
    const uint32_t u0 = (uint32_t)(b * b) + c, u_full = (uint32_t)(t_full * t_full) + c;
    const uint32_t umax_full = u0 > u_full ? u0 : u_full;
    uint32_t d = 0;
    for (uint32_t z = 0; d < 256u; ++z) {
        const uint32_t end = z < 31u && d + ln2 < 256u ? d + ln2 : 256u;
        if (z < 31u) {
            uint32_t umax = umax_full;
            if (end - d != ln2) {
                const int32_t t_last = b - (int32_t)(end - 1u - d);
                const uint32_t u_last = (uint32_t)(t_last * t_last) + c;
                umax = u0 > u_last ? u0 : u_last;
            }
            if ((umax >> z) == 0)
                break;
        }
        uint16_t *e = lut->u.r + (255u - d); /* d ascending walks the table down */
        int32_t t = b;
        for (; d + 4u <= end; d += 4u, t -= 4, e -= 4) { /* four per step: a quarter of the loop cost */
            e[0] = (uint16_t)(((uint32_t)(t * t) + c) >> z);
            e[-1] = (uint16_t)(((uint32_t)((t - 1) * (t - 1)) + c) >> z);
            e[-2] = (uint16_t)(((uint32_t)((t - 2) * (t - 2)) + c) >> z);
            e[-3] = (uint16_t)(((uint32_t)((t - 3) * (t - 3)) + c) >> z);
        }
        for (; d < end; ++d, --t, --e)
            e[0] = (uint16_t)(((uint32_t)(t * t) + c) >> z);
    }
    /* the rest, r[0 .. 255 - d], are zeros: words from the table's start, four per step */
    typedef uint32_t __attribute__((may_alias)) tx_lut_word;
    tx_lut_word *zero = (tx_lut_word *)(void *)lut->u.r;
    uint32_t left = 256u - d;
    if (left & 1u)
        lut->u.r[--left] = 0;
    uint32_t i = 0;
    for (; i + 8u <= left; i += 8u, zero += 4) {
        zero[0] = 0;
        zero[1] = 0;
        zero[2] = 0;
        zero[3] = 0;
    }
    for (; i < left; i += 2u)
        *zero++ = 0;
    lut->emax = 0xFFFFFFFFu / ymax; /* ymax >= i-exp(0) = b^2 + c >= 1 */
}

/* The exps computed one by one (no table), one divide per row: floor(255 y / sum) through
 * R = floor((2^32 - 1) / sum) and one remainder check (tx_div_by_recip). */
void tx_softmax_rows(const tx_softmax_params *p, int32_t rows, int32_t n, const int8_t *in,
                     uint8_t *out, uint32_t *tmp)
{
    const uint32_t ln2 = (uint32_t)p->ln2, c = (uint32_t)p->c, inv_ln2 = tx_div_ln2_mul(ln2);
    const int32_t b = p->b;
    for (int32_t r = 0; r < rows; ++r, in += n, out += n) {
        int32_t m = in[0];
        for (int32_t j = 1; j < n; ++j)
            m = in[j] > m ? in[j] : m;
        uint32_t sum = 0;
        for (int32_t j = 0; j < n; ++j) {
            uint32_t y = tx_iexp(ln2, b, c, inv_ln2, (uint32_t)(m - in[j]));
            tmp[j] = y;
            sum += y;
        }
        const uint32_t R = 0xFFFFFFFFu / sum;
        for (int32_t j = 0; j < n; ++j)
            out[j] = (uint8_t)tx_div_by_recip(tmp[j] * 255u, sum, R);
    }
}

/* scratch: [row buffer n words][exp table] */
size_t tx_softmax_s8_get_buffer_size(int32_t n)
{
    return n > 0 ? (size_t)n * 4u + TX_SOFTMAX_LUT_BYTES + TX_SCRATCH_SLACK : 0;
}

tx_status tx_softmax_s8(const tx_ctx *ctx, const tx_softmax_params *params, int32_t rows, int32_t n,
                        const int8_t *in, uint8_t *out)
{
    tx_status st = tx_check_ctx(ctx);
    if (st != TX_OK)
        return st;
    if (!params || !in || !out)
        return TX_ERR_NULL;
    if (rows <= 0 || n <= 0)
        return TX_ERR_DIM;
    if ((st = tx_softmax_check(params, n)) != TX_OK)
        return st;
    tx_arena ar;
    if ((st = tx_arena_init(&ar, ctx, (size_t)n * 4u + TX_SOFTMAX_LUT_BYTES)) != TX_OK)
        return st;
    uint32_t *tmp = (uint32_t *)ar.base;
    if (!tx_softmax_table_pays((int64_t)rows * n)) {
        tx_softmax_rows(params, rows, n, in, out, tmp);
        return TX_OK;
    }
    tx_softmax_table *lut = (tx_softmax_table *)(void *)(tmp + n);
    tx_softmax_lut(params, lut);
    tx_softmax_rows_lut(lut, rows, n, in, out, tmp);
    return TX_OK;
}

void tx_softmax_rows_any(const tx_softmax_table *lut, const tx_softmax_params *p, int32_t rows,
                         int32_t n, const int8_t *in, uint8_t *out, uint32_t *tmp)
{
    if (lut)
        tx_softmax_rows_lut(lut, rows, n, in, out, tmp);
    else
        tx_softmax_rows(p, rows, n, in, out, tmp);
}
