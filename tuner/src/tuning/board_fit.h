// Does a model fit the board at all? The checks tune() makes before it builds anything: the arena
// budget against the board's RAM regions, and the model's constant data against its flash.
#pragma once

#include <cstdint>
#include <string>

#include "tinytx/platform/board_profile.h"
#include "tinytx/platform/status.h"
#include "tinytx/tuner/model.h"
#include "tinytx/tuner/schedule.h"

namespace tinytx::tuner {

// Whether a budget can be used at all: the arena lives in one RAM-like region, so a budget above
// the largest is an error that names the board's RAM.
platform::Status check_budget_fits_ram(uint64_t budget_bytes, const platform::BoardProfile &b);

// Bytes of the board's flash regions (0: the profile lists none, e.g. GAP9, whose images load
// into L2 from external memory).
uint64_t board_flash_bytes(const platform::BoardProfile &b);

// Constant data every image of the model holds whatever its knobs: the standard-attention
// weights, biases, requantization tables and the calibration input (as the generated C holds
// them: c_model_data), and the network's ends (Model::ends_data_bytes).
uint64_t model_min_data_bytes(const Model &m);

// Bytes of the layers' tensors as the generated C holds them (c_model_data, alignment aside) with
// every layer's attention `mode`: what a schedule that puts the weights in RAM copies there.
uint64_t layer_tensor_bytes(const Model &m, AttentionMode mode);

// Whether any image of the model can fit a flash of flash_bytes (0 = unchecked).
platform::Status check_data_fits_flash(const Model &m, uint64_t flash_bytes,
                                       const std::string &board_name);

} // namespace tinytx::tuner
