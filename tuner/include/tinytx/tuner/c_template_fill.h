// Filling a C template (ARCHITECTURE.md "Generated C"): the fixed code of generated C is real C
// (the builder's and emit_c's templates/, embedded by cmake/CTemplates.cmake); what depends on
// the model and the schedule goes in where the template names it, in one of two ways:
//   a part      the template's line `#include "name"` is replaced by generated text (or by
//               another template): include_in_place;
//   a value     the identifier TX_FILL_<NAME>, in code, a comment or a string, is replaced by its
//               text: fill_values. The template's compile test defines TX_FILL_<NAME> as an
//               example value (gcc -include), so the template compiles as it stands.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tinytx::tuner::c_templates {

// text with its line `#include "name"` replaced by `with`. Throws std::logic_error when text has
// no such line (a template and its codegen disagree: a build bug the tests catch).
std::string include_in_place(std::string_view text, std::string_view name, std::string_view with);

// A value of a template: NAME (of TX_FILL_<NAME>) and its text.
using FillValue = std::pair<std::string_view, std::string>;

// text with every TX_FILL_<NAME> replaced by the text of NAME in values (the inserted text is not
// scanned again). Throws std::logic_error for a TX_FILL_<NAME> that values does not give.
std::string fill_values(std::string_view text, const std::vector<FillValue> &values);

} // namespace tinytx::tuner::c_templates
