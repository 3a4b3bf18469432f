// large_rows.hpp: which columns are read in slices, the SQL that finds and reads large rows, and
// slice plans that cover a value exactly once.
#include "connectors/pg/large_rows.hpp"

#include <gtest/gtest.h>

#include "connectors/pg/chunk_sql.hpp"

namespace pgshift::pg {
namespace {

Table table() {
  Table t;
  t.schema = "public";
  t.name = "Docs";
  t.columns = {Column{.name = "id", .type_oid = 23, .type_sql = "integer"},
               Column{.name = "body", .type_oid = 25, .type_sql = "text"},
               Column{.name = "gen", .type_oid = 25, .type_sql = "text", .generated = true},
               Column{.name = "blob", .type_oid = 17, .type_sql = "bytea"},
               Column{.name = "tags", .type_oid = 1009, .type_sql = "text[]"}};
  t.key = {0};
  return t;
}

TEST(LargeRows, SlicesBytesAndCharactersOfCopiedColumnsOnly) {
  EXPECT_EQ(slice_unit(Column{.type_oid = 17}), SliceUnit::kBytes);
  EXPECT_EQ(slice_unit(Column{.type_oid = 25}), SliceUnit::kCharacters);
  EXPECT_EQ(slice_unit(Column{.type_oid = 1043}), SliceUnit::kCharacters);
  EXPECT_EQ(slice_unit(Column{.type_oid = 1042}), SliceUnit::kNone);  // bpchar pads and trims
  EXPECT_EQ(slice_unit(Column{.type_oid = 3802}), SliceUnit::kNone);
  // Copied columns: id, body, blob, tags (the generated one is not copied).
  EXPECT_EQ(sliceable_columns(table()), (std::vector<std::size_t>{1, 2}));
}

TEST(LargeRows, SqlNamesTheRowByCtidAndLeavesSlicedColumnsNull) {
  Table t = table();
  auto sliceable = sliceable_columns(t);
  std::string predicate = large_row_predicate(t, sliceable);
  EXPECT_EQ(predicate,
            "(COALESCE(pg_catalog.octet_length(\"body\")::bigint, 0) + "
            "COALESCE(pg_catalog.octet_length(\"blob\")::bigint, 0)) > 16777216");
  Chunk chunk;
  chunk.lower = KeyValue{"10"};
  EXPECT_EQ(
      large_rows_sql(t, chunk, predicate),
      "SELECT ctid FROM ONLY \"public\".\"Docs\" WHERE \"id\" >= '10'::integer AND " + predicate);
  EXPECT_EQ(copy_out_sql(t, chunk, "NOT " + predicate),
            "COPY (SELECT \"id\", \"body\", \"blob\", \"tags\" FROM ONLY \"public\".\"Docs\" WHERE "
            "\"id\" >= "
            "'10'::integer AND NOT " +
                predicate + ") TO STDOUT (FORMAT binary)");
  EXPECT_EQ(large_row_fields_sql(t, sliceable, "(0,1)"),
            "COPY (SELECT \"id\", NULL::text, NULL::bytea, \"tags\" FROM ONLY \"public\".\"Docs\" "
            "WHERE ctid = "
            "'(0,1)'::tid) TO STDOUT (FORMAT binary)");
  EXPECT_EQ(
      large_row_lengths_sql(t, sliceable, "(0,1)"),
      "SELECT pg_catalog.octet_length(\"body\")::bigint, pg_catalog.char_length(\"body\")::bigint, "
      "pg_catalog.octet_length(\"blob\")::bigint, NULL::bigint FROM ONLY \"public\".\"Docs\" WHERE "
      "ctid = '(0,1)'::tid");
  EXPECT_EQ(value_slice_sql(t, 2, "(0,1)", 17, 16),
            "COPY (SELECT pg_catalog.substring(\"blob\", 17, 16) FROM ONLY \"public\".\"Docs\" "
            "WHERE ctid "
            "= '(0,1)'::tid) TO STDOUT (FORMAT binary)");
}

void expect_covers(const std::vector<Slice>& plan, std::int64_t units) {
  std::int64_t next = 1;
  for (const Slice& slice : plan) {
    EXPECT_EQ(slice.from, next);
    EXPECT_GT(slice.count, 0);
    next += slice.count;
  }
  EXPECT_EQ(next, units + 1);
}

TEST(LargeRows, SlicePlansCoverTheValueOnce) {
  EXPECT_TRUE(slice_plan(0, 0, 16).empty());
  expect_covers(slice_plan(100, 100, 16), 100);
  EXPECT_EQ(slice_plan(100, 100, 16).size(), 7u);
  EXPECT_EQ(slice_plan(32, 32, 16).size(), 2u);
  // Characters of two bytes: half as many a slice.
  auto two_byte = slice_plan(100, 200, 16);
  expect_covers(two_byte, 100);
  EXPECT_EQ(two_byte[0].count, 8);
  // More bytes per character than a slice holds: still one character a slice.
  auto wide = slice_plan(3, 12, 2);
  expect_covers(wide, 3);
  EXPECT_EQ(wide.size(), 3u);
  std::int64_t mib500 = 500LL << 20;
  expect_covers(slice_plan(mib500, mib500, kLargeValueSliceBytes), mib500);
  EXPECT_EQ(slice_plan(mib500, mib500, kLargeValueSliceBytes).size(), 32u);
}

}  // namespace
}  // namespace pgshift::pg
