// RSP framing, encodings, stop replies and target descriptions, without a stub.
#include <gtest/gtest.h>

#include <map>

#include "tinytx/rsp/errors.h"
#include "tinytx/rsp/packet.h"
#include "tinytx/rsp/target_description.h"

using namespace tinytx::platform;
using namespace tinytx::rsp;

TEST(RspPacket, FramesWithTheModulo256Checksum)
{
    EXPECT_EQ("$#00", frame(""));
    EXPECT_EQ("$OK#9a", frame("OK"));
    EXPECT_EQ("$qSupported#37", frame("qSupported"));
    EXPECT_EQ("$k#6b", frame("k"));
    EXPECT_EQ(0x9a, checksum("OK"));
}

TEST(RspPacket, DecodesRunLengthAndEscapes)
{
    // "0* " = '0' repeated 1 + (' ' - 29) = 4 times
    EXPECT_EQ("0000", decode_payload("0* "));
    EXPECT_EQ("abbbbbbc", decode_payload("ab*\"c"));  // '"' = 34: 5 more
    EXPECT_EQ(std::string("a}b"), decode_payload("a}]b"));  // '}' ^ 0x20 = ']'
    EXPECT_EQ(std::string("#$*"), decode_payload("}\x03}\x04}\x0a"));
    EXPECT_THROW(decode_payload("abc}"), ProtocolError);
    EXPECT_THROW(decode_payload("*a"), ProtocolError);
    const std::string bin("a#b$c}d*e", 9);
    EXPECT_EQ(bin, decode_payload(escape_binary(bin)));
    EXPECT_EQ(std::string::npos, escape_binary(bin).find('#'));
}

TEST(RspPacket, HexRoundTripAndErrorsNameTheData)
{
    const std::vector<uint8_t> b{0x00, 0x7f, 0x80, 0xff};
    EXPECT_EQ("007f80ff", to_hex(b.data(), b.size()));
    EXPECT_EQ(b, from_hex("007F80ff"));
    try {
        from_hex("0g", "memory read reply");
        FAIL();
    } catch (const ProtocolError &e) {
        EXPECT_NE(std::string::npos, std::string(e.what()).find("memory read reply"));
    }
    EXPECT_THROW(from_hex("abc"), ProtocolError);
    EXPECT_EQ(0x20000000u, parse_hex_u64("20000000"));
}

TEST(RspPacket, ReaderSplitsAcksPacketsAndBadChecksums)
{
    PacketReader r;
    const std::string stream = "+" + frame("OK") + "-" + "$bad#00" + "%Stop:T05#";
    r.feed(stream.data(), stream.size());
    auto e = r.next();
    ASSERT_TRUE(e);
    EXPECT_EQ(PacketReader::Event::Kind::kAck, e->kind);
    e = r.next();
    ASSERT_TRUE(e);
    EXPECT_EQ(PacketReader::Event::Kind::kPacket, e->kind);
    EXPECT_EQ("OK", e->payload);
    EXPECT_TRUE(e->checksum_ok);
    e = r.next();
    ASSERT_TRUE(e);
    EXPECT_EQ(PacketReader::Event::Kind::kNack, e->kind);
    e = r.next();
    ASSERT_TRUE(e);
    EXPECT_FALSE(e->checksum_ok);
    EXPECT_FALSE(r.next()) << "an incomplete notification waits for its checksum";
    r.feed("4e", 2);
    e = r.next();
    ASSERT_TRUE(e);
    EXPECT_EQ(PacketReader::Event::Kind::kNotification, e->kind);
    // a packet split across reads
    const std::string p = frame("T05thread:01;");
    r.feed(p.data(), 5);
    EXPECT_FALSE(r.next());
    r.feed(p.data() + 5, p.size() - 5);
    e = r.next();
    ASSERT_TRUE(e);
    EXPECT_EQ("T05thread:01;", e->payload);
}

TEST(RspPacket, ParsesStopReplies)
{
    auto t = parse_stop_reply("T05thread:p01.01;hwbreak:;0f:78563412;");
    EXPECT_EQ(StopReply::Kind::kSignal, t.kind);
    EXPECT_EQ(kSigTrap, t.signal);
    EXPECT_EQ("p01.01", t.thread);
    EXPECT_EQ("hwbreak", t.reason);
    ASSERT_EQ(1u, t.registers.count(15));
    EXPECT_EQ((std::vector<uint8_t>{0x78, 0x56, 0x34, 0x12}), t.registers[15]);
    auto w = parse_stop_reply("W2a");
    EXPECT_EQ(StopReply::Kind::kExited, w.kind);
    EXPECT_EQ(42, w.exit_code);
    auto w2 = parse_stop_reply("W03;process:1");
    EXPECT_EQ(3, w2.exit_code);
    auto x = parse_stop_reply("X09");
    EXPECT_EQ(StopReply::Kind::kTerminated, x.kind);
    EXPECT_EQ(9, x.signal);
    EXPECT_EQ(kSigInt, parse_stop_reply("S02").signal);
    EXPECT_FALSE(is_stop_reply("OK"));
    EXPECT_FALSE(is_stop_reply("E01"));
    EXPECT_THROW(parse_stop_reply("OK"), ProtocolError);
    EXPECT_THROW(parse_stop_reply("T05junk"), ProtocolError);
}

