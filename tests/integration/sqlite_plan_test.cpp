// `pgshift plan` and `migrate --dry-run` with a SQLite source against the real fixture server:
// a file holding every feature shows its mappings, epoch rule and inventory (exit 0); a wrongly
// typed value is a blocker naming table, column and value (exit 2) unless --on-type-error=text or
// =null turns it into a warning; a non-empty or unreachable target is a blocker. The plan writes
// nothing to the target (checked with plain SQL) nor to the file.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/support/pg_test.hpp"
#include "tests/support/plan_run.hpp"
#include "tests/support/sqlite_app_file.hpp"

namespace pgshift::test {
namespace {

// Beyond the app file: a view, a trigger, an expression index, an index on the keyless log table
// (which migrate then sends in its order), an untyped column and one of an unknown declared type.
constexpr const char* kMore = R"SQL(
  CREATE VIEW admins AS SELECT * FROM users WHERE is_admin;
  CREATE TRIGGER users_touch AFTER UPDATE ON users BEGIN SELECT 1; END;
  CREATE INDEX posts_title_lower ON posts (lower(title));
  CREATE INDEX log_kind ON log (kind);
  CREATE TABLE notes (id INTEGER PRIMARY KEY, payload, score FANCYNUM);
  INSERT INTO notes VALUES (1, x'00ff', 1.5), (2, 'text', 2);
)SQL";

std::string file_of(const std::string& endpoint) {
  return endpoint.substr(std::string("sqlite://").size());
}

TEST(SqlitePlan, FileWithEveryFeatureShowsMappingsEpochRulesAndInventory) {
  std::string source = make_app_file("pgshift_plan_app", false, kMore);
  auto modified = std::filesystem::last_write_time(file_of(source));
  std::string target = fresh_database(target_cluster(), "sqlite_plan_app");
  auto result = plan(source, target, {"--chunk-size", "1"});
  EXPECT_EQ(result.run.exit_code, 0) << result.run.out << result.run.err;
  const std::string& out = result.run.out;
  for (const char* expected : {
           "Source  sqlite:/",
           "PostgreSQL 15.",
           "tables: 5, 23003 rows (counted)",
           "WITHOUT ROWID 1, AUTOINCREMENT 1, rowid-keyed 3, keyless 2",
           "partial 1, expression 1, unique 2;",
           "foreign keys 1, CHECK constraints 1",
           "not migrated: views 1 (admins), triggers 1 (users_touch on users), virtual tables 0",
           "users: 3002 rows, ",
           "AUTOINCREMENT, rowid key id (INTEGER PRIMARY KEY)",
           "tags: 3 rows, ",
           "WITHOUT ROWID, keyless for chunks (primary key name is created",
           "log: 3 rows, ",
           "keyless (copied and verified as a whole table); 1 chunk (rowid ranges), rows sent in "
           "log_kind order\n",
           "indexes and keys: posts_recent (partial), posts_title_lower (expression), posts_user",
           "foreign keys: (user_id) -> users (id)",
           "    balance     REAL [REAL]        -> double precision\n",
           "    name        VARCHAR(40) [TEXT] -> varchar(40)\n",
           "    is_admin    BOOLEAN [NUMERIC]  -> boolean  (NOT NULL)\n",
           "    happened      DATETIME [NUMERIC] -> timestamp without time zone  (integers: epoch "
           "milliseconds)\n",
           "    published_at  INTEGER [INTEGER]  -> bigint\n",
           "    payload  (none) [BLOB]      -> bytea  (no declared type",
           "    score    FANCYNUM [NUMERIC] -> numeric  (unknown declared type FANCYNUM",
           "  posts.happened (DATETIME -> timestamp without time zone): integers are epoch "
           "milliseconds, from 2000 sampled integers and 0 reals\n",
           "  users.created_at (DATETIME -> timestamp without time zone): no integers sampled",
           "  every value fits its column's type\n",
           "estimated migrate time: ",
           "Blockers (migrate refuses: exit 2)\n  none\n",
           "  - view admins is not migrated\n",
           "  - trigger users_touch on users is not migrated\n",
           "  - table notes column score: unknown declared type FANCYNUM",
           "  - table notes column payload has no declared type",
           "0 blockers, ",
           "ready to migrate",
       }) {
    EXPECT_NE(out.find(expected), std::string::npos) << "missing: " << expected << "\n" << out;
  }
  for (const char* expected : {
           "\"command\": \"plan\"",
           "\"status\": \"ok\"",
           "\"exit_code\": 0",
           "\"source_kind\": \"sqlite\"",
           "\"target_reached\": true",
           "\"name\": \"posts\", \"rows_source\": 19993, \"rows_exact\": true",
           "\"epoch_unit\": \"milliseconds\"",
           "\"chunking\": \"rowid ranges\", \"clustered_on\": \"log_kind\"",
           "\"chunking\": \"key ranges\", \"clustered_on\": null",
           "\"blockers\": []",
       }) {
    EXPECT_NE(result.json.find(expected), std::string::npos) << "missing: " << expected << "\n"
                                                             << result.json;
  }
  expect_untouched(target);
  EXPECT_EQ(std::filesystem::last_write_time(file_of(source)), modified);

  // migrate --dry-run is the same assessment, and writes nothing either.
  auto dry = run_pgshift({"migrate", "--dry-run", "--source", source, "--target", target});
  EXPECT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_NE(dry.out.find("Type mapping"), std::string::npos) << dry.out;
  EXPECT_NE(dry.out.find("integers are epoch milliseconds"), std::string::npos);
  expect_untouched(target);
}

TEST(SqlitePlan, WronglyTypedValueIsABlockerNamingTableColumnAndValue) {
  std::string source = make_app_file("pgshift_plan_bad", true);
  std::string target = fresh_database(target_cluster(), "sqlite_plan_bad");
  auto result = plan(source, target);
  EXPECT_EQ(result.run.exit_code, 2) << result.run.out << result.run.err;
  EXPECT_TRUE(
      result.has("Blockers (migrate refuses: exit 2)\n  - table users column balance "
                 "(double precision): 1 value does not fit; first: key id=3004: value "
                 "'lots' is not a number\n"))
      << result.run.out;
  EXPECT_TRUE(
      result.has("users.balance (double precision): 1 value does not fit: migrate "
                 "refuses"));
  EXPECT_TRUE(result.has("\"status\": \"blocked\""));
  EXPECT_TRUE(result.has("\"code\": \"value_does_not_fit\""));
  EXPECT_TRUE(
      result.has("\"refused\": 1, \"first_refused\": \"key id=3004: value 'lots' is not "
                 "a number\""))
      << result.json;
  expect_untouched(target);

  // --quiet: the blocker still goes to stderr.
  auto quiet = run_pgshift({"plan", "--source", source, "--target", target, "--quiet"});
  EXPECT_EQ(quiet.exit_code, 2);
  EXPECT_TRUE(quiet.out.empty()) << quiet.out;
  EXPECT_NE(quiet.err.find("blocker: table users column balance"), std::string::npos) << quiet.err;

  // --on-type-error=null: a warning that says the value becomes NULL.
  auto nulls = plan(source, target, {"--on-type-error=null"});
  EXPECT_EQ(nulls.run.exit_code, 0) << nulls.run.out;
  EXPECT_TRUE(nulls.has("1 value does not fit and becomes NULL (--on-type-error=null)"));
  expect_untouched(target);
}

TEST(SqlitePlan, TextPolicyIsAWarningThatTheColumnBecomesText) {
  std::string source = make_app_file("pgshift_plan_text", true);
  std::string target = fresh_database(target_cluster(), "sqlite_plan_text");
  auto result = plan(source, target, {"--on-type-error=text"});
  EXPECT_EQ(result.run.exit_code, 0) << result.run.out << result.run.err;
  EXPECT_TRUE(
      result.has("  - table users column balance becomes text instead of double "
                 "precision (--on-type-error=text): 1 value did not fit double "
                 "precision; first: key id=3004: value 'lots' is not a number\n"))
      << result.run.out;
  EXPECT_TRUE(
      result.has("    balance     REAL [REAL]        -> text  (--on-type-error=text: "
                 "was double precision;"))
      << result.run.out;
  EXPECT_TRUE(result.has("0 blockers, "));
  EXPECT_TRUE(result.has("\"code\": \"column_becomes_text\""));
  EXPECT_TRUE(result.has("\"pg_type\": \"text\", \"mapped_type\": \"double precision\""))
      << result.json;
  expect_untouched(target);
}

TEST(SqlitePlan, TargetThatIsNotEmptyOrUnreachableIsABlocker) {
  std::string source = make_app_file("pgshift_plan_target", false);
  std::string target = fresh_database(target_cluster(), "sqlite_plan_target");
  exec(target, "CREATE TABLE users (id int); INSERT INTO users VALUES (1)");
  auto occupied = plan(source, target);
  EXPECT_EQ(occupied.run.exit_code, 2) << occupied.run.out;
  EXPECT_TRUE(
      occupied.has("target is not empty: table public.users holds rows that pgshift did "
                   "not copy"))
      << occupied.run.out;
  EXPECT_EQ(scalar(target, "SELECT count(*) FROM users"), "1");
  EXPECT_EQ(scalar(target, "SELECT count(*) FROM pg_namespace WHERE nspname = 'pgshift'"), "0");

  // Nothing listens on port 1: the file's report is still printed, with the blocker.
  auto unreachable = plan(source, "postgres://nobody:secretpw@127.0.0.1:1/none");
  EXPECT_EQ(unreachable.run.exit_code, 2) << unreachable.run.err;
  EXPECT_TRUE(unreachable.has("not reachable: ")) << unreachable.run.out;
  EXPECT_TRUE(unreachable.has("Type mapping"));
  EXPECT_TRUE(unreachable.has("\"code\": \"target_unreachable\""));
  EXPECT_FALSE(unreachable.has("secretpw"));
}

TEST(SqlitePlan, MissingFileIsRefused) {
  std::string target = fresh_database(target_cluster(), "sqlite_plan_missing");
  auto result = plan("sqlite:///nonexistent/app.db", target);
  EXPECT_EQ(result.run.exit_code, 2) << result.run.err;
  EXPECT_NE(result.run.err.find("/nonexistent/app.db"), std::string::npos) << result.run.err;
  EXPECT_TRUE(result.has("\"status\": \"refused\""));
}

}  // namespace
}  // namespace pgshift::test
