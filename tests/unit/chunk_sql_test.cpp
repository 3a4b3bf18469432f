// SQL text for chunks: quoting, key-range and ctid-range predicates (COLLATE "C" only where a
// column needs it), and the COPY statements (generated columns never copied).
#include "connectors/pg/chunk_sql.hpp"

#include <gtest/gtest.h>

namespace pgshift::pg {
namespace {

Column column(std::string name, std::string type_sql, bool collate = false,
              bool generated = false) {
  Column out;
  out.name = std::move(name);
  out.type_sql = std::move(type_sql);
  out.collatable = collate;
  out.generated = generated;
  return out;
}

// shop.orders(id bigint, region text, note text, total numeric GENERATED).
Table orders() {
  Table table;
  table.schema = "shop";
  table.name = "orders";
  table.columns = {column("id", "bigint"), column("region", "text", true),
                   column("note", "text", true), column("total", "numeric", false, true)};
  table.key = {0};
  return table;
}

Chunk range(std::optional<KeyValue> lower, std::optional<KeyValue> upper) {
  Chunk chunk;
  chunk.lower = std::move(lower);
  chunk.upper = std::move(upper);
  return chunk;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(QuoteIdentifier, DoublesEmbeddedQuotes) {
  EXPECT_EQ(quote_identifier("orders"), "\"orders\"");
  EXPECT_EQ(quote_identifier("Order Lines"), "\"Order Lines\"");
  EXPECT_EQ(quote_identifier("a\"b"), "\"a\"\"b\"");
  EXPECT_EQ(quote_identifier("\"\""), "\"\"\"\"\"\"");
  EXPECT_EQ(quote_identifier(""), "\"\"");
  EXPECT_EQ(quote_identifier("it's"), "\"it's\"") << "single quotes are not special";
}

TEST(QuoteLiteral, DoublesEmbeddedSingleQuotes) {
  EXPECT_EQ(quote_literal("abc"), "'abc'");
  EXPECT_EQ(quote_literal("O'Brien"), "'O''Brien'");
  EXPECT_EQ(quote_literal("''"), "''''''");
  EXPECT_EQ(quote_literal(""), "''");
  EXPECT_EQ(quote_literal("a\"b"), "'a\"b'");
  // Sessions run with standard_conforming_strings = on: a backslash is an ordinary character.
  EXPECT_EQ(quote_literal("C:\\dir"), "'C:\\dir'");
}

TEST(QualifiedName, QuotesBothParts) {
  Table table = orders();
  table.schema = "My\"Schema";
  table.name = "t.x";
  EXPECT_EQ(qualified_name(table), "\"My\"\"Schema\".\"t.x\"");
}

TEST(ChunkPredicate, WholeTableIsTrue) {
  EXPECT_EQ(chunk_predicate(orders(), Chunk{}), "true");
}

TEST(ChunkPredicate, SingleKeyRange) {
  Table table = orders();
  EXPECT_EQ(chunk_predicate(table, range(KeyValue{"10"}, KeyValue{"20"})),
            "\"id\" >= '10'::bigint AND \"id\" < '20'::bigint");
  EXPECT_EQ(chunk_predicate(table, range(std::nullopt, KeyValue{"20"})), "\"id\" < '20'::bigint");
  EXPECT_EQ(chunk_predicate(table, range(KeyValue{"10"}, std::nullopt)), "\"id\" >= '10'::bigint");
}

TEST(ChunkPredicate, TextKeyComparesInCCollationOnBothSides) {
  Table table = orders();
  table.key = {1};
  EXPECT_EQ(chunk_predicate(table, range(KeyValue{"eu"}, KeyValue{"us"})),
            "\"region\" COLLATE \"C\" >= 'eu'::text COLLATE \"C\" AND "
            "\"region\" COLLATE \"C\" < 'us'::text COLLATE \"C\"");
}

TEST(ChunkPredicate, CompositeKeyIsARowComparison) {
  Table table = orders();
  table.key = {1, 0};  // key order, not column order
  EXPECT_EQ(chunk_predicate(table, range(KeyValue{"eu", "5"}, KeyValue{"us", "1"})),
            "(\"region\" COLLATE \"C\", \"id\") >= ('eu'::text COLLATE \"C\", '5'::bigint) AND "
            "(\"region\" COLLATE \"C\", \"id\") < ('us'::text COLLATE \"C\", '1'::bigint)");
}

TEST(ChunkPredicate, CollateOnlyOnCollatableColumns) {
  Table table = orders();
  table.columns[2].collatable = false;
  table.key = {0, 1, 2};
  auto predicate = chunk_predicate(table, range(KeyValue{"1", "eu", "x"}, std::nullopt));
  EXPECT_EQ(count(predicate, "COLLATE \"C\""), 2u) << predicate;  // region, both sides
  EXPECT_EQ(count(predicate, "\"id\" COLLATE"), 0u) << predicate;
  EXPECT_EQ(count(predicate, "\"note\" COLLATE"), 0u) << predicate;
  EXPECT_EQ(count(predicate, "'x'::text COLLATE"), 0u) << predicate;
}

TEST(ChunkPredicate, BoundsAndNamesAreQuoted) {
  Table table = orders();
  table.columns[1].name = "Re\"gion";
  table.key = {1};
  auto predicate =
      chunk_predicate(table, range(KeyValue{"O'Brien"}, KeyValue{"x'); DROP TABLE t; --"}));
  EXPECT_EQ(predicate,
            "\"Re\"\"gion\" COLLATE \"C\" >= 'O''Brien'::text COLLATE \"C\" AND "
            "\"Re\"\"gion\" COLLATE \"C\" < 'x''); DROP TABLE t; --'::text COLLATE \"C\"");
}

TEST(ChunkPredicate, CtidRanges) {
  Table table = orders();
  table.key.clear();
  Chunk chunk;
  chunk.first_page = 100;
  chunk.end_page = 200;
  EXPECT_EQ(chunk_predicate(table, chunk), "ctid >= '(100,0)'::tid AND ctid < '(200,0)'::tid");
  chunk.first_page.reset();
  EXPECT_EQ(chunk_predicate(table, chunk), "ctid < '(200,0)'::tid");
  chunk.first_page = 300;
  chunk.end_page.reset();
  EXPECT_EQ(chunk_predicate(table, chunk), "ctid >= '(300,0)'::tid");
  chunk.first_page = 5000000000LL;  // beyond 32 bits of pages is not cut short
  EXPECT_EQ(chunk_predicate(table, chunk), "ctid >= '(5000000000,0)'::tid");
}

TEST(CopySql, CopyOutReadsOnlyNonGeneratedColumnsOfOnlyThisTable) {
  Table table = orders();
  EXPECT_EQ(copy_out_sql(table, range(KeyValue{"1"}, std::nullopt)),
            "COPY (SELECT \"id\", \"region\", \"note\" FROM ONLY \"shop\".\"orders\" WHERE "
            "\"id\" >= '1'::bigint) TO STDOUT (FORMAT binary)");
  auto whole = copy_out_sql(table, Chunk{});
  EXPECT_EQ(whole.find("total"), std::string::npos) << whole;
  EXPECT_NE(whole.find("WHERE true"), std::string::npos) << whole;
}

TEST(CopySql, CopyOutOfATableWithOnlyGeneratedColumnsStillCountsRows) {
  Table table = orders();
  for (auto& c : table.columns) c.generated = true;
  EXPECT_EQ(copy_out_sql(table, Chunk{}),
            "COPY (SELECT FROM ONLY \"shop\".\"orders\" WHERE true) TO STDOUT (FORMAT binary)");
}

TEST(CopySql, CopyInNamesTheColumnsInTheSameOrder) {
  Table table = orders();
  EXPECT_EQ(copy_in_sql(table),
            "COPY \"shop\".\"orders\" (\"id\", \"region\", \"note\") FROM STDIN (FORMAT binary)");
  table.columns[0].generated = true;
  EXPECT_EQ(copy_in_sql(table),
            "COPY \"shop\".\"orders\" (\"region\", \"note\") FROM STDIN (FORMAT binary)");
  EXPECT_EQ(copied_column_list(table), "\"region\", \"note\"");
}

TEST(CopySql, FrozenLoadAddsFreeze) {
  EXPECT_EQ(copy_in_sql(orders(), CopyLoad::kFrozen),
            "COPY \"shop\".\"orders\" (\"id\", \"region\", \"note\") FROM STDIN (FORMAT binary, "
            "FREEZE)");
}

std::vector<Chunk> numbered(std::vector<Chunk> chunks) {
  for (std::size_t i = 0; i < chunks.size(); ++i) chunks[i].number = static_cast<int>(i);
  return chunks;
}

std::vector<const Chunk*> pointers(const std::vector<Chunk>& chunks) {
  std::vector<const Chunk*> out;
  for (const auto& chunk : chunks) out.push_back(&chunk);
  return out;
}

TEST(ChunksCoverKeys, OnlyContiguousOpenEndedKeyRanges) {
  Table table = orders();
  auto three = numbered({range(std::nullopt, KeyValue{"10"}), range(KeyValue{"10"}, KeyValue{"20"}),
                         range(KeyValue{"20"}, std::nullopt)});
  EXPECT_TRUE(chunks_cover_keys(table, pointers(three)));
  EXPECT_TRUE(chunks_cover_keys(table, pointers(numbered({Chunk{}}))));

  auto gap = three;
  gap[1].upper = KeyValue{"15"};  // [15, 20) belongs to no chunk
  EXPECT_FALSE(chunks_cover_keys(table, pointers(gap)));
  auto closed_start = three;
  closed_start[0].lower = KeyValue{"0"};
  EXPECT_FALSE(chunks_cover_keys(table, pointers(closed_start)));
  auto closed_end = three;
  closed_end[2].upper = KeyValue{"99"};
  EXPECT_FALSE(chunks_cover_keys(table, pointers(closed_end)));
  auto pages = numbered({Chunk{}});
  pages[0].end_page = 10;
  EXPECT_FALSE(chunks_cover_keys(table, pointers(pages)));
  EXPECT_FALSE(chunks_cover_keys(table, {}));
  Table keyless = orders();
  keyless.key.clear();
  EXPECT_FALSE(chunks_cover_keys(keyless, pointers(three)));
}

TEST(CopyOutByChunk, BinarySearchesTheBoundsInTheChunkPredicatesComparisons) {
  Table table = orders();
  auto four =
      numbered({range(std::nullopt, KeyValue{"10"}), range(KeyValue{"10"}, KeyValue{"20"}),
                range(KeyValue{"20"}, KeyValue{"30"}), range(KeyValue{"30"}, std::nullopt)});
  Chunk pages;
  pages.first_page = 5;
  auto sql = copy_out_by_chunk_sql(table, pointers(four), pages);
  EXPECT_EQ(sql,
            "COPY (SELECT (CASE WHEN \"id\" < '20'::bigint THEN CASE WHEN \"id\" < '10'::bigint "
            "THEN 0 ELSE 1 END ELSE CASE WHEN \"id\" < '30'::bigint THEN 2 ELSE 3 END "
            "END)::pg_catalog.int4, \"id\", \"region\", \"note\" FROM ONLY \"shop\".\"orders\" "
            "WHERE ctid >= '(5,0)'::tid) TO STDOUT (FORMAT binary)");
  // One chunk: every row is chunk 0, no comparison at all.
  EXPECT_NE(copy_out_by_chunk_sql(table, pointers(numbered({Chunk{}})), Chunk{})
                .find("SELECT (0)::pg_catalog.int4, "),
            std::string::npos);
  // A text key compares in COLLATE "C", as the chunk predicate does.
  Table by_region = orders();
  by_region.key = {1};
  auto two = numbered({range(std::nullopt, KeyValue{"m"}), range(KeyValue{"m"}, std::nullopt)});
  auto text_sql = copy_out_by_chunk_sql(by_region, pointers(two), Chunk{});
  EXPECT_NE(text_sql.find("\"region\" COLLATE \"C\" < 'm'::text COLLATE \"C\""), std::string::npos)
      << text_sql;
}

TEST(CopySql, DeleteUsesTheSamePredicate) {
  Table table = orders();
  auto chunk = range(KeyValue{"10"}, KeyValue{"20"});
  EXPECT_EQ(delete_chunk_sql(table, chunk),
            "DELETE FROM ONLY \"shop\".\"orders\" WHERE " + chunk_predicate(table, chunk));
}

}  // namespace
}  // namespace pgshift::pg
