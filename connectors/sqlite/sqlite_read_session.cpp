#include "connectors/sqlite/sqlite_read_session.hpp"

#include "connectors/sqlite/sqlite_database.hpp"

namespace pgshift::sqlite {

Result<std::unique_ptr<SqliteReadSession>> SqliteReadSession::open(
    const std::string& path, std::span<const SourceTable> sources, OnTypeError policy) {
  auto db = open_read_only(path);
  if (!db) return fail(db.error());
  // BEGIN is deferred: the first read takes the read lock (rollback journal) or the WAL
  // snapshot, and the transaction keeps it until the session ends.
  if (sqlite3_exec(db->get(), "BEGIN", nullptr, nullptr, nullptr) != SQLITE_OK) {
    return fail(sqlite_error(db->get(), "starting a read transaction"));
  }
  if (auto read = query_text(db->get(), "SELECT count(*) FROM sqlite_master"); !read) {
    return fail(std::move(read.error()).within("starting a read transaction"));
  }
  return std::unique_ptr<SqliteReadSession>(new SqliteReadSession(std::move(*db), sources, policy));
}

SqliteReadSession::~SqliteReadSession() {
  // A read may still be running there (the session can go while its worker is torn down).
  reader_.stop();
  reader_.join();
  if (db_ && !sqlite3_get_autocommit(db_.get())) {
    sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

}  // namespace pgshift::sqlite
