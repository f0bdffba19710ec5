/* B1 and B2: the MHSA composed from CMSIS-NN functions (see cmsis_mhsa.h). */
#include "cmsis_mhsa.h"

#include "arm_nnfunctions.h"
#include "arm_nnsupportfunctions.h"
#include "ledger.h"

static txb_cmsis_rq txb_rq(txb_scale s)
{
    return (txb_cmsis_rq){s.mantissa, txb_cmsis_shift(s)};
}

void txb_cmsis_layer_of(const txb_shape *s, const txb_synth_buffers *w, txb_cmsis_layer *l)
{
    txb_scales sc;
    txb_scales_of(s, &sc);
    l->shape = *s;
    l->w = w;
    l->proj = txb_rq(sc.proj);
    l->scores = txb_rq(sc.scores);
    l->av = txb_rq(sc.av_s8);
    l->out = txb_rq(sc.out);
    l->softmax = txb_cmsis_softmax_of(TXB_SCORE_EPS);
}

int txb_cmsis_fc(const int8_t *in, int32_t rows, int32_t K, int32_t in_offset, const int8_t *w,
                 const int32_t *bias, int32_t N, txb_cmsis_rq rq, int8_t *out)
{
    const cmsis_nn_context ctx = {0, 0}; /* arm_fully_connected_s8_get_buffer_size is 0 on DSP */
    const cmsis_nn_fc_params p = {in_offset, 0, 0, {-128, 127}};
    const cmsis_nn_per_tensor_quant_params q = {rq.mult, rq.shift};
    const cmsis_nn_dims in_dims = {rows, 1, 1, K}, w_dims = {K, 1, 1, N}, b_dims = {1, 1, 1, N},
                        out_dims = {rows, 1, 1, N};
    return arm_fully_connected_s8(&ctx, &p, &q, &in_dims, in, &w_dims, w, &b_dims, bias, &out_dims,
                                  out) == ARM_CMSIS_NN_SUCCESS ? 0 : -1;
}

/* out = in permuted: in dims [1][a][b][c], perm as arm_transpose_s8 takes it */
static int txb_transpose(const int8_t *in, int8_t *out, int32_t a, int32_t b, int32_t c,
                         const uint32_t perm[4])
{
    const cmsis_nn_dims in_dims = {1, a, b, c};
    const int32_t d[4] = {1, a, b, c};
    const cmsis_nn_dims out_dims = {d[perm[0]], d[perm[1]], d[perm[2]], d[perm[3]]};
    const cmsis_nn_transpose_params tp = {4, perm};
    return arm_transpose_s8(in, out, &in_dims, &out_dims, &tp) == ARM_CMSIS_NN_SUCCESS ? 0 : -1;
}

static const uint32_t txb_swap_12[4] = {0, 2, 1, 3}; /* [S][H][P] <-> [H][S][P] */
static const uint32_t txb_to_head_t[4] = {0, 2, 3, 1}; /* [S][H][P] -> [H][P][S] */

/* ------------------------------------------------------------------------------------------ B1 */
size_t txb_b1_workspace(const txb_shape *s)
{
    const size_t shp = (size_t)s->S * (size_t)(s->H * s->P), hss = (size_t)s->H * s->S * s->S;
    /* Q K V, Qh Kh Vt, scores, probs, Oh, concat */
    return 6 * shp + 2 * hss + 2 * shp;
}

size_t txb_b1_arena(const txb_shape *s)
{
    const size_t se = (size_t)s->S * (size_t)s->E, shp = (size_t)s->S * (size_t)(s->H * s->P),
                 hss = (size_t)s->H * s->S * s->S;
    txb_ledger l = {0, 0};
    txb_ledger_alloc(&l, se);        /* x */
    txb_ledger_alloc(&l, 3 * shp);   /* Q, K, V (three steps; x read by each) */
    txb_ledger_free(&l, se);         /* x: last read by the V projection */
    txb_ledger_alloc(&l, shp);       /* Qh = transpose(Q) */
    txb_ledger_free(&l, shp);        /* Q */
    txb_ledger_alloc(&l, shp);       /* Kh */
    txb_ledger_free(&l, shp);        /* K */
    txb_ledger_alloc(&l, shp);       /* Vt */
    txb_ledger_free(&l, shp);        /* V */
    txb_ledger_alloc(&l, hss);       /* scores, all heads */
    txb_ledger_free(&l, 2 * shp);    /* Qh, Kh */
    txb_ledger_alloc(&l, hss);       /* probs = softmax(scores), a new tensor */
    txb_ledger_free(&l, hss);        /* scores */
    txb_ledger_alloc(&l, shp);       /* Oh = probs . V, all heads */
    txb_ledger_free(&l, hss + shp);  /* probs, Vt */
    txb_ledger_alloc(&l, shp);       /* concat = transpose(Oh) */
    txb_ledger_free(&l, shp);        /* Oh */
    txb_ledger_alloc(&l, se);        /* out */
    return l.peak;
}

