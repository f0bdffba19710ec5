// `tinytx-tune --farm ADDR`: the same tuning job submitted to a tinytx-farmd, watched to its end.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "tinytx/tuner/tuning.h"

namespace tinytx::tuner {

struct FarmRequest {
    std::string address, token;
    std::string tls_ca_file;        // the farm's CA (PEM); "" = plaintext
    std::string tls_cert_file, tls_key_file;  // this client's certificate, for a farm that asks
    bool insecure = false;          // a token in clear to a farm not on loopback
    std::filesystem::path model_path;
    std::string board, strategy = "auto";
    uint64_t budget_bytes = 0, trials = 0, seed = 1;
    uint32_t repeats = 1, deadline_s = 120;
    bool per_layer = false;
    int priority = 0;
};

struct FarmOutcome {
    int exit_code = 0;              // the job's (the tuner's codes), 1 for transport errors
    std::string error;
    int64_t job_id = 0;
    std::string front_json, best_export_json;
};

// Uploads the model spec and the files it names, submits, and reports the job's progress until
// it ends.
FarmOutcome run_on_farm(const FarmRequest &req, const std::function<void(const TuneProgress &)> &progress);

}  // namespace tinytx::tuner
