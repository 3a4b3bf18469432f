// Move-only RAII owners for SQLite's C handles: a database connection (sqlite3*, closed with
// sqlite3_close_v2) and a prepared statement (sqlite3_stmt*, finalized). A statement must be
// destroyed before its connection; sqlite3_close_v2 defers the close until the last statement is
// finalized, so a wrong order leaks nothing but keeps the file open a little longer.
// Not thread-safe: one connection and its statements are used by one thread at a time.
#pragma once

#include <sqlite3.h>

#include <memory>

namespace pgshift::sqlite {

struct DatabaseCloser {
  void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
struct StatementFinalizer {
  void operator()(sqlite3_stmt* statement) const noexcept { sqlite3_finalize(statement); }
};

// Owns one connection; null when empty. Move-only.
using DatabaseHandle = std::unique_ptr<sqlite3, DatabaseCloser>;
// Owns one prepared statement; null when empty. Move-only.
using StatementHandle = std::unique_ptr<sqlite3_stmt, StatementFinalizer>;

}  // namespace pgshift::sqlite
