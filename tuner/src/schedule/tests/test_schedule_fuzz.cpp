// Generated malformed schedules for the shipped eegformer and tiny4 models: every field deleted,
// every value given each wrong type, unknown knob names and values, tile_rows / ffn_tile at and
// past the limits check_dims enforces, wrong layer counts, and corrupted JSON text. Each must be
// refused (by schedule_from_json / parse_schedule or by check_dims) with a message naming the
// path when the fault is structural; none may crash, hang or throw. Legal edits (an optional
// field deleted, a limit reached) are controls that must pass; random byte damage is a probe.
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "schedule_test_util.h"
#include "tinytx/tuner/model.h"
#include "tinytx/tuner/schedule.h"
#include "tinytx/tuner/testing/json_fuzz.h"

namespace tinytx::tuner {
namespace {

using nlohmann::json;
using fuzz::Node;

enum class Want { kRefusedAt, kRefused, kAccepted, kProbe };

struct Outcome {
    std::optional<ScheduleError> error; // from parsing, else from check_dims
    std::string input;                  // the bytes given (for counting distinct inputs)
};

struct Case {
    std::string group, name;
    Want want = Want::kRefusedAt;
    std::string path;     // kRefusedAt: the error's path is this or an ancestor of it
    std::string contains; // the reason must contain this ("" = no check)
    std::function<Outcome()> run;
};

// A legal schedule for the model, with every knob kind present.
struct Family {
    std::string name;
    tx_encoder_dims d{};
    size_t n_layers = 0;
    json doc;

    static Family load(const std::string &model)
    {
        Family f;
        f.name = model;
        auto m = load_model(std::filesystem::path(TINYTX_MODELS_DIR) / (model + ".json"));
        if (!m.ok())
            throw std::runtime_error(m.status().message());
        f.d = m->dims;
        f.n_layers = m->layers.size();
        Schedule s;
        s.model = model;
        s.board = "nucleo-h743zi";
        const MhsaSchedule kinds[] = {MhsaSchedule::kDepthfirst, MhsaSchedule::kHeadwise, MhsaSchedule::kLayerwise};
        for (size_t i = 0; i < f.n_layers; ++i) {
            LayerKnobs k;
            k.attention = i % 2 ? AttentionMode::kFused : AttentionMode::kStandard;
            k.mhsa = kinds[i % 3];
            k.tile_rows = k.mhsa == MhsaSchedule::kDepthfirst ? std::max(1, f.d.S / 4) : 0;
            k.variant = i % 2 ? TX_VARIANT_OPT4X2 : TX_VARIANT_DSP;
            k.ffn_tile = i % 2 ? 0 : f.d.F / 4;
            k.placement = "dtcm";
            s.layers.push_back(k);
        }
        f.doc = to_json(s);
        return f;
    }

    Outcome check(const json &j) const
    {
        Outcome o;
        std::vector<uint8_t> cbor = json::to_cbor(j); // dump() would refuse invalid UTF-8
        o.input.assign(cbor.begin(), cbor.end());
        o.error = refusal(schedule_from_json(j));
        return o;
    }

    Outcome check_text(const std::string &t) const
    {
        Outcome o;
        o.input = t;
        o.error = refusal(parse_schedule(t));
        return o;
    }

    // Why a parsed schedule is refused: the parser's reason, else check_dims's; none if accepted.
    std::optional<ScheduleError> refusal(const platform::Result<Schedule> &r) const
    {
        const platform::Status st = r.ok() ? check_dims(*r, d, n_layers) : r.status();
        if (st.ok())
            return std::nullopt;
        return test::schedule_error(st);
    }
};

class Cases {
  public:
    explicit Cases(const Family &f) : f_(f) {}
    std::vector<Case> take() { return std::move(cases_); }

    void doc(const std::string &group, const std::string &name, Want want, const std::string &path,
             std::function<void(json &)> mutate, const std::string &contains = "")
    {
        cases_.push_back({group, name, want, path, contains, [this, mutate = std::move(mutate)] {
                              json j = f_.doc;
                              mutate(j);
                              return f_.check(j);
                          }});
    }

