// verify's server-side row hashing must not be looser than pgshift's own: values that compare
// equal but are not the same value (numeric 1.0 and 1.00, '{1,2}' and '[0:1]={1,2}', jsonb
// numbers likewise, interval '1 day' and '24 hours', 'Abc' and 'abc' under a case-insensitive
// collation, an empty array and NULL) are differences, and each is named by its key, in a table of
// one chunk and in one read in page ranges by chunk; so are values swapped between two rows. Float
// -0 and 0 are the same value to both hashes.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "tests/support/pg_test.hpp"

namespace pgshift::test {
namespace {

constexpr const char* kSchema = R"SQL(
CREATE COLLATION case_blind (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE TABLE kinds (
  id int PRIMARY KEY, amount numeric, ints int[], doc jsonb, span interval,
  name text COLLATE case_blind, ratio float8, pad text);
INSERT INTO kinds SELECT i, i * 1.5, ARRAY[i, i + 1], jsonb_build_object('x', i * 1.0),
  make_interval(days => i % 9), 'Name ' || i, i / 4.0, repeat('p', 200)
FROM generate_series(1, 20000) i;
CREATE DOMAIN code AS bpchar;
CREATE TABLE every_type (
  id int PRIMARY KEY, b bool, c "char", n name, s smallint, o oid, r real, fixed char(3),
  v varchar(10), d date, t time, ts timestamp, tz timestamptz, u uuid, bin bytea, big bigint[],
  words text[], j json, stamps timestamptz[], a numeric, a2 numeric, i8 bigint, f float8,
  loose bpchar, coded code, tz2 timestamptz);
INSERT INTO every_type SELECT i, i % 2 = 0, 'x', 'n' || i, i, i, i / 3.0, 'ab', 'v' || i,
  CASE WHEN i = 3 THEN 'infinity'::date ELSE date '2024-01-01' + i END,
  CASE WHEN i = 31 THEN time '00:00' ELSE time '10:00' + i * interval '1 s' END,
  CASE WHEN i = 32 THEN timestamp '2000-01-01' ELSE timestamp '2024-01-01' + i * interval '1 h' END,
  timestamptz '2024-01-01 UTC' + i * interval '1 h',
  md5(i::text)::uuid, decode(md5(i::text), 'hex'),
  CASE WHEN i = 4 THEN '{}' WHEN i = 33 THEN ARRAY[-1] ELSE ARRAY[i, -i] END,
  ARRAY['w' || i], ('{"i": ' || i || '}')::json, ARRAY[timestamptz '2024-01-01 UTC'],
  CASE WHEN i = 26 THEN 'NaN' WHEN i = 27 THEN 1 ELSE i * 1.5 END,
  CASE WHEN i = 27 THEN 2 ELSE i END, CASE WHEN i = 28 THEN -1 ELSE i END,
  CASE WHEN i = 29 THEN 0 ELSE i / 7.0 END, 'a', 'a', timestamptz '2024-06-01 UTC' + i * interval '1 h'
FROM generate_series(1, 50) i;
INSERT INTO every_type (id) VALUES (0);
ANALYZE kinds;
)SQL";

// Each update keeps the value equal to the old one under the type's equality, except the last.
constexpr const char* kEqualButNotSame = R"SQL(
UPDATE kinds SET amount = 1.500 WHERE id = 1;
UPDATE kinds SET ints = '[0:1]={3000,3001}' WHERE id = 3000;
UPDATE kinds SET doc = '{"x": 7000.00}' WHERE id = 7000;
UPDATE kinds SET span = interval '24 hours' WHERE id = 10;
UPDATE kinds SET name = 'NAME 15000' WHERE id = 15000;
UPDATE kinds SET ratio = ratio + 1 WHERE id = 19999;
UPDATE every_type SET big = NULL WHERE id = 4;
)SQL";

class ServerRowHash : public ::testing::Test {
 protected:
  void SetUp() override {
    source = fresh_database(source_cluster(), "rowhash_src");
    target = fresh_database(target_cluster(), "rowhash_dst");
    exec(source, kSchema);
    ASSERT_EQ(migrate_without_state(source, target), "");
  }
  std::string source, target;
};

TEST_F(ServerRowHash, ValuesEqualButNotTheSameAreDifferences) {
  exec(target, kEqualButNotSame);
  ASSERT_EQ(scalar(target, "SELECT count(*) FROM kinds WHERE id = 10 AND span = '1 day'"), "1")
      << "the changed interval still compares equal";
  // 64 MB: one chunk read whole; 1 MB: several chunks, read in page ranges tagged by chunk.
  for (std::string chunk_mb : {"64", "1"}) {
    SCOPED_TRACE("chunk size " + chunk_mb + " MB");
    std::string report = ::testing::TempDir() + "/rowhash.json";
    auto run = run_pgshift({"verify", "--source", source, "--target", target, "--chunk-size",
                            chunk_mb, "--report", report, "--quiet"});
    EXPECT_EQ(run.exit_code, 1) << run.err;
    std::string json = read_file(report);
    EXPECT_NE(json.find("\"row_hash\": \"server\""), std::string::npos) << json;
    for (const char* key : {"(1)", "(3000)", "(7000)", "(10)", "(15000)", "(19999)", "(4)"}) {
      EXPECT_NE(json.find(std::string("\"keys\": [\"") + key + "\"]"), std::string::npos)
          << key << " not reported: " << json;
    }
  }
}

// Each column keeps its multiset of values: only which row holds which value changes. A sum of
// row hashes that are linear in the columns' hashes would not see it.
TEST_F(ServerRowHash, ValuesSwappedBetweenRowsAreDifferences) {
  exec(
      target,
      "UPDATE kinds SET amount = CASE id WHEN 100 THEN 151.5 ELSE 150.0 END WHERE id IN (100, 101);"
      "UPDATE kinds SET name = CASE id WHEN 5000 THEN 'Name 5001' ELSE 'Name 5000' END "
      "WHERE id IN (5000, 5001)");
  for (std::string chunk_mb : {"64", "1"}) {
    SCOPED_TRACE("chunk size " + chunk_mb + " MB");
    std::string report = ::testing::TempDir() + "/rowhash-swap.json";
    auto run = run_pgshift({"verify", "--source", source, "--target", target, "--chunk-size",
                            chunk_mb, "--report", report, "--quiet"});
    EXPECT_EQ(run.exit_code, 1) << run.err;
    std::string json = read_file(report);
    for (const char* key : {"(100)", "(101)", "(5000)", "(5001)"}) {
      EXPECT_NE(json.find(std::string("\"") + key + "\""), std::string::npos)
          << key << " not reported: " << json;
    }
  }
}

// The smallest change to any one column of any type is a difference on its own: each change is
// the only one in its run, so the servers' sums alone must see it (the canonical re-check only
// runs once they differ).
TEST_F(ServerRowHash, TheSmallestChangeToAnyTypeIsADifference) {
  const std::vector<std::pair<int, std::string>> changes = {
      {5, "b = NOT b"},
      {6, "c = 'y'"},
      {7, "n = 'n7 '"},
      {8, "s = s + 1"},
      {9, "o = 100009"},
      {10, "r = r + 0.5"},
      {11, "fixed = 'ac'"},
      {12, "v = 'V12'"},
      {13, "d = d + 1"},
      {14, "t = t + interval '1 microsecond'"},
      {15, "ts = ts + interval '1 microsecond'"},
      {16, "tz = tz + interval '1 microsecond'"},
      {17, "u = md5('x')::uuid"},
      {18, "bin = bin || '\\x00'::bytea"},
      {19, "big = ARRAY[19, -20]"},
      {20, "words = ARRAY['W20']"},
      {21, "j = '{\"i\":21}'"},
      {22, "stamps = ARRAY[timestamptz '2024-01-01 00:00:00.000001 UTC']"},
      {23, "tz = 'infinity'"},
      {24, "tz = '-infinity'"},
      // Changes that a type's own hash function does not see: numeric's hash leaves out the sign
      // and folds NaN and the infinities; two columns' numeric weights XOR in unseeded; int8's
      // hash (and so time's and timestamp's, and their arrays') folds the high half into the
      // low; float's hash of 0 is its seed; bpchar's hash drops trailing blanks.
      {25, "a = -a"},
      {26, "a = 'Infinity'"},
      {27, "a = 10000, a2 = 20000"},
      {28, "i8 = 4294967295"},
      {29, "f = NULL"},
      {30, "loose = 'a '"},
      {31, "t = '01:11:34.967297'"},
      {32, "ts = '2000-01-01 01:11:34.967297'"},
      {33, "big = ARRAY[4294967295]"},
      // A domain is hashed as its base type: its text cast would drop the blanks too.
      {34, "coded = 'a '"},
      // Two columns hashed in one record swap values within the row.
      {35, "tz = tz2, tz2 = tz"},
  };
  exec(target, "CREATE TABLE saved AS SELECT * FROM every_type");
  std::string report = ::testing::TempDir() + "/rowhash-types.json";
  for (const auto& [id, change] : changes) {
    SCOPED_TRACE(change);
    std::string key = std::to_string(id);
    exec(target, "UPDATE every_type SET " + change + " WHERE id = " + key);
    auto run = run_pgshift({"verify", "--source", source, "--target", target, "--include-table",
                            "every_type", "--report", report, "--quiet"});
    EXPECT_EQ(run.exit_code, 1) << run.err;
    std::string json = read_file(report);
    EXPECT_NE(json.find("\"row_hash\": \"server\""), std::string::npos) << json;
    EXPECT_NE(json.find("\"keys\": [\"(" + key + ")\"]"), std::string::npos) << json;
    exec(target, "DELETE FROM every_type WHERE id = " + key +
                     "; INSERT INTO every_type SELECT * FROM saved WHERE id = " + key);
  }
}

// A target that does not enforce the source's key can hold rows with a NULL key, which no key
// range holds: they are a difference, named, on both paths.
TEST_F(ServerRowHash, RowsWithANullKeyOnTheTargetAreDifferences) {
  exec(target,
       "ALTER TABLE kinds DROP CONSTRAINT kinds_pkey; ALTER TABLE kinds ALTER id DROP NOT NULL; "
       "INSERT INTO kinds (id, pad) VALUES (NULL, 'stray')");
  for (std::string row_hash : {"server", "client"}) {
    SCOPED_TRACE(row_hash);
    std::string report = ::testing::TempDir() + "/rowhash-nullkey.json";
    auto run = run_pgshift({"verify", "--source", source, "--target", target, "--row-hash",
                            row_hash, "--chunk-size", "1", "--report", report});
    EXPECT_EQ(run.exit_code, 1) << run.err << run.out;
    EXPECT_NE(read_file(report).find("1 rows in the target have a NULL key column"),
              std::string::npos)
        << read_file(report);
  }
}

// Nor can it stop two rows sharing a key. One in place of a deleted row keeps the count equal; the
// drill-down reads keys into a map, which kept one of the two: verify named only the deleted key.
TEST_F(ServerRowHash, TwoRowsWithOneKeyOnTheTargetAreNamed) {
  exec(target,
       "ALTER TABLE kinds DROP CONSTRAINT kinds_pkey; DELETE FROM kinds WHERE id = 700; "
       "INSERT INTO kinds SELECT * FROM kinds WHERE id = 900");
  for (std::string row_hash : {"server", "client"}) {
    SCOPED_TRACE(row_hash);
    std::string report = ::testing::TempDir() + "/rowhash-duplicate.json";
    auto run = run_pgshift({"verify", "--source", source, "--target", target, "--row-hash",
                            row_hash, "--include-table", "kinds", "--report", report});
    EXPECT_EQ(run.exit_code, 1) << run.err << run.out;
    std::string json = read_file(report);
    EXPECT_NE(json.find("\"kind\": \"missing\", \"keys\": [\"(700)\"]"), std::string::npos) << json;
    EXPECT_NE(json.find("\"kind\": \"extra\", \"keys\": [\"(900)\"]"), std::string::npos) << json;
    EXPECT_NE(run.out.find("more than one row with each of these keys"), std::string::npos)
        << run.out;
  }
}

TEST_F(ServerRowHash, NegativeZeroIsZeroOnBothPaths) {
  exec(source, "UPDATE kinds SET ratio = 0 WHERE id = 5");
  exec(target, "UPDATE kinds SET ratio = '-0' WHERE id = 5");
  for (std::string row_hash : {"server", "client"}) {
    auto run = run_pgshift(
        {"verify", "--source", source, "--target", target, "--row-hash", row_hash, "--quiet"});
    EXPECT_EQ(run.exit_code, 0) << row_hash << ": " << run.err << run.out;
  }
}

TEST_F(ServerRowHash, UnknownModeIsAUsageError) {
  auto run = run_pgshift({"verify", "--source", source, "--target", target, "--row-hash", "gpu"});
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_NE(run.err.find("--row-hash is server or client"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace pgshift::test
