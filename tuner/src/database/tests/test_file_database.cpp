// A database in a real file: WAL, integrity, migration from empty, refusal of a future version.
#include <gtest/gtest.h>

#include "tinytx/tuner/database.h"
#include "tinytx/tuner/testing/temp_dir.h"

using namespace tinytx;
using namespace tinytx::tuner;

TEST(DatabaseFile, WalModeIntegrityAndReopen)
{
    test::TempDir dir;
    const std::string path = dir.file("results.db");
    int64_t model = 0, board = 0, cand = 0;
    {
        Database db(path);
        auto &c = db.connection();
        EXPECT_EQ(c.query_text("PRAGMA journal_mode"), "wal");
        EXPECT_EQ(c.query_int("PRAGMA synchronous"), 1);  // NORMAL
        EXPECT_EQ(c.query_int("PRAGMA foreign_keys"), 1);
        model = db.upsert_model("tiny", "h", "{}");
        board = db.upsert_board("b", "{}");
        cand = db.candidate(model, board, "s", "{}").id;
        platform::Measurement m;
        m.status = platform::RunStatus::kOk;
        db.record_measurement({cand, std::nullopt, "a", m});
        EXPECT_EQ(c.query_text("PRAGMA integrity_check"), "ok");
    }
    Database again(path);
    EXPECT_EQ(again.connection().query_text("PRAGMA integrity_check"), "ok");
    EXPECT_EQ(again.upsert_model("tiny", "h", "{}"), model);
    EXPECT_TRUE(again.measured(cand));
    EXPECT_EQ(again.measured_hashes(model, board), (std::set<std::string>{"s"}));
}

TEST(DatabaseFile, MigratesAnEmptyFile)
{
    test::TempDir dir;
    const std::string path = dir.file("empty.db");
    {
        sqlite::Connection c(path);
        EXPECT_EQ(c.query_int("PRAGMA user_version"), 0);
    }
    {
        Database db(path);
        EXPECT_EQ(db.connection().query_int("PRAGMA user_version"), database_schema_version());
    }
    sqlite::Connection c(path);
    EXPECT_EQ(c.query_int("PRAGMA user_version"), database_schema_version());
    EXPECT_EQ(c.query_int("SELECT COUNT(*) FROM sqlite_master WHERE name = 'measurements'"), 1);
    EXPECT_EQ(c.query_text("PRAGMA integrity_check"), "ok");
}

TEST(DatabaseFile, MigratesVersion1KeepingItsData)
{
    test::TempDir dir;
    const std::string path = dir.file("v1.db");
    int64_t model = 0;
    {
        Database db(path);
        model = db.upsert_model("tiny", "h", "{}");
        // back to what a version-1 file looks like
        db.connection().exec("DROP TABLE jobs; DROP TABLE run_candidates; DROP TABLE cost_models; "
                             "ALTER TABLE builds DROP COLUMN flash_bytes; ALTER TABLE measurements DROP COLUMN arena_region; "
                             "PRAGMA user_version = 1");
    }
    Database db(path);
    EXPECT_EQ(db.connection().query_int("PRAGMA user_version"), database_schema_version());
    EXPECT_EQ(db.upsert_model("tiny", "h", "{}"), model);
    const int64_t board = db.upsert_board("b", "{}");
    db.save_cost_model(board, "emulated", "{}");
    EXPECT_TRUE(db.cost_model(board, "emulated"));
    EXPECT_EQ(db.connection().query_text("PRAGMA integrity_check"), "ok");
}

TEST(DatabaseFile, RefusesANewerSchema)
{
    test::TempDir dir;
    const std::string path = dir.file("future.db");
    {
        sqlite::Connection c(path);
        c.exec("CREATE TABLE from_the_future(x); PRAGMA user_version = " +
               std::to_string(database_schema_version() + 1));
    }
    try {
        Database db(path);
        FAIL() << "a newer database was accepted";
    } catch (const sqlite::Error &e) {
        EXPECT_NE(std::string(e.what()).find("newer than this tinytx knows"), std::string::npos)
            << e.what();
    }
    // untouched
    sqlite::Connection c(path);
    EXPECT_EQ(c.query_int("PRAGMA user_version"), database_schema_version() + 1);
    EXPECT_EQ(c.query_int("SELECT COUNT(*) FROM sqlite_master WHERE name = 'models'"), 0);
}

TEST(DatabaseFile, FailedMigrationLeavesTheFileAsItWas)
{
    test::TempDir dir;
    const std::string path = dir.file("clash.db");
    {
        sqlite::Connection c(path);
        c.exec("CREATE TABLE builds(x)");  // clashes with migration 1
    }
    EXPECT_THROW(Database db(path), sqlite::Error);
    sqlite::Connection c(path);
    EXPECT_EQ(c.query_int("PRAGMA user_version"), 0);
    EXPECT_EQ(c.query_int("SELECT COUNT(*) FROM sqlite_master WHERE name = 'models'"), 0);
}
