// emit_c: the network's two ends in network.c, when the model has them (NUMERICS.md "Input
// embedding", "Final LayerNorm", "Pooling", "Head"): their constant data and the statements of
// tx_network_run that run them before and after the layers, in the arena the MemoryPlanner laid out.
#include <sstream>

#include "emit_c_internal.h"

namespace tinytx::tuner::emit_detail {
namespace {

// a ctx on the plan's scratch block (the ends borrow the layers' scratch: memory_planner.h)
std::string scratch_ctx(const char *indent, const char *name, tx_variant v)
{
    std::ostringstream o;
    o << indent << "const tx_ctx " << name << " = {arena + TX_MODEL_SCRATCH_OFFSET, TX_MODEL_SCRATCH_BYTES, (tx_variant)" << v
      << " /* " << tx_variant_name(v) << " */};\n";
    return o.str();
}

} // namespace

platform::Status check_ends(const Model &m)
{
    const size_t act = static_cast<size_t>(m.dims.S) * static_cast<size_t>(m.dims.E);
    if (m.prelude && static_cast<size_t>(m.prelude->tokens) * static_cast<size_t>(m.prelude->features) > act)
        return platform::Status::invalid_argument(
            "prelude: the input features [" + std::to_string(m.prelude->tokens) + "][" +
            std::to_string(m.prelude->features) + "] are larger than an activation buffer [S][E] (" +
            std::to_string(act) + " bytes), where tx_network_run_f32 quantizes them");
    return {};
}

std::string ends_data(const Model &m, size_t &bytes)
{
    std::ostringstream o;
    if (m.prelude) {
        const Prelude &p = *m.prelude;
        std::ostringstream arrays;
        const std::string we = c_tensor(arrays, bytes, "tx_prelude_we", p.we);
        const std::string be = c_tensor(arrays, bytes, "tx_prelude_be", p.be);
        const std::string rq = c_requant(arrays, bytes, "tx_prelude_rq", p.rq);
        const std::string cls = c_tensor(arrays, bytes, "tx_prelude_cls", p.cls);
        const std::string pos = c_tensor(arrays, bytes, "tx_prelude_pos", p.pos);
        o << "/* the input embedding (NUMERICS.md \"Input embedding\") */\n" << arrays.str()
          << "static const tx_embed_params tx_prelude = {" << we << ", " << be << ", " << rq << ", " << cls << ", "
          << pos << ", " << c_add(p.add_pos) << "};\n\n";
    }
    if (m.final_norm) {
        const FinalNorm &f = *m.final_norm;
        std::ostringstream arrays;
        const std::string gamma = c_tensor(arrays, bytes, "tx_final_norm_gamma", f.gamma);
        const std::string beta = c_tensor(arrays, bytes, "tx_final_norm_beta", f.beta);
        const std::string rq = c_requant(arrays, bytes, "tx_final_norm_rq", f.rq);
        o << "/* the final LayerNorm after the last layer (NUMERICS.md \"Final LayerNorm\") */\n" << arrays.str()
          << "static const tx_layernorm_params tx_final_norm = {" << gamma << ", " << beta << ", " << rq << "};\n\n";
    }
    if (m.head) {
        o << "/* the head (NUMERICS.md \"Pooling\", \"Head\") */\n";
        c_tensor(o, bytes, "tx_head_wh", m.head->wh);
        c_tensor(o, bytes, "tx_head_bh", m.head->bh);
        o << "\n";
    }
    return o.str();
}

std::string prelude_statements(const Model &m, const Schedule &s)
{
    if (!m.prelude)
        return "    if (input != x)\n        for (size_t i = 0; i < TX_MODEL_ACT_BYTES; ++i)\n            x[i] = input[i];\n";
    std::ostringstream o;
    o << "    {\n" << scratch_ctx("        ", "ctx", s.layers.front().variant)
      << "        const tx_status st = tx_embed_s8(&ctx, &tx_prelude, TX_NETWORK_INPUT_TOKENS, "
         "TX_NETWORK_INPUT_FEATURES, TX_MODEL_E, input, x);\n"
      << "        if (st != TX_OK)\n            return st;\n    }\n";
    return o.str();
}

std::string head_statements(const Model &m, const Schedule &s)
{
    std::ostringstream o;
    if (!m.head) {
        if (!m.final_norm)
            return "    if (output != y)\n        for (size_t i = 0; i < TX_MODEL_ACT_BYTES; ++i)\n            output[i] = y[i];\n"
                   "    return TX_OK;\n";
        o << scratch_ctx("    ", "ctx", s.layers.back().variant)
          << "    return tx_layernorm_s8(&ctx, &tx_final_norm, TX_MODEL_S, TX_MODEL_E, y, output);\n";
        return o.str();
    }
    const char *pool = m.head->pool == TX_POOL_MEAN ? "TX_POOL_MEAN" : m.head->pool == TX_POOL_FIRST ? "TX_POOL_FIRST"
                                                                                                     : "TX_POOL_LAST";
    const bool norm_every_row = m.final_norm && m.head->pool == TX_POOL_MEAN;
    o << scratch_ctx("    ", "ctx", s.layers.back().variant);
    if (norm_every_row)
        o << "    /* the final LayerNorm of every row, in place: the last layer's output is read only here */\n"
          << "    int8_t *z = (int8_t *)(arena + TX_MODEL_OUTPUT_OFFSET);\n"
          << "    tx_status st = tx_layernorm_s8(&ctx, &tx_final_norm, TX_MODEL_S, TX_MODEL_E, y, z);\n"
          << "    if (st != TX_OK)\n        return st;\n";
    else
        o << "    tx_status st;\n";
    o << "    /* pooled into the activation buffer the last layer did not write */\n"
      << "    int8_t *pooled = (int8_t *)(arena + (TX_MODEL_OUTPUT_OFFSET == TX_MODEL_ACT0_OFFSET ? TX_MODEL_ACT1_OFFSET "
         ": TX_MODEL_ACT0_OFFSET));\n"
      << "    st = tx_pool_s8(&ctx, " << pool << ", TX_MODEL_S, TX_MODEL_E, " << (norm_every_row ? "z" : "y")
      << ", pooled);\n"
      << "    if (st != TX_OK)\n        return st;\n";
    if (m.final_norm && !norm_every_row)
        o << "    /* the final LayerNorm of the pooled row alone: row by row, the same integers */\n"
          << "    st = tx_layernorm_s8(&ctx, &tx_final_norm, 1, TX_MODEL_E, pooled, pooled);\n"
          << "    if (st != TX_OK)\n        return st;\n";
    o << "    return tx_linear_s32(&ctx, 1, TX_MODEL_E, TX_NETWORK_OUTPUT_COUNT, pooled, tx_head_wh, "
      << (m.head->bh.empty() ? "NULL" : "tx_head_bh") << ", output);\n";
    return o.str();
}

} // namespace tinytx::tuner::emit_detail
