// Generated malformed models (the tuner issue's acceptance line): from the shipped eegformer and
// tiny4 specs, every field deleted, every scalar given each wrong type and out-of-range integers,
// inconsistent dims, bad per-channel arrays and offsets, truncated / corrupted / missing weights
// and calibration files, and corrupted JSON text. Every case must be refused with a non-empty
// message that names the JSON path when the fault is structural; none may crash, hang or throw.
// Deleting an optional field is a control (it must still load), random byte damage a probe
// (either outcome, never a crash). Meant to be run under ASan/UBSan as well.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <set>

#include <gtest/gtest.h>

#include "model_test_util.h"
#include "tinytx/platform/sha256.h"
#include "tinytx/tuner/model.h"
#include "tinytx/tuner/testing/json_fuzz.h"

namespace tinytx::tuner {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using fuzz::Node;

enum class Want {
    kRefusedAt, // refused, the error path is `path` or an ancestor of it
    kRefused,   // refused with a non-empty message (text faults name no path)
    kAccepted,  // control: a legal edit must still load
    kProbe,     // either outcome; a refusal still carries a message
};

struct Case {
    std::string group; // for the per-group counts
    std::string name;
    Want want = Want::kRefusedAt;
    std::string path;     // kRefusedAt
    std::string contains; // the reason must contain this ("" = no check)
    // extra check of the error, "" when fine (e.g. "the offset named really runs past the file")
    std::function<std::string(const ModelError &)> verify;
    // returns the result and a fingerprint of the input (to count distinct inputs)
    std::function<std::pair<platform::Result<Model>, std::string>()> run;
};

std::vector<uint8_t> read_bytes(const fs::path &p)
{
    std::string s = test::read_text(p);
    return {s.begin(), s.end()};
}

void write_bytes(const fs::path &p, const std::string &bytes)
{
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

void write_bytes(const fs::path &p, const std::vector<uint8_t> &bytes)
{
    write_bytes(p, std::string(bytes.begin(), bytes.end()));
}

std::string sha256_of(const std::vector<uint8_t> &bytes) { return platform::sha256_hex(bytes); }

// A unique scratch folder under the system temp dir, removed with the test.
class ScratchDir {
  public:
    ScratchDir()
    {
        static int made = 0;
        dir_ = fs::temp_directory_path() /
               ("tinytx_model_fuzz_" + std::to_string(::getpid()) + "_" + std::to_string(made++));
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    ~ScratchDir()
    {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    const fs::path &dir() const { return dir_; }
    fs::path fresh(const std::string &name)
    {
        fs::path d = dir_ / (std::to_string(n_++) + "_" + name);
        fs::create_directories(d);
        return d;
    }

  private:
    fs::path dir_;
    int n_ = 0;
};

// One shipped model: its spec, the files next to it and where its tensors sit.
struct Family {
    std::string name;
    fs::path dir;
    std::shared_ptr<const json> spec;
    std::string text; // the spec file as shipped
    tx_encoder_dims d{};
    size_t n_layers = 0;
    size_t weights_size = 0;
    std::string weights_file, input_file;
    size_t input_size = 0;

    static Family load(const std::string &name)
    {
        Family f;
        f.name = name;
        f.dir = test::models_dir();
        f.text = test::read_text(f.dir / (name + ".json"));
        f.spec = std::make_shared<const json>(json::parse(f.text));
        const json &s = *f.spec;
        f.d = {s["S"].get<int32_t>(), s["E"].get<int32_t>(), s["H"].get<int32_t>(), s["P"].get<int32_t>(),
               s["F"].get<int32_t>()};
        f.n_layers = s["layers"].size();
        f.weights_file = s["weights"]["file"].get<std::string>();
        f.input_file = s["calibration_input"]["file"].get<std::string>();
        f.weights_size = fs::file_size(f.dir / f.weights_file);
        f.input_size = fs::file_size(f.dir / f.input_file);
        return f;
    }
};

// The fingerprint of a document: its CBOR bytes (a text dump would refuse invalid UTF-8).
std::string fingerprint(const json &doc)
{
    std::vector<uint8_t> b = json::to_cbor(doc);
    return {b.begin(), b.end()};
}

// --- case builders ---------------------------------------------------------------------------

class Cases {
  public:
    Cases(const Family &f, ScratchDir &scratch) : f_(f), scratch_(scratch) {}
    std::vector<Case> take() { return std::move(cases_); }

    // parse_model on the spec after `mutate`
    void doc(const std::string &group, const std::string &name, Want want, const std::string &path,
             std::function<void(json &)> mutate, const std::string &contains = "")
    {
        Case c{group, name, want, path, contains, nullptr, nullptr};
        c.run = [spec = f_.spec, dir = f_.dir, mutate = std::move(mutate)] {
            json j = *spec;
            mutate(j);
            return std::pair{parse_model(j, dir), fingerprint(j)};
        };
        cases_.push_back(std::move(c));
    }

    // parse_model on raw text
    void text(const std::string &group, const std::string &name, Want want, const std::string &path,
              std::string text, const std::string &contains = "")
    {
        Case c{group, name, want, path, contains, nullptr, nullptr};
        c.run = [dir = f_.dir, t = std::move(text)] { return std::pair{parse_model(t, dir), t}; };
        cases_.push_back(std::move(c));
    }

    // load_model on a private copy of the model's files, altered by `edit` first
    void files(const std::string &group, const std::string &name, Want want, const std::string &path,
               std::function<void(const fs::path &dir, json &spec)> edit, const std::string &contains = "",
               std::function<std::string(const ModelError &)> verify = nullptr)
    {
        Case c{group, name, want, path, contains, std::move(verify), nullptr};
        c.run = [this, name, edit = std::move(edit)] {
            const fs::path d = scratch_.fresh(f_.name + "_" + name);
            for (const std::string &file : {f_.weights_file, f_.input_file})
                fs::copy_file(f_.dir / file, d / file);
            json spec = *f_.spec;
            edit(d, spec);
            write_bytes(d / (f_.name + ".json"), spec.dump(1));
            auto r = load_model(d / (f_.name + ".json"));
            std::string fp = name + "\n" + fingerprint(spec);
            for (const std::string &file : {f_.weights_file, f_.input_file}) {
                std::error_code ec;
                if (fs::is_regular_file(d / file, ec))
                    fp += "\n" + test::read_text(d / file);
            }
            fs::remove_all(d);
            return std::pair{std::move(r), std::move(fp)};
        };
        cases_.push_back(std::move(c));
    }

  private:
    const Family &f_;
    ScratchDir &scratch_;
    std::vector<Case> cases_;
};

// Fields the schema lets a spec leave out (deleting them must still load).
bool optional_key(const std::string &k)
{
    static const std::set<std::string> keys = {"format", "version", "generator", "seed", "calibration_input",
                                               "scale", "expected_output_crc32", "scales", "s_x", "s_wq",
                                               "s_wk", "s_sc", "s_out", "bq", "bk", "bv", "bo", "fused",
                                               "bf", "b1", "b2"};
    return keys.count(k) != 0;
}

// The legal range of an integer field by key (model.schema.json; shape entries must equal what
// the dims imply, offsets must lie in the weights file). nullopt: any integer is legal.
std::optional<std::pair<__int128, __int128>> legal_range(const Node &n, const Family &f)
{
    const std::string &k = n.key;
    const __int128 i32max = INT32_MAX, orig = n.value->get<int64_t>();
    if (k == "seed") return std::nullopt;
    if (k == "version") return std::pair{__int128{1}, __int128{1}};
    if (k == "S" || k == "E" || k == "P") return std::pair{__int128{1}, __int128{4096}};
    if (k == "H") return std::pair{__int128{1}, __int128{256}};
    if (k == "F") return std::pair{__int128{1}, __int128{65536}};
    if (k == "offset") return std::pair{__int128{0}, static_cast<__int128>(f.weights_size)};
    if (k == "shape") return std::pair{orig, orig};
    if (k == "mul" || k == "mul_a" || k == "mul_b" || k == "c") return std::pair{__int128{0}, i32max};
    if (k == "shift") return std::pair{__int128{1}, __int128{62}};
    if (k == "ln2" || k == "b" || k == "one") return std::pair{__int128{1}, i32max};
    if (k == "b_q") return std::pair{__int128{INT32_MIN}, __int128{-1}};
    ADD_FAILURE() << "no range known for integer field " << n.path;
    return std::nullopt;
}

// Deletions, wrong types, out-of-range integers and wrong string values over the whole tree.
void field_cases(Cases &cs, const Family &f)
{
    fuzz::walk(*f.spec, [&](const Node &n) {
        const json &v = *n.value;
        // deleted
        const bool multi_layer = n.in_array && n.key == "layers" && f.n_layers > 1;
        if ((!n.in_array && optional_key(n.key)) || multi_layer)
            cs.doc("deleted_optional", n.path, Want::kAccepted, "", [p = n.ptr](json &j) { fuzz::erase_at(j, p); });
        else if (n.path == "weights") // tensors have offsets: the first one needs the file
            cs.doc("deleted", n.path, Want::kRefusedAt, "layers[0].mhsa.wq.offset",
                   [p = n.ptr](json &j) { fuzz::erase_at(j, p); });
        else
            cs.doc("deleted", n.path, Want::kRefusedAt, n.path, [p = n.ptr](json &j) { fuzz::erase_at(j, p); });

        // each wrong type (generator: any string is legal, so only its type matters)
        for (const auto &[tname, tv] : fuzz::wrong_types(v))
            cs.doc("wrong_type", n.path + "=" + tname, Want::kRefusedAt, n.path,
                   [p = n.ptr, tv = tv](json &j) { j[p] = tv; });

        // integers at the edges: refused outside the legal range, probed inside it
        if (v.is_number_integer()) {
            const auto range = legal_range(n, f);
            for (const auto &iv : fuzz::int_values()) {
                if (iv.v == v)
                    continue;
                const bool legal = !range || (iv.x >= range->first && iv.x <= range->second);
                cs.doc(legal ? "int_probe" : "int_out_of_range", n.path + "=" + iv.name,
                       legal ? Want::kProbe : Want::kRefusedAt, n.path, [p = n.ptr, x = iv.v](json &j) { j[p] = x; },
                       legal ? "" : iv.v.dump());
            }
        }
        // negative and zero scales
        if (v.is_number_float())
            for (double x : {0.0, -0.5, -1e300})
                cs.doc("float_out_of_range", n.path + "=" + std::to_string(x), Want::kRefusedAt, n.path,
                       [p = n.ptr, x](json &j) { j[p] = x; });

        // wrong string values
        if (v.is_string() && n.key != "generator") {
            std::vector<std::pair<std::string, std::string>> bad; // value, expected path
            auto add = [&](const std::string &s, const std::string &where = "") {
                bad.emplace_back(s, where.empty() ? n.path : where);
            };
            add("\xff\xfe"); // not UTF-8 (only an in-memory document can hold it)
            const std::string orig = v.get<std::string>();
            if (n.key == "format") {
                add("onnx");
                add("");
            } else if (n.key == "name") {
                add("");
                add("a b");
                add("../x");
                add("-lead");
            } else if (n.key == "file") {
                add("");
                add("nonexistent.bin");
                add(".");
                add("/");
                add("/dev/zero");
                add(f.name + ".json", n.path.substr(0, n.path.rfind('.')) + ".sha256"); // wrong file
            } else if (n.key == "sha256") {
                add("");
                add("abc");
                add(std::string(64, '0'));
                add(std::string(64, 'g'));
                std::string upper = orig;
                for (char &c : upper)
                    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
                add(upper);
                add(orig + "0");
            } else if (n.key == "dtype") {
                add(orig == "int8" ? "int32" : "int8");
                add("int16");
                add("INT8");
                add("");
            } else if (n.key == "expected_output_crc32") {
                add("");
                add("0x123");
                add("12345678");
                add("0xzzzzzzzz");
                add("0x1234567890");
            }
            for (const auto &[s, where] : bad)
                cs.doc("wrong_value", n.path + "=\"" + s + "\"", Want::kRefusedAt, where,
                       [p = n.ptr, s = s](json &j) { j[p] = s; });
        }
    });
    // unknown fields at each level of the first layer
    for (const char *p : {"", "/weights", "/calibration_input", "/layers/0", "/layers/0/scales", "/layers/0/mhsa",
                          "/layers/0/mhsa/wq", "/layers/0/mhsa/rq_q", "/layers/0/mhsa/softmax", "/layers/0/mhsa/fused",
                          "/layers/0/ffn", "/layers/0/ffn/gelu", "/layers/0/add1", "/layers/0/ln1"}) {
        json::json_pointer ptr(p);
        std::string path;
        fuzz::walk(*f.spec, [&](const Node &n) {
            if (n.ptr == ptr)
                path = n.path;
        });
        const std::string want = path.empty() ? "bogus" : path + ".bogus";
        cs.doc("unknown_field", want, Want::kRefusedAt, want, [ptr](json &j) { j[ptr]["bogus"] = 1; }, "unknown field");
    }
}

// Tensors of one layer, in the loader's key spelling, with their element sizes.
struct TensorRef {
    std::string key; // JSON pointer below the layer, e.g. "mhsa/fused/wf"
    size_t elem;
};

const std::vector<TensorRef> &layer_tensors()
{
    static const std::vector<TensorRef> t = {
        {"mhsa/wq", 1},       {"mhsa/bq", 4},       {"mhsa/wk", 1},  {"mhsa/bk", 4},  {"mhsa/wv", 1},
        {"mhsa/bv", 4},       {"mhsa/wo", 1},       {"mhsa/bo", 4},  {"mhsa/fused/wf", 1},
        {"mhsa/fused/bf", 4}, {"ln1/gamma", 1},     {"ln1/beta", 4}, {"ffn/w1", 1},   {"ffn/b1", 4},
        {"ffn/w2", 1},        {"ffn/b2", 4},        {"ln2/gamma", 1}, {"ln2/beta", 4},
    };
    return t;
}

std::string dotted(size_t layer, const std::string &slash_key)
{
    std::string s = "layers[" + std::to_string(layer) + "]." + slash_key;
    for (char &c : s)
        if (c == '/')
            c = '.';
    return s;
}

json::json_pointer layer_ptr(size_t layer, const std::string &slash_key)
{
    return json::json_pointer("/layers/" + std::to_string(layer) + "/" + slash_key);
}

size_t elements(const json &tensor)
{
    size_t n = 1;
    for (const json &s : tensor["shape"])
        n *= s.get<size_t>();
    return n;
}

// Dims that no longer agree with the tensors, bad shapes, per-channel arrays of the wrong
// length, offsets past the weights file, bad inline data, head lists of the wrong length.
void consistency_cases(Cases &cs, const Family &f)
{
    const tx_encoder_dims d = f.d;
    const std::string L0 = "layers[0]";
    auto set = [](const char *key, int64_t v) { return [key, v](json &j) { j[key] = v; }; };
    auto drop_input = [](json &j) { j.erase("calibration_input"); };

    // S/E change the calibration input's size (read before the layers); without it the
    // tensors' shapes disagree
    for (int64_t s : {int64_t{d.S} - 1, int64_t{d.S} + 1, int64_t{d.S} * 2})
        cs.doc("dims", "S=" + std::to_string(s), Want::kRefusedAt, "calibration_input.file", set("S", s),
               "expected S*E");
    for (int64_t e : {int64_t{d.E} - 1, int64_t{d.E} + 1, int64_t{d.E} * 2}) {
        cs.doc("dims", "E=" + std::to_string(e), Want::kRefusedAt, "calibration_input.file", set("E", e));
        cs.doc("dims", "E=" + std::to_string(e) + "_no_input", Want::kRefusedAt, L0 + ".mhsa.wq.shape",
               [=](json &j) { drop_input(j); j["E"] = e; });
    }
    // H or P alone changes H*P
    for (int64_t h : {int64_t{d.H} - 1, int64_t{d.H} + 1, int64_t{d.H} * 2})
        cs.doc("dims", "H=" + std::to_string(h), Want::kRefusedAt, L0 + ".mhsa.wq.shape", set("H", h), "H*P");
    for (int64_t p : {int64_t{d.P} - 1, int64_t{d.P} + 1, int64_t{d.P} / 2})
        cs.doc("dims", "P=" + std::to_string(p), Want::kRefusedAt, L0 + ".mhsa.wq.shape", set("P", p), "H*P");
    // H*P kept: the standard projections still fit, the per-head fused tensors do not
    cs.doc("dims", "H*2,P/2", Want::kRefusedAt, L0 + ".mhsa.fused.wf.shape", [=](json &j) {
        j["H"] = d.H * 2;
        j["P"] = d.P / 2;
    });
    cs.doc("dims", "H*2,P/2_no_fused", f.n_layers == 1 ? Want::kAccepted : Want::kRefusedAt,
           "layers[1].mhsa.fused.wf.shape",
           [=](json &j) {
               j["H"] = d.H * 2;
               j["P"] = d.P / 2;
               j["layers"][0]["mhsa"].erase("fused");
           });
    cs.doc("dims", "H*P_too_large", Want::kRefusedAt, "P", [](json &j) {
        j["H"] = 256;
        j["P"] = 4096;
    }, "H*P must be <= 65536");
    for (int64_t ff : {int64_t{d.F} - 1, int64_t{d.F} + 1, int64_t{d.F} / 2})
        cs.doc("dims", "F=" + std::to_string(ff), Want::kRefusedAt, L0 + ".ffn.w1.shape", set("F", ff), "(F, E)");

    // layer count
    cs.doc("dims", "65_layers", Want::kRefusedAt, "layers", [](json &j) {
        json l = j["layers"][0];
        j["layers"] = json::array();
        for (int i = 0; i < 65; ++i)
            j["layers"].push_back(l);
    }, "at most 64");

    // per tensor, in the first and the last layer
    for (size_t li : std::set<size_t>{0, f.n_layers - 1}) {
        for (const TensorRef &t : layer_tensors()) {
            const json::json_pointer tp = layer_ptr(li, t.key);
            const std::string path = dotted(li, t.key);
            const json &tensor = (*f.spec)[tp];
            const std::vector<int64_t> shape = tensor["shape"].get<std::vector<int64_t>>();
            const size_t bytes = elements(tensor) * t.elem;
            const int64_t off = tensor["offset"].get<int64_t>();

            // shapes
            using Shape = std::vector<int64_t>;
            std::vector<std::pair<std::string, Shape>> shapes = {{"empty", {}},
                                                                 {"flattened", {int64_t(elements(tensor))}}};
            Shape s = shape;
            s.push_back(1);
            shapes.emplace_back("rank_plus", s);
            s = shape;
            s.front() += 1;
            shapes.emplace_back("first_plus_1", s);
            s = shape;
            s.back() -= 1;
            shapes.emplace_back("last_minus_1", s);
            if (shape.size() > 1)
                shapes.emplace_back("rank_minus", Shape(shape.begin(), shape.end() - 1));
            if (shape.size() > 1 && shape.front() != shape.back())
                shapes.emplace_back("reversed", Shape(shape.rbegin(), shape.rend()));
            for (const auto &[sname, bad] : shapes)
                if (bad != shape)
                    cs.doc("shape", path + ".shape=" + sname, Want::kRefusedAt, path + ".shape",
                           [tp, bad = json(bad)](json &j) { j[tp]["shape"] = bad; });

            // offsets that run past the weights file
            const size_t ws = f.weights_size;
            for (int64_t o : {static_cast<int64_t>(ws - bytes + 1), static_cast<int64_t>(ws),
                              static_cast<int64_t>(ws) - 1, static_cast<int64_t>(ws + bytes),
                              INT64_MAX - static_cast<int64_t>(bytes) + 1})
                cs.doc("offset_past_end", path + ".offset=" + std::to_string(o), Want::kRefusedAt,
                       path + ".offset", [tp, o](json &j) { j[tp]["offset"] = o; }, "exceeds the weights file");
            if (li == 0 && off > 0) // a control: reading a neighbour's bytes is legal
                cs.doc("offset_shift", path + ".offset=0", Want::kAccepted, "",
                       [tp](json &j) { j[tp]["offset"] = 0; });

            // inline data instead of (or besides) the offset; only the small tensors
            if (elements(tensor) <= 4096) {
                const size_t n = elements(tensor);
                const int64_t hi = t.elem == 1 ? 127 : INT32_MAX, lo = t.elem == 1 ? -128 : INT32_MIN;
                auto inline_data = [tp](json data, bool keep_offset) {
                    return [tp, data = std::move(data), keep_offset](json &j) {
                        if (!keep_offset)
                            j[tp].erase("offset");
                        j[tp]["data"] = data;
                    };
                };
                cs.doc("inline", path + ".data_ok", Want::kAccepted, "", inline_data(std::vector<int64_t>(n, lo), false));
                cs.doc("inline", path + ".data_and_offset", Want::kRefusedAt, path,
                       inline_data(std::vector<int64_t>(n, 1), true), "not both");
                for (size_t cnt : {size_t{0}, n - 1, n + 1})
                    cs.doc("inline", path + ".data_count_" + std::to_string(cnt), Want::kRefusedAt, path + ".data",
                           inline_data(std::vector<int64_t>(cnt, 1), false), "must have " + std::to_string(n) + " values");
                for (int64_t bad : {hi + 1, lo - 1}) {
                    std::vector<int64_t> v(n, 0);
                    v[n / 2] = bad;
                    cs.doc("inline", path + ".data_value_" + std::to_string(bad), Want::kRefusedAt,
                           path + ".data[" + std::to_string(n / 2) + "]", inline_data(v, false), std::to_string(bad));
                }
                json wrong = std::vector<int64_t>(n, 0);
                wrong[n - 1] = "1";
                cs.doc("inline", path + ".data_string_elem", Want::kRefusedAt,
                       path + ".data[" + std::to_string(n - 1) + "]", inline_data(wrong, false), "must be an integer");
                cs.doc("inline", path + ".data_object", Want::kRefusedAt, path + ".data",
                       inline_data(json::object(), false), "must be an array");
            }
        }

        // per-channel requantization: lengths must equal the output channels
        const int64_t N = int64_t{d.H} * d.P;
        const std::vector<std::pair<std::string, int64_t>> linear = {
            {"mhsa/rq_q", N}, {"mhsa/rq_k", N}, {"mhsa/rq_v", N}, {"mhsa/rq_o", d.E}, {"ffn/rq1", d.F}, {"ffn/rq2", d.E}};
        for (const auto &[key, ch] : linear) {
            const json::json_pointer rp = layer_ptr(li, key);
            const std::string path = dotted(li, key);
            auto per_ch = [rp](json mul, json shift) {
                return [rp, mul = std::move(mul), shift = std::move(shift)](json &j) {
                    if (!mul.is_null())
                        j[rp]["ch_mul"] = mul;
                    if (!shift.is_null())
                        j[rp]["ch_shift"] = shift;
                };
            };
            auto vec = [](int64_t n, int64_t v) { return json(std::vector<int64_t>(static_cast<size_t>(n), v)); };
            cs.doc("per_channel", path + ".per_channel_ok", Want::kAccepted, "", per_ch(vec(ch, 1 << 30), vec(ch, 31)));
            for (int64_t n : {int64_t{0}, ch - 1, ch + 1, ch * 2}) {
                cs.doc("per_channel", path + ".ch_mul_len_" + std::to_string(n), Want::kRefusedAt, path + ".ch_mul",
                       per_ch(vec(n, 1 << 30), vec(ch, 31)), "must have " + std::to_string(ch) + " entries");
                cs.doc("per_channel", path + ".ch_shift_len_" + std::to_string(n), Want::kRefusedAt,
                       path + ".ch_shift", per_ch(vec(ch, 1 << 30), vec(n, 31)), "must have " + std::to_string(ch));
            }
            cs.doc("per_channel", path + ".ch_mul_only", Want::kRefusedAt, path + ".ch_shift",
                   per_ch(vec(ch, 1 << 30), json()), "required field missing");
            cs.doc("per_channel", path + ".ch_shift_only", Want::kRefusedAt, path + ".ch_mul",
                   per_ch(json(), vec(ch, 31)), "required field missing");
            json bad_shift = vec(ch, 31);
            bad_shift[ch - 1] = 63;
            cs.doc("per_channel", path + ".ch_shift_63", Want::kRefusedAt,
                   path + ".ch_shift[" + std::to_string(ch - 1) + "]", per_ch(vec(ch, 1 << 30), bad_shift), "got 63");
            json bad_mul = vec(ch, 1 << 30);
            bad_mul[0] = -1;
            cs.doc("per_channel", path + ".ch_mul_negative", Want::kRefusedAt, path + ".ch_mul[0]",
                   per_ch(bad_mul, vec(ch, 31)), "got -1");
            cs.doc("per_channel", path + ".ch_mul_string", Want::kRefusedAt, path + ".ch_mul",
                   per_ch(json("1"), vec(ch, 31)), "must be an array");
        }
        // per-tensor-only requantizations
        for (const auto &[key, suffix] : std::vector<std::pair<const char *, const char *>>{
                 {"mhsa/rq_scores", "mhsa.rq_scores"}, {"mhsa/rq_av", "mhsa.rq_av"}, {"ln1/rq", "ln1.rq"},
                 {"ln2/rq", "ln2.rq"}, {"ffn/gelu/rq", "ffn.gelu.rq"}, {"mhsa/fused/rq_xw/0", "mhsa.fused.rq_xw[0]"},
                 {"mhsa/fused/rq_scores_fw/1", "mhsa.fused.rq_scores_fw[1]"}}) {
            const json::json_pointer rp = layer_ptr(li, key);
            const std::string path = "layers[" + std::to_string(li) + "]." + suffix;
            cs.doc("per_channel", path + ".not_supported", Want::kRefusedAt, path + ".ch_mul", [rp](json &j) {
                j[rp]["ch_mul"] = {1};
                j[rp]["ch_shift"] = {1};
            }, "not supported here");
        }

        // fused per-head lists of the wrong length
        for (const char *key : {"rq_xw", "rq_scores_fw"}) {
            const json::json_pointer lp = layer_ptr(li, std::string("mhsa/fused/") + key);
            const std::string path = dotted(li, std::string("mhsa/fused/") + key);
            for (int64_t n : {int64_t{0}, int64_t{d.H} - 1, int64_t{d.H} + 1})
                cs.doc("heads", path + "_len_" + std::to_string(n), Want::kRefusedAt, path, [lp, n](json &j) {
                    json l = j[lp];
                    json out = json::array();
                    for (int64_t i = 0; i < n; ++i)
                        out.push_back(l[0]);
                    j[lp] = out;
                }, "one per head");
        }

        // cross-parameter bounds of NUMERICS.md: values each in their own range, together not
        const std::string lp = "layers[" + std::to_string(li) + "]";
        const json::json_pointer g = layer_ptr(li, "ffn/gelu");
        for (int64_t bq : {int64_t{INT32_MIN}, -(int64_t{1} << 30), -(int64_t{1} << 28), int64_t{-4096}})
            cs.doc("bounds", lp + ".gelu.b_q=" + std::to_string(bq), Want::kRefusedAt, lp + ".ffn.gelu",
                   [g, bq](json &j) { j[g]["b_q"] = bq; }, "i-GELU");
        for (int64_t one : {int64_t{INT32_MAX}, int64_t{1} << 24})
            cs.doc("bounds", lp + ".gelu.one=" + std::to_string(one), Want::kRefusedAt, lp + ".ffn.gelu",
                   [g, one](json &j) { j[g]["one"] = one; }, "i-GELU");
        for (const char *sm : {"mhsa/softmax", "mhsa/fused/softmax"}) {
            const json::json_pointer sp = layer_ptr(li, sm);
            const std::string path = dotted(li, sm);
            for (const auto &[k, v] : std::vector<std::pair<const char *, int64_t>>{
                     {"b", INT32_MAX}, {"ln2", INT32_MAX}, {"c", INT32_MAX}, {"b", 1 << 16}, {"c", 1 << 25}})
                cs.doc("bounds", path + "." + k + "=" + std::to_string(v), Want::kRefusedAt, path,
                       [sp, k = std::string(k), v = v](json &j) { j[sp][k] = v; }, "< 2^32");
        }
    }
}

// Truncated, corrupted, missing and misplaced weights and calibration files (load_model on a
// private copy of the model's files).
void file_cases(Cases &cs, const Family &f)
{
    const std::string wf = f.weights_file, inf = f.input_file;
    const size_t ws = f.weights_size;

    // where each tensor starts and ends: lengths around them
    std::set<size_t> lens = {0, 1, 2, 3, 4, 7, 8, 100, ws / 4, ws / 2, ws - 4, ws - 1};
    const json &layers = (*f.spec)["layers"];
    for (size_t li : std::set<size_t>{0, layers.size() - 1}) {
        for (const TensorRef &t : layer_tensors()) {
            const json &tensor = layers[li][json::json_pointer("/" + t.key)];
            const size_t end = tensor["offset"].get<size_t>() + elements(tensor) * t.elem;
            if (end < ws)
                lens.insert(end - 1);
        }
    }
    // the stale digest is noticed first; re-stamped, the first tensor outside the file is named
    auto first_outside = [spec = f.spec](size_t len) {
        return [spec, len](const ModelError &e) -> std::string {
            const std::string suffix = ".offset";
            if (e.path.size() < suffix.size() || e.path.compare(e.path.size() - suffix.size(), suffix.size(), suffix))
                return "expected a tensor's .offset";
            std::string ptr = "/" + e.path.substr(0, e.path.size() - suffix.size());
            for (size_t i = 0; i < ptr.size(); ++i) // "layers[2].mhsa.wq" -> "/layers/2/mhsa/wq"
                if (ptr[i] == '.' || ptr[i] == '[')
                    ptr[i] = '/';
            ptr.erase(std::remove(ptr.begin(), ptr.end(), ']'), ptr.end());
            const json &t = (*spec)[json::json_pointer(ptr)];
            const size_t elem = t["dtype"] == "int8" ? 1 : 4;
            if (t["offset"].get<size_t>() + elements(t) * elem <= len)
                return "the tensor named fits in " + std::to_string(len) + " bytes";
            return "";
        };
    };
    for (size_t n : lens) {
        cs.files("weights_truncated", wf + "_cut_" + std::to_string(n) + "_stale_sha", Want::kRefusedAt,
                 "weights.sha256", [wf, n](const fs::path &d, json &) { fs::resize_file(d / wf, n); }, "does not match");
        cs.files("weights_truncated", wf + "_cut_" + std::to_string(n) + "_restamped", Want::kRefused, "",
                 [wf, n](const fs::path &d, json &spec) {
                     fs::resize_file(d / wf, n);
                     spec["weights"]["sha256"] = sha256_of(read_bytes(d / wf));
                 }, "exceeds the weights file (" + std::to_string(n) + " bytes)", first_outside(n));
    }
    // one byte changed: the digest no longer matches
    for (size_t at : {size_t{0}, ws / 2, ws - 1})
        cs.files("weights_sha", wf + "_flip_" + std::to_string(at), Want::kRefusedAt, "weights.sha256",
                 [wf, at](const fs::path &d, json &) {
                     std::vector<uint8_t> b = read_bytes(d / wf);
                     b[at] ^= 0x5a;
                     write_bytes(d / wf, b);
                 }, "does not match");
    cs.files("weights_sha", wf + "_appended", Want::kRefusedAt, "weights.sha256", [wf](const fs::path &d, json &) {
        std::ofstream(d / wf, std::ios::binary | std::ios::app) << 'x';
    });
    cs.files("weights_sha", wf + "_appended_restamped", Want::kAccepted, "", [wf](const fs::path &d, json &spec) {
        std::ofstream(d / wf, std::ios::binary | std::ios::app) << 'x'; // trailing bytes are unused
        spec["weights"]["sha256"] = sha256_of(read_bytes(d / wf));
    });
    cs.files("weights_missing", wf + "_removed", Want::kRefusedAt, "weights.file",
             [wf](const fs::path &d, json &) { fs::remove(d / wf); }, "does not exist");
    cs.files("weights_missing", wf + "_is_directory", Want::kRefusedAt, "weights.file", [wf](const fs::path &d, json &) {
        fs::remove(d / wf);
        fs::create_directory(d / wf);
    });
    cs.files("weights_missing", wf + "_is_fifo", Want::kRefusedAt, "weights.file", [wf](const fs::path &d, json &) {
        fs::remove(d / wf); // reading a FIFO would block: the loader must not open it
        ASSERT_EQ(::mkfifo((d / wf).c_str(), 0600), 0);
    });
    cs.files("weights_missing", wf + "_dangling_symlink", Want::kRefusedAt, "weights.file",
             [wf](const fs::path &d, json &) {
                 fs::remove(d / wf);
                 fs::create_symlink(d / "nowhere.bin", d / wf);
             });
    cs.files("weights_missing", wf + "_symlink_to_dev_zero", Want::kRefusedAt, "weights.file",
             [wf](const fs::path &d, json &) {
                 fs::remove(d / wf);
                 fs::create_symlink("/dev/zero", d / wf);
             });

    // calibration input
    const size_t is = f.input_size;
    for (size_t n : {size_t{0}, size_t{1}, is / 2, is - 1}) {
        cs.files("input_truncated", inf + "_cut_" + std::to_string(n) + "_stale_sha", Want::kRefusedAt,
                 "calibration_input.sha256", [inf, n](const fs::path &d, json &) { fs::resize_file(d / inf, n); },
                 "does not match");
        cs.files("input_truncated", inf + "_cut_" + std::to_string(n) + "_restamped", Want::kRefusedAt,
                 "calibration_input.file", [inf, n](const fs::path &d, json &spec) {
                     fs::resize_file(d / inf, n);
                     spec["calibration_input"]["sha256"] = sha256_of(read_bytes(d / inf));
                 }, "has " + std::to_string(n) + " bytes, expected S*E");
    }
    cs.files("input_truncated", inf + "_longer_restamped", Want::kRefusedAt, "calibration_input.file",
             [inf](const fs::path &d, json &spec) {
                 std::ofstream(d / inf, std::ios::binary | std::ios::app) << 'x';
                 spec["calibration_input"]["sha256"] = sha256_of(read_bytes(d / inf));
             }, "expected S*E");
    cs.files("input_missing", inf + "_removed", Want::kRefusedAt, "calibration_input.file",
             [inf](const fs::path &d, json &) { fs::remove(d / inf); }, "does not exist");
    cs.files("input_missing", inf + "_is_directory", Want::kRefusedAt, "calibration_input.file",
             [inf](const fs::path &d, json &) {
                 fs::remove(d / inf);
                 fs::create_directory(d / inf);
             });
    cs.files("input_missing", inf + "_is_fifo", Want::kRefusedAt, "calibration_input.file",
             [inf](const fs::path &d, json &) {
                 fs::remove(d / inf);
                 ASSERT_EQ(::mkfifo((d / inf).c_str(), 0600), 0);
             });
}

// Faults in the JSON text itself (and documents that parse but hold deep nesting).
void text_cases(Cases &cs, const Family &f, uint32_t seed)
{
    for (auto &m : fuzz::truncations(f.text, 60, 30, seed))
        cs.text("text_truncated", m.name, Want::kRefused, "", m.text, "invalid JSON");
    for (auto &m : fuzz::structural_corruptions(f.text, 60, seed + 1))
        cs.text("text_corrupted", m.name, Want::kRefused, "", m.text, "invalid JSON");
    for (auto &m : fuzz::bad_byte_insertions(f.text))
        cs.text("text_not_utf8", m.name, Want::kRefused, "", m.text, "invalid JSON");
    for (const char *t : {"", " ", "\n\n", "null", "[]", "\"tinytx\"", "7", "{", "}", "{}x", "\xef\xbb\xbf"})
        cs.text("text_tiny", "text=" + json(std::string(t)).dump(), Want::kRefused, "", t);
    // numbers a double cannot hold, and integers past 64 bits
    for (const char *num : {"1e999", "-1e999", "1e400"})
        cs.text("text_number", std::string("S=") + num, Want::kRefused, "",
                fuzz::with_raw_value(*f.spec, json::json_pointer("/S"), num), "invalid JSON");
    cs.text("text_number", "shift=1e999", Want::kRefused, "",
            fuzz::with_raw_value(*f.spec, json::json_pointer("/layers/0/mhsa/rq_q/shift"), "1e999"), "invalid JSON");
    for (const char *num : {"123456789012345678901234567890", "-123456789012345678901234567890"})
        cs.text("text_number", std::string("S=") + num, Want::kRefusedAt, "S",
                fuzz::with_raw_value(*f.spec, json::json_pointer("/S"), num), "must be an integer");
    // duplicate key: the last one wins, and it is wrong
    {
        std::string t = f.text;
        t.insert(t.find('{') + 1, "\"S\": \"x\",");
        t.insert(t.rfind('}'), ",\"S\": \"x\"");
        cs.text("text_duplicate", "duplicate_S", Want::kRefusedAt, "S", t, "must be an integer, got string");
    }
    // deep nesting: as the whole document, unterminated, and as the value of fields that print
    // what they got
    constexpr size_t kDeep = 100000;
    cs.text("text_deep", "root_array", Want::kRefusedAt, "", fuzz::deep_array(kDeep), "must be an object");
    cs.text("text_deep", "root_unterminated", Want::kRefused, "", fuzz::deep_array(kDeep, false), "invalid JSON");
    cs.text("text_deep", "root_object", Want::kRefused, "", fuzz::deep_object(kDeep), "unknown field");
    // (100000 levels: enough to overflow an 8 MB stack in a recursive walk; ~20 ms each to build)
    for (const char *p : {"/format", "/version", "/name", "/generator", "/S", "/weights", "/weights/file",
                          "/calibration_input/scale", "/calibration_input/expected_output_crc32", "/layers",
                          "/layers/0/scales/s_x", "/layers/0/mhsa", "/layers/0/mhsa/rq_q/mul",
                          "/layers/0/mhsa/wq/shape", "/layers/0/mhsa/wq/dtype", "/layers/0/ffn/gelu/b_q"}) {
        const json::json_pointer ptr(p);
        std::string path;
        fuzz::walk(*f.spec, [&](const Node &n) {
            if (n.ptr == ptr)
                path = n.path;
        });
        // a container field keeps its type: the fault is its first element / unknown member
        const json &orig = (*f.spec)[ptr];
        cs.text("text_deep", path + "=deep_array", Want::kRefusedAt, orig.is_array() ? path + "[0]" : path,
                fuzz::with_raw_value(*f.spec, ptr, fuzz::deep_array(kDeep)));
        if (orig.is_object() || path == "format" || path == "name")
            cs.text("text_deep", path + "=deep_object", Want::kRefusedAt, orig.is_object() ? path + ".a" : path,
                    fuzz::with_raw_value(*f.spec, ptr, fuzz::deep_object(kDeep)));
    }
    // random damage anywhere: probes
    for (auto &m : fuzz::random_corruptions(f.text, 100, seed + 2))
        cs.text("text_random_probe", m.name, Want::kProbe, "", m.text);
}

bool is_ancestor_or_self(const std::string &anc, const std::string &path)
{
    if (anc == path)
        return true;
    return path.size() > anc.size() && path.compare(0, anc.size(), anc) == 0 &&
           (path[anc.size()] == '.' || path[anc.size()] == '[');
}

struct Tally {
    std::map<std::string, size_t> per_group;
    std::set<size_t> distinct_refused; // hashes of the inputs
    size_t refused_cases = 0, controls = 0, probes = 0, probes_refused = 0;
    double slowest_ms = 0;
    std::string slowest;
};

// Runs one case and checks its outcome; never lets an exception out.
void check(const Case &c, Tally &t)
{
    SCOPED_TRACE(c.group + ": " + c.name);
    const auto t0 = std::chrono::steady_clock::now();
    std::optional<std::pair<platform::Result<Model>, std::string>> out;
    try {
        out = c.run();
    } catch (const std::exception &e) {
        ADD_FAILURE() << "threw " << e.what();
        return;
    } catch (...) {
        ADD_FAILURE() << "threw a non-std exception";
        return;
    }
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (ms > t.slowest_ms) {
        t.slowest_ms = ms;
        t.slowest = c.group + ": " + c.name;
    }
    const platform::Result<Model> &r = out->first;
    ++t.per_group[c.group];
    if (r.ok() != r.status().ok()) {
        ADD_FAILURE() << "a result must hold either a model or an error";
        return;
    }
    if (c.want == Want::kAccepted) {
        ++t.controls;
        EXPECT_TRUE(r.ok()) << "a legal edit was refused: " << r.status().message();
        return;
    }
    if (c.want == Want::kProbe) {
        ++t.probes;
        if (!r.ok()) {
            ++t.probes_refused;
            EXPECT_FALSE(test::model_error(r.status()).reason.empty());
        }
        return;
    }
    ++t.refused_cases;
    t.distinct_refused.insert(std::hash<std::string>{}(out->second));
    if (r.ok()) {
        ADD_FAILURE() << "accepted";
        return;
    }
    const ModelError e = test::model_error(r.status());
    EXPECT_FALSE(e.reason.empty());
    EXPECT_FALSE(e.message().empty());
    if (!c.contains.empty()) {
        EXPECT_NE(e.reason.find(c.contains), std::string::npos)
            << "reason lacks \"" << c.contains << "\": " << e.message();
    }
    if (c.want == Want::kRefusedAt) {
        if (c.path.empty()) { // the root itself
            EXPECT_EQ(e.path, "") << e.message();
        } else {
            EXPECT_FALSE(e.path.empty()) << "no path named: " << e.message();
            EXPECT_TRUE(is_ancestor_or_self(e.path, c.path)) << "expected the error at " << c.path << ", got "
                                                            << e.message();
            EXPECT_EQ(e.message().rfind(e.path + ": ", 0), 0u) << e.message();
        }
    }
    if (c.verify) {
        const std::string why = c.verify(e);
        EXPECT_TRUE(why.empty()) << why << ": " << e.message();
    }
}

// tiny4 costs ~4 ms a case (four layers' weights read and hashed each time): by default a seeded
// sample of at most `cap` cases per group keeps the run to seconds; TINYTX_FUZZ_FULL=1 runs every
// generated case (eegformer always runs them all).
void run_family(const std::string &model, uint32_t seed, size_t cap)
{
    if (const char *full = std::getenv("TINYTX_FUZZ_FULL"); full && *full && std::string(full) != "0")
        cap = 0;
    const Family f = Family::load(model);
    ASSERT_TRUE(parse_model(*f.spec, f.dir).ok()) << "the shipped spec must load";
    ScratchDir scratch;
    Cases cs(f, scratch);
    field_cases(cs, f);
    consistency_cases(cs, f);
    file_cases(cs, f);
    text_cases(cs, f, seed);
    std::vector<Case> cases = cs.take();
    const size_t generated = cases.size();
    if (cap) {
        std::map<std::string, std::vector<size_t>> by_group;
        for (size_t i = 0; i < cases.size(); ++i)
            by_group[cases[i].group].push_back(i);
        std::mt19937 rng(seed);
        std::vector<bool> keep(cases.size(), false);
        for (auto &[g, idx] : by_group) {
            std::shuffle(idx.begin(), idx.end(), rng);
            for (size_t k = 0; k < std::min(cap, idx.size()); ++k)
                keep[idx[k]] = true;
        }
        std::vector<Case> kept;
        for (size_t i = 0; i < cases.size(); ++i)
            if (keep[i])
                kept.push_back(std::move(cases[i]));
        cases = std::move(kept);
    }

    std::set<std::string> names;
    for (const Case &c : cases)
        EXPECT_TRUE(names.insert(c.group + ":" + c.name).second) << "duplicate case " << c.group << ": " << c.name;

    Tally t;
    const auto t0 = std::chrono::steady_clock::now();
    for (const Case &c : cases) {
        check(c, t);
        if (::testing::Test::HasFatalFailure())
            return;
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    std::printf("[ fuzz ] %s: ran %zu of %zu generated cases\n", model.c_str(), cases.size(), generated);
    std::printf("[ fuzz ] %s: %zu must-refuse cases (%zu distinct inputs), %zu controls, %zu probes (%zu refused), "
                "%.2f s, slowest %.1f ms (%s)\n",
                model.c_str(), t.refused_cases, t.distinct_refused.size(), t.controls, t.probes, t.probes_refused, s,
                t.slowest_ms, t.slowest.c_str());
    for (const auto &[g, n] : t.per_group)
        std::printf("[ fuzz ]   %-20s %zu\n", g.c_str(), n);
    EXPECT_GE(t.distinct_refused.size(), 200u);
}

TEST(ModelFuzz, Eegformer) { run_family("eegformer", 0x7e57'0001, 0); }

TEST(ModelFuzz, Tiny4) { run_family("tiny4", 0x7e57'0002, 40); }

// The spec path itself: empty, not a file, not there, not JSON.
TEST(ModelFuzz, SpecPath)
{
    ScratchDir scratch;
    const fs::path d = scratch.dir();
    write_bytes(d / "empty.json", std::string());
    write_bytes(d / "blank.json", std::string("  \n\t"));
    write_bytes(d / "nul.json", std::string(16, '\0'));
    fs::copy_file(test::models_dir() / "eegformer.bin", d / "weights_as_spec.json");
    fs::create_directory(d / "dir.json");
    ASSERT_EQ(::mkfifo((d / "fifo.json").c_str(), 0600), 0);
    fs::create_symlink(d / "nowhere.json", d / "dangling.json");
    fs::create_symlink(d / "dir.json", d / "to_dir.json");
    size_t n = 0;
    for (const char *name : {"empty.json", "blank.json", "nul.json", "weights_as_spec.json", "dir.json", "fifo.json",
                             "dangling.json", "to_dir.json", "nonexistent.json", "", "/", "nonexistent_dir/x.json"}) {
        SCOPED_TRACE(name);
        try {
            auto r = load_model(*name ? d / name : fs::path());
            ASSERT_FALSE(r.ok());
            EXPECT_FALSE(r.status().message().empty());
            ++n;
        } catch (const std::exception &e) {
            ADD_FAILURE() << "threw " << e.what();
        }
    }
    std::printf("[ fuzz ] spec path: %zu cases\n", n);
}

} // namespace
} // namespace tinytx::tuner
