// Loading a model from an ONNX file: tinytx-import (tuner/importer, Python: ONNX parsing,
// encoder recognition, post-training quantization) writes the project's model spec into a
// content-addressed cache, which load_model then reads. A failure is a Status, as in load_model.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "tinytx/platform/status.h"
#include "tinytx/tuner/model.h"

namespace tinytx::tuner {

struct ImportOptions {
    std::filesystem::path cache_dir;  // "" = default_import_cache_dir()
    std::filesystem::path calib;      // "" = <model stem>.calib.npy next to the ONNX file, when present
    std::string python;               // "" = the build's Python (TINYTX_PYTHON)
    std::filesystem::path importer;   // "" = the source tree's tuner/importer/tinytx_import.py
    // refuse a model whose integer encoder is less similar to the float one; drop fused-weight
    // attention (so no fused schedule is ever proposed) when only it is below
    std::optional<double> min_cosine;
    // a labelled validation set (.npz: x, and y labels or ref outputs): the report's top-1 accuracy
    // of the float and the int8 model; "" = none
    std::filesystem::path val;
    // with val: the int8 top-1 floor (a fraction), as min_cosine: refused below it with standard
    // attention, fused-weight attention dropped when only it is below
    std::optional<double> min_accuracy;
    std::chrono::seconds timeout{600};
};

struct ImportedSpec {
    std::filesystem::path spec_path;  // the model spec in the cache
    bool cached = false;              // found in the cache, the importer did not run
};

// Does the path name an ONNX file (by its extension, case-insensitive)?
bool is_onnx_path(const std::filesystem::path &path);

// A file given as a model that is neither a spec (JSON) nor ONNX, such as a PyTorch checkpoint:
// invalid argument naming what it is and how to export it to ONNX; ok when it may be a spec or ONNX.
platform::Status foreign_model_file(const std::filesystem::path &path);

// $TINYTX_IMPORT_CACHE, else $XDG_CACHE_HOME/tinytx/import, else ~/.cache/tinytx/import, else
// /tmp/tinytx-import-<uid>.
std::filesystem::path default_import_cache_dir();

// Import once per content: the cache key covers the ONNX bytes, the calibration samples and the
// importer's own sources, so a changed model, data set or importer imports again. The error is
// the importer's message when it refused.
platform::Result<ImportedSpec> import_onnx(const std::filesystem::path &onnx_path, const ImportOptions &opt = {});

// load_model for a spec, import_onnx + load_model for an .onnx file.
platform::Result<Model> load_model_any(const std::filesystem::path &path, const ImportOptions &opt = {});

}  // namespace tinytx::tuner
