// The model IR: conversion of owned layer storage to the kernels' C structs, and its sizes.
#include "tinytx/tuner/model.h"

namespace tinytx::tuner {

namespace {

template <typename T> const T *ptr_or_null(const std::vector<T> &v)
{
    return v.empty() ? nullptr : v.data();
}

template <class T>
uint64_t bytes_of(const std::vector<T> &v)
{
    return v.size() * sizeof(T);
}

uint64_t bytes_of(const Requant &r)
{
    return bytes_of(r.ch_mul) + bytes_of(r.ch_shift);
}

} // namespace

tx_requant Requant::c() const
{
    tx_requant r{};
    r.mul = mul;
    r.shift = shift;
    r.ch_mul = ptr_or_null(ch_mul);
    r.ch_shift = ptr_or_null(ch_shift);
    return r;
}

double Model::output_scale() const
{
    return layers.empty() ? 0.0 : layers.back().scales.s_out;
}

tx_layernorm_params FinalNorm::c() const
{
    return {gamma.data(), beta.data(), rq.c()};
}

double Model::encoder_output_scale() const
{
    return final_norm ? final_norm->output_scale : output_scale();
}

uint64_t Model::ends_data_bytes() const
{
    uint64_t n = 0;
    if (prelude)
        n += bytes_of(prelude->we) + bytes_of(prelude->be) + bytes_of(prelude->rq) + bytes_of(prelude->cls) +
             bytes_of(prelude->pos);
    if (final_norm)
        n += bytes_of(final_norm->gamma) + bytes_of(final_norm->beta) + bytes_of(final_norm->rq);
    if (head)
        n += bytes_of(head->wh) + bytes_of(head->bh);
    return n;
}

bool Model::has_fused() const
{
    if (layers.empty())
        return false;
    for (const auto &l : layers)
        if (!l.fused)
            return false;
    return true;
}

void Model::encoder_weights(size_t i, EncoderWeightsView &view) const
{
    const EncoderLayer &l = layers.at(i);
    tx_encoder_weights w{};
    tx_mhsa_weights &m = w.mhsa;
    m.wq = ptr_or_null(l.wq);
    m.wk = ptr_or_null(l.wk);
    m.wv = ptr_or_null(l.wv);
    m.wo = ptr_or_null(l.wo);
    m.bq = ptr_or_null(l.bq);
    m.bk = ptr_or_null(l.bk);
    m.bv = ptr_or_null(l.bv);
    m.bo = ptr_or_null(l.bo);
    m.rq_q = l.rq_q.c();
    m.rq_k = l.rq_k.c();
    m.rq_v = l.rq_v.c();
    m.rq_o = l.rq_o.c();
    m.attn.rq_scores = l.rq_scores.c();
    m.attn.softmax = l.softmax;
    m.attn.rq_av = l.rq_av.c();

    view.rq_xw.clear();
    view.rq_scores_fw.clear();
    if (l.fused) {
        const FusedAttention &f = *l.fused;
        for (const auto &r : f.rq_xw)
            view.rq_xw.push_back(r.c());
        for (const auto &r : f.rq_scores_fw)
            view.rq_scores_fw.push_back(r.c());
        m.wf = ptr_or_null(f.wf);
        m.bf = ptr_or_null(f.bf);
        m.rq_xw = ptr_or_null(view.rq_xw);
        m.rq_scores_fw = ptr_or_null(view.rq_scores_fw);
        m.softmax_fw = f.softmax;
    }

    w.add1 = l.add1;
    w.ln1.gamma = ptr_or_null(l.ln1_gamma);
    w.ln1.beta = ptr_or_null(l.ln1_beta);
    w.ln1.rq = l.ln1_rq.c();
    w.w1 = ptr_or_null(l.w1);
    w.b1 = ptr_or_null(l.b1);
    w.rq1 = l.rq1.c();
    w.gelu.b_q = l.gelu_b_q;
    w.gelu.one = l.gelu_one;
    w.gelu.rq = l.gelu_rq.c();
    w.w2 = ptr_or_null(l.w2);
    w.b2 = ptr_or_null(l.b2);
    w.rq2 = l.rq2.c();
    w.add2 = l.add2;
    w.ln2.gamma = ptr_or_null(l.ln2_gamma);
    w.ln2.beta = ptr_or_null(l.ln2_beta);
    w.ln2.rq = l.ln2_rq.c();
    view.w = w;
}

} // namespace tinytx::tuner
