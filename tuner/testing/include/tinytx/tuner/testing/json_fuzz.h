// Generators of malformed JSON input, shared by the model and schedule fuzz tests: a walk over
// every node of a document (with the loader's "a.b[0].c" path spelling), wrong-type and
// out-of-range replacement values, and text faults (truncation, corrupted structural bytes,
// invalid UTF-8, control bytes, deep nesting, random bytes). Everything is seeded: a failure
// reproduces.
#pragma once

#include <cstdint>
#include <functional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace tinytx::tuner::fuzz {

using nlohmann::json;

struct Node {
    json::json_pointer ptr;
    std::string path;      // as the loaders spell it: "layers[0].mhsa.rq_q.shift"
    std::string key;       // object key, or the parent's key for an array element
    bool in_array = false; // an element of an array (deleting it shifts its siblings)
    const json *value = nullptr;
};

// Every node below the root, parents before children.
inline void walk(const json &v, const std::function<void(const Node &)> &visit,
                 const json::json_pointer &ptr = json::json_pointer(),
                 const std::string &path = "", const std::string &key = "")
{
    if (v.is_object()) {
        for (auto it = v.begin(); it != v.end(); ++it) {
            Node n{ptr / it.key(), path.empty() ? it.key() : path + "." + it.key(), it.key(), false, &*it};
            visit(n);
            walk(*it, visit, n.ptr, n.path, n.key);
        }
    } else if (v.is_array()) {
        for (size_t i = 0; i < v.size(); ++i) {
            Node n{ptr / i, path + "[" + std::to_string(i) + "]", key, true, &v[i]};
            visit(n);
            walk(v[i], visit, n.ptr, n.path, n.key);
        }
    }
}

// Removes the node at `p` (an object member or an array element).
inline void erase_at(json &doc, const json::json_pointer &p)
{
    json &parent = doc[p.parent_pointer()];
    if (parent.is_object())
        parent.erase(p.back());
    else
        parent.erase(static_cast<size_t>(std::stoul(p.back())));
}

enum class Kind { kString, kInteger, kFloat, kBool, kNull, kArray, kObject };

inline Kind kind_of(const json &v)
{
    if (v.is_string()) return Kind::kString;
    if (v.is_number_integer()) return Kind::kInteger;
    if (v.is_number_float()) return Kind::kFloat;
    if (v.is_boolean()) return Kind::kBool;
    if (v.is_null()) return Kind::kNull;
    if (v.is_array()) return Kind::kArray;
    return Kind::kObject;
}

// One value of each JSON type. Non-empty containers: an empty {} in place of an object whose
// fields are all optional would be legal.
inline const std::vector<std::pair<const char *, json>> &type_values()
{
    static const std::vector<std::pair<const char *, json>> v = {
        {"string", json("7")},       {"integer", json(7)},        {"float", json(1.5)},
        {"bool", json(true)},        {"null", json(nullptr)},     {"array", json::array({1, 2})},
        {"object", json{{"x", 1}}},
    };
    return v;
}

// Values of the wrong type for `orig`: every type except its own (and, for a float, except an
// integer, which is a number too).
inline std::vector<std::pair<const char *, json>> wrong_types(const json &orig)
{
    std::vector<std::pair<const char *, json>> out;
    const Kind k = kind_of(orig);
    for (const auto &[name, v] : type_values()) {
        const Kind vk = kind_of(v);
        if (vk == k || (k == Kind::kFloat && vk == Kind::kInteger))
            continue;
        out.emplace_back(name, v);
    }
    return out;
}

// Integers at the edges: signed, 32-bit and 64-bit extremes, unsigned max. `x` is the exact
// value for range comparisons.
struct IntValue {
    const char *name;
    json v;
    __int128 x;
};

inline const std::vector<IntValue> &int_values()
{
    static const std::vector<IntValue> v = {
        {"minus1", json(-1), -1},
        {"zero", json(0), 0},
        {"int32_min", json(int64_t{INT32_MIN}), INT32_MIN},
        {"int32_max", json(int64_t{INT32_MAX}), INT32_MAX},
        {"two_pow31", json(int64_t{1} << 31), __int128{1} << 31},
        {"two_pow40", json(int64_t{1} << 40), __int128{1} << 40},
        {"int64_min", json(INT64_MIN), INT64_MIN},
        {"int64_max", json(INT64_MAX), INT64_MAX},
        {"uint64_max", json(UINT64_MAX), static_cast<__int128>(UINT64_MAX)},
    };
    return v;
}

// --- text faults ---------------------------------------------------------------------------

struct Mutant {
    std::string name;
    std::string text;
};

// Offsets of the bytes that carry the structure ({ } [ ] : , and the quotes), outside strings.
inline std::vector<size_t> structural_positions(const std::string &t)
{
    std::vector<size_t> out;
    bool in_str = false;
    for (size_t i = 0; i < t.size(); ++i) {
        const char c = t[i];
        if (in_str) {
            if (c == '\\')
                ++i;
            else if (c == '"') {
                in_str = false;
                out.push_back(i);
            }
        } else if (c == '"') {
            in_str = true;
            out.push_back(i);
        } else if (c == '{' || c == '}' || c == '[' || c == ']' || c == ':' || c == ',') {
            out.push_back(i);
        }
    }
    return out;
}