int txb_b1_run(const txb_cmsis_layer *l, const int8_t *x, int8_t *ws, int8_t *out)
{
    const int32_t S = l->shape.S, E = l->shape.E, P = l->shape.P, H = l->shape.H, HP = H * P;
    const size_t shp = (size_t)S * (size_t)HP, hss = (size_t)H * S * S;
    const txb_synth_buffers *w = l->w;
    int8_t *q = ws, *k = q + shp, *v = k + shp, *qh = v + shp, *kh = qh + shp, *vt = kh + shp;
    int8_t *scores = vt + shp, *probs = scores + hss, *oh = probs + hss, *concat = oh + shp;
    int err = 0;
    err |= txb_cmsis_fc(x, S, E, 0, w->wq, w->bq, HP, l->proj, q);
    err |= txb_cmsis_fc(x, S, E, 0, w->wk, w->bk, HP, l->proj, k);
    err |= txb_cmsis_fc(x, S, E, 0, w->wv, w->bv, HP, l->proj, v);
    err |= txb_transpose(q, qh, S, H, P, txb_swap_12);
    err |= txb_transpose(k, kh, S, H, P, txb_swap_12);
    err |= txb_transpose(v, vt, S, H, P, txb_to_head_t);
    for (int32_t h = 0; h < H; ++h) /* scores_h = Q_h . K_h^T: K_h is the "weight" matrix */
        err |= txb_cmsis_fc(qh + (size_t)h * S * P, S, P, 0, kh + (size_t)h * S * P, 0, S,
                            l->scores, scores + (size_t)h * S * S);
    arm_softmax_s8(scores, H * S, S, l->softmax.mult, l->softmax.shift, l->softmax.diff_min, probs);
    for (int32_t h = 0; h < H; ++h) /* O_h = probs_h . V_h: Vt_h [P][S] is the "weight" matrix */
        err |= txb_cmsis_fc(probs + (size_t)h * S * S, S, S, 128, vt + (size_t)h * P * S, 0, P,
                            l->av, oh + (size_t)h * S * P);
    err |= txb_transpose(oh, concat, H, S, P, txb_swap_12);
    err |= txb_cmsis_fc(concat, S, HP, 0, w->wo, w->bo, E, l->out, out);
    return err;
}

/* ------------------------------------------------------------------------------------------ B2 */
size_t txb_b2_workspace(const txb_shape *s)
{
    const size_t sp = (size_t)s->S * (size_t)s->P, ss = (size_t)s->S * (size_t)s->S;
    /* V_h, Vt_h, Q_h (later O_h), K_h, scores, concat */
    return 4 * sp + ss + (size_t)s->S * (size_t)(s->H * s->P);
}

size_t txb_b2_arena(const txb_shape *s)
{
    const size_t se = (size_t)s->S * (size_t)s->E, sp = (size_t)s->S * (size_t)s->P,
                 ss = (size_t)s->S * (size_t)s->S, shp = (size_t)s->S * (size_t)(s->H * s->P);
    txb_ledger l = {0, 0};
    txb_ledger_alloc(&l, se);              /* x */
    for (int32_t h = 0; h < s->H; ++h) {
        txb_ledger_alloc(&l, sp);          /* V_h */
        txb_ledger_alloc(&l, sp);          /* Vt_h = transpose(V_h) */
        txb_ledger_free(&l, sp);           /* V_h */
        txb_ledger_alloc(&l, 2 * sp);      /* Q_h, K_h */
        if (h == s->H - 1)
            txb_ledger_free(&l, se);       /* x: last read by the last head's projections */
        txb_ledger_alloc(&l, ss);          /* scores; softmax in place */
        txb_ledger_free(&l, 2 * sp);       /* Q_h, K_h */
        txb_ledger_alloc(&l, sp);          /* O_h = probs . V_h */
        txb_ledger_free(&l, sp + ss);      /* Vt_h, probs */
        if (h == 0)
            txb_ledger_alloc(&l, shp);     /* concat: first written by head 0 */
        txb_ledger_free(&l, sp);           /* O_h, copied into concat */
    }
    txb_ledger_alloc(&l, se);              /* out */
    return l.peak;
}

int txb_b2_run(const txb_cmsis_layer *l, const int8_t *x, int8_t *ws, int8_t *out)
{
    const int32_t S = l->shape.S, E = l->shape.E, P = l->shape.P, H = l->shape.H, HP = H * P;
    const size_t sp = (size_t)S * (size_t)P;
    const txb_synth_buffers *w = l->w;
    int8_t *vh = ws, *vt = vh + sp, *qh = vt + sp, *kh = qh + sp, *scores = kh + sp;
    int8_t *concat = scores + (size_t)S * S;
    const uint32_t to_t[4] = {0, 1, 3, 2}; /* [1][1][S][P] -> [1][1][P][S] */
    int err = 0;
    for (int32_t h = 0; h < H; ++h) {
        const size_t rows = (size_t)h * P * E;
        err |= txb_cmsis_fc(x, S, E, 0, w->wv + rows, w->bv + h * P, P, l->proj, vh);
        err |= txb_transpose(vh, vt, 1, S, P, to_t);
        err |= txb_cmsis_fc(x, S, E, 0, w->wq + rows, w->bq + h * P, P, l->proj, qh);
        err |= txb_cmsis_fc(x, S, E, 0, w->wk + rows, w->bk + h * P, P, l->proj, kh);
        err |= txb_cmsis_fc(qh, S, P, 0, kh, 0, S, l->scores, scores);
        arm_softmax_s8(scores, S, S, l->softmax.mult, l->softmax.shift, l->softmax.diff_min, scores);
        int8_t *oh = qh; /* Q_h is dead once the scores exist */
        err |= txb_cmsis_fc(scores, S, S, 128, vt, 0, P, l->av, oh);
        for (int32_t s = 0; s < S; ++s) /* the head's columns of concat [S][H*P] */
            arm_memcpy_s8(concat + (size_t)s * HP + (size_t)h * P, oh + (size_t)s * P, P);
    }
    err |= txb_cmsis_fc(concat, S, HP, 0, w->wo, w->bo, E, l->out, out);
    return err;
}
