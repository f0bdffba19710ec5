// sqlite::Error: SQLite's message, result code and the SQL that failed.
#include "tinytx/tuner/sqlite.h"

namespace tinytx::tuner::sqlite {

static std::string compose(int code, const std::string &message, const std::string &sql)
{
    std::string s = "sqlite error " + std::to_string(code) + ": " + message;
    if (!sql.empty()) s += " [in: " + sql + "]";
    return s;
}

Error::Error(int code, const std::string &message, std::string sql)
    : std::runtime_error(compose(code, message, sql)), code_(code), sql_(std::move(sql))
{
}

}  // namespace tinytx::tuner::sqlite
