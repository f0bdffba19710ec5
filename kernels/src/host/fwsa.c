/* FWSA derivation (NUMERICS.md "Fused-weight self-attention"): W_h and b_h are exact integer
 * products rescaled with round-half-away-from-zero in integers, so they do not depend on
 * floating-point evaluation order; only the requantization multipliers use doubles. */
#include "tinytx/fwsa.h"
#include "../common/internal.h"

#include <math.h>
#include <stdlib.h>

tx_status tx_quantize_multiplier(double r, int32_t *mul, int32_t *shift)
{
    if (!mul || !shift)
        return TX_ERR_NULL;
    if (!(r > 0.0) || !isfinite(r))
        return TX_ERR_PARAM;
    int e = 0;
    double m = frexp(r, &e);
    int64_t q = (int64_t)floor(m * 2147483648.0 + 0.5);
    if (q == ((int64_t)1 << 31)) {
        q = (int64_t)1 << 30;
        ++e;
    }
    int32_t s = 31 - e;
    if (s < 1 || s > 62)
        return TX_ERR_PARAM;
    *mul = (int32_t)q;
    *shift = s;
    return TX_OK;
}

/* round(v * 127 / M), half away from zero, in integers */
static int64_t tx_rescale127(int64_t v, int64_t M)
{
    int64_t a = v < 0 ? -v : v;
    int64_t q = (2 * a * 127 + M) / (2 * M);
    return v < 0 ? -q : q;
}

tx_status tx_fwsa_derive(const tx_fwsa_input *in, const tx_fwsa_output *out)
{
    if (!in || !out || !in->wq || !in->wk || !in->x_calib || !out->wf || !out->bf ||
        !out->rq_xw || !out->rq_scores_fw)
        return TX_ERR_NULL;
    const int32_t E = in->dims.E, H = in->dims.H, P = in->dims.P;
    if (E <= 0 || H <= 0 || P <= 0 || in->calib_rows <= 0)
        return TX_ERR_DIM;
    if (!(in->s_x > 0) || !(in->s_wq > 0) || !(in->s_wk > 0) || !(in->s_sc > 0))
        return TX_ERR_PARAM;
    int64_t *I = malloc(sizeof(int64_t) * (size_t)E * E);
    if (!I)
        return TX_ERR_BUFFER;
    tx_status st = TX_OK;
    for (int32_t h = 0; h < H && st == TX_OK; ++h) {
        const int8_t *wq = in->wq + (size_t)h * P * E, *wk = in->wk + (size_t)h * P * E;
        int64_t M = 0;
        for (int32_t e2 = 0; e2 < E; ++e2)
            for (int32_t e1 = 0; e1 < E; ++e1) {
                int64_t s = 0;
                for (int32_t p = 0; p < P; ++p)
                    s += (int64_t)wq[p * E + e1] * wk[p * E + e2];
                I[e2 * E + e1] = s;
                M = llabs(s) > M ? llabs(s) : M;
            }
        int8_t *wf = out->wf + (size_t)h * E * E;
        int32_t *bf = out->bf + (size_t)h * E;
        for (int32_t e2 = 0; e2 < E; ++e2) {
            int64_t J = 0;
            for (int32_t p = 0; p < P && in->bq; ++p)
                J += (int64_t)in->bq[h * P + p] * wk[p * E + e2];
            bf[e2] = M ? (int32_t)tx_rescale127(J, M) : 0;
            for (int32_t e1 = 0; e1 < E; ++e1)
                wf[e2 * E + e1] = M ? (int8_t)tx_rescale127(I[e2 * E + e1], M) : 0;
        }
        /* calibrate X.W_h^T + b_h */
        int64_t max_acc = 1;
        for (int32_t s = 0; s < in->calib_rows; ++s)
            for (int32_t e2 = 0; e2 < E; ++e2) {
                int64_t acc = bf[e2];
                for (int32_t e1 = 0; e1 < E; ++e1)
                    acc += (int64_t)in->x_calib[s * E + e1] * wf[e2 * E + e1];
                max_acc = llabs(acc) > max_acc ? llabs(acc) : max_acc;
            }
        const double s_wh = in->s_wq * in->s_wk * (double)(M ? M : 127) / 127.0;
        const double s_xw = (double)max_acc * in->s_x * s_wh / 127.0;
        tx_requant *rx = &out->rq_xw[h], *rs = &out->rq_scores_fw[h];
        *rx = (tx_requant){0};
        *rs = (tx_requant){0};
        st = tx_quantize_multiplier(in->s_x * s_wh / s_xw, &rx->mul, &rx->shift);
        if (st == TX_OK)
            st = tx_quantize_multiplier(s_xw * in->s_x / (sqrt((double)P) * in->s_sc), &rs->mul,
                                        &rs->shift);
    }
    free(I);
    return st;
}

