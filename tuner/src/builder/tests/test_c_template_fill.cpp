// Filling a C template (tinytx/tuner/c_template_fill.h): parts in place of their #include line,
// values in place of their TX_FILL_ names; a template and its filler that disagree is a bug.
#include <gtest/gtest.h>

#include <stdexcept>

#include "tinytx/tuner/c_template_fill.h"

using namespace tinytx::tuner::c_templates;

TEST(CTemplateFill, APartReplacesItsIncludeLine)
{
    EXPECT_EQ(include_in_place("a\n#include \"part.c\"\nb\n", "part.c", "x\ny\n"), "a\nx\ny\nb\n");
    EXPECT_EQ(include_in_place("#include \"part.c\"\n", "part.c", ""), "");
    EXPECT_THROW(include_in_place("a\n#include \"other.c\"\n", "part.c", ""), std::logic_error);
}

TEST(CTemplateFill, AValueReplacesItsWholeNameOnceAnywhere)
{
    const std::vector<FillValue> values = {{"N", "4u"}, {"N_BYTES", "TX_FILL_N"}, {"WHY", "*/ not a comment end"}};
    EXPECT_EQ(fill_values("#define A TX_FILL_N\n#define B TX_FILL_N_BYTES /* TX_FILL_WHY */ \"TX_FILL_N\"", values),
              "#define A 4u\n#define B TX_FILL_N /* */ not a comment end */ \"4u\"");
    EXPECT_EQ(fill_values("no names", {}), "no names");
    EXPECT_THROW(fill_values("TX_FILL_UNKNOWN", values), std::logic_error);
}
