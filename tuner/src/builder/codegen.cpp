// Builder codegen: model.h, model_data.c, model_main.c for one (Model, Schedule, BoardProfile):
// the templates (templates/*.c, c_templates.h) filled with what depends on the model and the
// schedule, in pieces shared with the deployable export (emit_c). Deterministic: only integers,
// names and the schedule hash (without placement) go into the text.
#include "tinytx/tuner/builder.h"

#include <unistd.h>

#include "c_templates.h"

#include <algorithm>
#include <atomic>
#include <fstream>
#include <set>
#include <sstream>
#include <system_error>

namespace tinytx::tuner {
namespace {

const char *attn_c(AttentionMode m) { return m == AttentionMode::kFused ? "TX_ATTN_FUSED" : "TX_ATTN_STANDARD"; }

const char *sched_c(MhsaSchedule s)
{
    switch (s) {
    case MhsaSchedule::kHeadwise: return "TX_MHSA_HEADWISE";
    case MhsaSchedule::kDepthfirst: return "TX_MHSA_DEPTHFIRST";
    default: return "TX_MHSA_LAYERWISE";
    }
}

const char *variant_c(tx_variant v)
{
    switch (v) {
    case TX_VARIANT_REF: return "TX_VARIANT_REF";
    case TX_VARIANT_OPT2X2: return "TX_VARIANT_OPT2X2";
    case TX_VARIANT_OPT4X2: return "TX_VARIANT_OPT4X2";
    case TX_VARIANT_DSP: return "TX_VARIANT_DSP";
    case TX_VARIANT_RV32: return "TX_VARIANT_RV32";
    case TX_VARIANT_XPULP: return "TX_VARIANT_XPULP";
    default: return nullptr;
    }
}

// The attributes of a constant array: in flash (.rodata), or in the weights section the startup
// code copies to the schedule's weights region (kernels/firmware/ld/cortexm_sections.ld).
constexpr const char *kInFlash = "__attribute__((aligned(8)))";
constexpr const char *kInWeightsSection = "__attribute__((aligned(8), section(\".tx_weights\")))";

template <class T>
void emit_array(std::ostringstream &o, const char *ctype, const std::string &name, const std::vector<T> &v,
                const char *attrs)
{
    o << "static const " << ctype << " " << name << "[" << v.size() << "] " << attrs << " = {";
    for (size_t i = 0; i < v.size(); ++i) {
        if (i % 16 == 0)
            o << "\n    ";
        o << static_cast<long long>(v[i]) << ",";
    }
    o << "\n};\n";
}

// Emits arrays for a vector (or nothing when empty); returns the C expression for its pointer.
// (bytes counts the constant data emitted: network.h states it)
template <class T>
std::string tensor(std::ostringstream &o, size_t &bytes, const char *ctype, const std::string &name,
                   const std::vector<T> &v, const char *attrs = kInFlash)
{
    if (v.empty())
        return "NULL";
    emit_array(o, ctype, name, v, attrs);
    bytes += v.size() * sizeof(T);
    return name;
}

std::string requant(std::ostringstream &o, size_t &bytes, const std::string &name, const Requant &r,
                    const char *attrs = kInFlash)
{
    std::string chm = "NULL", chs = "NULL";
    if (r.per_channel()) {
        chm = tensor(o, bytes, "int32_t", name + "_ch_mul", r.ch_mul, attrs);
        chs = tensor(o, bytes, "int32_t", name + "_ch_shift", r.ch_shift, attrs);
    }
    std::ostringstream t;
    t << "{" << r.mul << ", " << r.shift << ", " << chm << ", " << chs << "}";
    return t.str();
}

std::string softmax(const tx_softmax_params &p)
{
    std::ostringstream t;
    t << "{" << p.ln2 << ", " << p.b << ", " << p.c << "}";
    return t.str();
}

// `#define name` over several lines, one a line
std::string c_macro(const std::string &name, const std::vector<std::string> &lines)
{
    std::string o = "#define " + name;
    for (const std::string &l : lines)
        o += " \\\n    " + l;
    return o + "\n";
}

std::string add(const tx_add_params &p)
{
    std::ostringstream t;
    t << "{" << p.mul_a << ", " << p.mul_b << ", " << p.shift << "}";
    return t.str();
}

} // namespace

std::string c_tensor(std::ostringstream &o, size_t &bytes, const std::string &name, const std::vector<int8_t> &v)
{
    return tensor(o, bytes, "int8_t", name, v);
}

std::string c_tensor(std::ostringstream &o, size_t &bytes, const std::string &name, const std::vector<int32_t> &v)
{
    return tensor(o, bytes, "int32_t", name, v);
}

std::string c_requant(std::ostringstream &o, size_t &bytes, const std::string &name, const Requant &r)
{
    return requant(o, bytes, name, r);
}

std::string c_add(const tx_add_params &p) { return add(p); }

std::string c_safe_text(const std::string &s)
{
    std::string o;
    for (char c : s) {
        const unsigned char u = static_cast<unsigned char>(c);
        o += (u >= 0x20 && u < 0x7f && c != '*' && c != '\\' && c != '"') ? c : '_';
    }
    return o;
}

std::string c_model_constants(const Model &m, const MemoryPlan &p)
{
    std::ostringstream o;
    const auto &d = m.dims;
    const size_t L = m.layers.size();
    const size_t out_off = L % 2 ? p.buffers.at(1).offset : p.buffers.at(0).offset;
    o << "#include <stddef.h>\n#include <stdint.h>\n\n#include \"tinytx/kernels.h\"\n\n"
      << "#define TX_MODEL_LAYERS " << L << "u\n"
      << "#define TX_MODEL_S " << d.S << "\n#define TX_MODEL_E " << d.E << "\n#define TX_MODEL_H " << d.H
      << "\n#define TX_MODEL_P " << d.P << "\n#define TX_MODEL_F " << d.F << "\n"
      << "/* the arena as the tinytx MemoryPlanner laid it out */\n"
      << "#define TX_MODEL_ARENA_BYTES " << p.peak_bytes << "u\n"
      << "#define TX_MODEL_ACT_BYTES " << p.activation_bytes << "u\n"
      << "#define TX_MODEL_ACT0_OFFSET " << p.buffers.at(0).offset << "u\n"
      << "#define TX_MODEL_ACT1_OFFSET " << p.buffers.at(1).offset << "u\n"
      << "#define TX_MODEL_SCRATCH_OFFSET " << p.buffers.at(2).offset << "u\n"
      << "#define TX_MODEL_SCRATCH_BYTES " << p.buffers.at(2).size << "u\n"
      << "#define TX_MODEL_INPUT_OFFSET " << p.layers.at(0).x_offset << "u\n"
      << "#define TX_MODEL_OUTPUT_OFFSET " << out_off << "u\n\n"
      << "extern const tx_encoder_dims tx_model_dims;\n"
      << "extern const tx_encoder_weights tx_model_weights[TX_MODEL_LAYERS];\n"
      << "extern const int8_t tx_model_input[TX_MODEL_ACT_BYTES];\n";
    return o.str();
}

platform::Result<MemoryPlan> plan_codegen(const Model &m, const Schedule &s)
{
    using platform::Status;
    if (Status st = check_dims(s, m.dims, m.layers.size()); !st.ok())
        return st.prefixed("schedule: ");
    if (m.calibration_input.size() != static_cast<size_t>(m.dims.S) * static_cast<size_t>(m.dims.E))
        return Status::invalid_argument("model.calibration_input: need S*E = " +
                                        std::to_string(static_cast<size_t>(m.dims.S) * m.dims.E) + " bytes, got " +
                                        std::to_string(m.calibration_input.size()));
    for (size_t i = 0; i < s.layers.size(); ++i) {
        if (!variant_c(s.layers[i].variant))
            return Status::invalid_argument("layers[" + std::to_string(i) + "].variant: unknown");
        if (s.layers[i].attention == AttentionMode::kFused && !m.layers[i].fused)
            return Status::invalid_argument("layers[" + std::to_string(i) +
                                            "].attention: fused, but the model has no fused-weight "
                                            "attention weights for this layer");
    }
    platform::Result<MemoryPlan> r = plan_memory(m, s);
    if (!r.ok())
        return r.status().prefixed("memory plan: ");
    if (r->buffers.size() < 3 || r->layers.size() != m.layers.size())
        return Status::internal("memory plan: unexpected layout (need act0, act1, scratch)");
    return r;
}

std::string c_model_data(const Model &m, const Schedule &s, const std::string &header, size_t *weight_bytes)
{
    std::ostringstream o;
    size_t bytes = 0;
    const auto &d = m.dims;
    o << "/* generated by tinytx: do not edit. The weights of model " << c_safe_text(m.name)
      << " (generator: " << c_safe_text(m.generator) << ", weights sha256 " << c_safe_text(m.weights_sha256)
      << ") */\n#include \"" << c_safe_text(header) << "\"\n\n"
      << "const tx_encoder_dims tx_model_dims = {" << d.S << ", " << d.E << ", " << d.H << ", " << d.P
      << ", " << d.F << "};\n\n";
    o << "const int8_t tx_model_input[TX_MODEL_ACT_BYTES] __attribute__((aligned(8))) = {";
    for (size_t i = 0; i < m.calibration_input.size(); ++i) {
        if (i % 16 == 0)
            o << "\n    ";
        o << static_cast<int>(m.calibration_input[i]) << ",";
    }
    o << "\n};\n\n";
    const std::string &weights = weights_region(s);
    const char *attrs = weights.empty() ? kInFlash : kInWeightsSection;
    if (!weights.empty())
        o << "/* the layers' tensors are copied to the board's " << c_safe_text(weights)
          << " at start-up (section .tx_weights); the emulators read the region's name here */\n"
          << "const char tx_weights_region[] __attribute__((used, section(\".tx_weights_region\"))) = \""
          << c_safe_text(weights) << "\";\n\n";
    auto tensor = [&](std::ostringstream &out, size_t &n, const char *ctype, const std::string &name, const auto &v) {
        return tinytx::tuner::tensor(out, n, ctype, name, v, attrs);
    };
    auto requant = [&](std::ostringstream &out, size_t &n, const std::string &name, const Requant &r) {
        return tinytx::tuner::requant(out, n, name, r, attrs);
    };

    std::vector<std::string> inits;
    for (size_t i = 0; i < m.layers.size(); ++i) {
        const EncoderLayer &l = m.layers[i];
        const std::string p = std::string("l").append(std::to_string(i)).append("_");
        const bool fused = s.layers.at(i).attention == AttentionMode::kFused && l.fused;
        o << "/* ---- layer " << i << " */\n";
        const std::string wq = tensor(o, bytes, "int8_t", p + "wq", l.wq), wk = tensor(o, bytes, "int8_t", p + "wk", l.wk);
        const std::string wv = tensor(o, bytes, "int8_t", p + "wv", l.wv), wo = tensor(o, bytes, "int8_t", p + "wo", l.wo);
        const std::string bq = tensor(o, bytes, "int32_t", p + "bq", l.bq), bk = tensor(o, bytes, "int32_t", p + "bk", l.bk);
        const std::string bv = tensor(o, bytes, "int32_t", p + "bv", l.bv), bo = tensor(o, bytes, "int32_t", p + "bo", l.bo);
        const std::string rq_q = requant(o, bytes, p + "rq_q", l.rq_q), rq_k = requant(o, bytes, p + "rq_k", l.rq_k);
        const std::string rq_v = requant(o, bytes, p + "rq_v", l.rq_v), rq_o = requant(o, bytes, p + "rq_o", l.rq_o);
        const std::string rq_sc = requant(o, bytes, p + "rq_scores", l.rq_scores);
        const std::string rq_av = requant(o, bytes, p + "rq_av", l.rq_av);
        std::string wf = "NULL", bf = "NULL", rq_xw = "NULL", rq_sfw = "NULL", sm_fw = "{0, 0, 0}";
        if (fused) {
            const FusedAttention &f = *l.fused;
            wf = tensor(o, bytes, "int8_t", p + "wf", f.wf);
            bf = tensor(o, bytes, "int32_t", p + "bf", f.bf);
            std::vector<std::string> a, b;
            for (size_t h = 0; h < f.rq_xw.size(); ++h)
                a.push_back(requant(o, bytes, p + "rq_xw" + std::to_string(h), f.rq_xw[h]));
            for (size_t h = 0; h < f.rq_scores_fw.size(); ++h)
                b.push_back(requant(o, bytes, p + "rq_scores_fw" + std::to_string(h), f.rq_scores_fw[h]));
            auto list = [&](const std::string &name, const std::vector<std::string> &v) {
                if (v.empty())
                    return std::string("NULL");
                o << "static const tx_requant " << name << "[" << v.size() << "] = {";
                for (const auto &e : v)
                    o << "\n    " << e << ",";
                o << "\n};\n";
                return name;
            };
            rq_xw = list(p + "rq_xw", a);
            rq_sfw = list(p + "rq_scores_fw", b);
            sm_fw = softmax(f.softmax);
        }
        const std::string ln1g = tensor(o, bytes, "int8_t", p + "ln1_gamma", l.ln1_gamma);
        const std::string ln1b = tensor(o, bytes, "int32_t", p + "ln1_beta", l.ln1_beta);
        const std::string ln1rq = requant(o, bytes, p + "ln1_rq", l.ln1_rq);
        const std::string w1 = tensor(o, bytes, "int8_t", p + "w1", l.w1), b1 = tensor(o, bytes, "int32_t", p + "b1", l.b1);
        const std::string rq1 = requant(o, bytes, p + "rq1", l.rq1);
        const std::string grq = requant(o, bytes, p + "gelu_rq", l.gelu_rq);
        const std::string w2 = tensor(o, bytes, "int8_t", p + "w2", l.w2), b2 = tensor(o, bytes, "int32_t", p + "b2", l.b2);
        const std::string rq2 = requant(o, bytes, p + "rq2", l.rq2);
        const std::string ln2g = tensor(o, bytes, "int8_t", p + "ln2_gamma", l.ln2_gamma);
        const std::string ln2b = tensor(o, bytes, "int32_t", p + "ln2_beta", l.ln2_beta);
        const std::string ln2rq = requant(o, bytes, p + "ln2_rq", l.ln2_rq);
        std::ostringstream w;
        w << "    { /* layer " << i << " */\n"
          << "        .mhsa = {\n"
          << "            .wq = " << wq << ", .wk = " << wk << ", .wv = " << wv << ", .wo = " << wo << ",\n"
          << "            .bq = " << bq << ", .bk = " << bk << ", .bv = " << bv << ", .bo = " << bo << ",\n"
          << "            .rq_q = " << rq_q << ", .rq_k = " << rq_k << ",\n"
          << "            .rq_v = " << rq_v << ", .rq_o = " << rq_o << ",\n"
          << "            .attn = {" << rq_sc << ", " << softmax(l.softmax) << ", " << rq_av << "},\n"
          << "            .wf = " << wf << ", .bf = " << bf << ", .rq_xw = " << rq_xw
          << ", .rq_scores_fw = " << rq_sfw << ",\n"
          << "            .softmax_fw = " << sm_fw << ",\n"
          << "        },\n"
          << "        .add1 = " << add(l.add1) << ",\n"
          << "        .ln1 = {" << ln1g << ", " << ln1b << ", " << ln1rq << "},\n"
          << "        .w1 = " << w1 << ", .b1 = " << b1 << ", .rq1 = " << rq1 << ",\n"
          << "        .gelu = {" << l.gelu_b_q << ", " << l.gelu_one << ", " << grq << "},\n"
          << "        .w2 = " << w2 << ", .b2 = " << b2 << ", .rq2 = " << rq2 << ",\n"
          << "        .add2 = " << add(l.add2) << ",\n"
          << "        .ln2 = {" << ln2g << ", " << ln2b << ", " << ln2rq << "},\n"
          << "    },\n";
        inits.push_back(w.str());
        o << "\n";
    }
    o << "const tx_encoder_weights tx_model_weights[TX_MODEL_LAYERS] = {\n";
    for (const auto &w : inits)
        o << w;
    o << "};\n";
    if (weight_bytes)
        *weight_bytes = bytes;
    return o.str();
}

std::string c_gemm_impls(const std::set<tx_variant> &variants)
{
    std::vector<std::string> impls;
    for (tx_variant v : variants) {
        const std::string name = variant_c(v);
        impls.push_back("[" + name + "] = TX_GEMM_IMPL_" + name.substr(std::string("TX_VARIANT_").size()) + ",");
    }
    return c_macro("TX_MODEL_GEMM_IMPLS", impls);
}

std::string c_image_config(const std::string &name)
{
    return "#define TX_MODEL_CONFIG \"" + (name.size() > 63 ? name.substr(name.size() - 63) : name) + "\"\n";
}

namespace {

// model_layer_table.h of templates/model_layers.c: the schedule's GEMM variants, cluster and layers
std::string c_layer_table(const Model &m, const Schedule &s, const MemoryPlan &p)
{
    const bool cluster = uses_cluster(s);
    std::set<tx_variant> variants;
    for (const LayerKnobs &k : s.layers)
        variants.insert(k.variant);
    std::vector<std::string> rows;
    for (size_t i = 0; i < s.layers.size(); ++i) {
        const LayerKnobs &k = s.layers[i];
        const tx_encoder_config c = to_encoder_config(k, m.norm);
        const LayerPlacement &lp = p.layers.at(i);
        std::ostringstream o;
        o << "{{{" << attn_c(k.attention) << ", " << sched_c(k.mhsa) << ", " << c.mhsa.tile_rows << "}, "
          << c.ffn_tile << ", " << (c.norm == TX_NORM_PRE ? "TX_NORM_PRE" : "TX_NORM_POST") << "}, "
          << variant_c(k.variant) << ", " << lp.x_offset << "u, " << lp.out_offset << "u, " << lp.scratch_offset
          << "u, " << lp.scratch_size << "u";
        if (cluster)
            o << ", " << k.cores << ", " << (k.split == ClusterSplit::kHeads ? "TX_SPLIT_HEADS" : "TX_SPLIT_ROWS");
        rows.push_back(o.str() + "},");
    }
    std::string o = "/* the schedule's layers (generated) */\n#define TX_MODEL_CLUSTER " +
                    std::string(cluster ? "1" : "0") + "\n";
    if (cluster)
        o += "#define TX_MODEL_CLUSTER_L1_BYTES " + std::to_string(std::max<size_t>(8, p.cluster_l1_bytes)) + "u\n";
    return o + c_gemm_impls(variants) + c_macro("TX_MODEL_LAYER_ROWS", rows) + "\n";
}

} // namespace

std::string c_model_layers(const Model &m, const Schedule &s, const MemoryPlan &p)
{
    using namespace c_templates;
    const std::string layers = include_in_place(model_layers_c, "model_layer_table.h", c_layer_table(m, s, p));
    return include_in_place(layers, "model_cluster.c", uses_cluster(s) ? model_cluster_c : "");
}

namespace {

std::string gen_header(const Model &m, const Schedule &s, const MemoryPlan &p, const std::string &hash)
{
    std::ostringstream o;
    o << "/* generated by the tinytx builder: do not edit.\n"
      << " * model " << c_safe_text(m.name) << ", board " << c_safe_text(s.board) << ", schedule " << hash << " */\n"
      << "#ifndef TX_GEN_MODEL_H\n#define TX_GEN_MODEL_H\n\n"
      << c_model_constants(m, p) << c_image_config(c_safe_text(m.name) + " " + hash.substr(0, 16))
      << "\n#endif\n";
    return o.str();
}

std::string gen_main(const Model &m, const Schedule &s, const MemoryPlan &p, const std::string &hash)
{
    using namespace c_templates;
    const std::string with_layers = include_in_place(model_main_c, "model_layers.c", c_model_layers(m, s, p));
    return "/* generated by the tinytx builder from tuner/src/builder/templates/model_main.c: do not edit.\n"
           " * The agent image of model " + c_safe_text(m.name) + " on board " + c_safe_text(s.board) +
           ", schedule " + hash + ". */\n" + include_in_place(with_layers, "model_job.c", model_job_c);
}

} // namespace

platform::Status check_weights_region(const std::string &region, const platform::BoardProfile &b)
{
    if (region.empty())
        return {};
    if (b.core != "cortex-m4" && b.core != "cortex-m7")
        return platform::Status::invalid_argument("layers[0].weights: \"" + region + "\": weights in RAM need a " +
                                                  "Cortex-M image (its startup copies them); " + b.name + " is " + b.core);
    const platform::MemoryRegion *r = b.region(region);
    if (!r || !is_ram_like(*r))
        return platform::Status::invalid_argument("layers[0].weights: \"" + region + "\" is not a RAM-like region of " +
                                                  b.name + " (or \"flash\")");
    return {};
}

platform::Result<GeneratedSources> generate_sources(const Model &m, const Schedule &s, const platform::BoardProfile &b)
{
    if (!s.board.empty() && !b.name.empty() && s.board != b.name)
        return platform::Status::invalid_argument("schedule.board: '" + s.board +
                                                  "' does not match the board profile '" + b.name + "'");
    if (platform::Status st = check_weights_region(weights_region(s), b); !st.ok())
        return st;
    platform::Result<MemoryPlan> pr = plan_codegen(m, s);
    if (!pr.ok())
        return pr.status();
    // The images are linked for the emulator machine, where the arena's region is not chosen by the
    // placement knob: identify the code by the schedule without it, so schedules that differ only
    // in placement give the same image (one build, one measurement).
    Schedule code = s;
    for (LayerKnobs &k : code.layers)
        k.placement.clear();
    const std::string hash = schedule_hash(code);
    GeneratedSources r;
    r.files.push_back({"model.h", gen_header(m, s, *pr, hash)});
    r.files.push_back({"model_data.c", c_model_data(m, s, "model.h")});
    r.files.push_back({"model_main.c", gen_main(m, s, *pr, hash)});
    r.plan = std::move(*pr);
    return r;
}

platform::Status write_sources(const std::vector<GeneratedFile> &files, const std::filesystem::path &dir)
{
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec)
        return platform::Status::io_error("cannot create " + dir.string() + ": " + ec.message());
    for (const auto &f : files) {
        const auto path = dir / f.name;
        std::filesystem::create_directories(path.parent_path(), ec);   // names may have folders
        if (ec)
            return platform::Status::io_error("cannot create " + path.parent_path().string() + ": " + ec.message());
        // unique per process: concurrent builds of the same image write the same directory
        static std::atomic<unsigned> counter{0};  // and per thread: builds run side by side
        const auto tmp = dir / (f.name + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++));
        {
            std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
            out << f.content;
            if (!out)
                return platform::Status::io_error("cannot write " + tmp.string());
        }
        std::filesystem::rename(tmp, path, ec);
        if (ec)
            return platform::Status::io_error("cannot rename " + tmp.string() + ": " + ec.message());
    }
    return {};
}

} // namespace tinytx::tuner
