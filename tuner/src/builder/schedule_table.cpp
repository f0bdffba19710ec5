// The layer table of a schedule-as-data image, encoded as tinytx/firmware/schedule_table.h lays
// it out (32-bit little-endian fields): the firmware's header is the one definition, its magic and
// sizes are used here directly.
#include "tinytx/tuner/schedule_data.h"

#include <cstddef>

#include "tinytx/tuner/builder.h"

extern "C" {
#include "tinytx/firmware/schedule_table.h"
}

namespace tinytx::tuner {
namespace {

constexpr size_t kHeadBytes = sizeof(tx_schedule_head), kLayerBytes = sizeof(tx_schedule_layer);
// encode_schedule_table writes every field as one 32-bit word, in declaration order
static_assert(kHeadBytes == 8 * 4 && offsetof(tx_schedule_head, scratch_bytes) == 7 * 4);
static_assert(kLayerBytes == 9 * 4 && offsetof(tx_schedule_layer, scratch_size) == 8 * 4);

void put(std::vector<uint8_t> &out, uint64_t v)
{
    const uint32_t u = static_cast<uint32_t>(v);
    for (int i = 0; i < 4; ++i)
        out.push_back(static_cast<uint8_t>(u >> (8 * i)));
}

}  // namespace

platform::Status schedule_data_fit(const Schedule &s, const std::set<tx_variant> &kernels)
{
    if (uses_cluster(s))
        return platform::Status::unimplemented("cluster layers run only in specialized images");
    for (const LayerKnobs &k : s.layers)
        if (!kernels.count(k.variant))
            return platform::Status::unimplemented(std::string("variant ") + tx_variant_name(k.variant) +
                                                   " is not in the image");
    return {};
}

size_t schedule_table_bytes(size_t n_layers) { return kHeadBytes + kLayerBytes * n_layers; }

std::vector<uint8_t> encode_schedule_table(const Model &m, const Schedule &s, const MemoryPlan &p,
                                           uint32_t config_id)
{
    std::vector<uint8_t> out;
    out.reserve(schedule_table_bytes(s.layers.size()));
    const size_t L = s.layers.size();
    const PlannedBuffer &scratch = p.buffers.at(2);
    put(out, TX_SCHEDULE_TABLE_MAGIC);
    put(out, config_id);
    put(out, L);
    put(out, p.peak_bytes);
    put(out, p.layers.at(0).x_offset);
    put(out, p.layers.at(L - 1).out_offset);
    put(out, scratch.offset);
    put(out, scratch.size);
    for (size_t i = 0; i < L; ++i) {
        const tx_encoder_config c = to_encoder_config(s.layers[i], m.norm);
        const LayerPlacement &lp = p.layers.at(i);
        put(out, static_cast<uint32_t>(c.mhsa.mode));
        put(out, static_cast<uint32_t>(c.mhsa.schedule));
        put(out, static_cast<uint32_t>(c.mhsa.tile_rows));
        put(out, static_cast<uint32_t>(c.ffn_tile));
        put(out, static_cast<uint32_t>(s.layers[i].variant));
        put(out, lp.x_offset);
        put(out, lp.out_offset);
        put(out, lp.scratch_offset);
        put(out, lp.scratch_size);
    }
    return out;
}

}  // namespace tinytx::tuner
