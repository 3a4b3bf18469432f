// `pgshift verify` names exactly the rows that differ: a target corrupted on purpose in every way
// the issue lists reports those keys and nothing else (exit 1); an untouched copy is equal (exit
// 0).
#include <gtest/gtest.h>

#include "tests/support/pg_test.hpp"

namespace pgshift::test {
namespace {

constexpr const char* kSchema = R"SQL(
CREATE TABLE items (id int PRIMARY KEY, name text, price numeric(10, 2), doc text);
INSERT INTO items SELECT i, 'item ' || i, i * 0.5,
  CASE WHEN i % 1000 = 0 THEN repeat(md5(i::text), 300) ELSE 'd' || i END
FROM generate_series(1, 120000) i;
CREATE TABLE accounts (region text, login text, balance bigint, PRIMARY KEY (region, login));
INSERT INTO accounts SELECT 'region, ' || (i % 7), 'user ''' || i, i FROM generate_series(1, 5000) i;
CREATE TABLE events (kind text, payload jsonb);  -- no key, duplicates
INSERT INTO events SELECT 'k' || (i % 10), jsonb_build_object('n', i % 10)
FROM generate_series(1, 3000) i;
ANALYZE;
)SQL";

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

class Verify : public ::testing::Test {
 protected:
  void SetUp() override {
    source = fresh_database(source_cluster(), "verify_src");
    target = fresh_database(target_cluster(), "verify_dst");
    exec(source, kSchema);
    ASSERT_EQ(migrate_without_state(source, target), "");
  }
  // Small chunks compare key by key at once; large ones (120k rows) are split and re-hashed first.
  RunResult verify(const std::string& report, const std::string& chunk_mb = "1",
                   const std::string& row_hash = "server") {
    return run_pgshift({"verify", "--source", source, "--target", target, "--jobs", "2",
                        "--chunk-size", chunk_mb, "--report", report, "--row-hash", row_hash});
  }
  std::string source, target;
};

TEST_F(Verify, UntouchedCopyIsEqual) {
  std::string report = ::testing::TempDir() + "/verify-equal.json";
  auto run = verify(report);
  EXPECT_EQ(run.exit_code, 0) << run.err << run.out;
  std::string json = read_file(report);
  EXPECT_NE(json.find("\"status\": \"equal\""), std::string::npos) << json;
  EXPECT_EQ(count(json, "\"kind\""), 0u) << json;
}

TEST_F(Verify, NamesExactlyTheCorruptedRows) {
  exec(target,
       "DELETE FROM items WHERE id = 4242;"
       "INSERT INTO items VALUES (200001, 'intruder', 1, 'x');"
       "UPDATE items SET price = price + 1 WHERE id = 77777;"
       "UPDATE items SET doc = doc || 'tampered' WHERE id = 9000;"
       "UPDATE accounts SET balance = -1 WHERE region = 'region, 3' AND login = 'user ''10';"
       "DELETE FROM events WHERE ctid = (SELECT ctid FROM events WHERE kind = 'k3' LIMIT 1);");
  // Servers' digests first (the default), then pgshift's own: the same six differences.
  for (auto [chunk_mb, row_hash] :
       {std::pair{"1", "server"}, std::pair{"64", "server"}, std::pair{"1", "client"}}) {
    SCOPED_TRACE(std::string("chunk size ") + chunk_mb + " MB, row hash " + row_hash);
    std::string report = ::testing::TempDir() + "/verify-diff.json";
    auto run = verify(report, chunk_mb, row_hash);
    EXPECT_EQ(run.exit_code, 1) << run.err << run.out;
    std::string json = read_file(report);
    EXPECT_NE(json.find("\"kind\": \"missing\", \"keys\": [\"(4242)\"]"), std::string::npos)
        << json;
    EXPECT_NE(json.find("\"kind\": \"extra\", \"keys\": [\"(200001)\"]"), std::string::npos)
        << json;
    EXPECT_NE(json.find("\"kind\": \"changed\", \"keys\": [\"(77777)\"], \"columns\": [\"price\"]"),
              std::string::npos)
        << json;
    EXPECT_NE(json.find("\"kind\": \"changed\", \"keys\": [\"(9000)\"], \"columns\": [\"doc\"]"),
              std::string::npos)
        << json;
    EXPECT_NE(json.find("\"keys\": [\"('region, 3', 'user ''10')\"], \"columns\": [\"balance\"]"),
              std::string::npos)
        << json;
    EXPECT_NE(
        json.find("\"kind\": \"missing\", \"keys\": [\"(k3,\\\"{\\\"\\\"n\\\"\\\": 3}\\\")\"]"),
        std::string::npos)
        << json;
    // Nothing else: six differences in all.
    EXPECT_EQ(count(json, "\"kind\""), 6u) << json;
    EXPECT_NE(run.out.find("DIFFERENT"), std::string::npos) << run.out;
  }
}

TEST_F(Verify, SchemaDifferencesAreReported) {
  exec(target, "ALTER TABLE accounts ADD COLUMN note text; DROP TABLE events;");
  auto run = verify(::testing::TempDir() + "/verify-schema.json");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.out.find("extra_column: column note exists in the target only"), std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("missing_table"), std::string::npos) << run.out;
}

TEST_F(Verify, WritesToNeitherSide) {
  auto before =
      scalar(target, "SELECT sum(n_tup_ins + n_tup_upd + n_tup_del) FROM pg_stat_user_tables");
  auto run = verify(::testing::TempDir() + "/verify-ro.json");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(scalar(target, "SELECT to_regnamespace('pgshift') IS NULL"), "t");
  EXPECT_EQ(scalar(source, "SELECT to_regnamespace('pgshift') IS NULL"), "t");
  EXPECT_EQ(
      before,
      scalar(target, "SELECT sum(n_tup_ins + n_tup_upd + n_tup_del) FROM pg_stat_user_tables"));
}

}  // namespace
}  // namespace pgshift::test
