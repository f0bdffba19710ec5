// The farm's store of uploads on a real directory: validated before anything is written, files
// only by plain name, written once, quotas.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "tinytx/farm/model_store.h"
#include "tinytx/tuner/model.h"

using namespace tinytx::farm;
using tinytx::platform::StatusCode;
namespace fs = std::filesystem;

namespace {

std::string read(const fs::path &p)
{
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class Store : public ::testing::Test {
protected:
    void SetUp() override
    {
        dir = fs::temp_directory_path() / ("tinytx-store-" + std::to_string(::getpid()) + "-" +
                                           ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir);
        const fs::path models = TINYTX_MODELS_DIR;
        spec = read(models / "ecgformer.json");
        files = {{"ecgformer.bin", read(models / "ecgformer.bin")}, {"ecgformer.input.bin", read(models / "ecgformer.input.bin")}};
    }
    void TearDown() override { fs::remove_all(dir); }
    uint64_t bytes_on_disk() const
    {
        uint64_t n = 0;
        for (auto &e : fs::recursive_directory_iterator(dir))
            if (e.is_regular_file())
                n += e.file_size();
        return n;
    }
    std::string with_weights_at(const std::string &path) const
    {
        std::string s = spec;
        const std::string from = "\"ecgformer.bin\"";
        s.replace(s.find(from), from.size(), "\"" + path + "\"");
        return s;
    }

    fs::path dir;
    std::string spec;
    std::vector<std::pair<std::string, std::string>> files;
};

}  // namespace

TEST_F(Store, StoresOnceAndLoadsBack)
{
    ModelStore store(dir, {});
    const auto a = store.put(spec, files).value();
    EXPECT_EQ(a.model_name, "ecgformer");
    const auto t = fs::last_write_time(a.spec_path.parent_path() / "ecgformer.bin");
    const auto b = store.put(spec, files).value();
    EXPECT_EQ(a.spec_path, b.spec_path);
    EXPECT_EQ(fs::last_write_time(b.spec_path.parent_path() / "ecgformer.bin"), t);  // not rewritten
    EXPECT_EQ(store.stored_bytes(), bytes_on_disk());
    EXPECT_TRUE(tinytx::tuner::load_model_confined(a.spec_path).ok());
}

TEST_F(Store, RefusesPathsOutsideTheUploadAndWritesNothing)
{
    ModelStore store(dir, {});
    const fs::path outside = fs::path(TINYTX_MODELS_DIR) / "ecgformer.bin";
    for (const std::string &path : {outside.string(), std::string("../ecgformer.bin"), std::string("sub/ecgformer.bin")}) {
        const auto r = store.put(with_weights_at(path), files);
        ASSERT_FALSE(r.ok()) << path << " accepted";
        EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
        EXPECT_NE(r.status().message().find("weights.file"), std::string::npos) << r.status().message();
    }
    auto extra = files;
    extra.push_back({"unnamed.bin", std::string(1000, 'x')});
    EXPECT_EQ(store.put(spec, extra).status().code(), StatusCode::kInvalidArgument);
    extra = files;
    extra.push_back({"../up.bin", "x"});
    EXPECT_EQ(store.put(spec, extra).status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(store.put("{", files).status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(bytes_on_disk(), 0u);
}

TEST_F(Store, ErrorsDoNotTellWhatAFileHolds)
{
    ModelStore store(dir, {});
    std::string wrong = spec;
    const size_t at = wrong.find("\"sha256\": \"") + 11;
    wrong.replace(at, 64, std::string(64, '0'));
    const auto r = store.put(wrong, files);
    ASSERT_FALSE(r.ok()) << "a wrong digest accepted";
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(r.status().message().find(spec.substr(at, 64)), std::string::npos) << r.status().message();
}

TEST_F(Store, Quotas)
{
    ModelStore small(dir, {.upload_bytes = 1000, .total_bytes = 1 << 20});
    EXPECT_EQ(small.put(spec, files).status().code(), StatusCode::kResourceExhausted);
    ModelStore full(dir, {.upload_bytes = 1 << 20, .total_bytes = 1000});
    EXPECT_EQ(full.put(spec, files).status().code(), StatusCode::kResourceExhausted);
    EXPECT_EQ(bytes_on_disk(), 0u);
}
