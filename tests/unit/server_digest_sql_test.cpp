// SQL for verify's server-side digests: which columns are hashed natively, which with a companion
// (int8's high half, an array's bounds) and which through their text form (numeric); the by-chunk
// query hashes into a few groups; and the servers' decimal sums parse into 128-bit digest sums.
#include "connectors/pg/server_digest_sql.hpp"

#include <gtest/gtest.h>

#include "connectors/pg/chunk_sql.hpp"
#include "verify/chunk_digest.hpp"

namespace pgshift::pg {
namespace {

Column column(std::string name, std::uint32_t oid, std::string type_sql, bool generated = false) {
  Column out;
  out.name = std::move(name);
  out.type_oid = oid;
  out.type_sql = std::move(type_sql);
  out.generated = generated;
  return out;
}

Table mixed() {
  Table table;
  table.schema = "shop";
  table.name = "orders";
  table.columns = {column("id", 20, "bigint"),
                   column("Name", 25, "text"),
                   column("price", 1700, "numeric(10,2)"),
                   column("tags", 1007, "integer[]"),
                   column("doc", 3802, "jsonb"),
                   column("span", 1186, "interval"),
                   column("ratio", 701, "double precision"),
                   column("total", 1700, "numeric", true)};
  table.key = {0};
  return table;
}

TEST(RowHashSql, NativeWhereEqualityIsIdentityTextElsewhere) {
  EXPECT_EQ(
      row_hash_sql(mixed()),
      "pg_catalog.hashtextextended(("
      "COALESCE(pg_catalog.hashint8extended(\"id\", ((\"id\" >> 32) << 16) # 1), -1) # "
      "COALESCE(pg_catalog.hashtextextended(\"Name\" COLLATE \"C\", 2), -2) # "
      "COALESCE(pg_catalog.hashtextextended(\"price\"::pg_catalog.text COLLATE \"C\", 3), -3) # "
      "COALESCE(pg_catalog.hash_array_extended(\"tags\", 4) # "
      "pg_catalog.hashtextextended(COALESCE(pg_catalog.array_dims(\"tags\"), ''), 4), -4) # "
      "COALESCE(pg_catalog.hashtextextended(\"doc\"::pg_catalog.text COLLATE \"C\", 5), -5) # "
      "COALESCE(pg_catalog.hashtextextended(\"span\"::pg_catalog.text COLLATE \"C\", 6), -6) # "
      "COALESCE(pg_catalog.hashfloat8extended(\"ratio\", 7), -7)"
      ")::pg_catalog.text, 0)");
}

TEST(RowHashSql, ANameHoldingThePlaceholdersIsQuotedOnly) {
  Table table;
  table.schema = "s";
  table.name = "t";
  table.columns = {column("50% off $", 23, "integer")};
  EXPECT_EQ(row_hash_sql(table),
            "pg_catalog.hashtextextended(("
            "COALESCE(pg_catalog.hashint4extended(\"50% off $\", 1), -1)"
            ")::pg_catalog.text, 0)");
}

// Times as their bytes, with bytea and date, in one record per row, in column order; a domain by
// its base type; bpchar's length in its seed.
TEST(RowHashSql, RecordHashedColumnsShareOneRow) {
  Table table;
  table.schema = "s";
  table.name = "t";
  Column code = column("code", 16400, "s.code");
  code.base_type_oid = 1042;
  table.columns = {column("at", 1184, "timestamp with time zone"), column("n", 23, "integer"),
                   column("blob", 17, "bytea"), code, column("day", 1082, "date")};
  EXPECT_EQ(row_hash_sql(table),
            "pg_catalog.hashtextextended(("
            "COALESCE(pg_catalog.hashint4extended(\"n\", 2), -2) # "
            "COALESCE(pg_catalog.hashbpcharextended(\"code\" COLLATE \"C\", "
            "(pg_catalog.octet_length(\"code\")::pg_catalog.int8 << 16) # 4), -4) # "
            "pg_catalog.hash_record_extended(ROW(pg_catalog.timestamptz_send(\"at\"), \"blob\", "
            "\"day\"), 0)"
            ")::pg_catalog.text, 0)");
}

TEST(RowHashSql, ATableWithNothingCopiedHashesEveryRowAlike) {
  Table table;
  table.schema = "s";
  table.name = "t";
  table.columns = {column("g", 23, "integer", true)};
  EXPECT_EQ(row_hash_sql(table), "0::pg_catalog.int8");
}

TEST(ServerDigestSql, WholeChunkIsOneRowOfCountAndSum) {
  Chunk chunk;
  chunk.lower = KeyValue{"10"};
  std::string sql = server_digest_sql(mixed(), chunk);
  EXPECT_TRUE(sql.starts_with("SELECT pg_catalog.count(*), COALESCE(pg_catalog.sum(")) << sql;
  EXPECT_TRUE(sql.ends_with("FROM ONLY \"shop\".\"orders\" WHERE \"id\" >= '10'::bigint")) << sql;
}

TEST(ServerDigestSql, ByChunkTagsRowsAndGroupsOutsideTheScan) {
  Table table = mixed();
  Chunk first, second;
  first.number = 0;
  first.upper = KeyValue{"100"};
  second.number = 1;
  second.lower = KeyValue{"100"};
  Chunk pages;
  pages.first_page = 5;
  pages.end_page = 9;
  std::string sql = server_digest_by_chunk_sql(table, {&first, &second}, pages);
  EXPECT_NE(sql.find(chunk_number_sql(table, {&first, &second})), std::string::npos) << sql;
  EXPECT_NE(sql.find("WHERE ctid >= '(5,0)'::tid AND ctid < '(9,0)'::tid OFFSET 0"),
            std::string::npos)
      << sql;
  EXPECT_TRUE(sql.ends_with("GROUP BY chunk")) << sql;
}

TEST(ParseSumDecimal, SignedSumsWrapModulo2To128) {
  using verify::ChunkDigest;
  EXPECT_EQ(ChunkDigest::parse_sum_decimal("0"), verify::u128{0});
  EXPECT_EQ(ChunkDigest::parse_sum_decimal("12345678901234567890123"),
            verify::u128{12345678901234567ULL} * 1000000 + 890123);
  EXPECT_EQ(ChunkDigest::parse_sum_decimal("-1"), ~verify::u128{0});
  auto minus = ChunkDigest::parse_sum_decimal("-5");
  auto plus = ChunkDigest::parse_sum_decimal("5");
  ASSERT_TRUE(minus && plus);
  EXPECT_EQ(*minus + *plus, verify::u128{0});
  EXPECT_FALSE(ChunkDigest::parse_sum_decimal(""));
  EXPECT_FALSE(ChunkDigest::parse_sum_decimal("-"));
  EXPECT_FALSE(ChunkDigest::parse_sum_decimal("12.5"));
  EXPECT_FALSE(ChunkDigest::parse_sum_decimal("1e5"));
}

}  // namespace
}  // namespace pgshift::pg
