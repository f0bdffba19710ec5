#include "tinytx/tuner/memory_planner.h"

#include <algorithm>

namespace tinytx::tuner {

size_t layer_scratch_bytes(const tx_encoder_dims &d, const LayerKnobs &k)
{
    const tx_encoder_config cfg = to_encoder_config(k);
    if (k.cores > 0)   // the cluster kernel: its tiles are in L1, the rest in this scratch
        return tx_encoder_s8_cluster_get_buffer_size(&cfg, &d);
    return tx_encoder_s8_get_buffer_size(&cfg, &d, k.variant);
}

size_t layer_cluster_l1_bytes(const tx_encoder_dims &d, const LayerKnobs &k)
{
    if (k.cores <= 0)
        return 0;
    const tx_encoder_config cfg = to_encoder_config(k);
    return tx_encoder_s8_cluster_l1_size(&cfg, to_cluster_split(k.split), &d, k.cores, nullptr);
}

size_t layer_layout_bytes(const tx_encoder_dims &d, size_t scratch_bytes)
{
    const size_t act = static_cast<size_t>(d.S) * static_cast<size_t>(d.E);
    const size_t out_off = align8(act);
    const size_t s_off = align8(out_off + act);
    return s_off + scratch_bytes;
}

platform::Result<MemoryPlan> plan_memory(const tx_encoder_dims &d, size_t n_layers, const Schedule &s)
{
    if (d.S <= 0 || d.E <= 0 || d.H <= 0 || d.P <= 0 || d.F <= 0)
        return platform::Status::invalid_argument("dims: S, E, H, P, F must be positive");
    if (platform::Status st = check_dims(s, d, n_layers); !st.ok())
        return st;
    MemoryPlan p;
    const size_t act = static_cast<size_t>(d.S) * static_cast<size_t>(d.E);
    const size_t a0 = 0, a1 = align8(act), s_off = align8(a1 + act);
    p.activation_bytes = act;
    size_t max_scratch = 0;
    for (size_t i = 0; i < s.layers.size(); ++i) {
        const size_t scratch = layer_scratch_bytes(d, s.layers[i]);
        if (scratch == 0)
            return platform::Status::invalid_argument("layers[" + std::to_string(i) +
                                                      "]: the kernels reject this configuration");
        LayerPlacement lp;
        lp.x_offset = i % 2 == 0 ? a0 : a1;
        lp.out_offset = i % 2 == 0 ? a1 : a0;
        lp.x_size = lp.out_size = act;
        lp.scratch_offset = s_off;
        lp.scratch_size = scratch;
        lp.layout_bytes = s_off + scratch;
        if (lp.layout_bytes > p.peak_bytes) {
            p.peak_bytes = lp.layout_bytes;
            p.peak_layer = static_cast<int>(i);
        }
        max_scratch = std::max(max_scratch, scratch);
        p.cluster_l1_bytes = std::max(p.cluster_l1_bytes, layer_cluster_l1_bytes(d, s.layers[i]));
        p.layers.push_back(lp);
    }
    const int last = static_cast<int>(s.layers.size()) - 1;
    // act0 holds the input (read by layer 0) and is written by every odd layer; act1 is written
    // by layer 0 and is live until the last layer that touches it.
    p.buffers.push_back({"act0", a0, act, 0, last});
    p.buffers.push_back({"act1", a1, act, 0, last});
    p.buffers.push_back({"scratch", s_off, max_scratch, 0, last});
    return p;
}

size_t ends_scratch_bytes(const Model &m, const Schedule &s)
{
    if (s.layers.empty())
        return 0;
    size_t n = 0;
    if (m.prelude)
        n = tx_embed_s8_get_buffer_size(s.layers.front().variant, m.prelude->tokens, m.prelude->features, m.dims.E);
    if (m.head)
        n = std::max(n, tx_linear_s32_get_buffer_size(s.layers.back().variant, 1, m.dims.E, m.head->classes));
    return n;
}

platform::Result<MemoryPlan> plan_memory(const Model &m, const Schedule &s)
{
    platform::Result<MemoryPlan> r = plan_memory(m.dims, m.layers.size(), s);
    if (!r.ok())
        return r;
    // the embedding runs before the first layer and the head after the last: they borrow the
    // layers' scratch block, grown if they need more
    PlannedBuffer &scratch = r->buffers.at(2);
    const size_t ends = ends_scratch_bytes(m, s);
    if (ends > scratch.size) {
        scratch.size = ends;
        r->peak_bytes = std::max(r->peak_bytes, scratch.offset + ends);
    }
    return r;
}

bool is_ram_like(const platform::MemoryRegion &r)
{
    return r.kind == "ram" || r.kind == "tcm" || r.kind == "l1" || r.kind == "l2";
}

platform::Status check_placement(const MemoryPlan &p, const Schedule &s, const platform::BoardProfile &b)
{
    using platform::Status;
    if (s.layers.empty() || s.layers[0].placement.empty())
        return {};
    const std::string &name = s.layers[0].placement;
    for (const auto &r : b.memory) {
        if (r.name != name)
            continue;
        if (!is_ram_like(r))
            return Status::invalid_argument("placement: region \"" + name + "\" of " + b.name + " is " + r.kind +
                                            ", not RAM (ram|tcm|l1|l2)");
        if (p.peak_bytes > r.length)
            return Status::invalid_argument("placement: arena of " + std::to_string(p.peak_bytes) +
                                            " bytes does not fit region \"" + name + "\" (" +
                                            std::to_string(r.length) + " bytes)");
        return {};
    }
    std::string known;
    for (const auto &r : b.memory)
        known += (known.empty() ? "" : ", ") + r.name;
    return Status::invalid_argument("placement: board " + b.name + " has no region \"" + name + "\" (known: " +
                                    known + ")");
}

} // namespace tinytx::tuner