    void text(const std::string &group, const std::string &name, Want want, const std::string &path, std::string t,
              const std::string &contains = "")
    {
        cases_.push_back({group, name, want, path, contains, [this, t = std::move(t)] { return f_.check_text(t); }});
    }

  private:
    const Family &f_;
    std::vector<Case> cases_;
};

std::string layer(size_t i, const std::string &key) { return "layers[" + std::to_string(i) + "]." + key; }

void field_cases(Cases &cs, const Family &f)
{
    fuzz::walk(f.doc, [&](const Node &n) {
        // deleted: model / board / ffn_tile are optional, and placement in a one-layer schedule;
        // with more layers the others then name a different arena (layers[0]'s loss shows at
        // layers[1]); a layer gone is a count mismatch (at "layers")
        auto erase = [p = n.ptr](json &j) { fuzz::erase_at(j, p); };
        if (n.key == "model" || n.key == "board" || n.key == "ffn_tile" || (n.key == "placement" && f.n_layers == 1))
            cs.doc("deleted_optional", n.path, Want::kAccepted, "", erase);
        else if (n.path == layer(0, "placement"))
            cs.doc("deleted", n.path, Want::kRefusedAt, layer(1, "placement"), erase, "must equal layers[0].placement");
        else
            cs.doc("deleted", n.path, Want::kRefusedAt, n.path, erase);

        for (const auto &[tname, tv] : fuzz::wrong_types(*n.value))
            cs.doc("wrong_type", n.path + "=" + tname, Want::kRefusedAt, n.path,
                   [p = n.ptr, tv = tv](json &j) { j[p] = tv; });

        // integers at the edges; tile_rows: 1..S-1, ffn_tile: 0..F-1
        if (n.value->is_number_integer()) {
            const __int128 lo = n.key == "tile_rows" ? 1 : 0;
            const __int128 hi = n.key == "tile_rows" ? f.d.S - 1 : f.d.F - 1;
            for (const auto &iv : fuzz::int_values()) {
                if (iv.v == *n.value)
                    continue;
                const bool legal = iv.x >= lo && iv.x <= hi;
                cs.doc(legal ? "int_legal" : "int_out_of_range", n.path + "=" + iv.name,
                       legal ? Want::kAccepted : Want::kRefusedAt, n.path, [p = n.ptr, x = iv.v](json &j) { j[p] = x; },
                       legal ? "" : iv.v.dump());
            }
            for (__int128 x : {lo, hi, hi + 1, hi + 2, hi * 2}) {
                const int64_t v = static_cast<int64_t>(x);
                if (json(v) == *n.value)
                    continue;
                const bool legal = x <= hi;
                cs.doc(legal ? "limit_legal" : "limit_past", n.path + "=" + std::to_string(v),
                       legal ? Want::kAccepted : Want::kRefusedAt, n.path, [p = n.ptr, v](json &j) { j[p] = v; },
                       legal ? "" : std::to_string(v));
            }
        }

        // knob values that do not exist
        std::vector<std::string> bad;
        if (n.key == "attention")
            bad = {"fusedd", "", "STANDARD", "fused-weight", "standard ", "\xff"};
        else if (n.key == "mhsa")
            bad = {"depth-first", "tiled", "", "Headwise", "\xff"};
        else if (n.key == "variant")
            bad = {"neon", "REF", "", "helium", "dsp ", "\xff"};
        for (const std::string &s : bad)
            cs.doc("unknown_value", n.path + "=\"" + s + "\"", Want::kRefusedAt, n.path,
                   [p = n.ptr, s](json &j) { j[p] = s; }, "must be");
        if (n.key == "placement" && f.n_layers > 1 && n.path != layer(0, "placement"))
            for (const char *s : {"axi_sram", "", "DTCM", "\xff"})
                cs.doc("placement", n.path + "=\"" + s + "\"", Want::kRefusedAt, n.path,
                       [p = n.ptr, s = std::string(s)](json &j) { j[p] = s; }, "one arena");
    });

    for (size_t i = 0; i < f.n_layers; ++i) {
        const json &l = f.doc["layers"][i];
        const json::json_pointer lp("/layers/" + std::to_string(i));
        // unknown knob names
        for (const char *k : {"threads", "tile", "Attention", "tile_rows "})
            cs.doc("unknown_knob", layer(i, k), Want::kRefusedAt, layer(i, k),
                   [lp, k = std::string(k)](json &j) { j[lp][k] = 1; }, "unknown knob");
        // the mhsa schedule changed under the tile_rows knob
        if (l["mhsa"] == "depthfirst") {
            for (const char *m : {"headwise", "layerwise"})
                cs.doc("mhsa_switch", layer(i, std::string("mhsa=") + m), Want::kRefusedAt, layer(i, "tile_rows"),
                       [lp, m = std::string(m)](json &j) { j[lp]["mhsa"] = m; }, "only applies to depthfirst");
        } else {
            cs.doc("mhsa_switch", layer(i, "mhsa=depthfirst"), Want::kRefusedAt, layer(i, "tile_rows"),
                   [lp](json &j) { j[lp]["mhsa"] = "depthfirst"; }, "missing");
            for (int64_t t : {int64_t{1}, int64_t{f.d.S}, int64_t{-1}})
                cs.doc("mhsa_switch", layer(i, "tile_rows=" + std::to_string(t)), Want::kRefusedAt,
                       layer(i, "tile_rows"), [lp, t](json &j) { j[lp]["tile_rows"] = t; });
            cs.doc("mhsa_switch", layer(i, "tile_rows=0"), Want::kAccepted, "",
                   [lp](json &j) { j[lp]["tile_rows"] = 0; });
        }
    }

    // layer counts that disagree with the model
    for (size_t n : {size_t{0}, f.n_layers - 1, f.n_layers + 1, size_t{65}}) {
        if (n == f.n_layers - 1 && f.n_layers == 1)
            continue; // same as 0
        cs.doc("layer_count", "layers=" + std::to_string(n), Want::kRefusedAt, "layers", [n](json &j) {
            json l = j["layers"][0];
            j["layers"] = json::array();
            for (size_t i = 0; i < n; ++i)
                j["layers"].push_back(l);
        });
    }
    // the root is not an object; extra top-level keys are ignored (an exported schedule carries
    // objectives and a memory plan)
    for (const auto &[tname, tv] : fuzz::wrong_types(f.doc))
        cs.doc("root", std::string("root=") + tname, Want::kRefusedAt, "", [tv = tv](json &j) { j = tv; }, "object");
    cs.doc("root", "extra_top_level_key", Want::kAccepted, "", [](json &j) { j["objectives"] = {{"cycles", 1}}; });
}

void text_cases(Cases &cs, const Family &f, uint32_t seed)
{
    const std::string t = f.doc.dump();
    for (auto &m : fuzz::truncations(t, 40, 20, seed))
        cs.text("text_truncated", m.name, Want::kRefused, "", m.text, "not valid JSON");
    for (auto &m : fuzz::structural_corruptions(t, 40, seed + 1))
        cs.text("text_corrupted", m.name, Want::kRefused, "", m.text, "not valid JSON");
    for (auto &m : fuzz::bad_byte_insertions(t))
        cs.text("text_not_utf8", m.name, Want::kRefused, "", m.text, "not valid JSON");
    for (const char *s : {"", " ", "null", "[]", "\"layers\"", "7", "{", "{}x"})
        cs.text("text_tiny", "text=" + json(std::string(s)).dump(), Want::kRefused, "", s);
    const json::json_pointer tile("/layers/0/ffn_tile");
    for (const char *num : {"1e999", "-1e999"})
        cs.text("text_number", std::string("ffn_tile=") + num, Want::kRefused, "", fuzz::with_raw_value(f.doc, tile, num),
                "not valid JSON");
    cs.text("text_number", "ffn_tile=30_digits", Want::kRefusedAt, "layers[0].ffn_tile",
            fuzz::with_raw_value(f.doc, tile, "123456789012345678901234567890"), "must be an integer");
    constexpr size_t kDeep = 100000;
    cs.text("text_deep", "root_array", Want::kRefusedAt, "", fuzz::deep_array(kDeep), "must be an object");
    cs.text("text_deep", "root_unterminated", Want::kRefused, "", fuzz::deep_array(kDeep, false), "not valid JSON");
    for (const char *p : {"/model", "/layers", "/layers/0", "/layers/0/attention", "/layers/0/ffn_tile"}) {
        const json::json_pointer ptr(p);
        std::string path;
        fuzz::walk(f.doc, [&](const Node &n) {
            if (n.ptr == ptr)
                path = n.path;
        });
        const json &orig = f.doc[ptr];
        cs.text("text_deep", path + "=deep_array", Want::kRefusedAt, orig.is_array() ? path + "[0]" : path,
                fuzz::with_raw_value(f.doc, ptr, fuzz::deep_array(kDeep)));
        cs.text("text_deep", path + "=deep_object", Want::kRefusedAt, orig.is_object() ? path + ".a" : path,
                fuzz::with_raw_value(f.doc, ptr, fuzz::deep_object(kDeep)));
    }
    for (auto &m : fuzz::random_corruptions(t, 60, seed + 2))
        cs.text("text_random_probe", m.name, Want::kProbe, "", m.text);
}

bool is_ancestor_or_self(const std::string &anc, const std::string &path)
{
    return anc == path || (path.size() > anc.size() && path.compare(0, anc.size(), anc) == 0 &&
                           (path[anc.size()] == '.' || path[anc.size()] == '['));
}

void run_family(const std::string &model, uint32_t seed)
{
    const Family f = Family::load(model);
    ASSERT_FALSE(f.check(f.doc).error) << f.check(f.doc).error->message();
    Cases cs(f);
    field_cases(cs, f);
    text_cases(cs, f, seed);
    const std::vector<Case> cases = cs.take();

    std::set<std::string> names;
    std::map<std::string, size_t> per_group;
    std::set<size_t> distinct;
    size_t refused = 0, controls = 0, probes = 0;
    const auto t0 = std::chrono::steady_clock::now();
    for (const Case &c : cases) {
        SCOPED_TRACE(c.group + ": " + c.name);
        EXPECT_TRUE(names.insert(c.group + ":" + c.name).second) << "duplicate case";
        ++per_group[c.group];
        Outcome o;
        try {
            o = c.run();
        } catch (const std::exception &e) {
            ADD_FAILURE() << "threw " << e.what();
            continue;
        }
        if (c.want == Want::kAccepted) {
            ++controls;
            EXPECT_FALSE(o.error) << "a legal edit was refused: " << o.error->message();
            continue;
        }
        if (c.want == Want::kProbe) {
            ++probes;
            if (o.error) {
                EXPECT_FALSE(o.error->reason.empty());
            }
            continue;
        }
        ++refused;
        distinct.insert(std::hash<std::string>{}(o.input));
        if (!o.error) {
            ADD_FAILURE() << "accepted";
            continue;
        }
        const ScheduleError &e = *o.error;
        EXPECT_FALSE(e.reason.empty());
        if (!c.contains.empty()) {
            EXPECT_NE(e.reason.find(c.contains), std::string::npos)
                << "reason lacks \"" << c.contains << "\": " << e.message();
        }
        if (c.want == Want::kRefusedAt) {
            if (c.path.empty()) {
                EXPECT_EQ(e.path, "") << e.message();
            } else {
                EXPECT_TRUE(!e.path.empty() && is_ancestor_or_self(e.path, c.path))
                    << "expected the error at " << c.path << ", got " << e.message();
                EXPECT_EQ(e.message().rfind(e.path + ": ", 0), 0u) << e.message();
            }
        }
    }
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    std::printf("[ fuzz ] %s schedule: %zu must-refuse cases (%zu distinct inputs), %zu controls, %zu probes, %.0f ms\n",
                model.c_str(), refused, distinct.size(), controls, probes, ms);
    for (const auto &[g, n] : per_group)
        std::printf("[ fuzz ]   %-20s %zu\n", g.c_str(), n);
    EXPECT_GE(distinct.size(), 100u);
}

TEST(ScheduleFuzz, Eegformer) { run_family("eegformer", 0x5c4e'0001); }

TEST(ScheduleFuzz, Tiny4) { run_family("tiny4", 0x5c4e'0002); }

} // namespace
} // namespace tinytx::tuner
