#include "connectors/sqlite/sqlite_database.hpp"

#include <optional>

namespace pgshift::sqlite {

Result<DatabaseHandle> open_read_only(const std::string& path, int busy_timeout_ms) {
  // Before SQLite's first use: no memory statistics, which SQLite otherwise keeps under one
  // process-wide mutex taken on every allocation (contended between the reader threads). A call
  // after SQLite was initialized (by a test's own connection, say) is refused and changes nothing.
  static const bool configured = [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return true;
  }();
  (void)configured;
  sqlite3* raw = nullptr;
  // NOMUTEX: a connection is used by one thread at a time (see the header), so SQLite's
  // per-call connection mutex is pure overhead.
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  DatabaseHandle db(raw);
  if (rc != SQLITE_OK) {
    std::string message = raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    return fail(ErrorKind::kUsage, "cannot open SQLite file " + path + ": " + message);
  }
  sqlite3_busy_timeout(db.get(), busy_timeout_ms);
  sqlite3_extended_result_codes(db.get(), 1);
  // No mmap (PRAGMA mmap_size): mapped pages of the file count in the process's RSS (a 361 MB
  // file showed as 377 MB peak RSS) while saving no measurable time over pread.
  auto checked = query_text(db.get(), "SELECT count(*) FROM sqlite_master");
  if (!checked) {
    return fail(ErrorKind::kUsage,
                "cannot read SQLite file " + path + ": " + checked.error().message);
  }
  return db;
}

Error sqlite_error(sqlite3* db, std::string_view doing, ErrorKind kind) {
  return Error{kind, std::string(doing) + ": " + sqlite3_errmsg(db), {}, false};
}

Result<StatementHandle> prepare(sqlite3* db, std::string_view sql) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &raw, nullptr);
  StatementHandle statement(raw);
  if (rc != SQLITE_OK) return fail(sqlite_error(db, "preparing SQLite statement"));
  if (!statement) return fail(ErrorKind::kRuntime, "empty SQLite statement");
  return statement;
}

Result<bool> step(sqlite3* db, sqlite3_stmt* statement) {
  int rc = sqlite3_step(statement);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return fail(sqlite_error(db, "reading SQLite"));
}

std::string column_text(sqlite3_stmt* statement, int index) {
  const unsigned char* text = sqlite3_column_text(statement, index);
  if (!text) return {};
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<std::size_t>(sqlite3_column_bytes(statement, index)));
}

Result<std::optional<std::string>> query_text(sqlite3* db, std::string_view sql) {
  auto statement = prepare(db, sql);
  if (!statement) return fail(statement.error());
  auto row = step(db, statement->get());
  if (!row) return fail(row.error());
  if (!*row) return std::optional<std::string>{};
  return std::optional<std::string>(column_text(statement->get(), 0));
}

}  // namespace pgshift::sqlite