static int8_t tx_rq_t(int32_t acc, const tx_requant *rq, int32_t n)
{
    return tx_rq(acc, tx_rq_mul(rq, n), tx_rq_shift(rq, n));
}

tx_status tx_fwsa_deviation_measure(const tx_mhsa_dims *d, const tx_mhsa_weights *w,
                                    const int8_t *x, tx_fwsa_deviation *dev)
{
    if (!d || !w || !x || !dev || !w->wq || !w->wk || !w->wf || !w->rq_xw || !w->rq_scores_fw)
        return TX_ERR_NULL;
    const int32_t S = d->S, E = d->E, H = d->H, P = d->P;
    if (S <= 0 || E <= 0 || H <= 0 || P <= 0)
        return TX_ERR_DIM;
    tx_status st;
    if ((st = tx_softmax_check(&w->attn.softmax, S)) != TX_OK ||
        (st = tx_softmax_check(&w->softmax_fw, S)) != TX_OK)
        return st;
    int8_t *q = malloc((size_t)S * P), *k = malloc((size_t)S * P), *xw = malloc((size_t)S * E);
    int8_t *sc = malloc((size_t)S * S), *sf = malloc((size_t)S * S);
    uint32_t *tmp = malloc((size_t)S * 4);
    if (!q || !k || !xw || !sc || !sf || !tmp) {
        st = TX_ERR_BUFFER;
        goto done;
    }
    *dev = (tx_fwsa_deviation){0};
    double sum_sc = 0, sum_p = 0;
    for (int32_t h = 0; h < H; ++h) {
        for (int32_t s = 0; s < S; ++s) {
            for (int32_t p = 0; p < P; ++p) {
                int32_t n = h * P + p, aq = w->bq ? w->bq[n] : 0, ak = w->bk ? w->bk[n] : 0;
                for (int32_t e = 0; e < E; ++e) {
                    aq += x[s * E + e] * w->wq[n * E + e];
                    ak += x[s * E + e] * w->wk[n * E + e];
                }
                q[s * P + p] = tx_rq_t(aq, &w->rq_q, n);
                k[s * P + p] = tx_rq_t(ak, &w->rq_k, n);
            }
            for (int32_t e2 = 0; e2 < E; ++e2) {
                int32_t a = w->bf ? w->bf[h * E + e2] : 0;
                for (int32_t e1 = 0; e1 < E; ++e1)
                    a += x[s * E + e1] * w->wf[((size_t)h * E + e2) * E + e1];
                xw[s * E + e2] = tx_rq_t(a, &w->rq_xw[h], 0);
            }
        }
        for (int32_t s = 0; s < S; ++s)
            for (int32_t j = 0; j < S; ++j) {
                int32_t a = 0, b = 0;
                for (int32_t p = 0; p < P; ++p)
                    a += q[s * P + p] * k[j * P + p];
                for (int32_t e = 0; e < E; ++e)
                    b += xw[s * E + e] * x[j * E + e];
                sc[s * S + j] = tx_rq_t(a, &w->attn.rq_scores, 0);
                sf[s * S + j] = tx_rq_t(b, &w->rq_scores_fw[h], 0);
                int32_t diff = abs(sc[s * S + j] - sf[s * S + j]);
                dev->max_abs_score_lsb = diff > dev->max_abs_score_lsb ? diff : dev->max_abs_score_lsb;
                sum_sc += diff;
            }
        tx_softmax_rows(&w->attn.softmax, S, S, sc, (uint8_t *)sc, tmp);
        tx_softmax_rows(&w->softmax_fw, S, S, sf, (uint8_t *)sf, tmp);
        for (int32_t i = 0; i < S * S; ++i) {
            double diff = fabs((double)((uint8_t)sc[i]) - (double)((uint8_t)sf[i])) / 255.0;
            dev->max_abs_prob = diff > dev->max_abs_prob ? diff : dev->max_abs_prob;
            sum_p += diff;
        }
    }
    dev->rows = (int64_t)H * S;
    dev->mean_abs_score_lsb = sum_sc / ((double)H * S * S);
    dev->mean_abs_prob = sum_p / ((double)H * S * S);
    st = TX_OK;
done:
    free(q); free(k); free(xw); free(sc); free(sf); free(tmp);
    return st;
}
