// A SQLite file holding everything the SQLite source promises to carry, migrated into a real
// PostgreSQL server, then checked with plain SQL on the target (no pgshift code).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "tests/support/pg_test.hpp"
#include "tests/support/sqlite_app_file.hpp"

namespace pgshift::test {
namespace {

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
  // Every table was analyzed by its finisher.
  EXPECT_EQ(scalar(target,
                   "SELECT string_agg(relname, ', ') FROM pg_stat_user_tables "
                   "WHERE schemaname = 'public' AND last_analyze IS NULL"),
            "<NULL>");

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
  std::string report =
      ::testing::TempDir() + "/sqlite-null-report-" + std::to_string(::getpid()) + ".json";
  auto tolerant = run_pgshift({"migrate", "--source", source, "--target", target2, "--quiet",
                               "--on-type-error=null", "--report", report});
  EXPECT_EQ(tolerant.exit_code, 0) << tolerant.err;
  EXPECT_EQ(scalar(target2, "SELECT balance IS NULL FROM users WHERE email = 'bad@example.com'"),
            "t");
  std::ifstream file(report);
  std::stringstream json;
  json << file.rdbuf();
  std::remove(report.c_str());
  EXPECT_NE(json.str().find("table users column balance: 1 value did not fit and became NULL "
                            "(first: key id=3004: value 'lots' is not a number)"),
            std::string::npos)
      << json.str();
}

TEST(SqliteMigrate, TextPolicyMakesTheColumnTextAndVerifyAgrees) {
  std::string source = make_app_file("pgshift_bad_text", true);
  std::string target = fresh_database(target_cluster(), "sqlite_bad_text");
  std::string report =
      ::testing::TempDir() + "/sqlite-text-report-" + std::to_string(::getpid()) + ".json";
  auto run = run_pgshift({"migrate", "--source", source, "--target", target, "--jobs", "2",
                          "--on-type-error=text", "--report", report});
  ASSERT_EQ(run.exit_code, 0) << run.err << run.out;
  EXPECT_EQ(scalar(target,
                   "SELECT data_type FROM information_schema.columns WHERE table_schema = "
                   "'public' AND table_name = 'users' AND column_name = 'balance'"),
            "text");
  // Only the column holding the refused value became text.
  EXPECT_EQ(scalar(target,
                   "SELECT data_type FROM information_schema.columns WHERE table_schema = "
                   "'public' AND table_name = 'users' AND column_name = 'name'"),
            "character varying");
  EXPECT_EQ(scalar(target, "SELECT balance FROM users WHERE email = 'bad@example.com'"), "lots");
  // The other values of the column arrive in their text form, all 17 digits kept.
  EXPECT_EQ(scalar(target, "SELECT balance FROM users WHERE id = 2"), "1.7976931348623157e+308");
  EXPECT_EQ(scalar(target, "SELECT balance FROM users WHERE id = 1"), "0.1");
  EXPECT_EQ(scalar(target, "SELECT count(*) FROM users"), "3003");  // 3004 ids, one hole
  std::ifstream file(report);
  std::stringstream json;
  json << file.rdbuf();
  std::remove(report.c_str());
  EXPECT_NE(json.str().find("table users column balance: 1 value did not fit double precision "
                            "(first: key id=3004: value 'lots' is not a number); the column "
                            "became text"),
            std::string::npos)
      << json.str();
  // Shown once, when found (stderr), not again in the summary.
  EXPECT_NE((run.out + run.err).find("became text"), std::string::npos) << run.out << run.err;

  // verify reads the file with the same policy: the same column is text, and all is equal.
  auto equal = run_pgshift(
      {"verify", "--source", source, "--target", target, "--on-type-error=text", "--quiet"});
  EXPECT_EQ(equal.exit_code, 0) << equal.err << equal.out;
  exec(target, "UPDATE users SET balance = 'more' WHERE email = 'bad@example.com'");
  auto changed =
      run_pgshift({"verify", "--source", source, "--target", target, "--on-type-error=text"});
  EXPECT_EQ(changed.exit_code, 1) << changed.err << changed.out;
  EXPECT_NE(changed.out.find("(3004)"), std::string::npos) << changed.out;
}

// A value of the file that does not fit its column's type is bad input for verify (nothing is
// written): exit 2 and one line naming table, key and column, the table named once.
TEST(SqliteMigrate, VerifyOfAValueThatDoesNotFitIsBadInput) {
  std::string source = make_app_file("pgshift_verify_bad", true);
  std::string target = fresh_database(target_cluster(), "sqlite_verify_bad");
  ASSERT_EQ(run_pgshift({"migrate", "--source", source, "--target", target, "--quiet",
                         "--on-type-error=null"})
                .exit_code,
            0);
  auto logged = run_pgshift({"verify", "--source", source, "--target", target});
  EXPECT_EQ(logged.exit_code, 2) << logged.err;
  EXPECT_EQ(logged.err.find("pgshift: "), logged.err.rfind("pgshift: ")) << logged.err;
  auto run = run_pgshift({"verify", "--source", source, "--target", target, "--quiet"});
  EXPECT_EQ(run.exit_code, 2) << run.err;
  std::size_t lines = 0;
  for (char c : run.err) lines += c == '\n';
  EXPECT_EQ(lines, 1u) << run.err;
  EXPECT_EQ(run.err.rfind("pgshift: table users key id=3004 column balance: value 'lots'", 0), 0u)
      << run.err;
  EXPECT_EQ(run.err.find("table public.users"), std::string::npos)
      << "table named twice: " << run.err;
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

// A keyless table with an index is stored in that index's order (rows sorted by kind, then at, in
// each batch a reader holds), with exactly the rows of the file: every row is still there, and
// verify agrees.
TEST(SqliteMigrate, KeylessTableWithAnIndexIsStoredInItsOrder) {
  std::string source = make_app_file(
      "pgshift_clustered", false,
      "CREATE INDEX log_kind_at ON log (kind, at); "
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 30000) "
      "INSERT INTO log SELECT printf('kind %d %.*c', i * 7 % 11, i * 37 % 120, 'x'), "
      "printf('2024-01-%02d', 1 + i % 28), i % 2 FROM n");
  std::string target = fresh_database(target_cluster(), "sqlite_clustered");
  // 2-3 MB of rows: at --chunk-size 1 it would be cut in several chunks, were it not clustered
  // (and it is at most a worker's share of the run's work at --jobs 2).
  auto run = run_pgshift({"migrate", "--source", source, "--target", target, "--quiet",
                          "--chunk-size", "1", "--jobs", "2"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(scalar(target, "SELECT count(*) FROM log"), "30003");
  EXPECT_EQ(scalar(target,
                   "SELECT count(*) FROM pgshift.chunks c JOIN pgshift.tables t USING (table_id) "
                   "WHERE t.table_name = 'log'"),
            "1");
  // In heap order (kind, at) never goes down: one run, and no row of a different size put on
  // an earlier page that had room for it.
  EXPECT_EQ(
      scalar(target,
             "SELECT count(*) FROM (SELECT kind, at, lag(kind) OVER w AS k0, "
             "lag(at) OVER w AS a0 FROM log WINDOW w AS (ORDER BY ctid)) s "
             "WHERE (kind COLLATE \"C\", at COLLATE \"C\") < (k0 COLLATE \"C\", a0 COLLATE \"C\")"),
      "0");
  auto verified = run_pgshift({"verify", "--source", source, "--target", target});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
}

// SQLite does not check foreign keys unless asked to, so a file can hold a row whose parent is
// gone. The key's validation stops the run naming it, and leaves no half-made key behind.
TEST(SqliteMigrate, RowWithoutItsParentStopsTheRunNamingTheForeignKey) {
  std::string source =
      make_app_file("pgshift_orphan", false,
                    "INSERT INTO posts (user_id, title, published_at, happened, body) "
                    "VALUES (987654, 'orphan', 1700000000000, 1700000000000, 'no such user')");
  std::string target = fresh_database(target_cluster(), "sqlite_orphan");
  auto run = run_pgshift({"migrate", "--source", source, "--target", target, "--quiet"});
  EXPECT_NE(run.exit_code, 0) << run.err;
  EXPECT_NE(run.err.find("posts_user_id_fkey"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("987654"), std::string::npos) << run.err;
  EXPECT_EQ(scalar(target,
                   "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND "
                   "conrelid = 'public.posts'::regclass"),
            "0")
      << "the key is not left NOT VALID";
  EXPECT_EQ(scalar(target, "SELECT count(*) FROM posts WHERE user_id = 987654"), "1");
}

// A foreign key named in the CREATE TABLE text arrives under that name, like named primary keys,
// CHECKs and indexes; an unnamed one gets PostgreSQL's default name.
TEST(SqliteMigrate, NamedForeignKeyKeepsItsName) {
  std::string source = make_app_file(
      "pgshift_fk_names", false,
      "CREATE TABLE language (language_id INTEGER PRIMARY KEY, name TEXT NOT NULL); "
      "CREATE TABLE film (film_id INTEGER PRIMARY KEY, title TEXT, "
      "language_id INTEGER NOT NULL, original_language_id INTEGER REFERENCES language, "
      "CONSTRAINT fk_film_language FOREIGN KEY (language_id) REFERENCES language (language_id)); "
      "INSERT INTO language VALUES (1, 'English'), (2, 'Italian'); "
      "INSERT INTO film VALUES (1, 'Roma', 2, 1), (2, 'Heat', 1, NULL);");
  std::string target = fresh_database(target_cluster(), "sqlite_fk_names");
  auto run = run_pgshift({"migrate", "--source", source, "--target", target, "--quiet"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(
      query(target,
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' AND conrelid = 'public.film'::regclass ORDER BY 1"),
      (Rows{{"film_original_language_id_fkey",
             "FOREIGN KEY (original_language_id) REFERENCES language(language_id)"},
            {"fk_film_language", "FOREIGN KEY (language_id) REFERENCES language(language_id)"}}));
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
