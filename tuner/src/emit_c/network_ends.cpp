// emit_c: the network's two ends in network.c, when the model has them (NUMERICS.md "Input
// embedding", "Final LayerNorm", "Pooling", "Head"): their constant data, and the statements of
// tx_network_run that run them before and after the layers (the templates input_*.c, output_*.c and
// head_*.c of network_templates.h), in the arena the MemoryPlanner laid out.
#include <sstream>

#include "emit_c_internal.h"
#include "network_templates.h"

namespace tinytx::tuner::emit_detail {
namespace {

using c_templates::FillValue;

// the values of a ctx on the plan's scratch block (the ends borrow the layers' scratch:
// memory_planner.h), running variant v
std::vector<FillValue> ctx_values(tx_variant v)
{
    return {{"VARIANT", std::to_string(int(v))}, {"VARIANT_NAME", tx_variant_name(v)}};
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

std::string input_statements(const Model &m, const Schedule &s)
{
    if (!m.prelude)
        return std::string(templates::input_copy_c);
    return c_templates::fill_values(templates::input_embed_c, ctx_values(s.layers.front().variant));
}

std::string output_statements(const Model &m, const Schedule &s)
{
    using c_templates::include_in_place;
    if (!m.head && !m.final_norm)
        return std::string(templates::output_copy_c);
    std::vector<FillValue> values = ctx_values(s.layers.back().variant);
    if (!m.head)
        return c_templates::fill_values(templates::output_final_norm_c, values);
    const tx_pool_mode pool = m.head->pool;
    const bool norm_every_row = m.final_norm && pool == TX_POOL_MEAN;
    values.insert(values.end(), {
        {"POOL", pool == TX_POOL_MEAN ? "TX_POOL_MEAN" : pool == TX_POOL_FIRST ? "TX_POOL_FIRST" : "TX_POOL_LAST"},
        {"POOLED_ROWS", norm_every_row ? "z" : "y"},
        {"HEAD_BIAS", m.head->bh.empty() ? "NULL" : "tx_head_bh"},
    });
    const std::string head = c_templates::fill_values(templates::output_head_c, values);
    const std::string rows =
        include_in_place(head, "head_rows.c", norm_every_row ? templates::head_rows_norm_c : templates::head_rows_as_is_c);
    return include_in_place(rows, "head_pooled.c", m.final_norm && !norm_every_row ? templates::head_pooled_norm_c : "");
}

} // namespace tinytx::tuner::emit_detail
