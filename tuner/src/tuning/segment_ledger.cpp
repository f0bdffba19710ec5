// SegmentLedger (segment_ledger.h).
#include "segment_ledger.h"

#include <algorithm>

namespace tinytx::tuner {
namespace {

// Per layer a run enters tx_encoder_s8, tx_mhsa_s8 and tx_add_s8 twice: four probe hits.
constexpr uint32_t kEncoder = 0, kMhsa = 1, kAdd = 2;
constexpr size_t kHitsPerLayer = 4;

// Segment g of a run: the lead (g = 0), then per layer i its prologue (1 + 3i), attention (2 + 3i)
// and tail (3 + 3i), the order keys() lists them in.
enum class Part { kLead, kPrologue, kAttention, kTail };
Part part_of(size_t g) { return g == 0 ? Part::kLead : Part(1 + (g - 1) % 3); }

// The hit (counted from 1) at which segment g ends. None for the last tail: it ends with the run.
std::optional<uint32_t> end_hit(size_t g, size_t layers)
{
    const size_t i = g == 0 ? 0 : (g - 1) / 3;
    switch (part_of(g)) {
    case Part::kLead: return 1;                                                    // tx_encoder_s8
    case Part::kPrologue: return uint32_t(kHitsPerLayer * i + 2);                  // tx_mhsa_s8
    case Part::kAttention: return uint32_t(kHitsPerLayer * i + 3);                 // the first add
    case Part::kTail: break;
    }
    if (i + 1 < layers) return uint32_t(kHitsPerLayer * (i + 1) + 1);              // the next layer
    return std::nullopt;
}

bool follows_pattern(const std::vector<platform::ProbeHit> &hits)
{
    static constexpr uint32_t kPattern[kHitsPerLayer] = {kEncoder, kMhsa, kAdd, kAdd};
    for (size_t h = 0; h < hits.size(); ++h)
        if (hits[h].probe != kPattern[h % kHitsPerLayer]) return false;
    return true;
}

}  // namespace

const std::vector<std::string> &SegmentLedger::probe_symbols()
{
    static const std::vector<std::string> names = {"tx_encoder_s8", "tx_mhsa_s8", "tx_add_s8"};
    return names;
}

std::vector<std::string> SegmentLedger::keys(const Schedule &s, const std::string &region) const
{
    std::vector<std::string> k = {"lead"};
    for (size_t i = 0; i < s.layers.size(); ++i) {
        const LayerKnobs &l = s.layers[i];
        const std::string layer = std::to_string(i) + " ";
        const std::string attention = std::to_string(int(l.attention)) + " " + std::to_string(int(l.mhsa)) + " " +
                                      std::to_string(l.tile_rows) + " " + std::to_string(int(l.variant));
        const char *ffn = l.ffn_tile <= 0 ? "untiled" : l.ffn_tile >= ffn_dim_ ? "whole" : "tiled";
        k.push_back("prologue " + layer + attention + " " + ffn);
        k.push_back("attention " + layer + attention);
        k.push_back("tail " + layer + std::to_string(int(l.attention)) + " " + std::to_string(l.ffn_tile) + " " +
                    std::to_string(int(l.variant)));
    }
    // the arena's region and the weights' (an image per weights region): both change every segment
    const std::string home =
        " @" + region + (weights_region(s).empty() ? "" : " weights@" + weights_region(s));
    for (std::string &key : k)
        key += home;
    return k;
}

SegmentLedger::Composition SegmentLedger::compose(const Schedule &s, const std::string &region) const
{
    const std::vector<std::string> k = keys(s, region);
    std::lock_guard lock(mu_);
    Composition c;
    c.attentions_known = !contradicted_;
    std::optional<size_t> last_unknown;
    for (size_t g = 0; g < k.size(); ++g) {
        const auto it = segments_.find(k[g]);
        if (it == segments_.end() || !it->second.exact || contradicted_) {
            last_unknown = g;
            if (part_of(g) == Part::kAttention) c.attentions_known = false;
        }
        if (it != segments_.end() && !contradicted_) c.known_cycles += it->second.cycles;
    }
    if (!last_unknown) c.cycles = c.known_cycles;
    else c.stop_at_probe = end_hit(*last_unknown, s.layers.size());
    return c;
}

bool SegmentLedger::learn(const Schedule &s, const std::string &region, const platform::Measurement &m)
{
    const std::vector<platform::ProbeHit> &hits = m.probes;
    if (!follows_pattern(hits) || hits.size() > kHitsPerLayer * s.layers.size()) return true;
    const bool whole = m.status == platform::RunStatus::kOk && hits.size() == kHitsPerLayer * s.layers.size();
    const std::vector<std::string> k = keys(s, region);
    std::lock_guard lock(mu_);
    uint64_t start = 0;
    for (size_t g = 0; g < k.size(); ++g) {
        const std::optional<uint32_t> end = end_hit(g, s.layers.size());
        if (end ? *end > hits.size() : !whole) {
            // stopped inside this segment past its bound: at least the cycles it had reached here
            if (m.status == platform::RunStatus::kAboveBound && m.cycles_median >= start) {
                const uint64_t at_least = m.cycles_median - start;
                Segment &known = segments_[k[g]];
                if (known.exact && known.cycles < at_least) contradicted_ = true;
                if (!known.exact) known.cycles = std::max(known.cycles, at_least);
            }
            break;
        }
        Segment &known = segments_[k[g]];
        const uint64_t at = end ? hits[*end - 1].cycles : m.cycles_median;
        const uint64_t cycles = at - start;
        if ((known.exact && known.cycles != cycles) || (!known.exact && known.cycles > cycles)) contradicted_ = true;
        known = {cycles, true};
        start = at;  // the segments are contiguous
    }
    return !contradicted_;
}

bool SegmentLedger::exact() const
{
    std::lock_guard lock(mu_);
    return !contradicted_;
}

}  // namespace tinytx::tuner
