// The SQLite wrapper: statements, bindings, errors, transactions.
#include <gtest/gtest.h>

#include <stdexcept>

#include "tinytx/tuner/sqlite.h"

using namespace tinytx::tuner::sqlite;

TEST(Sqlite, BindStepColumnsReset)
{
    Connection c(":memory:");
    c.exec("CREATE TABLE t(a INTEGER, b REAL, s TEXT, n INTEGER)");
    Statement ins = c.prepare("INSERT INTO t VALUES (:a, :b, :s, :n)");
    for (int i = 0; i < 3; ++i) {
        ins.bind(":a", int64_t{i}).bind(":b", 0.5 * i).bind(":s", std::string("x") + char('0' + i));
        if (i == 1) ins.bind(":n", std::optional<int64_t>{});
        else ins.bind(":n", std::optional<int64_t>{i * 10});
        ins.run();
        ins.reset();
    }
    Statement q = c.prepare("SELECT a, b, s, n FROM t WHERE a >= ?1 ORDER BY a");
    q.bind(1, int64_t{1});
    ASSERT_TRUE(q.step());
    EXPECT_EQ(q.column_int64(0), 1);
    EXPECT_DOUBLE_EQ(q.column_double(1), 0.5);
    EXPECT_EQ(q.column_text(2), "x1");
    EXPECT_TRUE(q.is_null(3));
    EXPECT_EQ(q.column_opt_int64(3), std::nullopt);
    ASSERT_TRUE(q.step());
    EXPECT_EQ(q.column_opt_int64(3), 20);
    EXPECT_FALSE(q.step());
    q.reset();
    q.bind(1, int64_t{0});
    int rows = 0;
    while (q.step()) ++rows;
    EXPECT_EQ(rows, 3);
}

TEST(Sqlite, ErrorsCarryMessageAndSql)
{
    Connection c(":memory:");
    try {
        c.prepare("SELECT * FROM no_such_table");
        FAIL() << "expected an error";
    } catch (const Error &e) {
        EXPECT_NE(std::string(e.what()).find("no such table"), std::string::npos) << e.what();
        EXPECT_EQ(e.sql(), "SELECT * FROM no_such_table");
    }
    c.exec("CREATE TABLE u(x INTEGER UNIQUE)");
    Statement ins = c.prepare("INSERT INTO u VALUES (?1)");
    ins.bind(1, int64_t{1}).run();
    ins.reset();
    ins.bind(1, int64_t{1});
    EXPECT_THROW(ins.run(), Error);
    ins.reset();
    EXPECT_THROW(ins.bind(":nope", int64_t{1}), Error);
    EXPECT_THROW(ins.bind(1, uint64_t{1} << 63), Error);
    EXPECT_THROW(c.prepare("SELECT 1; SELECT 2"), Error);
    EXPECT_THROW(Connection("/nonexistent-dir/x/y.db"), Error);
}

TEST(Sqlite, TransactionCommitsOrRollsBack)
{
    Connection c(":memory:");
    c.exec("CREATE TABLE t(a INTEGER)");
    {
        Transaction tx(c);
        c.exec("INSERT INTO t VALUES (1)");
        tx.commit();
    }
    {
        Transaction tx(c);
        c.exec("INSERT INTO t VALUES (2)");
    }  // no commit: rolled back
    try {
        Transaction tx(c);
        c.exec("INSERT INTO t VALUES (3)");
        throw std::runtime_error("boom");
    } catch (const std::runtime_error &) {
    }
    EXPECT_FALSE(c.in_transaction());
    EXPECT_EQ(c.query_int("SELECT COUNT(*) FROM t"), 1);
    EXPECT_EQ(c.query_int("SELECT a FROM t"), 1);
}
