// A table copied as one chunk is emptied in the chunk's transaction and loaded with COPY FREEZE,
// so the read-back, the index builds and ANALYZE find its pages all-visible instead of setting
// hint bits on every row; a table that a foreign key references is never emptied that way
// (TRUNCATE would refuse it), and a table of several chunks is loaded plainly. Checked through
// the visibility map (pg_class.relallvisible after the run's ANALYZE) and the rows themselves.
#include <gtest/gtest.h>

#include "tests/support/pg_test.hpp"

namespace pgshift::test {
namespace {

TEST(FrozenLoad, SingleChunkTablesAreLoadedFrozenAndReferencedOnesAreNotEmptied) {
  std::string source = fresh_database(source_cluster(), "frozen_src");
  std::string target = fresh_database(target_cluster(), "frozen_dst");
  exec(source,
       "CREATE TABLE parents (id int PRIMARY KEY, name text);"
       "INSERT INTO parents SELECT i, 'p' || i FROM generate_series(1, 20000) i;"
       "CREATE TABLE children (id int PRIMARY KEY, parent int REFERENCES parents, v text);"
       "INSERT INTO children SELECT i, 1 + i % 20000, 'c' || i FROM generate_series(1, 30000) i;"
       "CREATE TABLE big (id int PRIMARY KEY, v text);"
       "INSERT INTO big SELECT i, repeat(md5(i::text), 4) FROM generate_series(1, 60000) i;"
       "CREATE TABLE no_key (a int, b text);"
       "INSERT INTO no_key SELECT i % 10, 'x' FROM generate_series(1, 20000) i;");
  auto run = run_pgshift({"migrate", "--source", source, "--target", target, "--jobs", "2",
                          "--chunk-size", "2", "--quiet"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;

  auto all_visible = [&](const std::string& table) {
    return scalar(target,
                  "SELECT relpages > 0 AND relallvisible = relpages FROM pg_class WHERE "
                  "oid = 'public." +
                      table + "'::regclass");
  };
  auto chunks = [&](const std::string& table) {
    return scalar(target,
                  "SELECT count(*) FROM pgshift.chunks c JOIN pgshift.tables t USING (table_id) "
                  "WHERE t.table_name = '" +
                      table + "'");
  };
  ASSERT_EQ(chunks("children"), "1");
  ASSERT_EQ(chunks("no_key"), "1");
  ASSERT_EQ(chunks("parents"), "1");
  ASSERT_NE(chunks("big"), "1");
  EXPECT_EQ(all_visible("children"), "t");  // one chunk, nothing references it: frozen
  EXPECT_EQ(all_visible("no_key"), "t");    // keyless, emptied anyway: frozen
  EXPECT_EQ(all_visible("parents"), "f");   // referenced by children: loaded plainly
  EXPECT_EQ(all_visible("big"), "f");       // several chunks: loaded plainly
  for (const char* table : {"parents", "children", "big", "no_key"}) {
    EXPECT_EQ(table_digest(target, table), table_digest(source, table)) << table;
  }
  EXPECT_EQ(scalar(target,
                   "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND convalidated "
                   "AND conrelid = 'public.children'::regclass"),
            "1");
}

}  // namespace
}  // namespace pgshift::test
