// emit_c: the network's C sources, the templates network.h, network_model.h and network.c
// (network_templates.h) filled. The weights, the layer table and the inference loop are the
// Builder's (c_model_data, c_model_layers); the templates wrap them in the public API of network.h.
#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>

#include "emit_c_internal.h"
#include "network_templates.h"
#include "tinytx/tuner/reference.h"

namespace tinytx::tuner::emit_detail {
namespace {

using c_templates::FillValue;

// the values of every template's banner
std::vector<FillValue> banner_values(const Network &n)
{
    return {{"MODEL", c_safe_text(n.model.name)}, {"SCHEDULE", n.schedule_hash}};
}

// "<model> <hash prefix>", at most 63 characters (the mailbox's config field)
std::string network_name(const Network &n)
{
    return c_safe_text(n.model.name).substr(0, 46) + " " + n.schedule_hash.substr(0, 16);
}

// A C float literal ("0.0625f"); 0 for a scale the spec does not state.
std::string c_float(double v)
{
    std::ostringstream t;
    t.precision(9);
    t << v;
    std::string s = t.str();
    if (s.find_first_of(".eEn") == std::string::npos)
        s += ".0";
    return s + "f";
}

// an unsigned C constant ("42u")
std::string c_unsigned(size_t v) { return std::to_string(v) + "u"; }

}  // namespace

std::string stack_words(const Network &n)
{
    if (n.stack_bytes == 0)
        return "not measured (the export was given no measurement of this schedule)";
    return "the painted stack peak of this schedule's measurement (" + c_safe_text(n.stack_source) +
           "), the measurement harness's frames included: an upper bound for the network itself";
}

size_t reserved_arena_bytes(const MemoryPlan &p) { return std::max<size_t>(8, (p.peak_bytes + 7) / 8 * 8); }

namespace {

std::string network_h(const Network &n)
{
    const MemoryPlan &p = n.plan;
    const Io io = io_of(n.model);
    std::vector<FillValue> values = banner_values(n);
    values.insert(values.end(), {
        {"NAME", network_name(n)},
        {"LAYERS", c_unsigned(n.model.layers.size())},
        {"SEQ_LEN", c_unsigned(size_t(n.model.dims.S))},
        {"EMBED_DIM", c_unsigned(size_t(n.model.dims.E))},
        {"IO_TEXT", io_text(n.model)},
        {"INPUT_TOKENS", c_unsigned(io.tokens)},
        {"INPUT_FEATURES", c_unsigned(io.features)},
        {"INPUT_COUNT", c_unsigned(io.in_count)},
        {"OUTPUT_COUNT", c_unsigned(io.out_count)},
        {"OUTPUT_TYPE", io.out_type},
        {"OUTPUT_BYTES", c_unsigned(io.out_count * (n.model.head ? 4 : 1))},
        {"INPUT_SCALE", c_float(io.in_scale)},
        {"OUTPUT_SCALE", c_float(io.out_scale)},
        {"LAYERS_BYTES", c_unsigned(p.activation_bytes)},
        {"WEIGHTS_BYTES", c_unsigned(n.data_bytes)},
        {"ARENA_BYTES", c_unsigned(p.peak_bytes)},
        {"STACK_WORDS", stack_words(n)},
        {"STACK_BYTES", c_unsigned(n.stack_bytes)},
        {"SCRATCH_OFFSET", c_unsigned(p.buffers.at(2).offset)},
        {"SCRATCH_BYTES", c_unsigned(p.buffers.at(2).size)},
        {"EXPECTED_CRC32", crc32_hex(n.expected_crc32) + "u"},
    });
    return c_templates::fill_values(templates::network_h, values);
}

std::string network_model_h(const Network &n)
{
    return c_templates::include_in_place(c_templates::fill_values(templates::network_model_h, banner_values(n)),
                                         "network_model_constants.h", c_model_constants(n.model, n.plan));
}

// values first, then the parts: generated text is not scanned for TX_FILL_ names
std::string network_c(const Network &n)
{
    using c_templates::include_in_place;
    const Model &m = n.model;
    std::vector<FillValue> values = banner_values(n);
    if (m.prelude)
        values.insert(values.end(), {{"QUANTIZED_WHERE", "the features go to the second activation buffer: the "
                                                         "embedding writes the first"},
                                     {"QUANTIZED_OFFSET", "TX_MODEL_ACT1_OFFSET"}});
    else
        values.insert(values.end(), {{"QUANTIZED_WHERE", "quantize straight into the arena's input slot "
                                                         "(tx_network_run then copies nothing)"},
                                     {"QUANTIZED_OFFSET", "TX_MODEL_INPUT_OFFSET"}});
    values.push_back({"F32_OUTPUT", m.head ? "y[TX_NETWORK_OUTPUT_COUNT]"
                                           : "*y = (int8_t *)(arena + TX_MODEL_OUTPUT_OFFSET)"});
    std::string text = c_templates::fill_values(templates::network_c, values);
    text = include_in_place(text, "network_layers.c", c_model_layers(m, n.schedule, n.plan));
    text = include_in_place(text, "network_ends_data.c", n.ends_c);
    text = include_in_place(text, "network_input.c", input_statements(m, n.schedule));
    return include_in_place(text, "network_output.c", output_statements(m, n.schedule));
}

} // namespace

Io io_of(const Model &m)
{
    const size_t S = m.dims.S, E = m.dims.E;
    Io io{S, E, S * E, S * E, m.input_scale, m.encoder_output_scale(), "int8_t"};
    if (m.prelude) {
        io.tokens = m.prelude->tokens;
        io.features = m.prelude->features;
        io.in_count = io.tokens * io.features;
        io.in_scale = m.prelude->input_scale;
    }
    if (m.head) {
        io.out_count = m.head->classes;
        io.out_scale = m.head->output_scale;
        io.out_type = "int32_t";
    }
    return io;
}

std::string io_text(const Model &m)
{
    std::string in = m.prelude ? "int8 features [TX_NETWORK_INPUT_TOKENS][TX_NETWORK_INPUT_FEATURES], row-major: the "
                                 "input embedding (a linear layer" +
                                     std::string(m.prelude->cls.empty() ? "" : ", a CLS token before it") +
                                     (m.prelude->pos.empty() ? "" : ", a positional term") + ") runs here"
                               : "int8 [S][E] row-major: the encoder's input (an embedding, if the model has one, runs "
                                 "before this, on the caller's side)";
    const std::string norm = m.final_norm ? "the final LayerNorm, " : "";
    std::string out = m.head ? std::string("int32 logits [TX_NETWORK_OUTPUT_COUNT]: ") + norm +
                                   (m.head->pool == TX_POOL_MEAN ? "the mean over the tokens"
                                    : m.head->pool == TX_POOL_FIRST ? "the CLS token (the first)"
                                                                    : "the last token") +
                                   ", then the linear head"
                             : "int8 [S][E] row-major: the encoder's output" +
                                   std::string(m.final_norm ? " after the final LayerNorm" : "");
    return "input: " + in + "\n * output: " + out;
}

std::vector<GeneratedFile> network_sources(const Network &n)
{
    return {
        {"network.h", network_h(n)},
        {"network_model.h", network_model_h(n)},
        {"network.c", network_c(n)},
        {"network_weights.c", n.weights_c},
        {"schedule.json", to_json(n.schedule).dump(2) + "\n"},
    };
}

} // namespace tinytx::tuner::emit_detail
