// sqlite::Statement: a statement prepared once, bound, stepped, read and reset for reuse.
#include <sqlite3.h>

#include <cstdint>
#include <limits>
#include <utility>

#include "tinytx/tuner/sqlite.h"

namespace tinytx::tuner::sqlite {

Statement::Statement(sqlite3 *db, std::string_view sql) : sql_(sql)
{
    const char *tail = nullptr;
    const int rc = sqlite3_prepare_v3(db, sql_.data(), static_cast<int>(sql_.size()),
                                      SQLITE_PREPARE_PERSISTENT, &stmt_, &tail);
    if (rc != SQLITE_OK) throw Error(sqlite3_extended_errcode(db), sqlite3_errmsg(db), sql_);
    if (!stmt_) throw Error(SQLITE_MISUSE, "empty statement", sql_);
    if (tail && std::string_view(tail).find_first_not_of(" \t\r\n;") != std::string_view::npos) {
        sqlite3_finalize(stmt_);
        stmt_ = nullptr;
        throw Error(SQLITE_MISUSE, "more than one statement given to prepare()", sql_);
    }
}

Statement::~Statement()
{
    if (stmt_) sqlite3_finalize(stmt_);
}

Statement::Statement(Statement &&other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)), sql_(std::move(other.sql_))
{
}

Statement &Statement::operator=(Statement &&other) noexcept
{
    if (this != &other) {
        if (stmt_) sqlite3_finalize(stmt_);
        stmt_ = std::exchange(other.stmt_, nullptr);
        sql_ = std::move(other.sql_);
    }
    return *this;
}

void Statement::check(int rc) const
{
    if (rc != SQLITE_OK) {
        sqlite3 *db = sqlite3_db_handle(stmt_);
        throw Error(sqlite3_extended_errcode(db), sqlite3_errmsg(db), sql_);
    }
}

Statement &Statement::bind(int index, int64_t v)
{
    check(sqlite3_bind_int64(stmt_, index, v));
    return *this;
}

Statement &Statement::bind(int index, uint64_t v)
{
    if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        throw Error(SQLITE_RANGE, "unsigned value " + std::to_string(v) +
                                      " does not fit a SQLite integer (parameter " +
                                      std::to_string(index) + ")",
                    sql_);
    return bind(index, static_cast<int64_t>(v));
}

Statement &Statement::bind(int index, double v)
{
    check(sqlite3_bind_double(stmt_, index, v));
    return *this;
}

Statement &Statement::bind(int index, std::string_view v)
{
    check(sqlite3_bind_text64(stmt_, index, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
    return *this;
}

Statement &Statement::bind_null(int index)
{
    check(sqlite3_bind_null(stmt_, index));
    return *this;
}

int Statement::index_of(const char *name) const
{
    const int i = sqlite3_bind_parameter_index(stmt_, name);
    if (i == 0) throw Error(SQLITE_RANGE, std::string("no parameter named ") + name, sql_);
    return i;
}

bool Statement::step()
{
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    sqlite3 *db = sqlite3_db_handle(stmt_);
    throw Error(sqlite3_extended_errcode(db), sqlite3_errmsg(db), sql_);
}

void Statement::run()
{
    if (step()) throw Error(SQLITE_MISUSE, "statement unexpectedly returned a row", sql_);
}

void Statement::reset()
{
    if (!stmt_) return;
    sqlite3_reset(stmt_);  // returns the last step's error, already reported by step()
    sqlite3_clear_bindings(stmt_);
}

bool Statement::is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
int64_t Statement::column_int64(int col) const { return sqlite3_column_int64(stmt_, col); }
double Statement::column_double(int col) const { return sqlite3_column_double(stmt_, col); }

std::string Statement::column_text(int col) const
{
    const auto *p = reinterpret_cast<const char *>(sqlite3_column_text(stmt_, col));
    if (!p) return {};
    return std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}

std::optional<int64_t> Statement::column_opt_int64(int col) const
{
    if (is_null(col)) return std::nullopt;
    return column_int64(col);
}

}  // namespace tinytx::tuner::sqlite
