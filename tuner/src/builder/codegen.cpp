// Builder codegen: model.h, model_data.c, model_main.c for one (Model, Schedule, BoardProfile),
// from pieces shared with the deployable export (emit_c). Deterministic: only integers, names and
// the schedule hash (without placement) go into the text.
#include "tinytx/tuner/builder.h"

#include <unistd.h>

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

template <class T>
void emit_array(std::ostringstream &o, const char *ctype, const std::string &name, const std::vector<T> &v)
{
    o << "static const " << ctype << " " << name << "[" << v.size() << "] __attribute__((aligned(8))) = {";
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
                   const std::vector<T> &v)
{
    if (v.empty())
        return "NULL";
    emit_array(o, ctype, name, v);
    bytes += v.size() * sizeof(T);
    return name;
}

std::string requant(std::ostringstream &o, size_t &bytes, const std::string &name, const Requant &r)
{
    std::string chm = "NULL", chs = "NULL";
    if (r.per_channel()) {
        chm = tensor(o, bytes, "int32_t", name + "_ch_mul", r.ch_mul);
        chs = tensor(o, bytes, "int32_t", name + "_ch_shift", r.ch_shift);
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
    if (auto e = check_dims(s, m.dims, m.layers.size()))
        return Status::invalid_argument("schedule: " + e->message());
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

std::string c_gemm_table(const std::set<tx_variant> &variants)
{
    std::ostringstream o;
    o << "#include \"tinytx/gemm_table.h\"\n\n"
      << "const tx_gemm_impl tx_gemm_table[TX_VARIANT_COUNT] = {\n";
    for (tx_variant v : variants) {
        const std::string name = variant_c(v);
        o << "    [" << name << "] = TX_GEMM_IMPL_" << name.substr(std::string("TX_VARIANT_").size()) << ",\n";
    }
    o << "};\n\n";
    return o.str();
}

std::string c_measure_and_exit(const std::string &run_fn)
{
    return "        tx_bench_measure(&spec, " + run_fn + ", &job, &r);\n"
           "        failed |= r.status != TX_OK;\n"
           "    }\n"
           "    tx_puts(failed ? \"model image: a run failed\\n\" : \"model image: done\\n\");\n"
           "    return failed ? 1 : 0;\n}\n";
}

std::string c_model_layers(const Model &m, const Schedule &s, const MemoryPlan &p)
{
    // Schedules with cluster layers also carry each layer's cores and split, and run those layers
    // with tx_encoder_s8_cluster: on the GAP9 runtime (kernels/firmware/cluster_gap9.h) where the
    // Xpulp kernels are built, elsewhere (a host check) with the same partitioning run core after
    // core in a static buffer standing in for L1. Schedules without stay plain C for any target.
    const bool cluster = uses_cluster(s);
    std::ostringstream o;
    // Only the GEMM variants of this schedule: with --gc-sections the image carries no other
    // (an M4 image no RISC-V kernel, any image no variant it never calls).
    std::set<tx_variant> variants;
    for (const LayerKnobs &k : s.layers)
        variants.insert(k.variant);
    o << c_gemm_table(variants);
    if (cluster) {
        const size_t l1 = std::max<size_t>(8, p.cluster_l1_bytes);
        o << "#include \"tinytx/cluster.h\"\n\n"
          << "#if defined(TX_HAVE_XPULP) /* the GAP9 cluster */\n"
          << "#include \"cluster_gap9.h\"\n"
          << "static tx_cluster tx_model_cluster(int32_t cores) { return tx_gap9_cluster(cores); }\n"
          << "#else /* one core runs every core's share in turn; this buffer stands in for L1 */\n"
          << "static uint8_t tx_model_l1[" << l1 << "u] __attribute__((aligned(8)));\n"
          << "static tx_cluster tx_model_cluster(int32_t cores)\n{\n"
          << "    return tx_cluster_sequential(cores, tx_model_l1, sizeof tx_model_l1);\n}\n"
          << "#endif\n\n";
    }
    o << "typedef struct {\n    tx_encoder_config cfg;\n    tx_variant variant;\n"
      << "    uint32_t x_offset, out_offset, scratch_offset, scratch_size;\n";
    if (cluster)
        o << "    int32_t cores; /* 0: the single-core kernel; else the cluster kernel on that many cores */\n"
          << "    tx_cluster_split split;\n";
    o << "} tx_model_layer;\n\n"
      << "static const tx_model_layer tx_model_layers[TX_MODEL_LAYERS] = {\n";
    for (size_t i = 0; i < s.layers.size(); ++i) {
        const LayerKnobs &k = s.layers[i];
        const tx_encoder_config c = to_encoder_config(k, m.norm);
        const LayerPlacement &lp = p.layers.at(i);
        o << "    {{{" << attn_c(k.attention) << ", " << sched_c(k.mhsa) << ", " << c.mhsa.tile_rows << "}, "
          << c.ffn_tile << ", " << (c.norm == TX_NORM_PRE ? "TX_NORM_PRE" : "TX_NORM_POST") << "}, " << variant_c(k.variant) << ", " << lp.x_offset << "u, " << lp.out_offset
          << "u, " << lp.scratch_offset << "u, " << lp.scratch_size << "u";
        if (cluster)
            o << ", " << k.cores << ", " << (k.split == ClusterSplit::kHeads ? "TX_SPLIT_HEADS" : "TX_SPLIT_ROWS");
        o << "},\n";
    }
    o << "};\n\n"
      << "/* one inference: every layer in sequence, ping-pong between act0 and act1, one scratch block */\n"
      << "static tx_status tx_model_layers_run(uint8_t *arena)\n{\n"
      << "    for (uint32_t i = 0; i < TX_MODEL_LAYERS; ++i) {\n"
      << "        const tx_model_layer *l = &tx_model_layers[i];\n"
      << "        const tx_ctx ctx = {arena + l->scratch_offset, l->scratch_size, l->variant};\n"
      << "        const int8_t *x = (const int8_t *)(arena + l->x_offset);\n"
      << "        int8_t *out = (int8_t *)(arena + l->out_offset);\n";
    if (cluster)
        o << "        tx_status st;\n"
          << "        if (l->cores > 0) {\n"
          << "            const tx_cluster cl = tx_model_cluster(l->cores);\n"
          << "            st = tx_encoder_s8_cluster(&cl, &ctx, &l->cfg, l->split, &tx_model_dims, &tx_model_weights[i], x,\n"
          << "                                       out);\n"
          << "        } else {\n"
          << "            st = tx_encoder_s8(&ctx, &l->cfg, &tx_model_dims, &tx_model_weights[i], x, out);\n"
          << "        }\n";
    else
        o << "        const tx_status st = tx_encoder_s8(&ctx, &l->cfg, &tx_model_dims, &tx_model_weights[i], x, out);\n";
    o << "        if (st != TX_OK)\n            return st;\n    }\n    return TX_OK;\n}\n";
    return o.str();
}

namespace {

std::string gen_header(const Model &m, const Schedule &s, const MemoryPlan &p, const std::string &hash)
{
    std::ostringstream o;
    o << "/* generated by the tinytx builder: do not edit.\n"
      << " * model " << c_safe_text(m.name) << ", board " << c_safe_text(s.board) << ", schedule " << hash << " */\n"
      << "#ifndef TX_GEN_MODEL_H\n#define TX_GEN_MODEL_H\n\n"
      << c_model_constants(m, p) << "\n#endif\n";
    return o.str();
}

std::string gen_main(const Model &m, const Schedule &s, const MemoryPlan &p, const std::string &hash)
{
    std::ostringstream o;
    o << "/* generated by the tinytx builder: do not edit. The agent image of model " << c_safe_text(m.name)
      << " on board " << c_safe_text(s.board) << ", schedule " << hash << ".\n"
      << " * Protocol: tinytx/firmware/mailbox.h v2 (as apps/fw_agent.c): tx_mailbox.runs measurements\n"
      << " * of tx_mailbox.repeats runs each; every run executes all layers in sequence. */\n"
      << "#include \"tinytx/firmware/arena.h\"\n#include \"tinytx/firmware/bench.h\"\n"
      << "#include \"tinytx/firmware/console.h\"\n#include \"tinytx/firmware/mailbox.h\"\n"
      << "#include \"model.h\"\n\n"
      << c_model_layers(m, s, p) << "\n";
    std::string desc = c_safe_text(m.name) + " " + hash.substr(0, 16);
    if (desc.size() > 63)
        desc = desc.substr(desc.size() - 63);
    o << "typedef struct {\n    uint8_t *arena;\n    uint32_t calls;\n} tx_model_job;\n\n"
      << "static void tx_model_copy_input(uint8_t *arena)\n{\n"
      << "    int8_t *dst = (int8_t *)(arena + TX_MODEL_INPUT_OFFSET);\n"
      << "    for (size_t i = 0; i < TX_MODEL_ACT_BYTES; ++i)\n        dst[i] = tx_model_input[i];\n}\n\n"
      << "static tx_status tx_model_run(void *user)\n{\n"
      << "    tx_model_job *j = user;\n"
      << "    if (j->calls++ != 0) /* repeats: the ping-pong overwrote the input */\n"
      << "        tx_model_copy_input(j->arena);\n"
      << "    return tx_model_layers_run(j->arena);\n}\n\n"
      << "int main(void)\n{\n"
      << "    tx_bench_init();\n"
      << "    if (tx_fw_arena_size() < TX_MODEL_ARENA_BYTES) {\n"
      << "        tx_puts(\"model image: arena too small\\n\");\n        return 2;\n    }\n"
      << "    uint8_t *arena = tx_fw_arena();\n"
      << "    const tx_bench_spec spec = {\n"
      << "        .config_id = 0,\n"
      << "        .config = \"" << desc << "\",\n"
      << "        .layout_bytes = TX_MODEL_ARENA_BYTES,\n"
      << "        .scratch_offset = TX_MODEL_SCRATCH_OFFSET,\n"
      << "        .scratch_size = TX_MODEL_SCRATCH_BYTES,\n"
      << "        .out = arena + TX_MODEL_OUTPUT_OFFSET,\n"
      << "        .out_bytes = TX_MODEL_ACT_BYTES,\n"
      << "    };\n"
      << "    const uint32_t runs = tx_mailbox.runs ? tx_mailbox.runs : 1u;\n"
      << "    int failed = 0;\n"
      << "    for (uint32_t i = 0; i < runs; ++i) {\n"
      << "        tx_model_job job = {arena, 0};\n"
      << "        tx_bench_result r;\n"
      << "        tx_bench_arena_paint(TX_MODEL_ARENA_BYTES);\n"
      << "        tx_model_copy_input(arena);\n"
      << c_measure_and_exit("tx_model_run");
    return o.str();
}

} // namespace

CodegenResult generate_sources(const Model &m, const Schedule &s, const platform::BoardProfile &b)
{
    CodegenResult r;
    if (!s.board.empty() && !b.name.empty() && s.board != b.name) {
        r.error = "schedule.board: '" + s.board + "' does not match the board profile '" + b.name + "'";
        return r;
    }
    platform::Result<MemoryPlan> pr = plan_codegen(m, s);
    if (!pr.ok()) {
        r.error = pr.status().message();
        return r;
    }
    // The images are linked for the emulator machine, where the arena's region is not chosen by the
    // placement knob: identify the code by the schedule without it, so schedules that differ only
    // in placement give the same image (one build, one measurement).
    Schedule code = s;
    for (LayerKnobs &k : code.layers)
        k.placement.clear();
    const std::string hash = schedule_hash(code);
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
