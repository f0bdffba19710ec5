// What the gvsoc tests share: the install (skip when absent), the images, the gap9 profile.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "tinytx/agent/gvsoc/gvsoc.h"
#include "tinytx/platform/board_profile.h"

namespace tinytx::agent::gvsoc::test {

inline const BoardProfile &gap9()
{
    static const BoardCatalog cat = BoardCatalog::load_dir(TINYTX_BOARDS_DIR);
    return cat.get("gap9");
}

inline std::string gap9_image(const std::string &name)
{
    return std::string(TINYTX_FIRMWARE_DIR) + "/gap9/" + name + ".elf";
}

// gvsoc's launcher from $TINYTX_GVSOC (ctest sets it from the TINYTX_GVSOC cache variable), or
// why there is none
inline platform::Result<std::string> installed_gvsoc() { return find_install(""); }

}  // namespace tinytx::agent::gvsoc::test

// skips the test, saying why and how to enable it, unless GVSoC and the image are there
#define TX_REQUIRE_GVSOC_AND(image_path)                                                                \
    const auto gvsoc_install = ::tinytx::agent::gvsoc::test::installed_gvsoc();                         \
    if (!gvsoc_install.ok()) GTEST_SKIP() << gvsoc_install.status().message();                          \
    const std::string gvsoc_bin = *gvsoc_install;                                                       \
    if (!std::filesystem::exists(image_path)) GTEST_SKIP() << (image_path) << " not built (gap9 firmware)"
