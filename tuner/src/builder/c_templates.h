// The C templates of tuner/src/builder/templates/ (ARCHITECTURE.md "Generated C"): the fixed code
// of every generated image, real C that the test builder.c_templates_compile compiles. Their text
// is embedded at build time (embed_c_templates.cmake), so the tuner reads no file to generate C.
#pragma once

#include <string>
#include <string_view>

namespace tinytx::tuner::c_templates {

extern const std::string_view model_main_c;          // the specialized image's main
extern const std::string_view model_layers_c;        // its layer table and run loop, also the export's
extern const std::string_view model_cluster_c;       // the cluster model_layers.c runs cluster layers on
extern const std::string_view model_job_c;           // the measured job of both images' mains
extern const std::string_view schedule_data_main_c;  // the schedule-as-data image's main

// text with its line `#include "name"` replaced by `with` (a generated part or another template):
// how codegen fills a template. Throws std::logic_error when text has no such line (a template and
// its codegen disagree: a build bug the builder tests catch).
std::string include_in_place(std::string_view text, std::string_view name, std::string_view with);

} // namespace tinytx::tuner::c_templates
