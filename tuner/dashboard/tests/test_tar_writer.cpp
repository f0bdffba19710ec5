// The tar of a folder reads back with the system's tar, byte for byte.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>

#include "tar_writer.h"

using namespace tinytx::farm;
namespace fs = std::filesystem;

namespace {

fs::path temp_dir(const char *name)
{
    const fs::path d = fs::temp_directory_path() / (std::string("tinytx-tar-") + name + "-" + std::to_string(::getpid()));
    fs::remove_all(d);
    fs::create_directories(d);
    return d;
}

std::string read(const fs::path &p)
{
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST(TarWriter, SystemTarExtractsTheSameTree)
{
    const fs::path src = temp_dir("src"), out = temp_dir("out");
    fs::create_directories(src / "kernels" / "include" / "tinytx");
    std::ofstream(src / "network.c") << "int x;\n";
    std::string big(1500, 'a');
    big[700] = '\0';  // binary content survives
    std::ofstream(src / "weights.bin", std::ios::binary) << big;
    std::ofstream(src / "empty.txt");
    const std::string deep = "kernels/include/tinytx/" + std::string(90, 'n') + ".h";  // > 100 bytes: prefix
    std::ofstream(src / deep) << "#pragma once\n";

    const auto t = tar_directory(src, "eegformer-nucleo-h743zi-1a2b", 1700000000);
    ASSERT_TRUE(t.ok()) << t.status().message();
    EXPECT_EQ(t->size() % 512, 0u);
    std::ofstream(out / "a.tar", std::ios::binary) << *t;
    ASSERT_EQ(std::system(("tar -xf " + (out / "a.tar").string() + " -C " + out.string()).c_str()), 0);
    const fs::path top = out / "eegformer-nucleo-h743zi-1a2b";
    EXPECT_EQ(read(top / "network.c"), "int x;\n");
    EXPECT_EQ(read(top / "weights.bin"), big);
    EXPECT_TRUE(fs::exists(top / "empty.txt"));
    EXPECT_EQ(read(top / deep), "#pragma once\n");
    fs::remove_all(src);
    fs::remove_all(out);
}

TEST(TarWriter, ErrorsAreData)
{
    EXPECT_FALSE(tar_directory("/nonexistent/tinytx", "x", 0).ok());
    const fs::path src = temp_dir("long");
    std::ofstream(src / std::string(120, 'f')) << "x";  // no '/' to split a 120-byte name at
    const auto t = tar_directory(src, "top", 0);
    EXPECT_FALSE(t.ok());
    EXPECT_NE(t.status().message().find("too long"), std::string::npos);
    fs::remove_all(src);
}
