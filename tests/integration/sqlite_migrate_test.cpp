// A SQLite file holding everything the SQLite source promises to carry, migrated into a real
// PostgreSQL server, then checked with plain SQL on the target (no pgshift code).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>

#include "tests/support/pg_test.hpp"

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

void sqlite_exec(sqlite3* db, const std::string& sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error ? error : "?";
    sqlite3_free(error);
    throw std::runtime_error("sqlite: " + message);
  }
}

std::string make_app_file(const std::string& name, bool with_bad_value) {
  auto path = std::filesystem::temp_directory_path() / (name + ".db");
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
  sqlite3_close(db);
  return "sqlite://" + path.string();
}

TEST(SqliteMigrate, AppFileArrivesExactly) {
  std::string source = make_app_file("pgshift_app", false);
  std::string target = fresh_database(target_cluster(), "sqlite_app");
  std::string report = ::testing::TempDir() + "/sqlite-report.json";
  auto run = run_pgshift({"migrate", "--source", source, "--target", target, "--jobs", "2",
                          "--chunk-size", "1", "--report", report});
  ASSERT_EQ(run.exit_code, 0) << run.err << run.out;

  // Types by declared type and affinity; names, NOT NULL, keys, indexes kept.
  EXPECT_EQ(query(target,
                  "SELECT column_name, data_type, is_nullable, is_identity FROM "
                  "information_schema.columns WHERE table_name = 'users' ORDER BY "
                  "ordinal_position"),
            (Rows{{"id", "bigint", "NO", "YES"},
                  {"email", "text", "NO", "NO"},
                  {"name", "character varying", "YES", "NO"},
                  {"is_admin", "boolean", "NO", "NO"},
                  {"balance", "double precision", "YES", "NO"},
                  {"created_at", "timestamp without time zone", "YES", "NO"}}));
  auto indexes = query(target,
                       "SELECT indexname, indexdef FROM pg_indexes "
                       "WHERE schemaname = 'public' ORDER BY 1");
  std::string all;
  for (const auto& row : indexes) all += row[0] + ": " + row[1] + "\n";
  EXPECT_NE(all.find("posts_recent: CREATE INDEX posts_recent ON public.posts USING btree "
                     "(published_at) WHERE (published_at IS NOT NULL)"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("posts_user:"), std::string::npos) << all;
  EXPECT_NE(all.find("tags_pkey:"), std::string::npos) << all;
  EXPECT_EQ(scalar(target,
                   "SELECT count(*) FROM pg_constraint WHERE contype = 'f' "
                   "AND conrelid = 'posts'::regclass"),
            "1");
  EXPECT_EQ(scalar(target,
                   "SELECT count(*) FROM pg_constraint WHERE contype = 'c' "
                   "AND conrelid = 'users'::regclass"),
            "1");

  // Values: unicode, all 17 digits of a REAL, ISO dates with T / fraction / zone, booleans.
  EXPECT_EQ(query(target,
                  "SELECT name, is_admin::text, balance::text, created_at::text FROM "
                  "users WHERE id <= 3 ORDER BY id"),
            (Rows{{"Ann ✓ Ünïcødé", "true", "0.1", "2024-03-01 12:34:56"},
                  {"Bob", "false", "1.7976931348623157e+308", "2024-03-01 12:34:56.789"},
                  {"<NULL>", "true", "-2.2250738585072014e-308", "2024-03-01 10:34:56.5"}}));
  // Epoch milliseconds in a DATETIME column became timestamps; the INTEGER column stayed bigint.
  EXPECT_EQ(scalar(target, "SELECT happened::text FROM posts ORDER BY id LIMIT 1"),
            "2023-11-14 22:13:20.001");
  EXPECT_EQ(scalar(target, "SELECT published_at FROM posts ORDER BY id LIMIT 1"), "1700000001000");
  EXPECT_EQ(scalar(target, "SELECT count(*) || '/' || sum(length(attachment)) FROM posts"),
            "19993/319888");
  EXPECT_EQ(scalar(target, "SELECT count(*) FROM log WHERE kind = 'boot' AND flag"), "2");
  EXPECT_EQ(scalar(target, "SELECT string_agg(name || ':' || hits, ',' ORDER BY name) FROM tags"),
            "postgres:5,sqlite:3,ünï:1");
  // The identity continues past the largest id (AUTOINCREMENT: past sqlite_sequence).
  EXPECT_EQ(scalar(target, "INSERT INTO users (email) VALUES ('new@example.com') RETURNING id"),
            "3004");
  EXPECT_EQ(scalar(target, "SELECT count(*) FROM users"), "3003");
}

TEST(SqliteMigrate, WronglyTypedValueStopsNamingTableKeyColumnAndValue) {
  std::string source = make_app_file("pgshift_bad", true);
  std::string target = fresh_database(target_cluster(), "sqlite_bad");
  auto run = run_pgshift({"migrate", "--source", source, "--target", target, "--quiet"});
  EXPECT_EQ(run.exit_code, 3) << run.err;
  EXPECT_NE(run.err.find("users"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("balance"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("lots"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("3004"), std::string::npos) << run.err;  // the row's key

  // With --on-type-error=null the run finishes and the value is NULL (and counted).
  std::string target2 = fresh_database(target_cluster(), "sqlite_bad_null");
  auto tolerant = run_pgshift(
      {"migrate", "--source", source, "--target", target2, "--quiet", "--on-type-error=null"});
  EXPECT_EQ(tolerant.exit_code, 0) << tolerant.err;
  EXPECT_EQ(scalar(target2, "SELECT balance IS NULL FROM users WHERE email = 'bad@example.com'"),
            "t");
}

TEST(SqliteMigrate, VerifyComparesTheFileWithTheTarget) {
  std::string source = make_app_file("pgshift_verify", false);
  std::string target = fresh_database(target_cluster(), "sqlite_verify");
  ASSERT_EQ(run_pgshift({"migrate", "--source", source, "--target", target, "--quiet"}).exit_code,
            0);
  auto equal = run_pgshift({"verify", "--source", source, "--target", target});
  EXPECT_EQ(equal.exit_code, 0) << equal.err << equal.out;
  exec(target,
       "UPDATE posts SET title = 'edited' WHERE id = 1234; "
       "DELETE FROM posts WHERE user_id = 77; DELETE FROM users WHERE id = 77");
  auto different = run_pgshift({"verify", "--source", source, "--target", target});
  EXPECT_EQ(different.exit_code, 1) << different.err;
  EXPECT_NE(different.out.find("changed"), std::string::npos) << different.out;
  EXPECT_NE(different.out.find("(1234)"), std::string::npos) << different.out;
  EXPECT_NE(different.out.find("missing"), std::string::npos) << different.out;
  EXPECT_NE(different.out.find("keys: (77)"), std::string::npos) << different.out;
}

TEST(SqliteMigrate, TableFiltersChooseTheTables) {
  std::string source = make_app_file("pgshift_filter", false);
  std::string target = fresh_database(target_cluster(), "sqlite_filter");
  auto run =
      run_pgshift({"migrate", "--source", source, "--target", target, "--quiet", "--include-table",
                   "users", "--include-table", "public.posts", "--exclude-table", "log"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(scalar(target,
                   "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables "
                   "WHERE schemaname = 'public'"),
            "posts,users");
  EXPECT_EQ(scalar(target, "SELECT count(*) FROM users"), "3002");
  EXPECT_EQ(scalar(target,
                   "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND "
                   "conrelid = 'public.posts'::regclass"),
            "1")
      << "posts -> users is created";

  auto verified = run_pgshift({"verify", "--source", source, "--target", target, "--include-table",
                               "users", "--include-table", "posts"});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;

  std::string empty = fresh_database(target_cluster(), "sqlite_filter_typo");
  auto typo = run_pgshift(
      {"migrate", "--source", source, "--target", empty, "--quiet", "--include-table", "userz"});
  EXPECT_EQ(typo.exit_code, 2) << typo.err;
  EXPECT_NE(typo.err.find("--include-table userz matches no table"), std::string::npos) << typo.err;
  EXPECT_EQ(
      scalar(empty, "SELECT count(*) FROM pg_tables WHERE schemaname IN ('public', 'pgshift')"),
      "0")
      << "nothing written";
}

TEST(SqliteMigrate, MissingFileIsRefused) {
  std::string target = fresh_database(target_cluster(), "sqlite_missing");
  auto run =
      run_pgshift({"migrate", "--source", "sqlite:///nonexistent/app.db", "--target", target});
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_NE(run.err.find("/nonexistent/app.db"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace pgshift::test
