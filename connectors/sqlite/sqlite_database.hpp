// Opening a SQLite file read-only and the few statement helpers every reader here needs: prepare,
// step, read a column as text, and turn SQLite's error state into an Error. Blocking calls; a
// connection and its statements belong to one thread at a time. Nothing here writes to the file.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "connectors/sqlite/sqlite_handles.hpp"
#include "engine/core/result.hpp"

namespace pgshift::sqlite {

// Opens `path` with SQLITE_OPEN_READONLY (never creates it) and checks that it is a database by
// reading its schema. Missing file or not a database: ErrorKind::kUsage. Waits up to
// `busy_timeout_ms` for a writer's lock instead of failing at once.
Result<DatabaseHandle> open_read_only(const std::string& path, int busy_timeout_ms = 5000);

// The connection's current error as an Error of `kind`, prefixed with what was being done.
Error sqlite_error(sqlite3* db, std::string_view doing, ErrorKind kind = ErrorKind::kRuntime);

Result<StatementHandle> prepare(sqlite3* db, std::string_view sql);

// One sqlite3_step: true when a row is ready, false when the statement is done.
Result<bool> step(sqlite3* db, sqlite3_stmt* statement);

// Column `index` of the current row as text ("" for NULL); the bytes are copied.
std::string column_text(sqlite3_stmt* statement, int index);

// Runs `sql` (no parameters) and returns the first column of the first row as text, or nothing
// when there is no row.
Result<std::optional<std::string>> query_text(sqlite3* db, std::string_view sql);

}  // namespace pgshift::sqlite
