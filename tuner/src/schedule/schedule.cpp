#include "tinytx/tuner/schedule.h"

#include <sstream>

#include <nlohmann/json.hpp>

#include "tinytx/platform/sha256.h"

namespace tinytx::tuner {

using nlohmann::json;

const char *attention_name(AttentionMode m)
{
    return m == AttentionMode::kFused ? "fused" : "standard";
}

const char *mhsa_name(MhsaSchedule s)
{
    switch (s) {
    case MhsaSchedule::kLayerwise: return "layerwise";
    case MhsaSchedule::kHeadwise: return "headwise";
    case MhsaSchedule::kDepthfirst: return "depthfirst";
    }
    return "unknown";
}

const char *split_name(ClusterSplit s)
{
    return s == ClusterSplit::kHeads ? "heads" : "rows";
}

std::optional<ClusterSplit> parse_split(const std::string &s)
{
    if (s == "rows") return ClusterSplit::kRows;
    if (s == "heads") return ClusterSplit::kHeads;
    return std::nullopt;
}

std::optional<AttentionMode> parse_attention(const std::string &s)
{
    if (s == "standard") return AttentionMode::kStandard;
    if (s == "fused") return AttentionMode::kFused;
    return std::nullopt;
}

std::optional<MhsaSchedule> parse_mhsa(const std::string &s)
{
    if (s == "layerwise") return MhsaSchedule::kLayerwise;
    if (s == "headwise") return MhsaSchedule::kHeadwise;
    if (s == "depthfirst") return MhsaSchedule::kDepthfirst;
    return std::nullopt;
}

std::optional<tx_variant> parse_variant(const std::string &s)
{
    for (int v = 0; v < TX_VARIANT_COUNT; ++v)
        if (s == tx_variant_name(static_cast<tx_variant>(v)))
            return static_cast<tx_variant>(v);
    return std::nullopt;
}

json layer_to_json(const LayerKnobs &k)
{
    json j = json::object();
    j["attention"] = attention_name(k.attention);
    j["mhsa"] = mhsa_name(k.mhsa);
    if (k.mhsa == MhsaSchedule::kDepthfirst)
        j["tile_rows"] = k.tile_rows;
    j["variant"] = tx_variant_name(k.variant);
    j["ffn_tile"] = k.ffn_tile;
    if (!k.placement.empty())
        j["placement"] = k.placement;
    if (!k.weights.empty())
        j["weights"] = k.weights;
    if (k.cores != 0) {
        j["cores"] = k.cores;
        j["split"] = split_name(k.split);
    }
    return j;
}

json to_json(const Schedule &s)
{
    json j = json::object();
    j["model"] = s.model;
    j["board"] = s.board;
    json layers = json::array();
    for (const auto &k : s.layers)
        layers.push_back(layer_to_json(k));
    j["layers"] = std::move(layers);
    return j;
}

namespace {

platform::Status fail(std::string path, std::string reason)
{
    return platform::Status::invalid_argument(ScheduleError{std::move(path), std::move(reason)}.message());
}

const char *type_name(const json &j)
{
    return j.type_name();
}

} // namespace

platform::Result<Schedule> schedule_from_json(const json &j)
{
    if (!j.is_object())
        return fail("", std::string("schedule must be an object, got ") + type_name(j));
    Schedule s;
    for (const char *key : {"model", "board"}) {
        if (!j.contains(key))
            continue;
        const json &v = j.at(key);
        if (!v.is_string())
            return fail(key, std::string("must be a string, got ") + type_name(v));
        (std::string(key) == "model" ? s.model : s.board) = v.get<std::string>();
    }
    if (!j.contains("layers"))
        return fail("layers", "missing");
    const json &layers = j.at("layers");
    if (!layers.is_array())
        return fail("layers", std::string("must be an array, got ") + type_name(layers));
    if (layers.empty())
        return fail("layers", "must have at least one layer");
    for (size_t i = 0; i < layers.size(); ++i) {
        const std::string base = "layers[" + std::to_string(i) + "]";
        const json &l = layers[i];
        if (!l.is_object())
            return fail(base, std::string("must be an object, got ") + type_name(l));
        for (auto it = l.begin(); it != l.end(); ++it) {
            static const char *known[] = {"attention", "mhsa", "tile_rows", "variant", "ffn_tile",
                                          "placement", "weights", "cores", "split"};
            bool ok = false;
            for (const char *k : known)
                ok = ok || it.key() == k;
            if (!ok)
                return fail(base + "." + it.key(), "unknown knob");
        }
        LayerKnobs k;
        auto str = [&](const char *key, std::string &out) -> platform::Status {
            if (!l.contains(key))
                return fail(base + "." + key, "missing");
            const json &v = l.at(key);
            if (!v.is_string())
                return fail(base + "." + key, std::string("must be a string, got ") + type_name(v));
            out = v.get<std::string>();
            return {};
        };
        auto integer = [&](const char *key, int32_t &out) -> platform::Status {
            const json &v = l.at(key);
            if (!v.is_number_integer())
                return fail(base + "." + key, std::string("must be an integer, got ") + type_name(v));
            // an unsigned value past INT64_MAX would read back as negative: print what was given
            const bool too_big = v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(INT32_MAX);
            const int64_t x = too_big ? int64_t(INT32_MAX) + 1 : v.get<int64_t>();
            if (x < 0 || x > INT32_MAX)
                return fail(base + "." + key, "must be 0.." + std::to_string(INT32_MAX) + ", got " + v.dump());
            out = static_cast<int32_t>(x);
            return {};
        };
        std::string a, m, v;
        if (platform::Status st = str("attention", a); !st.ok()) return st;
        auto am = parse_attention(a);
        if (!am) return fail(base + ".attention", "must be standard|fused, got \"" + a + "\"");
        k.attention = *am;
        if (platform::Status st = str("mhsa", m); !st.ok()) return st;
        auto ms = parse_mhsa(m);
        if (!ms)
            return fail(base + ".mhsa", "must be layerwise|headwise|depthfirst, got \"" + m + "\"");
        k.mhsa = *ms;
        if (k.mhsa == MhsaSchedule::kDepthfirst) {
            if (!l.contains("tile_rows"))
                return fail(base + ".tile_rows", "missing (required for depthfirst)");
            if (platform::Status st = integer("tile_rows", k.tile_rows); !st.ok()) return st;
            if (k.tile_rows < 1)
                return fail(base + ".tile_rows", "must be >= 1, got " + std::to_string(k.tile_rows));
        } else if (l.contains("tile_rows")) {
            int32_t t = 0;
            if (platform::Status st = integer("tile_rows", t); !st.ok()) return st;
            if (t != 0)
                return fail(base + ".tile_rows", "only applies to depthfirst (got " +
                                                     std::to_string(t) + " with " + m + ")");
        }
        if (platform::Status st = str("variant", v); !st.ok()) return st;
        auto var = parse_variant(v);
        if (!var)
            return fail(base + ".variant", "must be ref|opt2x2|opt4x2|dsp|rv32|xpulp, got \"" + v + "\"");
        k.variant = *var;
        if (l.contains("ffn_tile"))
            if (platform::Status st = integer("ffn_tile", k.ffn_tile); !st.ok()) return st;
        if (l.contains("placement"))
            if (platform::Status st = str("placement", k.placement); !st.ok()) return st;
        if (l.contains("weights")) {
            if (platform::Status st = str("weights", k.weights); !st.ok()) return st;
            if (k.weights == kWeightsInFlash)
                k.weights.clear();  // "flash" and "" are one schedule: the canonical form omits it
        }
        if (l.contains("cores"))
            if (platform::Status st = integer("cores", k.cores); !st.ok()) return st;
        if (l.contains("split")) {
            std::string sp;
            if (platform::Status st = str("split", sp); !st.ok()) return st;
            auto split = parse_split(sp);
            if (!split) return fail(base + ".split", "must be rows|heads, got \"" + sp + "\"");
            if (k.cores == 0 && *split != ClusterSplit::kRows)
                return fail(base + ".split", "only applies to cluster layers (cores >= 1)");
            k.split = *split;
        } else if (k.cores != 0) {
            return fail(base + ".split", "missing (required when cores >= 1)");
        }
        s.layers.push_back(std::move(k));
    }
    return s;
}

platform::Result<Schedule> parse_schedule(const std::string &json_text)
{
    json j = json::parse(json_text, nullptr, false);
    if (j.is_discarded())
        return fail("", "not valid JSON");
    return schedule_from_json(j);
}

std::string canonical_json(const Schedule &s)
{
    Schedule c = s;
    for (auto &k : c.layers) {
        if (k.mhsa != MhsaSchedule::kDepthfirst)
            k.tile_rows = 0;
        if (k.cores == 0)
            k.split = ClusterSplit::kRows;
    }
    // nlohmann::json objects are std::map-backed: keys come out sorted; dump() without an
    // indent emits no whitespace.
    return to_json(c).dump();
}

std::string schedule_hash(const Schedule &s)
{
    const std::string text = canonical_json(s);
    return tinytx::platform::sha256_hex(std::vector<uint8_t>(text.begin(), text.end()));
}

platform::Status check_dims(const Schedule &s, const tx_encoder_dims &d, size_t n_layers)
{
    if (s.layers.size() != n_layers)
        return fail("layers", "has " + std::to_string(s.layers.size()) + " entries, the model has " +
                                  std::to_string(n_layers) + " layers");
    for (size_t i = 0; i < s.layers.size(); ++i) {
        const std::string base = "layers[" + std::to_string(i) + "]";
        const LayerKnobs &k = s.layers[i];
        if (k.mhsa == MhsaSchedule::kDepthfirst && (k.tile_rows < 1 || k.tile_rows >= d.S))
            return fail(base + ".tile_rows",
                        "must be 1.." + std::to_string(d.S - 1) + " (S-1), got " + std::to_string(k.tile_rows));
        if (k.mhsa != MhsaSchedule::kDepthfirst && k.tile_rows != 0)
            return fail(base + ".tile_rows", "only applies to depthfirst");
        if (k.ffn_tile < 0 || (k.ffn_tile != 0 && k.ffn_tile >= d.F))
            return fail(base + ".ffn_tile", "must be 0 (untiled) or 1.." + std::to_string(d.F - 1) + ", got " +
                                                std::to_string(k.ffn_tile));
        if (k.variant < 0 || k.variant >= TX_VARIANT_COUNT)
            return fail(base + ".variant", "unknown variant");
        if (k.cores < 0 || k.cores > kMaxClusterCores)
            return fail(base + ".cores", "must be 0 (one core, the library kernels) or 1.." +
                                             std::to_string(kMaxClusterCores) + ", got " + std::to_string(k.cores));
        if (k.cores > 0 && k.variant != TX_VARIANT_XPULP)
            return fail(base + ".variant", std::string("must be xpulp on a cluster layer (cores >= 1), got ") +
                                               tx_variant_name(k.variant));
        if (k.placement != s.layers[0].placement)
            return fail(base + ".placement", "must equal layers[0].placement (one arena for the model)");
        if (k.weights != s.layers[0].weights)
            return fail(base + ".weights", "must equal layers[0].weights (one weights section for the model)");
    }
    return {};
}

tx_encoder_config to_encoder_config(const LayerKnobs &k, tx_norm_position norm)
{
    tx_encoder_config c{};
    c.norm = norm;
    c.mhsa.mode = k.attention == AttentionMode::kFused ? TX_ATTN_FUSED : TX_ATTN_STANDARD;
    switch (k.mhsa) {
    case MhsaSchedule::kLayerwise: c.mhsa.schedule = TX_MHSA_LAYERWISE; break;
    case MhsaSchedule::kHeadwise: c.mhsa.schedule = TX_MHSA_HEADWISE; break;
    case MhsaSchedule::kDepthfirst: c.mhsa.schedule = TX_MHSA_DEPTHFIRST; break;
    }
    c.mhsa.tile_rows = k.mhsa == MhsaSchedule::kDepthfirst ? k.tile_rows : 0;
    c.ffn_tile = k.ffn_tile;
    return c;
}

tx_cluster_split to_cluster_split(ClusterSplit s)
{
    return s == ClusterSplit::kHeads ? TX_SPLIT_HEADS : TX_SPLIT_ROWS;
}

std::string schedule_summary(const Schedule &s)
{
    std::ostringstream o;
    for (size_t i = 0; i < s.layers.size(); ++i) {
        const LayerKnobs &k = s.layers[i];
        if (i && k == s.layers[i - 1])
            continue;
        if (i)
            o << " | L" << i << ": ";
        o << attention_name(k.attention) << " " << mhsa_name(k.mhsa);
        if (k.mhsa == MhsaSchedule::kDepthfirst)
            o << "(T=" << k.tile_rows << ")";
        o << " " << tx_variant_name(k.variant);
        if (k.cores)
            o << " x" << k.cores << " " << split_name(k.split);
        if (k.ffn_tile)
            o << " ffn/" << k.ffn_tile;
        if (!k.placement.empty())
            o << " @" << k.placement;
        if (!k.weights.empty())
            o << " weights@" << k.weights;
    }
    return o.str();
}

const std::string &weights_region(const Schedule &s)
{
    static const std::string flash;
    return s.layers.empty() ? flash : s.layers[0].weights;
}

} // namespace tinytx::tuner
