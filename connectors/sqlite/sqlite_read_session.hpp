// A copy worker's reading side for a SQLite source: its own read-only connection to the file,
// inside one read transaction taken when the session opens (so every chunk it reads sees the same
// state of the file), and the SqliteRowSource over it. `sources` (from read_schema) must outlive
// the session. One session per worker; not shared between threads. Closing the session ends the
// read transaction.
//
// Consistency across sessions: in rollback-journal mode a writer cannot commit while any session
// holds its read transaction, so sessions opened while a first one is open all see one state. In
// WAL mode a writer can commit between two sessions' first reads (SQLite's snapshot API, which
// would pin them to one state, is not compiled into Debian's libsqlite3): the caller must then
// make sure the file is not being written, or read a copy of it.
#pragma once

#include <memory>
#include <span>
#include <string>

#include "connectors/sqlite/sqlite_row_source.hpp"
#include "engine/core/source_session.hpp"

namespace pgshift::sqlite {

class SqliteReadSession final : public SourceSession {
 public:
  static Result<std::unique_ptr<SqliteReadSession>> open(const std::string& path,
                                                         std::span<const SourceTable> sources,
                                                         OnTypeError policy = OnTypeError::kFail);
  ~SqliteReadSession() override;

  RowSource& rows() override { return rows_; }
  SqliteRowSource& sqlite_rows() { return rows_; }
  sqlite3* db() const { return db_.get(); }

 private:
  SqliteReadSession(DatabaseHandle db, std::span<const SourceTable> sources, OnTypeError policy)
      : db_(std::move(db)), rows_(db_.get(), sources, policy) {
    rows_.read_on(&reader_);
  }

  DatabaseHandle db_;
  SqliteRowSource rows_;
  asio::thread_pool reader_{1};
};

}  // namespace pgshift::sqlite