// Prefixes that end before the closing brace (cutting only trailing whitespace would still
// be valid JSON): 0, 1, 2, `spread` evenly spaced lengths and `random` seeded ones.
inline std::vector<Mutant> truncations(const std::string &t, size_t spread, size_t random, uint32_t seed)
{
    const size_t end = t.find_last_not_of(" \t\r\n"); // the closing brace
    std::set<size_t> lens = {0, 1, 2, end};
    for (size_t i = 1; i < spread; ++i)
        lens.insert(end * i / spread);
    std::mt19937 rng(seed);
    for (size_t i = 0; i < random; ++i)
        lens.insert(std::uniform_int_distribution<size_t>(0, end - 1)(rng));
    std::vector<Mutant> out;
    for (size_t n : lens)
        out.push_back({"truncated_at_" + std::to_string(n), t.substr(0, n)});
    return out;
}

// One structural byte replaced by a different random byte: never valid JSON.
inline std::vector<Mutant> structural_corruptions(const std::string &t, size_t count, uint32_t seed)
{
    const std::vector<size_t> pos = structural_positions(t);
    std::mt19937 rng(seed);
    std::set<std::pair<size_t, int>> seen;
    std::vector<Mutant> out;
    while (out.size() < count && seen.size() < pos.size() * 255) {
        const size_t at = pos[std::uniform_int_distribution<size_t>(0, pos.size() - 1)(rng)];
        int b = std::uniform_int_distribution<int>(0, 254)(rng);
        if (b >= static_cast<unsigned char>(t[at]))
            ++b; // any byte but the original
        if (!seen.insert({at, b}).second)
            continue;
        std::string m = t;
        m[at] = static_cast<char>(b);
        out.push_back({"byte_" + std::to_string(at) + "_to_" + std::to_string(b), m});
    }
    return out;
}

// Byte sequences that are not UTF-8 (stray continuation, overlong, surrogate, > U+10FFFF,
// truncated sequences, bytes never used) and control bytes JSON forbids raw in strings.
inline const std::vector<std::pair<const char *, std::string>> &bad_bytes()
{
    static const std::vector<std::pair<const char *, std::string>> v = {
        {"ff", "\xff"},
        {"fe", "\xfe"},
        {"continuation", "\x80"},
        {"lead_alone", "\xc3"},
        {"overlong_slash", "\xc0\xaf"},
        {"surrogate", "\xed\xa0\x80"},
        {"above_10ffff", "\xf4\x90\x80\x80"},
        {"five_byte", "\xf8\x88\x80\x80\x80"},
        {"truncated_3byte", "\xe2\x82"},
        {"nul", std::string(1, '\0')},
        {"ctrl_01", "\x01"},
        {"ctrl_1f", "\x1f"},
    };
    return v;
}

// Each bad sequence inserted inside a string value, inside a key and between tokens.
inline std::vector<Mutant> bad_byte_insertions(const std::string &t)
{
    const std::vector<size_t> pos = structural_positions(t);
    // pos[0] = '{', pos[1] / pos[2] = quotes of the first key, pos[3] = ':', pos[4] = quote
    // opening the first value (every spec and schedule starts with a string-valued key)
    std::vector<std::pair<const char *, size_t>> at = {
        {"in_key", pos.at(1) + 1}, {"in_value", pos.at(4) + 1}, {"between_tokens", pos.at(3) + 1}};
    std::vector<Mutant> out;
    for (const auto &[where, p] : at)
        for (const auto &[name, bytes] : bad_bytes())
            out.push_back({std::string(name) + "_" + where, t.substr(0, p) + bytes + t.substr(p)});
    return out;
}

// `depth` nested arrays: "[[[...]]]" (closed) or "[[[..." (unterminated).
inline std::string deep_array(size_t depth, bool closed = true)
{
    return std::string(depth, '[') + (closed ? std::string(depth, ']') : std::string());
}

// `depth` nested objects: {"a":{"a":...{}}}
inline std::string deep_object(size_t depth)
{
    std::string s;
    for (size_t i = 0; i < depth; ++i)
        s += "{\"a\":";
    s += "{}";
    s += std::string(depth, '}');
    return s;
}

// Text of `doc` with the value at `ptr` replaced by raw text (e.g. a deeply nested array).
inline std::string with_raw_value(json doc, const json::json_pointer &ptr, const std::string &raw)
{
    static const std::string mark = "\"@@tinytx-fuzz-raw@@\"";
    doc[ptr] = "@@tinytx-fuzz-raw@@";
    std::string t = doc.dump(1);
    t.replace(t.find(mark), mark.size(), raw);
    return t;
}

// Seeded random damage anywhere (1-3 bytes): the result may still be a valid document, so it
// is a robustness probe, not a must-refuse case.
inline std::vector<Mutant> random_corruptions(const std::string &t, size_t count, uint32_t seed)
{
    std::mt19937 rng(seed);
    std::vector<Mutant> out;
    for (size_t i = 0; i < count; ++i) {
        std::string m = t;
        const int n = std::uniform_int_distribution<int>(1, 3)(rng);
        std::string name = "random";
        for (int k = 0; k < n; ++k) {
            const size_t at = std::uniform_int_distribution<size_t>(0, m.size() - 1)(rng);
            const int b = std::uniform_int_distribution<int>(0, 255)(rng);
            m[at] = static_cast<char>(b);
            name.append("_").append(std::to_string(at)).append("=").append(std::to_string(b));
        }
        out.push_back({name, m});
    }
    return out;
}

} // namespace tinytx::tuner::fuzz
