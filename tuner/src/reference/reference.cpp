#include "tinytx/tuner/reference.h"

#include <cstdio>
#include <cstring>

#include "tinytx/tuner/memory_planner.h"

namespace tinytx::tuner {

ReferenceResult run_reference(const Model &m, const Schedule &s)
{
    ReferenceResult r;
    const size_t act = static_cast<size_t>(m.dims.S) * static_cast<size_t>(m.dims.E);
    if (m.calibration_input.size() != act) {
        r.error = "model has no calibration input of S*E = " + std::to_string(act) + " bytes";
        return r;
    }
    PlanResult pr = plan_memory(m, s);
    if (!pr.ok()) {
        r.error = "memory plan: " + pr.error;
        return r;
    }
    const MemoryPlan &p = *pr.plan;
    // 8-byte aligned, like the firmware's arena
    std::vector<uint64_t> storage((p.peak_bytes + 7) / 8 + 1);
    auto *arena = reinterpret_cast<uint8_t *>(storage.data());
    std::memcpy(arena + p.layers.at(0).x_offset, m.calibration_input.data(), act);
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
        if (st != TX_OK) {
            r.error = "layers[" + std::to_string(i) + "]: " + tx_status_name(st);
            return r;
        }
    }
    const auto *out = reinterpret_cast<const int8_t *>(arena + p.layers.back().out_offset);
    r.output.assign(out, out + act);
    r.crc32 = tx_crc32(r.output.data(), r.output.size());
    return r;
}

std::string crc32_hex(uint32_t crc)
{
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08x", crc);
    return buf;
}

} // namespace tinytx::tuner
