// tinytx::tuner::Model — the model IR: an int8 encoder Tiny Transformer (post- or pre-norm) with its
// integer operator parameters (docs/NUMERICS.md) and owned weights, loaded from a model spec
// (schemas/json/model.schema.json). load_model never throws for bad input: it fails with the Status
// "<JSON path>: <reason>" (ModelError::message()).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "tinytx/kernels.h"
#include "tinytx/platform/status.h"
#include "tinytx/tuner/model_files.h"

namespace tinytx::tuner {

// One requantization, per tensor or (linear only) per output channel.
struct Requant {
    int32_t mul = 0;
    int32_t shift = 1;
    std::vector<int32_t> ch_mul;   // empty, or one per output column
    std::vector<int32_t> ch_shift; // same length as ch_mul

    bool per_channel() const { return !ch_mul.empty(); }
    // points into this object's vectors: valid while it lives and is not moved
    tx_requant c() const;
};

// Real scales where the spec gives them (0 = unknown).
struct LayerScales {
    double s_x = 0, s_wq = 0, s_wk = 0, s_sc = 0, s_out = 0;
};

// Fused-weight self-attention extras (optional in a spec).
struct FusedAttention {
    std::vector<int8_t> wf;        // [H][E][E]
    std::vector<int32_t> bf;       // [H][E] or empty
    std::vector<Requant> rq_xw;    // [H]
    std::vector<Requant> rq_scores_fw; // [H]
    tx_softmax_params softmax{};
};

// One encoder layer: every array owned, every parameter as the kernels take it.
struct EncoderLayer {
    // MHSA, standard projections: [H*P][E] and [E][H*P]; biases may be empty (= NULL)
    std::vector<int8_t> wq, wk, wv, wo;
    std::vector<int32_t> bq, bk, bv, bo;
    Requant rq_q, rq_k, rq_v, rq_o, rq_scores, rq_av;
    tx_softmax_params softmax{};
    std::optional<FusedAttention> fused;

    tx_add_params add1{}, add2{};
    std::vector<int8_t> ln1_gamma, ln2_gamma;  // [E]
    std::vector<int32_t> ln1_beta, ln2_beta;   // [E]
    Requant ln1_rq, ln2_rq;

    std::vector<int8_t> w1, w2;   // [F][E], [E][F]
    std::vector<int32_t> b1, b2;  // [F], [E] or empty
    Requant rq1, rq2;
    int32_t gelu_b_q = -1, gelu_one = 1;
    Requant gelu_rq;

    LayerScales scales;
};

// The kernels' C view of one layer. Holds pointers into the EncoderLayer it was made from (and
// its own tx_requant arrays for the fused path): valid while both live and are not moved.
struct EncoderWeightsView {
    tx_encoder_weights w{};
    std::vector<tx_requant> rq_xw, rq_scores_fw;

    EncoderWeightsView() = default;
    EncoderWeightsView(const EncoderWeightsView &) = delete;
    EncoderWeightsView &operator=(const EncoderWeightsView &) = delete;
};

// The network's input embedding when it is part of the integer model (NUMERICS.md "Input
// embedding"): int8 features [tokens][features] -> the first layer's input [S][E].
struct Prelude {
    int32_t features = 0;       // F of the input
    int32_t tokens = 0;         // S_in: S, or S - 1 with a CLS token
    double input_scale = 0;     // real value of one step of the int8 features
    std::vector<int8_t> we;     // [E][features]
    std::vector<int32_t> be;    // [E] or empty
    Requant rq;
    std::vector<int8_t> cls;    // [E] or empty
    std::vector<int8_t> pos;    // [S][E] or empty
    tx_add_params add_pos{};    // with pos only
};

// A final LayerNorm after the last layer when it is part of the integer model (NUMERICS.md "Final
// LayerNorm", the ViT form of a pre-norm stack): int8 [S][E] -> int8 [S][E] in its own scale.
struct FinalNorm {
    std::vector<int8_t> gamma;  // [E]
    std::vector<int32_t> beta;  // [E]
    Requant rq;
    double output_scale = 0;    // real value of one step of its output

    // points into this object: valid while it lives and is not moved
    tx_layernorm_params c() const;
};

// Pooling and the linear head when they are part of the integer model (NUMERICS.md "Pooling",
// "Head"): the last layer's output [S][E] -> int32 logits [classes].
struct Head {
    tx_pool_mode pool = TX_POOL_MEAN;
    int32_t classes = 0;
    std::vector<int8_t> wh;     // [classes][E]
    std::vector<int32_t> bh;    // [classes] or empty
    double output_scale = 0;    // real value of one step of the logits
};

struct Model {
    std::string name;
    std::string generator;           // as stated by the spec ("" if absent)
    tx_encoder_dims dims{};
    tx_norm_position norm = TX_NORM_POST; // of every layer (NUMERICS.md "Encoder layer")
    std::vector<EncoderLayer> layers;
    std::filesystem::path spec_path; // where it was loaded from ("" for in-memory specs)
    std::string weights_sha256;      // of the weights file ("" when every tensor is inline)

    // calibration input, int8 [S][E] (empty when the spec has none)
    std::vector<int8_t> calibration_input;
    double input_scale = 0;                    // 0 = unknown
    std::optional<uint32_t> expected_output_crc32;

    // Without them the network's input and output are the encoder's (int8 [S][E]).
    std::optional<Prelude> prelude;
    std::optional<FinalNorm> final_norm; // between the last layer and the head (or the output)
    std::optional<Head> head;

    bool has_fused() const; // every layer carries fused-weight attention extras
    // bytes of the constant data of the network's ends (embedding, final LayerNorm, head: tensors and
    // per-channel requantization tables), as the emitted network.c holds them
    uint64_t ends_data_bytes() const;
    double output_scale() const; // real value of one int8 step of the last layer's output (0 = unknown)
    // the same of the int8 tensor the head reads, or the network's output without a head: the final
    // LayerNorm's when the model has one
    double encoder_output_scale() const;

    // Fill `view` with the C structs for layer `i` (pointing into this model's storage).
    void encoder_weights(size_t i, EncoderWeightsView &view) const;
};

// Why a spec is refused: the field and the reason. Its message() is what the loader's Status says.
struct ModelError {
    std::string path;   // JSON path of the offending field, e.g. "layers[0].mhsa.rq_q.shift"
    std::string reason; // e.g. "must be 1..62, got 70"
    std::string message() const { return path.empty() ? reason : path + ": " + reason; }
};

// Parse and validate a model spec file (weights and calibration input resolved next to it).
platform::Result<Model> load_model(const std::filesystem::path &json_path);
// Parse and validate JSON text / a parsed document; files are resolved relative to base_dir.
platform::Result<Model> parse_model(const std::string &json_text, const std::filesystem::path &base_dir);
platform::Result<Model> parse_model(const nlohmann::json &spec, const std::filesystem::path &base_dir);
// The same, with the spec's files from `files` (a farm's uploads: plain names only).
platform::Result<Model> parse_model(const std::string &json_text, const ModelFiles &files);
platform::Result<Model> parse_model(const nlohmann::json &spec, const ModelFiles &files);
// A stored upload (a farm job's model): its files only by plain name beside the spec, no links.
platform::Result<Model> load_model_confined(const std::filesystem::path &json_path);

} // namespace tinytx::tuner
