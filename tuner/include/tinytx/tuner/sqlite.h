// A thin RAII wrapper over SQLite (ARCHITECTURE.md "Conventions"): Connection, Statement,
// Transaction. Statements are prepared once and reused (reset between uses); errors are exceptions
// carrying SQLite's message, its result code and the SQL that failed.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace tinytx::tuner::sqlite {

class Error : public std::runtime_error {
public:
    Error(int code, const std::string &message, std::string sql = {});
    int code() const { return code_; }              // SQLite's (extended) result code
    const std::string &sql() const { return sql_; }  // the statement that failed, if any

private:
    int code_;
    std::string sql_;
};

class Statement;

struct OpenOptions {
    int busy_timeout_ms = 5000;
    bool read_only = false;
};

// One database connection. A file gets WAL, synchronous=NORMAL and foreign keys; ":memory:" gets
// foreign keys only (WAL does not apply to memory databases).
class Connection {
public:
    explicit Connection(const std::string &path, const OpenOptions &options = {});
    ~Connection();
    Connection(const Connection &) = delete;
    Connection &operator=(const Connection &) = delete;
    Connection(Connection &&other) noexcept;
    Connection &operator=(Connection &&other) noexcept;

    // Runs one or more statements without results (schema, pragmas).
    void exec(std::string_view sql);
    Statement prepare(std::string_view sql);
    // The first column of the first row of a one-shot query (pragmas), as an integer / text.
    int64_t query_int(std::string_view sql);
    std::string query_text(std::string_view sql);

    int64_t last_insert_rowid() const;
    int changes() const;
    bool in_transaction() const;
    const std::string &path() const { return path_; }
    sqlite3 *handle() const { return db_; }

private:
    sqlite3 *db_ = nullptr;
    std::string path_;
};

// A prepared statement. Parameters are 1-based by index, or by name including the prefix (":id").
// step() returns true while a row is available; columns are 0-based.
class Statement {
public:
    Statement() = default;
    Statement(sqlite3 *db, std::string_view sql);
    ~Statement();
    Statement(const Statement &) = delete;
    Statement &operator=(const Statement &) = delete;
    Statement(Statement &&other) noexcept;
    Statement &operator=(Statement &&other) noexcept;

    Statement &bind(int index, int64_t v);
    Statement &bind(int index, int v) { return bind(index, static_cast<int64_t>(v)); }
    Statement &bind(int index, uint32_t v) { return bind(index, static_cast<int64_t>(v)); }
    Statement &bind(int index, uint64_t v);  // stored as int64; values above INT64_MAX throw
    Statement &bind(int index, double v);
    Statement &bind(int index, bool v) { return bind(index, static_cast<int64_t>(v ? 1 : 0)); }
    Statement &bind(int index, std::string_view v);
    Statement &bind(int index, const char *v) { return bind(index, std::string_view(v)); }
    Statement &bind(int index, const std::string &v) { return bind(index, std::string_view(v)); }
    Statement &bind_null(int index);
    template <class T>
    Statement &bind(int index, const std::optional<T> &v)
    {
        return v ? bind(index, *v) : bind_null(index);
    }
    template <class T>
    Statement &bind(const char *name, const T &v)
    {
        return bind(index_of(name), v);
    }
    Statement &bind_null(const char *name) { return bind_null(index_of(name)); }
    int index_of(const char *name) const;  // throws when the statement has no such parameter

    bool step();
    // Steps a statement expected to produce no row (insert, update); throws if it does.
    void run();
    // Resets the statement for reuse and clears its bindings.
    void reset();

    bool is_null(int col) const;
    int64_t column_int64(int col) const;
    double column_double(int col) const;
    std::string column_text(int col) const;
    std::optional<int64_t> column_opt_int64(int col) const;
    const std::string &sql() const { return sql_; }

private:
    void check(int rc) const;
    sqlite3_stmt *stmt_ = nullptr;
    std::string sql_;
};

// Resets a statement when the scope ends, whatever happens (for statements kept prepared).
class ResetGuard {
public:
    explicit ResetGuard(Statement &s) : s_(s) {}
    ~ResetGuard() { s_.reset(); }
    ResetGuard(const ResetGuard &) = delete;
    ResetGuard &operator=(const ResetGuard &) = delete;

private:
    Statement &s_;
};

// Every remaining row of a statement, each read by `read(statement)`.
template <class Read>
auto all_rows(Statement &s, Read read) -> std::vector<decltype(read(s))>
{
    std::vector<decltype(read(s))> out;
    while (s.step())
        out.push_back(read(s));
    return out;
}

// The next row read by `read(statement)`, or nullopt when there is none.
template <class Read>
auto next_row(Statement &s, Read read) -> std::optional<decltype(read(s))>
{
    if (!s.step())
        return std::nullopt;
    return read(s);
}

// BEGIN [IMMEDIATE] on construction; commit() commits; leaving the scope without commit() (return
// or exception) rolls back. Not nestable: SQLite has one transaction per connection.
class Transaction {
public:
    enum class Mode { kDeferred, kImmediate };
    explicit Transaction(Connection &c, Mode mode = Mode::kImmediate);
    ~Transaction();
    Transaction(const Transaction &) = delete;
    Transaction &operator=(const Transaction &) = delete;
    void commit();
    void rollback();

private:
    Connection &c_;
    bool done_ = false;
};

}  // namespace tinytx::tuner::sqlite
