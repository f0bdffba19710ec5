// sqlite::Transaction: BEGIN on construction, commit() or rollback when the scope ends.
#include <sqlite3.h>

#include "tinytx/tuner/sqlite.h"

namespace tinytx::tuner::sqlite {

Transaction::Transaction(Connection &c, Mode mode) : c_(c)
{
    c_.exec(mode == Mode::kImmediate ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED");
}

Transaction::~Transaction()
{
    if (done_) return;
    // A failed statement may already have rolled the transaction back (SQLITE_FULL, IOERR...).
    if (c_.in_transaction()) sqlite3_exec(c_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit()
{
    if (done_) throw Error(SQLITE_MISUSE, "transaction already finished");
    c_.exec("COMMIT");
    done_ = true;
}

void Transaction::rollback()
{
    if (done_) return;
    done_ = true;
    if (c_.in_transaction()) c_.exec("ROLLBACK");
}

}  // namespace tinytx::tuner::sqlite
