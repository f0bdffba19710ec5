// Status and Result<T>: codes, messages, text, and a Result holding either a value or a failure.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "tinytx/platform/status.h"

using namespace tinytx::platform;

namespace {

Result<int> parse_digit(char c)
{
    if (c < '0' || c > '9') return Status::invalid_argument(std::string("not a digit: '") + c + "'");
    return c - '0';
}

}  // namespace

TEST(Status, DefaultIsOkWithNoMessage)
{
    Status s;
    EXPECT_TRUE(s.ok());
    EXPECT_EQ(s.code(), StatusCode::kOk);
    EXPECT_EQ(s.message(), "");
    EXPECT_EQ(s.to_string(), "ok");
}

TEST(Status, EachFactoryGivesItsCodeAndKeepsTheMessageVerbatim)
{
    const std::pair<Status, StatusCode> cases[] = {
        {Status::invalid_argument("m"), StatusCode::kInvalidArgument},
        {Status::not_found("m"), StatusCode::kNotFound},
        {Status::already_exists("m"), StatusCode::kAlreadyExists},
        {Status::io_error("m"), StatusCode::kIoError},
        {Status::corruption("m"), StatusCode::kCorruption},
        {Status::unavailable("m"), StatusCode::kUnavailable},
        {Status::deadline_exceeded("m"), StatusCode::kDeadlineExceeded},
        {Status::unimplemented("m"), StatusCode::kUnimplemented},
        {Status::permission_denied("m"), StatusCode::kPermissionDenied},
        {Status::resource_exhausted("m"), StatusCode::kResourceExhausted},
        {Status::internal("m"), StatusCode::kInternal},
    };
    for (const auto &[s, code] : cases) {
        EXPECT_FALSE(s.ok());
        EXPECT_EQ(s.code(), code);
        EXPECT_EQ(s.message(), "m");
    }
}

TEST(Status, ToStringNamesTheCodeBeforeTheMessage)
{
    EXPECT_EQ(Status::not_found("no model 'x'").to_string(), "not found: no model 'x'");
    EXPECT_EQ(Status::io_error("cannot write /a").to_string(), "io error: cannot write /a");
    EXPECT_EQ(status_code_name(StatusCode::kDeadlineExceeded), "deadline exceeded");
}

TEST(Status, PrefixedKeepsTheCodeAndLeavesOkAlone)
{
    EXPECT_EQ(Status::not_found("x.txt").prefixed("source list: "), Status::not_found("source list: x.txt"));
    EXPECT_TRUE(Status().prefixed("source list: ").ok());
    EXPECT_EQ(Status().prefixed("source list: ").message(), "");
}

TEST(Status, EqualityComparesCodeAndMessage)
{
    EXPECT_EQ(Status(), Status());
    EXPECT_EQ(Status::internal("a"), Status::internal("a"));
    EXPECT_NE(Status::internal("a"), Status::internal("b"));
    EXPECT_NE(Status::internal("a"), Status::corruption("a"));
}

TEST(Result, HoldsAValue)
{
    Result<int> r = parse_digit('7');
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r.status().ok());
    EXPECT_EQ(r.value(), 7);
    EXPECT_EQ(*r, 7);
}

TEST(Result, HoldsAFailureAndRefusesValue)
{
    Result<int> r = parse_digit('x');
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(r.status().message(), "not a digit: 'x'");
    EXPECT_THROW(r.value(), BadResultAccess);
}

TEST(Result, AnOkStatusWithoutAValueIsAnInternalError)
{
    Result<int> r{Status()};
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInternal);
}

TEST(Result, MovesAMoveOnlyValueOut)
{
    Result<std::unique_ptr<int>> r = std::make_unique<int>(3);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(*r->get(), 3);
    std::unique_ptr<int> p = std::move(r).value();
    EXPECT_EQ(*p, 3);
}

TEST(Result, TakesAnythingConvertibleToItsValue)
{
    struct Base {
        virtual ~Base() = default;
        virtual int id() const { return 0; }
    };
    struct Derived : Base {
        int id() const override { return 1; }
    };
    Result<std::unique_ptr<Base>> r = std::make_unique<Derived>();
    ASSERT_TRUE(r.ok());
    EXPECT_EQ((*r)->id(), 1);
}
