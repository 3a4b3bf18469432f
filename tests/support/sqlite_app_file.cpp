#include "tests/support/sqlite_app_file.hpp"

#include <unistd.h>

#include <filesystem>
#include <stdexcept>

namespace pgshift::test {

namespace {

constexpr const char* kAppSchema = R"SQL(
CREATE TABLE users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  email TEXT NOT NULL UNIQUE,
  name VARCHAR(40),
  is_admin BOOLEAN NOT NULL DEFAULT 0,
  balance REAL,
  created_at DATETIME DEFAULT CURRENT_TIMESTAMP,
  CHECK (length(email) > 3));
CREATE TABLE posts (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users (id),
  title TEXT,
  published_at INTEGER,   -- epoch milliseconds, declared INTEGER
  happened DATETIME,      -- epoch milliseconds in a date-like column
  body TEXT,
  attachment BLOB);
CREATE INDEX posts_user ON posts (user_id);
CREATE INDEX posts_recent ON posts (published_at) WHERE published_at IS NOT NULL;
CREATE TABLE tags (name TEXT PRIMARY KEY, hits INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
CREATE TABLE log (kind TEXT, at TEXT, flag BOOLEAN);  -- a rowid table without a key
)SQL";

}  // namespace

void sqlite_exec(sqlite3* db, const std::string& sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error ? error : "?";
    sqlite3_free(error);
    throw std::runtime_error("sqlite: " + message);
  }
}

std::string make_app_file(const std::string& name, bool with_bad_value,
                          const std::string& extra_sql) {
  // Per process: two suites running at once (a sanitizer build beside the plain one) must not
  // write each other's file.
  auto path =
      std::filesystem::temp_directory_path() / (name + "-" + std::to_string(getpid()) + ".db");
  std::filesystem::remove(path);
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite_exec(db, kAppSchema);
  sqlite_exec(db, R"SQL(
    INSERT INTO users (email, name, is_admin, balance, created_at) VALUES
      ('ann@example.com', 'Ann ✓ Ünïcødé', 1, 0.1000000000000000055511151231257827, '2024-03-01 12:34:56'),
      ('bob@example.com', 'Bob', 0, 1.7976931348623157e308, '2024-03-01T12:34:56.789Z'),
      ('cy@example.com', NULL, 'true', -2.2250738585072014e-308, '2024-03-01 12:34:56.5+02:00');
    WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 3000)
    INSERT INTO users (email, name, is_admin, balance, created_at)
      SELECT 'user' || i || '@example.com', 'user ' || i, i % 2, i / 3.0, '2023-12-31 23:59:59'
      FROM c;
    DELETE FROM users WHERE id = 10;  -- a hole, and sqlite_sequence stays at the max
    WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 20000)
    INSERT INTO posts (user_id, title, published_at, happened, body, attachment)
      SELECT 1 + i % 3000, 'post ' || i, 1700000000000 + i * 1000, 1700000000000 + i,
             printf('%.*c', 200 + i % 300, 'x'), randomblob(16)
      FROM c WHERE (1 + i % 3000) <> 10;
    INSERT INTO tags VALUES ('sqlite', 3), ('postgres', 5), ('ünï', 1);
    INSERT INTO log VALUES ('boot', '2024-01-01 00:00:00', 1), ('boot', '2024-01-01 00:00:00', 1),
                           ('stop', '2024-01-02 00:00:00', 0);
  )SQL");
  if (with_bad_value) {
    sqlite_exec(db, "INSERT INTO users (email, balance) VALUES ('bad@example.com', 'lots')");
  }
  if (!extra_sql.empty()) sqlite_exec(db, extra_sql);
  sqlite3_close(db);
  return "sqlite://" + path.string();
}

}  // namespace pgshift::test
