// Model spec (schemas/json/model.schema.json) -> Model IR, with validation. Every refusal names
// the JSON path of the offending field and the reason (ModelError); the first one ends the parse.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <sstream>
#include <tuple>
#include <utility>

#include <nlohmann/json.hpp>

#include "tinytx/platform/sha256.h"
#include "tinytx/tuner/model.h"
#include "tinytx/tuner/model_files.h"

namespace tinytx::tuner {

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr int64_t kInt32Min = INT32_MIN;
constexpr int64_t kInt32Max = INT32_MAX;

using platform::Result;
using platform::Status;

// The refusal of a field; the first one ends the parse.
Status fail(const std::string &path, const std::string &reason)
{
    return Status::invalid_argument(ModelError{path, reason}.message());
}

// The value of a Result, or the enclosing step returns its Status: every step of the parse returns
// a Result or a Status, and the first refusal travels up unchanged (a GNU statement expression).
#define TX_TRY(expr)                      \
    ({                                    \
        auto tx_try_ = (expr);            \
        if (!tx_try_.ok())                \
            return tx_try_.status();      \
        std::move(*tx_try_);              \
    })
// The same for a step that returns a Status.
#define TX_CHECK(expr)                                   \
    do {                                                 \
        if (Status tx_check_ = (expr); !tx_check_.ok())  \
            return tx_check_;                            \
    } while (0)

std::string join(const std::string &path, const std::string &key)
{
    return path.empty() ? key : path + "." + key;
}

std::string index(const std::string &path, size_t i)
{
    return path + "[" + std::to_string(i) + "]";
}

std::string type_of(const json &v)
{
    if (v.is_number_integer())
        return "integer";
    if (v.is_number_float())
        return "number " + v.dump();
    return v.type_name();
}

std::string shape_str(const std::vector<int64_t> &s)
{
    std::string r = "[";
    for (size_t i = 0; i < s.size(); ++i)
        r += (i ? ", " : "") + std::to_string(s[i]);
    return r + "]";
}

Result<const json *> object_at(const json &v, const std::string &path)
{
    if (!v.is_object())
        return fail(path, "must be an object, got " + type_of(v));
    return &v;
}

// Reject unknown keys: a misspelt optional field must not be silently ignored.
Status only_keys(const json &obj, const std::string &path, std::initializer_list<const char *> keys)
{
    for (auto it = obj.begin(); it != obj.end(); ++it) {
        bool known = false;
        for (const char *k : keys)
            known = known || it.key() == k;
        if (!known)
            return fail(join(path, it.key()), "unknown field");
    }
    return {};
}

Result<const json *> required(const json &obj, const std::string &path, const char *key)
{
    auto it = obj.find(key);
    if (it == obj.end())
        return fail(join(path, key), "required field missing");
    return &*it;
}

const json *optional_field(const json &obj, const char *key)
{
    auto it = obj.find(key);
    return it == obj.end() ? nullptr : &*it;
}

Result<int64_t> integer(const json &v, const std::string &path, int64_t lo, int64_t hi)
{
    if (!v.is_number_integer())
        return fail(path, "must be an integer, got " + type_of(v));
    if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
        return fail(path, "must be " + std::to_string(lo) + ".." + std::to_string(hi) + ", got " + v.dump());
    int64_t x = v.get<int64_t>();
    if (x < lo || x > hi)
        return fail(path, "must be " + std::to_string(lo) + ".." + std::to_string(hi) + ", got " +
                              std::to_string(x));
    return x;
}

Result<int64_t> integer_at(const json &obj, const std::string &path, const char *key, int64_t lo, int64_t hi)
{
    return integer(*TX_TRY(required(obj, path, key)), join(path, key), lo, hi);
}

Result<std::string> string_at(const json &obj, const std::string &path, const char *key)
{
    const json &v = *TX_TRY(required(obj, path, key));
    if (!v.is_string())
        return fail(join(path, key), "must be a string, got " + type_of(v));
    return v.get<std::string>();
}

Result<double> positive_number(const json &v, const std::string &path)
{
    if (!v.is_number())
        return fail(path, "must be a number, got " + type_of(v));
    double d = v.get<double>();
    if (!std::isfinite(d) || d <= 0)
        return fail(path, "must be a finite number > 0, got " + v.dump());
    return d;
}

bool is_sha256_hex(const std::string &s)
{
    if (s.size() != 64)
        return false;
    for (char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    return true;
}

// {"file": ..., "sha256": ...} -> the file's bytes, checked against the digest.
Result<std::vector<uint8_t>> load_file_ref(const json &obj, const std::string &path, const ModelFiles &files,
                                           std::string *sha_out)
{
    std::string file = TX_TRY(string_at(obj, path, "file"));
    if (file.empty())
        return fail(join(path, "file"), "must not be empty");
    std::string sha = TX_TRY(string_at(obj, path, "sha256"));
    if (!is_sha256_hex(sha))
        return fail(join(path, "sha256"), "must be 64 lowercase hex digits, got \"" + sha + "\"");
    Result<std::vector<uint8_t>> bytes = files.read(file);
    if (!bytes.ok())
        return fail(join(path, "file"), bytes.status().message());
    std::string actual = tinytx::platform::sha256_hex(*bytes);
    if (actual != sha)
        // the digest only to the owner of the file: to anyone else it says what the file holds
        return fail(join(path, "sha256"), files.reveals_files() ? "does not match '" + file + "' (its sha256 is " + actual + ")"
                                                                : "does not match the file '" + file + "'");
    if (sha_out)
        *sha_out = sha;
    return std::move(*bytes);
}

class Parser {
  public:
    Parser(const json &spec, const ModelFiles &files) : spec_(spec), files_(files) {}

    Result<Model> run()
    {
        TX_CHECK(object_at(spec_, "").status());
        TX_CHECK(only_keys(spec_, "", {"$schema", "format", "version", "name", "generator", "seed", "S", "E",
                              "H", "P", "F", "norm", "weights", "calibration_input", "layers", "prelude",
                              "final_norm", "head"}));
        if (const json *f = optional_field(spec_, "format"))
            if (!f->is_string() || *f != "tinytx-model")
                // no dump() of a container (recursive: a deeply nested one overflows the stack);
                // an in-memory string may hold invalid UTF-8, which dump() would throw on
                return fail("format", "must be \"tinytx-model\", got " +
                                          (f->is_structured() ? type_of(*f)
                                                              : f->dump(-1, ' ', false, json::error_handler_t::replace)));
        if (const json *v = optional_field(spec_, "version"))
            TX_CHECK(integer(*v, "version", 1, 1).status());
        Model m;
        m.name = TX_TRY(string_at(spec_, "", "name"));
        if (m.name.empty())
            return fail("name", "must not be empty");
        for (char c : m.name)
            if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.'))
                return fail("name", "may only contain letters, digits, '_', '-' and '.', got \"" + m.name + "\"");
        // the schema's pattern: no leading '-' or '.' (".." or "-x" as a file or option name)
        if (!std::isalnum(static_cast<unsigned char>(m.name[0])))
            return fail("name", "must start with a letter or digit, got \"" + m.name + "\"");
        if (const json *g = optional_field(spec_, "generator")) {
            if (!g->is_string())
                return fail("generator", "must be a string, got " + type_of(*g));
            m.generator = g->get<std::string>();
        }
        if (const json *s = optional_field(spec_, "seed"))
            if (!s->is_number_integer())
                return fail("seed", "must be an integer, got " + type_of(*s));
        d_.S = static_cast<int32_t>(TX_TRY(integer_at(spec_, "", "S", 1, 4096)));
        d_.E = static_cast<int32_t>(TX_TRY(integer_at(spec_, "", "E", 1, 4096)));
        d_.H = static_cast<int32_t>(TX_TRY(integer_at(spec_, "", "H", 1, 256)));
        d_.P = static_cast<int32_t>(TX_TRY(integer_at(spec_, "", "P", 1, 4096)));
        d_.F = static_cast<int32_t>(TX_TRY(integer_at(spec_, "", "F", 1, 65536)));
        if (static_cast<int64_t>(d_.H) * d_.P > 65536)
            return fail("P", "H*P must be <= 65536, got " + std::to_string(int64_t(d_.H) * d_.P));
        m.dims = d_;
        if (const json *n = optional_field(spec_, "norm")) {
            if (!n->is_string() || (*n != "post" && *n != "pre"))
                return fail("norm", "must be \"post\" (LayerNorm after each residual add, the default) or \"pre\" "
                                    "(LayerNorm before each sublayer, PyTorch's norm_first=True), got " +
                                        (n->is_string() ? "\"" + n->get<std::string>() + "\"" : type_of(*n)));
            m.norm = *n == "pre" ? TX_NORM_PRE : TX_NORM_POST;
        }

        if (const json *w = optional_field(spec_, "weights")) {
            TX_CHECK(object_at(*w, "weights").status());
            TX_CHECK(only_keys(*w, "weights", {"file", "sha256"}));
            blob_ = TX_TRY(load_file_ref(*w, "weights", files_, &m.weights_sha256));
            have_blob_ = true;
        }
        if (const json *ci = optional_field(spec_, "calibration_input"))
            TX_CHECK(parse_input(*ci, m));

        const json &layers = *TX_TRY(required(spec_, "", "layers"));
        if (!layers.is_array())
            return fail("layers", "must be an array, got " + type_of(layers));
        if (layers.empty())
            return fail("layers", "must have at least 1 layer");
        if (layers.size() > 64)
            return fail("layers", "must have at most 64 layers, got " + std::to_string(layers.size()));
        m.layers.reserve(layers.size());
        for (size_t i = 0; i < layers.size(); ++i)
            m.layers.push_back(TX_TRY(parse_layer(layers[i], index("layers", i))));
        if (const json *p = optional_field(spec_, "prelude"))
            m.prelude = TX_TRY(parse_prelude(*p));
        if (const json *f = optional_field(spec_, "final_norm"))
            m.final_norm = TX_TRY(parse_final_norm(*f));
        if (const json *h = optional_field(spec_, "head"))
            m.head = TX_TRY(parse_head(*h));
        return m;
    }

  private:
    const json &spec_;
    const ModelFiles &files_;
    tx_encoder_dims d_{};
    std::vector<uint8_t> blob_;
    bool have_blob_ = false;

    Status parse_input(const json &ci, Model &m)
    {
        const std::string path = "calibration_input";
        TX_CHECK(object_at(ci, path).status());
        TX_CHECK(only_keys(ci, path, {"file", "sha256", "scale", "expected_output_crc32"}));
        std::vector<uint8_t> bytes = TX_TRY(load_file_ref(ci, path, files_, nullptr));
        size_t want = static_cast<size_t>(d_.S) * d_.E;
        if (bytes.size() != want)
            return fail(join(path, "file"), "has " + std::to_string(bytes.size()) + " bytes, expected S*E = " +
                                                std::to_string(want));
        m.calibration_input.resize(want);
        std::memcpy(m.calibration_input.data(), bytes.data(), want);
        if (const json *s = optional_field(ci, "scale"))
            m.input_scale = TX_TRY(positive_number(*s, join(path, "scale")));
        if (const json *c = optional_field(ci, "expected_output_crc32")) {
            const std::string p = join(path, "expected_output_crc32");
            if (!c->is_string())
                return fail(p, "must be a string like \"0x1a2b3c4d\", got " + type_of(*c));
            std::string s = c->get<std::string>();
            bool good = s.size() == 10 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
            for (size_t i = 2; good && i < s.size(); ++i)
                good = std::isxdigit(static_cast<unsigned char>(s[i])) != 0;
            if (!good)
                return fail(p, "must be a string like \"0x1a2b3c4d\", got \"" + s + "\"");
            m.expected_output_crc32 = static_cast<uint32_t>(std::stoul(s.substr(2), nullptr, 16));
        }
        return {};
    }

    // A tensor: shape must equal `shape` (named dims in `dims_desc`), int8 or int32.
    template <typename T>
    Result<std::vector<T>> tensor(const json &v, const std::string &path, const std::vector<int64_t> &shape,
                                  const char *dims_desc)
    {
        constexpr bool is8 = sizeof(T) == 1;
        const char *dtype = is8 ? "int8" : "int32";
        TX_CHECK(object_at(v, path).status());
        TX_CHECK(only_keys(v, path, {"dtype", "shape", "offset", "data"}));
        std::string dt = TX_TRY(string_at(v, path, "dtype"));
        if (dt != dtype)
            return fail(join(path, "dtype"), std::string("must be \"") + dtype + "\", got \"" + dt + "\"");
        const json &sh = *TX_TRY(required(v, path, "shape"));
        if (!sh.is_array())
            return fail(join(path, "shape"), "must be an array, got " + type_of(sh));
        std::vector<int64_t> got;
        for (size_t i = 0; i < sh.size(); ++i)
            got.push_back(TX_TRY(integer(sh[i], index(join(path, "shape"), i), 0, INT32_MAX)));
        if (got != shape)
            return fail(join(path, "shape"), "must be " + shape_str(shape) + " (" + dims_desc + "), got " +
                                                 shape_str(got));
        size_t n = 1;
        for (int64_t s : shape)
            n *= static_cast<size_t>(s);
        const json *off = optional_field(v, "offset");
        const json *data = optional_field(v, "data");
        if (off && data)
            return fail(path, "must have either \"offset\" or \"data\", not both");
        std::vector<T> out;
        if (off) {
            int64_t o = TX_TRY(integer(*off, join(path, "offset"), 0, INT64_MAX));
            if (!have_blob_)
                return fail(join(path, "offset"), "needs a top-level \"weights\" file");
            uint64_t bytes = static_cast<uint64_t>(n) * sizeof(T);
            if (static_cast<uint64_t>(o) > blob_.size() || bytes > blob_.size() - static_cast<uint64_t>(o))
                return fail(join(path, "offset"), "offset " + std::to_string(o) + " + size " +
                                                      std::to_string(bytes) + " exceeds the weights file (" +
                                                      std::to_string(blob_.size()) + " bytes)");
            out.resize(n); // only now: the file holds that many bytes
            const uint8_t *p = blob_.data() + o;
            for (size_t i = 0; i < n; ++i) {
                if constexpr (is8) {
                    out[i] = static_cast<int8_t>(p[i]);
                } else {
                    uint32_t u = uint32_t(p[4 * i]) | uint32_t(p[4 * i + 1]) << 8 |
                                 uint32_t(p[4 * i + 2]) << 16 | uint32_t(p[4 * i + 3]) << 24;
                    out[i] = static_cast<int32_t>(u);
                }
            }
        } else if (data) {
            const std::string dp = join(path, "data");
            if (!data->is_array())
                return fail(dp, "must be an array, got " + type_of(*data));
            if (data->size() != n)
                return fail(dp, "must have " + std::to_string(n) + " values (" + shape_str(shape) + "), got " +
                                    std::to_string(data->size()));
            int64_t lo = is8 ? -128 : kInt32Min, hi = is8 ? 127 : kInt32Max;
            out.resize(n); // the document holds that many values
            for (size_t i = 0; i < n; ++i)
                out[i] = static_cast<T>(TX_TRY(integer((*data)[i], index(dp, i), lo, hi)));
        } else {
            return fail(path, "must have \"offset\" (into the weights file) or inline \"data\"");
        }
        return out;
    }

    template <typename T>
    Result<std::vector<T>> tensor_at(const json &obj, const std::string &path, const char *key,
                                     const std::vector<int64_t> &shape, const char *dims_desc)
    {
        return tensor<T>(*TX_TRY(required(obj, path, key)), join(path, key), shape, dims_desc);
    }

    template <typename T>
    Result<std::vector<T>> optional_tensor(const json &obj, const std::string &path, const char *key,
                                           const std::vector<int64_t> &shape, const char *dims_desc)
    {
        const json *v = optional_field(obj, key);
        if (!v)
            return std::vector<T>{};
        return tensor<T>(*v, join(path, key), shape, dims_desc);
    }

    // channels > 0: per-channel arrays allowed with that many entries; 0: per tensor only
    Result<Requant> requant(const json &v, const std::string &path, int64_t channels)
    {
        TX_CHECK(object_at(v, path).status());
        TX_CHECK(only_keys(v, path, {"mul", "shift", "ch_mul", "ch_shift"}));
        Requant r;
        r.mul = static_cast<int32_t>(TX_TRY(integer_at(v, path, "mul", 0, kInt32Max)));
        r.shift = static_cast<int32_t>(TX_TRY(integer_at(v, path, "shift", 1, 62)));
        const json *cm = optional_field(v, "ch_mul");
        const json *cs = optional_field(v, "ch_shift");
        if (!cm && !cs)
            return r;
        if (channels == 0)
            return fail(join(path, cm ? "ch_mul" : "ch_shift"),
                        "per-channel requantization is not supported here (per tensor only)");
        if (!cm || !cs)
            return fail(join(path, cm ? "ch_shift" : "ch_mul"), "required field missing (ch_mul and ch_shift go together)");
        for (auto [arr, key, lo, hi, dst] :
             {std::tuple{cm, "ch_mul", int64_t{0}, kInt32Max, &r.ch_mul},
              std::tuple{cs, "ch_shift", int64_t{1}, int64_t{62}, &r.ch_shift}}) {
            const std::string p = join(path, key);
            if (!arr->is_array())
                return fail(p, "must be an array, got " + type_of(*arr));
            if (static_cast<int64_t>(arr->size()) != channels)
                return fail(p, "must have " + std::to_string(channels) + " entries (one per output channel), got " +
                                   std::to_string(arr->size()));
            for (size_t i = 0; i < arr->size(); ++i)
                dst->push_back(static_cast<int32_t>(TX_TRY(integer((*arr)[i], index(p, i), lo, hi))));
        }
        return r;
    }

    Result<Requant> requant_at(const json &obj, const std::string &path, const char *key, int64_t channels)
    {
        return requant(*TX_TRY(required(obj, path, key)), join(path, key), channels);
    }

    Result<std::vector<Requant>> requant_list(const json &obj, const std::string &path, const char *key)
    {
        const json &v = *TX_TRY(required(obj, path, key));
        const std::string p = join(path, key);
        if (!v.is_array())
            return fail(p, "must be an array, got " + type_of(v));
        if (static_cast<int64_t>(v.size()) != d_.H)
            return fail(p, "must have H = " + std::to_string(d_.H) + " entries (one per head), got " +
                               std::to_string(v.size()));
        std::vector<Requant> out;
        for (size_t i = 0; i < v.size(); ++i)
            out.push_back(TX_TRY(requant(v[i], index(p, i), 0)));
        return out;
    }

    Result<tx_softmax_params> softmax(const json &obj, const std::string &path, const char *key)
    {
        const std::string p = join(path, key);
        const json &v = *TX_TRY(object_at(*TX_TRY(required(obj, path, key)), p));
        TX_CHECK(only_keys(v, p, {"ln2", "b", "c"}));
        tx_softmax_params sm{};
        sm.ln2 = static_cast<int32_t>(TX_TRY(integer_at(v, p, "ln2", 1, kInt32Max)));
        sm.b = static_cast<int32_t>(TX_TRY(integer_at(v, p, "b", 1, kInt32Max)));
        sm.c = static_cast<int32_t>(TX_TRY(integer_at(v, p, "c", 0, kInt32Max)));
        int64_t tmax = std::max<int64_t>(sm.b, std::llabs(int64_t(sm.b) - sm.ln2 + 1));
        unsigned __int128 y = static_cast<unsigned __int128>(tmax) * tmax + sm.c;
        const unsigned __int128 lim = static_cast<unsigned __int128>(1) << 32;
        if (y * 255 >= lim)
            return fail(p, "(max(b, |b - ln2 + 1|)^2 + c) * 255 must be < 2^32 (NUMERICS.md softmax), got b=" +
                               std::to_string(sm.b) + " ln2=" + std::to_string(sm.ln2) + " c=" + std::to_string(sm.c));
        if (y * static_cast<unsigned>(d_.S) >= lim)
            return fail(p, "S * (max(b, |b - ln2 + 1|)^2 + c) must be < 2^32 for rows of S = " +
                               std::to_string(d_.S));
        return sm;
    }

    Result<tx_add_params> add(const json &obj, const std::string &path, const char *key)
    {
        const std::string p = join(path, key);
        const json &v = *TX_TRY(object_at(*TX_TRY(required(obj, path, key)), p));
        TX_CHECK(only_keys(v, p, {"mul_a", "mul_b", "shift"}));
        tx_add_params a{};
        a.mul_a = static_cast<int32_t>(TX_TRY(integer_at(v, p, "mul_a", 0, kInt32Max)));
        a.mul_b = static_cast<int32_t>(TX_TRY(integer_at(v, p, "mul_b", 0, kInt32Max)));
        a.shift = static_cast<int32_t>(TX_TRY(integer_at(v, p, "shift", 1, 62)));
        return a;
    }

    Status layernorm(const json &obj, const std::string &path, const char *key, std::vector<int8_t> &gamma,
                   std::vector<int32_t> &beta, Requant &rq)
    {
        const std::string p = join(path, key);
        const json &v = *TX_TRY(object_at(*TX_TRY(required(obj, path, key)), p));
        TX_CHECK(only_keys(v, p, {"gamma", "beta", "rq"}));
        gamma = TX_TRY(tensor_at<int8_t>(v, p, "gamma", {d_.E}, "E"));
        beta = TX_TRY(tensor_at<int32_t>(v, p, "beta", {d_.E}, "E"));
        rq = TX_TRY(requant_at(v, p, "rq", 0));
        return {};
    }

    Result<Prelude> parse_prelude(const json &v)
    {
        const std::string p = "prelude";
        TX_CHECK(object_at(v, p).status());
        TX_CHECK(only_keys(v, p, {"features", "input_scale", "we", "be", "rq", "cls", "pos", "add_pos"}));
        Prelude pre;
        pre.features = static_cast<int32_t>(TX_TRY(integer_at(v, p, "features", 1, 65536)));
        pre.input_scale = TX_TRY(positive_number(*TX_TRY(required(v, p, "input_scale")), join(p, "input_scale")));
        const int64_t E = d_.E, F = pre.features;
        pre.we = TX_TRY(tensor_at<int8_t>(v, p, "we", {E, F}, "E, features"));
        pre.be = TX_TRY(optional_tensor<int32_t>(v, p, "be", {E}, "E"));
        pre.rq = TX_TRY(requant_at(v, p, "rq", E));
        pre.cls = TX_TRY(optional_tensor<int8_t>(v, p, "cls", {E}, "E"));
        pre.tokens = d_.S - (pre.cls.empty() ? 0 : 1);
        if (pre.tokens < 1)
            return fail(join(p, "cls"), "leaves no input token: S must be at least 2 with a CLS token");
        pre.pos = TX_TRY(optional_tensor<int8_t>(v, p, "pos", {d_.S, E}, "S, E"));
        if (!pre.pos.empty())
            pre.add_pos = TX_TRY(add(v, p, "add_pos"));
        else if (optional_field(v, "add_pos"))
            return fail(join(p, "add_pos"), "without \"pos\" there is nothing to add");
        return pre;
    }

    Result<FinalNorm> parse_final_norm(const json &v)
    {
        const std::string p = "final_norm";
        TX_CHECK(object_at(v, p).status());
        TX_CHECK(only_keys(v, p, {"gamma", "beta", "rq", "output_scale"}));
        FinalNorm f;
        f.gamma = TX_TRY(tensor_at<int8_t>(v, p, "gamma", {d_.E}, "E"));
        f.beta = TX_TRY(tensor_at<int32_t>(v, p, "beta", {d_.E}, "E"));
        f.rq = TX_TRY(requant_at(v, p, "rq", 0));
        f.output_scale = TX_TRY(positive_number(*TX_TRY(required(v, p, "output_scale")), join(p, "output_scale")));
        return f;
    }

    Result<Head> parse_head(const json &v)
    {
        const std::string p = "head";
        TX_CHECK(object_at(v, p).status());
        TX_CHECK(only_keys(v, p, {"pool", "wh", "bh", "output_scale"}));
        Head h;
        const std::string pool = TX_TRY(string_at(v, p, "pool"));
        if (pool == "mean")
            h.pool = TX_POOL_MEAN;
        else if (pool == "first")
            h.pool = TX_POOL_FIRST;
        else if (pool == "last")
            h.pool = TX_POOL_LAST;
        else
            return fail(join(p, "pool"), "must be \"mean\", \"first\" (the CLS token) or \"last\", got \"" + pool + "\"");
        const json &wh = *TX_TRY(required(v, p, "wh"));
        const json *shape = wh.is_object() ? optional_field(wh, "shape") : nullptr;
        if (!shape || !shape->is_array() || shape->size() != 2 || !(*shape)[0].is_number_integer())
            return fail(join(p, "wh"), "must be an int8 tensor of shape [classes, E]");
        h.classes = static_cast<int32_t>(TX_TRY(integer((*shape)[0], join(p, "wh.shape[0]"), 1, 65536)));
        h.wh = TX_TRY(tensor<int8_t>(wh, join(p, "wh"), {h.classes, d_.E}, "classes, E"));
        h.bh = TX_TRY(optional_tensor<int32_t>(v, p, "bh", {h.classes}, "classes"));
        h.output_scale = TX_TRY(positive_number(*TX_TRY(required(v, p, "output_scale")), join(p, "output_scale")));
        return h;
    }

    Result<EncoderLayer> parse_layer(const json &lj, const std::string &path)
    {
        TX_CHECK(object_at(lj, path).status());
        TX_CHECK(only_keys(lj, path, {"scales", "mhsa", "add1", "ln1", "ffn", "add2", "ln2"}));
        EncoderLayer l;
        const int64_t S = d_.S, E = d_.E, H = d_.H, P = d_.P, F = d_.F, N = H * P;
        (void)S;

        if (const json *sc = optional_field(lj, "scales")) {
            const std::string p = join(path, "scales");
            TX_CHECK(object_at(*sc, p).status());
            TX_CHECK(only_keys(*sc, p, {"s_x", "s_wq", "s_wk", "s_sc", "s_out"}));
            for (auto [key, dst] : {std::pair{"s_x", &l.scales.s_x}, std::pair{"s_wq", &l.scales.s_wq},
                                    std::pair{"s_wk", &l.scales.s_wk}, std::pair{"s_sc", &l.scales.s_sc},
                                    std::pair{"s_out", &l.scales.s_out}})
                if (const json *x = optional_field(*sc, key))
                    *dst = TX_TRY(positive_number(*x, join(p, key)));
        }

        {
            const std::string p = join(path, "mhsa");
            const json &m = *TX_TRY(object_at(*TX_TRY(required(lj, path, "mhsa")), p));
            TX_CHECK(only_keys(m, p, {"wq", "bq", "wk", "bk", "wv", "bv", "wo", "bo", "rq_q", "rq_k", "rq_v",
                             "rq_o", "rq_scores", "softmax", "rq_av", "fused"}));
            l.wq = TX_TRY(tensor_at<int8_t>(m, p, "wq", {N, E}, "H*P, E"));
            l.bq = TX_TRY(optional_tensor<int32_t>(m, p, "bq", {N}, "H*P"));
            l.wk = TX_TRY(tensor_at<int8_t>(m, p, "wk", {N, E}, "H*P, E"));
            l.bk = TX_TRY(optional_tensor<int32_t>(m, p, "bk", {N}, "H*P"));
            l.wv = TX_TRY(tensor_at<int8_t>(m, p, "wv", {N, E}, "H*P, E"));
            l.bv = TX_TRY(optional_tensor<int32_t>(m, p, "bv", {N}, "H*P"));
            l.wo = TX_TRY(tensor_at<int8_t>(m, p, "wo", {E, N}, "E, H*P"));
            l.bo = TX_TRY(optional_tensor<int32_t>(m, p, "bo", {E}, "E"));
            l.rq_q = TX_TRY(requant_at(m, p, "rq_q", N));
            l.rq_k = TX_TRY(requant_at(m, p, "rq_k", N));
            l.rq_v = TX_TRY(requant_at(m, p, "rq_v", N));
            l.rq_o = TX_TRY(requant_at(m, p, "rq_o", E));
            l.rq_scores = TX_TRY(requant_at(m, p, "rq_scores", 0));
            l.softmax = TX_TRY(softmax(m, p, "softmax"));
            l.rq_av = TX_TRY(requant_at(m, p, "rq_av", 0));
            if (const json *fj = optional_field(m, "fused")) {
                const std::string fp = join(p, "fused");
                TX_CHECK(object_at(*fj, fp).status());
                TX_CHECK(only_keys(*fj, fp, {"wf", "bf", "rq_xw", "rq_scores_fw", "softmax"}));
                FusedAttention f;
                f.wf = TX_TRY(tensor_at<int8_t>(*fj, fp, "wf", {H, E, E}, "H, E, E"));
                f.bf = TX_TRY(optional_tensor<int32_t>(*fj, fp, "bf", {H, E}, "H, E"));
                f.rq_xw = TX_TRY(requant_list(*fj, fp, "rq_xw"));
                f.rq_scores_fw = TX_TRY(requant_list(*fj, fp, "rq_scores_fw"));
                f.softmax = TX_TRY(softmax(*fj, fp, "softmax"));
                l.fused = std::move(f);
            }
        }

        l.add1 = TX_TRY(add(lj, path, "add1"));
        TX_CHECK(layernorm(lj, path, "ln1", l.ln1_gamma, l.ln1_beta, l.ln1_rq));

        {
            const std::string p = join(path, "ffn");
            const json &f = *TX_TRY(object_at(*TX_TRY(required(lj, path, "ffn")), p));
            TX_CHECK(only_keys(f, p, {"w1", "b1", "rq1", "gelu", "w2", "b2", "rq2"}));
            l.w1 = TX_TRY(tensor_at<int8_t>(f, p, "w1", {F, E}, "F, E"));
            l.b1 = TX_TRY(optional_tensor<int32_t>(f, p, "b1", {F}, "F"));
            l.rq1 = TX_TRY(requant_at(f, p, "rq1", F));
            const std::string gp = join(p, "gelu");
            const json &g = *TX_TRY(object_at(*TX_TRY(required(f, p, "gelu")), gp));
            TX_CHECK(only_keys(g, gp, {"b_q", "one", "rq"}));
            l.gelu_b_q = static_cast<int32_t>(TX_TRY(integer_at(g, gp, "b_q", kInt32Min, -1)));
            l.gelu_one = static_cast<int32_t>(TX_TRY(integer_at(g, gp, "one", 1, kInt32Max)));
            int64_t bq2 = int64_t(l.gelu_b_q) * l.gelu_b_q;
            // 128 * x >= 2^31 as x >= 2^24: b_q^2 reaches 2^62, 128 times that overflows int64
            if (int64_t(l.gelu_one) + std::max<int64_t>(l.gelu_one, bq2) >= (int64_t(1) << 24))
                return fail(gp, "128 * (one + max(one, b_q^2)) must be < 2^31 (NUMERICS.md i-GELU), got b_q=" +
                                    std::to_string(l.gelu_b_q) + " one=" + std::to_string(l.gelu_one));
            l.gelu_rq = TX_TRY(requant_at(g, gp, "rq", 0));
            l.w2 = TX_TRY(tensor_at<int8_t>(f, p, "w2", {E, F}, "E, F"));
            l.b2 = TX_TRY(optional_tensor<int32_t>(f, p, "b2", {E}, "E"));
            l.rq2 = TX_TRY(requant_at(f, p, "rq2", E));
        }

        l.add2 = TX_TRY(add(lj, path, "add2"));
        TX_CHECK(layernorm(lj, path, "ln2", l.ln2_gamma, l.ln2_beta, l.ln2_rq));
        return l;
    }
};

#undef TX_CHECK
#undef TX_TRY

} // namespace

platform::Result<Model> parse_model(const nlohmann::json &spec, const ModelFiles &files)
{
    try {
        return Parser(spec, files).run();
    } catch (const std::exception &e) {  // a bug of the parser, not a refusal
        return platform::Status::internal(std::string("internal error: ") + e.what());
    }
}

platform::Result<Model> parse_model(const std::string &json_text, const ModelFiles &files)
{
    json spec;
    try {
        spec = json::parse(json_text);
    } catch (const json::exception &e) { // parse_error, and out_of_range for a number like 1e999
        return platform::Status::invalid_argument(std::string("invalid JSON: ") + e.what());
    }
    return parse_model(spec, files);
}

platform::Result<Model> parse_model(const nlohmann::json &spec, const std::filesystem::path &base_dir)
{
    return parse_model(spec, ModelFiles::local(base_dir));
}

platform::Result<Model> parse_model(const std::string &json_text, const std::filesystem::path &base_dir)
{
    return parse_model(json_text, ModelFiles::local(base_dir));
}

namespace {

platform::Result<Model> load_spec_file(const std::filesystem::path &json_path, const ModelFiles &files)
{
    std::error_code ec;
    if (!std::filesystem::is_regular_file(json_path, ec))
        return platform::Status::not_found("model spec '" + json_path.string() + "' does not exist or is not a file");
    std::ifstream in(json_path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    if (!in)
        return platform::Status::io_error("cannot read model spec '" + json_path.string() + "'");
    platform::Result<Model> r = parse_model(ss.str(), files);
    if (r.ok())
        r->spec_path = json_path;
    return r;
}

} // namespace

platform::Result<Model> load_model(const std::filesystem::path &json_path)
{
    return load_spec_file(json_path, ModelFiles::local(json_path.parent_path()));
}

platform::Result<Model> load_model_confined(const std::filesystem::path &json_path)
{
    return load_spec_file(json_path, ModelFiles::confined_to(json_path.parent_path()));
}

} // namespace tinytx::tuner
