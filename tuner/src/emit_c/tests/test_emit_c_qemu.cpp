// emit_c under QEMU: `make qemu-m4` and `make qemu-m7` of an exported folder cross-build the image,
// run it on the emulated machine with semihosting and print the host reference's CRC.
#include "emit_c_test_util.h"

using namespace emit_c_test;

namespace {

void qemu_prints_reference_crc(const std::string &target)
{
    const Model m = model("eegformer");
    TempDir dir("eegformer-" + target);
    const auto r = export_ok(m, eegformer_schedule(), dir.path());
    ASSERT_TRUE(r.ok()) << r.status().message();
    const Command c = make(dir.path(), target);
    ASSERT_EQ(c.status, 0) << c.output;
    EXPECT_EQ(printed_crc(c.output), crc32_hex(r->expected_crc32)) << c.output;
    // the line the firmware printed, not make's echo of the command
    EXPECT_NE(c.output.find("crc32=" + crc32_hex(r->expected_crc32) + "\n"), std::string::npos) << c.output;
}

} // namespace

TEST(EmitCQemu, EegformerOnMps2An386CortexM4) { qemu_prints_reference_crc("qemu-m4"); }

TEST(EmitCQemu, EegformerOnMps2An500CortexM7) { qemu_prints_reference_crc("qemu-m7"); }
