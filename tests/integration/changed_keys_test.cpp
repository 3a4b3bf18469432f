// The "changed keys" set against real servers: `pgshift sync` records in pgshift.touched_keys
// exactly the keys its stream touched after the copy (both keys of a key change, '{}' for a
// REPLICA IDENTITY FULL keyless table and for a truncated one), and check_changed_keys compares
// just those keys between source and target, names each planted difference with its kind, and
// with remove_equal forgets the equal keys only (and never one whose stamp moved meanwhile).
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>

#include "connectors/pg/session.hpp"
#include "tests/support/pg_test.hpp"
#include "verify/changed_keys.hpp"

namespace pgshift::test {
namespace {

struct SlotCleanup {
  std::string source, target;
  ~SlotCleanup() { run_pgshift({"cleanup", "--source", source, "--target", target, "--quiet"}); }
};

void sync_to_current(const std::string& source, const std::string& target) {
  auto run = run_pgshift(
      {"sync", "--source", source, "--target", target, "--jobs", "2", "--endpos", "current"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
}

// Runs `body` with a session on each database, on an io_context.
void with_sessions(const std::string& source_uri, const std::string& target_uri,
                   std::function<Task<void>(pg::Connection&, pg::Connection&)> body) {
  asio::io_context io;
  bool finished = false;
  auto main = [&]() -> Task<void> {
    auto source_endpoint = Endpoint::parse(source_uri, "source");
    auto target_endpoint = Endpoint::parse(target_uri, "target");
    EXPECT_TRUE(source_endpoint && target_endpoint);
    auto source = co_await pg::open_session(*source_endpoint, "source");
    EXPECT_TRUE(source.has_value()) << source.error().message;
    auto target = co_await pg::open_session(*target_endpoint, "target");
    EXPECT_TRUE(target.has_value()) << target.error().message;
    co_await body(*source, *target);
  };
  asio::co_spawn(io, main(), [&](std::exception_ptr crashed) {
    finished = true;
    if (crashed) std::rethrow_exception(crashed);
  });
  io.run();
  ASSERT_TRUE(finished);
}

verify::ChangedKeyCheck check(const std::string& source, const std::string& target,
                              bool remove_equal) {
  verify::ChangedKeyCheck out;
  with_sessions(source, target, [&](pg::Connection& s, pg::Connection& t) -> Task<void> {
    auto checked = co_await verify::check_changed_keys(s, t, remove_equal);
    EXPECT_TRUE(checked.has_value()) << checked.error().message;
    if (checked) out = std::move(*checked);
  });
  return out;
}

std::vector<std::string> row_count_differences(const std::string& source, const std::string& target,
                                               const std::vector<std::string>& tables) {
  std::vector<std::string> out;
  with_sessions(source, target, [&](pg::Connection& s, pg::Connection& t) -> Task<void> {
    auto compared = co_await verify::compare_row_counts(s, t, tables);
    EXPECT_TRUE(compared.has_value()) << compared.error().message;
    if (compared) out = std::move(*compared);
  });
  return out;
}

std::vector<std::string> described(const std::vector<verify::KeyDifference>& differences) {
  std::vector<std::string> out;
  for (const auto& difference : differences) {
    out.push_back(difference.table + " " + difference.key + " " + difference.kind);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// (table, key[1], key[2], number of key values) of every recorded key, in a fixed order.
Rows recorded_keys(const std::string& target) {
  exec(target, verify::kFoldTouchedLogSql);
  return query(target,
               "SELECT table_name, coalesce(key[1], '-'), coalesce(key[2], '-'), "
               "cardinality(key)::text FROM pgshift.touched_keys "
               "ORDER BY table_name, cardinality(key), key[1] COLLATE \"C\", key[2] COLLATE \"C\"");
}

const char* const kOdd = R"(it's, "q" \ {z})";

TEST(ChangedKeys, SyncRecordsTouchedKeysAndTheCheckFindsPlantedDifferences) {
  std::string source = fresh_database(source_cluster(), "keys_src");
  std::string target = fresh_database(target_cluster(), "keys_dst");
  SlotCleanup cleanup{source, target};
  exec(source,
       "CREATE TABLE items (id int PRIMARY KEY, v text);"
       "INSERT INTO items SELECT i, 'v' || i FROM generate_series(1, 100) i;"
       "CREATE TABLE pairs (a text, b text, n int, PRIMARY KEY (a, b));"
       "INSERT INTO pairs VALUES ('x', $$" +
           std::string(kOdd) +
           "$$, 1), ('x', 'plain', 2), ('y', 'plain', 3);"
           "CREATE TABLE log (a int, b text);"
           "ALTER TABLE log REPLICA IDENTITY FULL;"
           "INSERT INTO log VALUES (1, 'a');"
           "CREATE TABLE scratch (id int PRIMARY KEY);"
           "INSERT INTO scratch SELECT generate_series(1, 5);"
           "CREATE TABLE quiet (id int PRIMARY KEY);"
           "INSERT INTO quiet SELECT generate_series(1, 5);");
  sync_to_current(source, target);
  exec(target, verify::kFoldTouchedLogSql);
  EXPECT_EQ(scalar(target, "SELECT count(*) FROM pgshift.touched_keys"), "0");
  const std::string copied_at = scalar(target, "SELECT applied_lsn FROM pgshift.sync");

  exec(source,
       "UPDATE items SET v = 'changed' WHERE id IN (1, 2);"
       "DELETE FROM items WHERE id = 3;"
       "INSERT INTO items VALUES (101, 'new');"
       "UPDATE items SET id = 200 WHERE id = 4;"
       "UPDATE items SET v = 'again' WHERE id = 1;"
       "UPDATE pairs SET n = 10 WHERE b = $$" +
           std::string(kOdd) +
           "$$;"
           "UPDATE pairs SET b = 'moved' WHERE a = 'y';"
           "INSERT INTO log VALUES (2, 'b');"
           "UPDATE scratch SET id = 50 WHERE id = 1;"
           "TRUNCATE scratch;"
           "INSERT INTO scratch VALUES (7);");
  sync_to_current(source, target);

  // (a) exactly the touched keys: both ends of each key change, '{}' for the keyless table and
  // for the truncated one (whose keys touched before the TRUNCATE are gone).
  EXPECT_EQ(recorded_keys(target), (Rows{{"items", "1", "-", "1"},
                                         {"items", "101", "-", "1"},
                                         {"items", "2", "-", "1"},
                                         {"items", "200", "-", "1"},
                                         {"items", "3", "-", "1"},
                                         {"items", "4", "-", "1"},
                                         {"log", "-", "-", "0"},
                                         {"pairs", "x", kOdd, "2"},
                                         {"pairs", "y", "moved", "2"},
                                         {"pairs", "y", "plain", "2"},
                                         {"scratch", "-", "-", "0"},
                                         {"scratch", "7", "-", "1"}}));
  // Stamped with a commit end of the second run's stream, at most what it applied.
  EXPECT_EQ(scalar(target, "SELECT bool_and(touched_lsn > '" + copied_at +
                               "' AND touched_lsn <= (SELECT applied_lsn FROM pgshift.sync)) "
                               "FROM pgshift.touched_keys"),
            "t");

  // (b) the recorded keys are equal on both sides; whole tables are listed, not compared.
  auto clean = check(source, target, false);
  EXPECT_TRUE(clean.differences.empty()) << described(clean.differences).front();
  EXPECT_EQ(clean.keys_checked, 9);
  EXPECT_EQ(clean.tables_checked, 2);
  EXPECT_EQ(clean.whole_tables,
            (std::vector<std::string>{"\"public\".\"log\"", "\"public\".\"scratch\""}));
  EXPECT_TRUE(row_count_differences(source, target, clean.whole_tables).empty());

  exec(target,
       "UPDATE items SET v = 'planted' WHERE id = 2;"
       "INSERT INTO items VALUES (3, 'ghost');"
       "DELETE FROM pairs WHERE a = 'y' AND b = 'moved';"
       "UPDATE pairs SET n = -1 WHERE b = $$" +
           std::string(kOdd) +
           "$$;"
           // Not a touched key: the check does not look at it.
           "UPDATE items SET v = 'unseen' WHERE id = 50;"
           "INSERT INTO log VALUES (3, 'c');");
  auto planted = check(source, target, false);
  EXPECT_EQ(planted.keys_checked, 9);
  EXPECT_EQ(described(planted.differences),
            (std::vector<std::string>{"\"public\".\"items\" (2) changed",
                                      "\"public\".\"items\" (3) extra",
                                      "\"public\".\"pairs\" (x, 'it''s, \"q\" \\ {z}') changed",
                                      "\"public\".\"pairs\" (y, moved) missing"}));
  EXPECT_EQ(row_count_differences(source, target, planted.whole_tables),
            (std::vector<std::string>{"\"public\".\"log\": source 2 rows, target 3 rows"}));

  // (c) remove_equal forgets the equal keys, keeps the differing ones and the whole tables (with
  // any keys recorded after their '{}': those tables were not compared key by key).
  auto removed = check(source, target, true);
  EXPECT_EQ(removed.differences.size(), 4u);
  EXPECT_EQ(recorded_keys(target), (Rows{{"items", "2", "-", "1"},
                                         {"items", "3", "-", "1"},
                                         {"log", "-", "-", "0"},
                                         {"pairs", "x", kOdd, "2"},
                                         {"pairs", "y", "moved", "2"},
                                         {"scratch", "-", "-", "0"},
                                         {"scratch", "7", "-", "1"}}));
  // A key whose stamp moved since it was read (touched again) is never removed.
  exec(target, verify::delete_equal_keys_sql("public", "items", {{"{2}", "0/1"}}));
  EXPECT_EQ(scalar(target, "SELECT count(*) FROM pgshift.touched_keys WHERE key = '{2}'"), "1");
  auto again = check(source, target, true);
  EXPECT_EQ(again.keys_checked, 4);
  EXPECT_EQ(described(again.differences), described(planted.differences));
}

}  // namespace
}  // namespace pgshift::test
