// sqlite::Connection: opens a file (WAL, synchronous=NORMAL, foreign keys, busy timeout) or ":memory:".
#include <sqlite3.h>

#include <utility>

#include "tinytx/tuner/sqlite.h"

namespace tinytx::tuner::sqlite {

Connection::Connection(const std::string &path, const OpenOptions &options) : path_(path)
{
    const int flags = (options.read_only ? SQLITE_OPEN_READONLY
                                         : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
                      SQLITE_OPEN_NOMUTEX;
    const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) {
        std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
        sqlite3_close_v2(db_);
        db_ = nullptr;
        throw Error(rc, "cannot open database '" + path + "': " + msg);
    }
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, options.busy_timeout_ms);
    exec("PRAGMA foreign_keys = ON");
    const bool memory = path == ":memory:" || path.empty() || path.rfind("file::memory:", 0) == 0;
    if (!memory && !options.read_only) {
        const std::string mode = query_text("PRAGMA journal_mode = WAL");
        if (mode != "wal")
            throw Error(SQLITE_ERROR, "cannot switch '" + path + "' to WAL (journal_mode is " +
                                          mode + ")");
        exec("PRAGMA synchronous = NORMAL");
    }
}

Connection::~Connection()
{
    if (db_) sqlite3_close_v2(db_);
}

Connection::Connection(Connection &&other) noexcept
    : db_(std::exchange(other.db_, nullptr)), path_(std::move(other.path_))
{
}

Connection &Connection::operator=(Connection &&other) noexcept
{
    if (this != &other) {
        if (db_) sqlite3_close_v2(db_);
        db_ = std::exchange(other.db_, nullptr);
        path_ = std::move(other.path_);
    }
    return *this;
}

void Connection::exec(std::string_view sql)
{
    const std::string s(sql);
    char *err = nullptr;
    const int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
        std::string msg = err ? err : sqlite3_errmsg(db_);
        sqlite3_free(err);
        throw Error(sqlite3_extended_errcode(db_), msg, s);
    }
}

Statement Connection::prepare(std::string_view sql) { return Statement(db_, sql); }

int64_t Connection::query_int(std::string_view sql)
{
    Statement s(db_, sql);
    if (!s.step()) throw Error(SQLITE_ERROR, "query returned no row", std::string(sql));
    return s.column_int64(0);
}

std::string Connection::query_text(std::string_view sql)
{
    Statement s(db_, sql);
    if (!s.step()) throw Error(SQLITE_ERROR, "query returned no row", std::string(sql));
    return s.column_text(0);
}

int64_t Connection::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
int Connection::changes() const { return sqlite3_changes(db_); }
bool Connection::in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

}  // namespace tinytx::tuner::sqlite
