// The C templates of tuner/src/builder/templates/ (ARCHITECTURE.md "Generated C"): the fixed code
// of every generated image, real C that the tests builder.c_template.* compile. Their text is
// embedded at build time (cmake/CTemplates.cmake), so the tuner reads no file to generate C;
// codegen fills them (tinytx/tuner/c_template_fill.h).
#pragma once

#include <string_view>

#include "tinytx/tuner/c_template_fill.h"

namespace tinytx::tuner::c_templates {

extern const std::string_view model_main_c;          // the specialized image's main
extern const std::string_view model_layers_c;        // its layer table and run loop, also the export's
extern const std::string_view model_cluster_c;       // the cluster model_layers.c runs cluster layers on
extern const std::string_view model_job_c;           // the measured job of both images' mains
extern const std::string_view schedule_data_main_c;  // the schedule-as-data image's main

} // namespace tinytx::tuner::c_templates
