// Integration-test support: SQLite files made with the sqlite3 library itself (no pgshift code),
// holding everything the SQLite source promises to carry: an AUTOINCREMENT table with a hole, a
// rowid table with a foreign key, epoch-millisecond INTEGER and DATETIME columns, a partial index,
// a WITHOUT ROWID table, a keyless rowid table, booleans, blobs, 17-digit REALs, unicode text.
#pragma once

#include <sqlite3.h>

#include <string>

namespace pgshift::test {

// Runs `sql` on an open database; throws on error.
void sqlite_exec(sqlite3* db, const std::string& sql);

// Creates (again) <temp dir>/<name>.db with the app schema and rows, then runs `extra_sql` on it;
// `with_bad_value` adds a user whose REAL balance is the text 'lots' (id 3004). Returns the
// endpoint, sqlite:///<path>.
std::string make_app_file(const std::string& name, bool with_bad_value,
                          const std::string& extra_sql = "");

}  // namespace pgshift::test
