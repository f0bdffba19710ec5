#include "tinytx/tuner/reference.h"

#include <cstdio>
#include <cstring>

#include "tinytx/tuner/memory_planner.h"

namespace tinytx::tuner {

namespace {

// The layers on x (int8 [S][E]), in the planned arena.
platform::Result<ReferenceOutput> run_layers(const Model &m, const Schedule &s, const int8_t *x)
{
    const size_t act = static_cast<size_t>(m.dims.S) * static_cast<size_t>(m.dims.E);
    const platform::Result<MemoryPlan> pr = plan_memory(m, s);
    if (!pr.ok())
        return pr.status().prefixed("memory plan: ");
    const MemoryPlan &p = *pr;
    // 8-byte aligned, like the firmware's arena
    std::vector<uint64_t> storage((p.peak_bytes + 7) / 8 + 1);
    auto *arena = reinterpret_cast<uint8_t *>(storage.data());
    std::memcpy(arena + p.layers.at(0).x_offset, x, act);
    std::vector<uint64_t> own_scratch;
    for (size_t i = 0; i < m.layers.size(); ++i) {
        const LayerPlacement &lp = p.layers[i];
        const tx_encoder_config cfg = to_encoder_config(s.layers[i], m.norm);
        tx_ctx ctx{arena + lp.scratch_offset, lp.scratch_size, s.layers[i].variant};
        if (s.layers[i].cores > 0) {
            // A cluster layer is checked against the single-core library kernel (the cluster
            // kernels are bit-exact with it for every core count and split), with that kernel's
            // scratch: the plan holds only the cluster kernel's L2 part.
            own_scratch.assign(tx_encoder_s8_get_buffer_size(&cfg, &m.dims, ctx.variant) / 8 + 1, 0);
            ctx.scratch = own_scratch.data();
            ctx.scratch_size = own_scratch.size() * 8;
        }
        EncoderWeightsView w;
        m.encoder_weights(i, w);
        const tx_status st = tx_encoder_s8(&ctx, &cfg, &m.dims, &w.w,
                                           reinterpret_cast<const int8_t *>(arena + lp.x_offset),
                                           reinterpret_cast<int8_t *>(arena + lp.out_offset));
        if (st != TX_OK)
            return platform::Status::invalid_argument("layers[" + std::to_string(i) + "]: " + tx_status_name(st));
    }
    const auto *out = reinterpret_cast<const int8_t *>(arena + p.layers.back().out_offset);
    ReferenceOutput r;
    r.output.assign(out, out + act);
    r.crc32 = tx_crc32(r.output.data(), r.output.size());
    return r;
}

// A scratch buffer of n bytes for the ends' kernels (8-byte aligned).
struct Scratch {
    std::vector<uint64_t> words;
    explicit Scratch(size_t n) : words(n / 8 + 1) {}
    tx_ctx ctx(tx_variant v) { return {words.data(), words.size() * 8, v}; }
};

} // namespace

platform::Result<ReferenceOutput> run_reference(const Model &m, const Schedule &s)
{
    const size_t act = static_cast<size_t>(m.dims.S) * static_cast<size_t>(m.dims.E);
    if (m.calibration_input.size() != act)
        return platform::Status::invalid_argument("model has no calibration input of S*E = " + std::to_string(act) +
                                                  " bytes");
    return run_layers(m, s, m.calibration_input.data());
}

platform::Result<std::vector<int32_t>> run_network_reference(const Model &m, const Schedule &s,
                                                              const std::vector<int8_t> &input)
{
    using platform::Status;
    const int32_t S = m.dims.S, E = m.dims.E;
    const size_t act = static_cast<size_t>(S) * static_cast<size_t>(E);
    if (s.layers.empty() || s.layers.size() != m.layers.size())
        return Status::invalid_argument("schedule: one entry per layer needed");
    Scratch scratch(ends_scratch_bytes(m, s));
    std::vector<int8_t> x(input);
    if (m.prelude) {
        const Prelude &p = *m.prelude;
        if (input.size() != static_cast<size_t>(p.tokens) * static_cast<size_t>(p.features))
            return Status::invalid_argument("input: need tokens*features = " + std::to_string(p.tokens * p.features) +
                                            " values");
        const tx_embed_params ep{p.we.data(), p.be.empty() ? nullptr : p.be.data(), p.rq.c(),
                                 p.cls.empty() ? nullptr : p.cls.data(), p.pos.empty() ? nullptr : p.pos.data(),
                                 p.add_pos};
        x.assign(act, 0);
        const tx_ctx ctx = scratch.ctx(s.layers.front().variant);
        if (const tx_status st = tx_embed_s8(&ctx, &ep, p.tokens, p.features, E, input.data(), x.data()); st != TX_OK)
            return Status::invalid_argument(std::string("prelude: ") + tx_status_name(st));
    } else if (input.size() != act) {
        return Status::invalid_argument("input: need S*E = " + std::to_string(act) + " values");
    }
    platform::Result<ReferenceOutput> layers = run_layers(m, s, x.data());
    if (!layers.ok())
        return layers.status();
    std::vector<int8_t> y = std::move(layers->output);
    const tx_ctx ctx = scratch.ctx(s.layers.back().variant);
    const bool pool_one_row = m.head && m.head->pool != TX_POOL_MEAN;
    // row by row, so a pooled row alone gives the same integers (NUMERICS.md "Final LayerNorm")
    if (m.final_norm && !pool_one_row) {
        const tx_layernorm_params np = m.final_norm->c();
        if (const tx_status st = tx_layernorm_s8(&ctx, &np, S, E, y.data(), y.data()); st != TX_OK)
            return Status::invalid_argument(std::string("final norm: ") + tx_status_name(st));
    }
    if (!m.head)
        return std::vector<int32_t>(y.begin(), y.end());
    const Head &h = *m.head;
    std::vector<int8_t> pooled(static_cast<size_t>(E));
    std::vector<int32_t> logits(static_cast<size_t>(h.classes), 0);
    tx_status st = tx_pool_s8(&ctx, h.pool, S, E, y.data(), pooled.data());
    if (st == TX_OK && m.final_norm && pool_one_row) {
        const tx_layernorm_params np = m.final_norm->c();
        st = tx_layernorm_s8(&ctx, &np, 1, E, pooled.data(), pooled.data());
    }
    if (st == TX_OK)
        st = tx_linear_s32(&ctx, 1, E, h.classes, pooled.data(), h.wh.data(), h.bh.empty() ? nullptr : h.bh.data(),
                           logits.data());
    if (st != TX_OK)
        return Status::invalid_argument(std::string("head: ") + tx_status_name(st));
    return logits;
}

std::string crc32_hex(uint32_t crc)
{
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08x", crc);
    return buf;
}

} // namespace tinytx::tuner
