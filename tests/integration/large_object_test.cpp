// Large objects under a database whose bytea_output is 'escape' (lo_get's text is then not hex):
// migrate carries every byte of a ~3 MiB object of mostly printable text with backslashes, NULs
// and high bytes in it, a small one and an empty one, checks each by its digest (an object the
// target already held ends the run with exit 1), and verify names an object whose bytes differ.
// Checked with md5(lo_get(oid)) on both sides.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "tests/support/pg_test.hpp"

namespace pgshift::test {
namespace {

std::string large_objects(const std::string& uri) {
  return scalar(uri,
                "SELECT string_agg(oid || ':' || length(lo_get(oid)) || ':' || md5(lo_get(oid)), "
                "',' ORDER BY oid) FROM pg_largeobject_metadata");
}

TEST(LargeObjects, EscapeByteaOutputStillCarriesEveryByteAndVerifyChecksEach) {
  std::string source = fresh_database(source_cluster(), "lo_src");
  std::string target = fresh_database(target_cluster(), "lo_dst");
  exec(source,
       "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET bytea_output = %L', "
       "current_database(), 'escape'); END $$");
  // 87000 x 36 bytes: 32 printable, then a backslash, a NUL, 0xff and a newline. Rendered in
  // escape format that is about 1.3 characters a byte: a piece read as text looks short.
  exec(source,
       "SELECT lo_from_bytea(0, (SELECT string_agg(convert_to(md5(i::text), 'UTF8') || "
       "'\\x5c00ff0a'::bytea, ''::bytea ORDER BY i) FROM generate_series(1, 87000) i)); "
       "SELECT lo_from_bytea(0, '\\x5c00ff'::bytea); "
       "SELECT lo_create(0)");
  ASSERT_EQ(scalar(source, "SHOW bytea_output"), "escape");
  ASSERT_EQ(scalar(source, "SELECT max(length(lo_get(oid))) FROM pg_largeobject_metadata"),
            "3132000");

  std::string report = ::testing::TempDir() + "/large-objects-report.json";
  auto run = run_pgshift(
      {"migrate", "--source", source, "--target", target, "--quiet", "--report", report});
  ASSERT_EQ(run.exit_code, 0) << run.err << run.out;
  EXPECT_EQ(large_objects(target), large_objects(source));
  std::ifstream file(report);
  std::stringstream json;
  json << file.rdbuf();
  EXPECT_NE(json.str().find("\"name\": \"pg_largeobject\", \"rows_source\": 3, \"rows_target\": "
                            "3, \"bytes\": 3132003, \"chunks_total\": 1, \"chunks_verified\": 1"),
            std::string::npos)
      << json.str();

  auto verified = run_pgshift({"verify", "--source", source, "--target", target});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;

  // One byte of the big object changed on the target: verify names its OID.
  std::string big = scalar(target,
                           "SELECT oid FROM pg_largeobject_metadata ORDER BY length(lo_get(oid)) "
                           "DESC LIMIT 1");
  exec(target, "SELECT lo_put(" + big + ", 2000000, '\\x41'::bytea)");
  auto differs = run_pgshift({"verify", "--source", source, "--target", target});
  EXPECT_EQ(differs.exit_code, 1) << differs.out << differs.err;
  EXPECT_NE(differs.out.find("large object " + big + ":"), std::string::npos) << differs.out;
  EXPECT_NE(differs.out.find("pg_catalog.pg_largeobject"), std::string::npos) << differs.out;

  // An object only the target has is named too.
  std::string extra = scalar(target, "SELECT lo_from_bytea(0, '\\x01'::bytea)");
  auto more = run_pgshift({"verify", "--source", source, "--target", target});
  EXPECT_EQ(more.exit_code, 1) << more.out << more.err;
  EXPECT_NE(more.out.find("extra large objects keys: " + extra), std::string::npos) << more.out;

  // migrate compares the sets of objects too: one the target already held ends it with exit 1.
  std::string held = fresh_database(target_cluster(), "lo_held");
  exec(held, "SELECT lo_create(999999)");
  auto unequal = run_pgshift({"migrate", "--source", source, "--target", held});
  EXPECT_EQ(unequal.exit_code, 1) << unequal.out << unequal.err;
  EXPECT_NE(unequal.out.find("extra large objects keys: 999999"), std::string::npos) << unequal.out;
  EXPECT_EQ(large_objects(held),
            large_objects(source) + ",999999:0:d41d8cd98f00b204e9800998ecf8427e");

  exec(source,
       "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I RESET bytea_output', current_database()); "
       "END $$");
}

}  // namespace
}  // namespace pgshift::test