TEST(RspTargetDescription, NumbersRegistersAcrossIncludesAndRegnum)
{
    const std::map<std::string, std::string> docs = {
        {"core.xml",
         "<?xml version=\"1.0\"?><!-- <reg name=\"commented\" bitsize=\"8\"/> -->"
         "<!DOCTYPE feature SYSTEM \"gdb-target.dtd\">"
         "<feature name=\"org.gnu.gdb.arm.m-profile\">"
         "<reg name=\"r0\" bitsize=\"32\"/><reg name=\"sp\" bitsize=\"32\" type=\"data_ptr\"/>"
         "<reg name=\"pc\" bitsize=\"32\" type=\"code_ptr\"/>"
         "<reg name='xpsr' bitsize='32' regnum='25'/></feature>"},
        {"vfp.xml", "<feature name=\"org.gnu.gdb.arm.vfp\"><reg name=\"d0\" bitsize=\"64\"/>"
                    "<reg name=\"fpscr\" bitsize=\"32\"/></feature>"},
    };
    const std::string target =
        "<?xml version=\"1.0\"?><target><architecture> arm </architecture>"
        "<xi:include href=\"core.xml\"/><xi:include href=\"vfp.xml\"/></target>";
    int fetched = 0;
    auto td = TargetDescription::parse(target, [&](const std::string &a) {
        ++fetched;
        return docs.at(a);
    });
    EXPECT_EQ(2, fetched);
    EXPECT_EQ("arm", td.architecture());
    EXPECT_EQ(nullptr, td.find("commented"));
    EXPECT_EQ(0u, td.require("r0").regnum);
    EXPECT_EQ(1u, td.require("sp").regnum);
    EXPECT_EQ(2u, td.require("pc").regnum);
    EXPECT_EQ(25u, td.require("xpsr").regnum);
    EXPECT_EQ(26u, td.require("d0").regnum);
    EXPECT_EQ(64u, td.require("d0").bitsize);
    EXPECT_EQ(27u, td.require("fpscr").regnum);
    EXPECT_EQ("org.gnu.gdb.arm.vfp", td.require("fpscr").feature);
    try {
        td.require("mepc");
        FAIL();
    } catch (const Error &e) {
        EXPECT_NE(std::string::npos, std::string(e.what()).find("'mepc'"));
        EXPECT_NE(std::string::npos, std::string(e.what()).find("arm"));
    }
    // g: registers in regnum order until the data ends
    std::vector<uint8_t> g(16);
    for (size_t i = 0; i < g.size(); ++i) g[i] = uint8_t(i);
    auto split = td.split_g(g);
    ASSERT_EQ(4u, split.size());
    EXPECT_EQ("xpsr", split[3].first->name);
    EXPECT_EQ(12, split[3].second[0]);
}

TEST(RspTargetDescription, InlineFeaturesAndErrors)
{
    auto td = TargetDescription::parse(
        "<target><architecture>riscv:rv32</architecture><feature name=\"cpu\">"
        "<reg name=\"zero\" bitsize=\"32\"/><reg name=\"pc\" bitsize=\"32\" regnum=\"32\"/>"
        "</feature><feature name=\"csr\"><reg name=\"mepc\" bitsize=\"32\" regnum=\"899\"/>"
        "</feature></target>",
        [](const std::string &) -> std::string { throw Error("no includes here"); });
    EXPECT_EQ(32u, td.require("pc").regnum);
    EXPECT_EQ(899u, td.require("mepc").regnum);
    EXPECT_THROW(TargetDescription::parse("<target><reg bitsize=\"32\"/></target>",
                                          [](const std::string &) { return std::string(); }),
                 ProtocolError);
    EXPECT_THROW(TargetDescription::parse("<target><xi:include href=\"a.xml\"/></target>",
                                          [](const std::string &) {
                                              return std::string("<xi:include href=\"a.xml\"/>");
                                          }),
                 ProtocolError);
}
