// Every entry point refuses bad arguments with an error status and writes nothing: not the
// output, not the scratch, not a byte around them.
#include "golden_fixture.h"
#include "common/internal.h"  // TX_SCRATCH_SLACK

#include <functional>

namespace tinytx::test {
namespace {

const tx_golden_case *first_case() { return tx_golden_cases[0]; }

// Runs `call` on fresh guarded buffers and checks that it returns `want` and left every byte
// (output, scratch and their guards) untouched.
struct Untouched {
    Guarded out{4096}, scratch{1 << 18};
    void expect(tx_status want, const std::function<tx_status(int8_t *, tx_ctx *, size_t)> &call,
                size_t scratch_size, const char *what)
    {
        Guarded o(out.size()), s(scratch.size());
        tx_ctx ctx{s.data(), scratch_size, TX_VARIANT_DSP};
        EXPECT_EQ(want, call(o.s8(), &ctx, scratch_size)) << what;
        EXPECT_TRUE(o.guards_intact() && s.guards_intact()) << what;
        if (want == TX_OK) return;  // a valid call is only there to prove the arguments were close
        for (size_t i = 0; i < o.size(); ++i)
            if (o.data()[i] != Guarded::kFill) {
                ADD_FAILURE() << what << ": output written at " << i;
                break;
            }
        for (size_t i = 0; i < s.size(); ++i)
            if (s.data()[i] != Guarded::kFill) {
                ADD_FAILURE() << what << ": scratch written at " << i;
                break;
            }
    }
};

TEST(BadParams, Linear)
{
    const auto *c = first_case();
    const auto &m = c->w.mhsa;
    const int32_t S = 8, E = c->dims.E, H = c->dims.H, P = c->dims.P, HP = H * P;
    Untouched u;
    const size_t need = tx_linear_s8_get_buffer_size(TX_VARIANT_DSP, S, E, HP);
    auto call = [&](tx_linear_params lp, int32_t s, int32_t k, int32_t n, const int8_t *x) {
        return [=](int8_t *out, tx_ctx *ctx, size_t) { return tx_linear_s8(ctx, &lp, s, k, n, x, m.wq, m.bq, out); };
    };
    tx_linear_params ok{m.rq_q, TX_LAYOUT_HEAD, H};
    u.expect(TX_OK, call(ok, S, E, HP, c->x), need, "valid call (sanity)");
    u.expect(TX_ERR_NULL, call(ok, S, E, HP, nullptr), need, "null input");
    u.expect(TX_ERR_NULL, [&](int8_t *out, tx_ctx *, size_t) { return tx_linear_s8(nullptr, &ok, S, E, HP, c->x, m.wq, m.bq, out); }, need, "null ctx");
    u.expect(TX_ERR_DIM, call(ok, 0, E, HP, c->x), need, "S = 0");
    u.expect(TX_ERR_DIM, call(ok, S, 0, HP, c->x), need, "K = 0");
    u.expect(TX_ERR_DIM, call(ok, S, E, -4, c->x), need, "N < 0");
    u.expect(TX_ERR_DIM, call(ok, S, E, HP - 1, c->x), need, "N not a multiple of H");
    tx_linear_params bad = ok;
    bad.heads = 0;
    u.expect(TX_ERR_DIM, call(bad, S, E, HP, c->x), need, "heads = 0");
    bad = ok;
    bad.rq.shift = 0;
    u.expect(TX_ERR_PARAM, call(bad, S, E, HP, c->x), need, "shift 0");
    bad.rq.shift = 63;
    u.expect(TX_ERR_PARAM, call(bad, S, E, HP, c->x), need, "shift 63");
    bad = ok;
    bad.rq.mul = -1;
    u.expect(TX_ERR_PARAM, call(bad, S, E, HP, c->x), need, "negative multiplier");
    bad = ok;
    bad.layout = static_cast<tx_layout>(7);
    u.expect(TX_ERR_PARAM, call(bad, S, E, HP, c->x), need, "unknown layout");
    u.expect(TX_ERR_BUFFER, call(ok, S, E, HP, c->x), need - TX_SCRATCH_SLACK - 1, "scratch one byte short");
    u.expect(TX_ERR_VARIANT, [&](int8_t *out, tx_ctx *ctx, size_t) {
        tx_ctx v = *ctx;
        v.variant = static_cast<tx_variant>(42);
        return tx_linear_s8(&v, &ok, S, E, HP, c->x, m.wq, m.bq, out);
    }, need, "unknown variant");
}

TEST(BadParams, LinearAccAndRequant)
{
    const auto *c = first_case();
    const int32_t S = 8, E = c->dims.E;
    Untouched u;
    const size_t need = tx_linear_acc_s32_get_buffer_size(TX_VARIANT_DSP, S, E, E);
    auto acc = [&](int32_t s, int32_t k, int32_t ldx, int32_t ldw) {
        return [=](int8_t *out, tx_ctx *ctx, size_t) {
            return tx_linear_acc_s32(ctx, s, k, E, c->x, ldx, c->w.w2, ldw, reinterpret_cast<int32_t *>(out));
        };
    };
    u.expect(TX_ERR_DIM, acc(0, E, E, E), need, "acc S = 0");
    u.expect(TX_ERR_DIM, acc(S, E, E - 1, E), need, "acc ldx < K");
    u.expect(TX_ERR_DIM, acc(S, E, E, E - 1), need, "acc ldw < K");
    u.expect(TX_ERR_BUFFER, acc(S, E, E, E), need - TX_SCRATCH_SLACK - 1, "acc scratch short");
    std::vector<int32_t> a(size_t(S) * E, 1000);
    tx_requant rq = c->w.rq2;
    auto req = [&](tx_requant r, int32_t s) {
        return [=, &a](int8_t *out, tx_ctx *ctx, size_t) { return tx_requant_s32_s8(ctx, &r, s, E, a.data(), nullptr, out); };
    };
    u.expect(TX_OK, req(rq, S), 0, "requant valid");
    u.expect(TX_ERR_DIM, req(rq, 0), 0, "requant S = 0");
    rq.ch_mul = &rq.mul;  // per-channel multiplier without shifts
    u.expect(TX_ERR_PARAM, req(rq, S), 0, "half per-channel");
}

TEST(BadParams, NonlinearOperators)
{
    const auto *c = first_case();
    const int32_t S = c->dims.S, E = c->dims.E;
    Untouched u;
    const auto &sm = c->w.mhsa.attn.softmax;
    const size_t sneed = tx_softmax_s8_get_buffer_size(S);
    auto softmax = [&](tx_softmax_params p, int32_t rows, int32_t n) {
        return [=](int8_t *out, tx_ctx *ctx, size_t) {
            return tx_softmax_s8(ctx, &p, rows, n, c->scores, reinterpret_cast<uint8_t *>(out));
        };
    };
    u.expect(TX_OK, softmax(sm, 2, S), sneed, "softmax valid");
    u.expect(TX_ERR_DIM, softmax(sm, 0, S), sneed, "softmax rows = 0");
    u.expect(TX_ERR_DIM, softmax(sm, 2, 0), sneed, "softmax n = 0");
    u.expect(TX_ERR_BUFFER, softmax(sm, 2, S), sneed - TX_SCRATCH_SLACK - 1, "softmax scratch short");
    tx_softmax_params bad = sm;
    bad.ln2 = 0;
    u.expect(TX_ERR_PARAM, softmax(bad, 2, S), sneed, "softmax ln2 = 0");
    bad = sm;
    bad.c = 1 << 30;
    u.expect(TX_ERR_PARAM, softmax(bad, 2, S), sneed, "softmax overflowing constants");

    auto gelu = [&](tx_gelu_params p, int32_t n) {
        return [=](int8_t *out, tx_ctx *ctx, size_t) { return tx_gelu_s8(ctx, &p, n, c->hidden_pre, out); };
    };
    u.expect(TX_ERR_DIM, gelu(c->w.gelu, 0), 0, "gelu n = 0");
    tx_gelu_params g = c->w.gelu;
    g.b_q = 5;
    u.expect(TX_ERR_PARAM, gelu(g, 16), 0, "gelu b_q >= 0");
    g = c->w.gelu;
    g.one = 1 << 28;
    u.expect(TX_ERR_PARAM, gelu(g, 16), 0, "gelu overflowing one");

    auto ln = [&](tx_layernorm_params p, int32_t rows, int32_t D) {
        return [=](int8_t *out, tx_ctx *ctx, size_t) { return tx_layernorm_s8(ctx, &p, rows, D, c->r1, out); };
    };
    u.expect(TX_ERR_DIM, ln(c->w.ln1, 0, E), 0, "layernorm rows = 0");
    u.expect(TX_ERR_DIM, ln(c->w.ln1, 2, 5000), 0, "layernorm D > 4096");
    tx_layernorm_params lp = c->w.ln1;
    lp.gamma = nullptr;
    u.expect(TX_ERR_NULL, ln(lp, 2, E), 0, "layernorm without gamma");

    auto add = [&](tx_add_params p, int32_t n) {
        return [=](int8_t *out, tx_ctx *ctx, size_t) { return tx_add_s8(ctx, &p, n, c->x, c->mhsa.out, out); };
    };
    u.expect(TX_ERR_DIM, add(c->w.add1, 0), 0, "add n = 0");
    tx_add_params ap = c->w.add1;
    ap.shift = 0;
    u.expect(TX_ERR_PARAM, add(ap, 16), 0, "add shift 0");
}

TEST(BadParams, AttentionHead)
{
    const auto *c = first_case();
    const int32_t S = c->dims.S, P = c->dims.P;
    Untouched u;
    const auto &ap = c->w.mhsa.attn;
    auto att = [&](int32_t T, int32_t s, int32_t D, int32_t ldq, int32_t stride) {
        return [=](int8_t *out, tx_ctx *ctx, size_t) {
            return tx_attention_head_s8(ctx, &ap, T, s, D, P, c->q, ldq, c->k, P, c->vt, out, stride);
        };
    };
    const size_t need = tx_attention_head_s8_get_buffer_size(TX_VARIANT_DSP, 4, S, P);
    u.expect(TX_OK, att(4, S, P, P, P), need, "attention valid");
    u.expect(TX_ERR_PARAM, att(0, S, P, P, P), need, "T = 0");
    u.expect(TX_ERR_PARAM, att(S + 1, S, P, P, P), tx_attention_head_s8_get_buffer_size(TX_VARIANT_DSP, S + 1, S, P), "T > S");
    u.expect(TX_ERR_DIM, att(4, 0, P, P, P), need, "S = 0");
    u.expect(TX_ERR_DIM, att(4, S, P, P - 1, P), need, "ldq < D");
    u.expect(TX_ERR_DIM, att(4, S, P, P, P - 1), need, "out stride < P");
    u.expect(TX_ERR_BUFFER, att(4, S, P, P, P), need - TX_SCRATCH_SLACK - 1, "scratch short");
}

TEST(BadParams, MhsaAndEncoder)
{
    const auto *c = first_case();
    const tx_mhsa_dims d{c->dims.S, c->dims.E, c->dims.H, c->dims.P};
    Untouched u;
    auto mhsa = [&](tx_mhsa_config cfg, tx_mhsa_dims dd, tx_mhsa_weights w) {
        return [=](int8_t *out, tx_ctx *ctx, size_t) { return tx_mhsa_s8(ctx, &cfg, &dd, &w, c->x, out); };
    };
    tx_mhsa_config df{TX_ATTN_STANDARD, TX_MHSA_DEPTHFIRST, 4};
    const size_t need = tx_mhsa_s8_get_buffer_size(&df, &d, TX_VARIANT_DSP);
    u.expect(TX_OK, mhsa(df, d, c->w.mhsa), need, "mhsa valid");
    u.expect(TX_ERR_BUFFER, mhsa(df, d, c->w.mhsa), need - TX_SCRATCH_SLACK - 1, "mhsa scratch short");
    tx_mhsa_config bad = df;
    bad.tile_rows = 0;
    u.expect(TX_ERR_PARAM, mhsa(bad, d, c->w.mhsa), need, "T = 0");
    bad.tile_rows = d.S + 1;
    u.expect(TX_ERR_PARAM, mhsa(bad, d, c->w.mhsa), 1 << 18, "T = S + 1");
    bad = df;
    bad.schedule = static_cast<tx_mhsa_schedule>(9);
    u.expect(TX_ERR_PARAM, mhsa(bad, d, c->w.mhsa), need, "unknown schedule");
    bad = df;
    bad.mode = static_cast<tx_attn_mode>(9);
    u.expect(TX_ERR_PARAM, mhsa(bad, d, c->w.mhsa), need, "unknown mode");
    for (int i = 0; i < 4; ++i) {
        tx_mhsa_dims z = d;
        (&z.S)[i] = 0;
        u.expect(TX_ERR_DIM, mhsa(df, z, c->w.mhsa), need, "a zero dimension");
    }
    tx_mhsa_weights w = c->w.mhsa;
    w.wk = nullptr;
    u.expect(TX_ERR_NULL, mhsa(df, d, w), need, "standard without Wk");
    w = c->w.mhsa;
    w.wf = nullptr;
    tx_mhsa_config fused = df;
    fused.mode = TX_ATTN_FUSED;
    u.expect(TX_ERR_NULL, mhsa(fused, d, w), need, "fused without W_h");
    w = c->w.mhsa;
    w.attn.softmax.b = 0;
    u.expect(TX_ERR_PARAM, mhsa(df, d, w), need, "bad softmax constants");

    auto enc = [&](tx_encoder_config cfg, tx_encoder_dims dd, tx_encoder_weights ew) {
        return [=](int8_t *out, tx_ctx *ctx, size_t) { return tx_encoder_s8(ctx, &cfg, &dd, &ew, c->x, out); };
    };
    tx_encoder_config ec{df, 16, TX_NORM_POST};
    const size_t eneed = tx_encoder_s8_get_buffer_size(&ec, &c->dims, TX_VARIANT_DSP);
    u.expect(TX_OK, enc(ec, c->dims, c->w), eneed, "encoder valid");
    u.expect(TX_ERR_BUFFER, enc(ec, c->dims, c->w), eneed - TX_SCRATCH_SLACK - 1, "encoder scratch short");
    tx_encoder_dims ed = c->dims;
    ed.F = 0;
    u.expect(TX_ERR_DIM, enc(ec, ed, c->w), eneed, "F = 0");
    tx_encoder_config ebad = ec;
    ebad.ffn_tile = -1;
    u.expect(TX_ERR_PARAM, enc(ebad, c->dims, c->w), eneed, "negative FFN tile");
    ebad = ec;
    ebad.norm = tx_norm_position(2);
    u.expect(TX_ERR_PARAM, enc(ebad, c->dims, c->w), eneed, "unknown norm position");
    ebad = ec;
    ebad.mhsa.tile_rows = 0;
    u.expect(TX_ERR_PARAM, enc(ebad, c->dims, c->w), eneed, "encoder T = 0");
    tx_encoder_weights ew = c->w;
    ew.ln2.beta = nullptr;
    u.expect(TX_ERR_NULL, enc(ec, c->dims, ew), eneed, "LayerNorm 2 without beta");
    ew = c->w;
    ew.gelu.one = 0;
    u.expect(TX_ERR_PARAM, enc(ec, c->dims, ew), eneed, "GELU constants");
}

}  // namespace
}  // namespace tinytx::test
