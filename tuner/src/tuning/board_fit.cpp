// The board-fit checks tune() makes before building (see board_fit.h).
#include "board_fit.h"

#include "tinytx/tuner/builder.h"
#include "tinytx/tuner/memory_planner.h"
#include "tinytx/tuner/tuning.h"

namespace tinytx::tuner {

platform::Status check_budget_fits_ram(uint64_t budget_bytes, const platform::BoardProfile &b)
{
    const platform::MemoryRegion *largest = nullptr;
    std::string ram;
    for (const platform::MemoryRegion &r : b.memory) {
        if (!is_ram_like(r))
            continue;
        ram += (ram.empty() ? "" : ", ") + r.name + " " + format_bytes(r.length);
        if (!largest || r.length > largest->length)
            largest = &r;
    }
    if (!largest || budget_bytes <= largest->length)
        return {};
    return platform::Status::invalid_argument(
        "budget " + format_bytes(budget_bytes) + " (" + std::to_string(budget_bytes) + " B) is more than " + b.name +
        " has in one RAM region (" + ram + "): the arena lives in one region, so use --budget " +
        format_bytes(largest->length) + " (" + largest->name + ") or less");
}

uint64_t board_flash_bytes(const platform::BoardProfile &b)
{
    uint64_t n = 0;
    for (const platform::MemoryRegion &r : b.memory)
        if (r.kind == "flash")
            n += r.length;
    return n;
}

uint64_t layer_tensor_bytes(const Model &m, AttentionMode mode)
{
    Schedule all;
    all.layers.resize(m.layers.size());
    for (LayerKnobs &k : all.layers)
        k.attention = mode;
    size_t tensors = 0;
    c_model_data(m, all, "model.h", &tensors);
    return tensors;
}

uint64_t model_min_data_bytes(const Model &m)
{
    // the fused-weight extras come on top
    return layer_tensor_bytes(m, AttentionMode::kStandard) + m.ends_data_bytes() + m.calibration_input.size();
}

platform::Status check_data_fits_flash(const Model &m, uint64_t flash_bytes,
                                       const std::string &board_name)
{
    if (flash_bytes == 0)
        return {};
    const uint64_t data = model_min_data_bytes(m);
    if (data <= flash_bytes)
        return {};
    return platform::Status::invalid_argument(
        "flash: " + m.name + "'s weights and tables alone take " + format_bytes(data) + " (" + std::to_string(data) +
        " B), more than the " + format_bytes(flash_bytes) + " of flash " + "(--flash-budget; default: all of " +
        board_name + "'s flash); no image of it can be flashed, so nothing was built. A smaller model, or a board "
        "with more flash");
}

} // namespace tinytx::tuner
