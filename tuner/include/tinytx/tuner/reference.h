// tinytx::tuner::reference — one inference of a model under a schedule on the host, with the
// kernel library, in an arena laid out exactly as the MemoryPlanner (and so the generated
// firmware) lays it out. Every GEMM variant is bit-exact, so its output CRC is the one every
// image of this schedule must print: the expected_output_crc32 of exports and the CRC the tuner
// asks agents to check. Cluster layers (cores >= 1) run as the single-core library kernel, which
// the cluster kernels equal bit for bit. A failure (no plan, a kernel refusing a layer) is the Result's Status.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tinytx/platform/status.h"
#include "tinytx/tuner/model.h"
#include "tinytx/tuner/schedule.h"

namespace tinytx::tuner {

struct ReferenceOutput {
    std::vector<int8_t> output;   // [S][E], the last layer's output
    uint32_t crc32 = 0;           // tx_crc32 of output
};

// Runs on the model's calibration input.
platform::Result<ReferenceOutput> run_reference(const Model &m, const Schedule &s);

// The whole network on one input, as the emitted network.c runs it: the model's input embedding
// (when it has one) on int8 features [tokens][features], else the layers' int8 [S][E] input; the
// layers; the final LayerNorm, the pooling and head (when it has them). The outputs: the head's
// int32 logits, else the int8 [S][E] of the final LayerNorm or the last layer, widened to int32.
platform::Result<std::vector<int32_t>> run_network_reference(const Model &m, const Schedule &s, const std::vector<int8_t> &input);

// "0x1a2b3c4d"
std::string crc32_hex(uint32_t crc);

} // namespace tinytx::tuner
