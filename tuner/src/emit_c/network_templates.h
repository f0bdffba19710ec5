// The C templates of tuner/src/emit_c/templates/ (ARCHITECTURE.md "Generated C"): the export's own
// C, real C that the tests emit_c.c_template.* compile, embedded at build time
// (cmake/CTemplates.cmake) and filled by network_sources.cpp and network_ends.cpp
// (tinytx/tuner/c_template_fill.h). What a user reads is what they write: a template holds no
// note of its own, so the parts and values each takes are listed here.
#pragma once

#include <string_view>

#include "tinytx/tuner/c_template_fill.h"

namespace tinytx::tuner::emit_detail::templates {

// Whole files; every one takes the values MODEL and SCHEDULE (its banner).
extern const std::string_view network_h;        // the API: the values of network_sources.cpp
extern const std::string_view network_model_h;  // part network_model_constants.h (c_model_constants)
// parts network_layers.c (c_model_layers), network_ends_data.c (ends_data), network_input.c
// (input_*.c), network_output.c (output_*.c); values QUANTIZED_WHERE, QUANTIZED_OFFSET (where
// tx_network_run_f32 quantizes: the embedding writes the input slot) and F32_OUTPUT (its output's
// declarator: logits on the stack, or the layers' output in the arena)
extern const std::string_view network_c;

// The statements of tx_network_run that write the first layer's input x from input.
extern const std::string_view input_copy_c;   // no embedding
extern const std::string_view input_embed_c;  // the embedding; values VARIANT, VARIANT_NAME

// The statements of tx_network_run that write output from the last layer's output y, and return.
extern const std::string_view output_copy_c;        // no ends
extern const std::string_view output_final_norm_c;  // the final LayerNorm alone; VARIANT, VARIANT_NAME
// pooling and the head; values VARIANT, VARIANT_NAME, POOL, POOLED_ROWS (y, or z after
// head_rows_norm.c), HEAD_BIAS; parts head_rows.c (head_rows_norm.c with a final LayerNorm
// before mean pooling, else head_rows_as_is.c) and head_pooled.c (head_pooled_norm.c with a
// final LayerNorm of the pooled row, else nothing)
extern const std::string_view output_head_c;
extern const std::string_view head_rows_norm_c;
extern const std::string_view head_rows_as_is_c;
extern const std::string_view head_pooled_norm_c;

} // namespace tinytx::tuner::emit_detail::templates
