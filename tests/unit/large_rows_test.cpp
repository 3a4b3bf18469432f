// large_rows.hpp: which columns are read in slices, and the SQL that finds and reads large rows.
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
  EXPECT_EQ(slice_unit(Column{.type_oid = 25}), SliceUnit::kText);
  EXPECT_EQ(slice_unit(Column{.type_oid = 1043}), SliceUnit::kText);
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
  EXPECT_EQ(large_row_lengths_sql(t, sliceable, "(0,1)"),
            "SELECT pg_catalog.octet_length(\"body\")::bigint, "
            "pg_catalog.octet_length(\"blob\")::bigint FROM ONLY \"public\".\"Docs\" WHERE "
            "ctid = '(0,1)'::tid");
  // Detoasted once in a subquery kept apart (OFFSET 0), then cut by bytes.
  EXPECT_EQ(value_slices_sql(t, 2, "(0,1)", 16),
            "COPY (SELECT pg_catalog.substring(s.v, g * 16 + 1, 16) FROM (SELECT \"blob\" "
            "OPERATOR(pg_catalog.||) ''::bytea AS v FROM ONLY \"public\".\"Docs\" WHERE ctid = "
            "'(0,1)'::tid OFFSET 0) s CROSS JOIN LATERAL pg_catalog.generate_series(0, "
            "(pg_catalog.octet_length(s.v) - 1) / 16) g) TO STDOUT (FORMAT binary)");
  EXPECT_NE(value_slices_sql(t, 1, "(0,1)", 16)
                .find("pg_catalog.convert_to(\"body\", pg_catalog.pg_client_encoding()) AS v"),
            std::string::npos);
}

}  // namespace
}  // namespace pgshift::pg
