// The "changed keys" set as SQL, without a server: the per-batch collector (text[] literals with
// quotes, backslashes and NULLs; deduplication; whole-table marks; TRUNCATE dropping the keys held)
// and the check's statements (key lookups with quoted literals and NULLs; the stale-stamp guard of
// the deletion). The server's reading of the same literals is checked by changed_keys_test.cpp.
#include <gtest/gtest.h>

#include "engine/sync/touched_keys.hpp"
#include "verify/changed_keys.hpp"

namespace pgshift {
namespace {

using sync::append_array_element;
using sync::TouchedKeys;

std::string literal(const std::vector<const char*>& values) {
  std::string out = "{";
  for (const char* value : values) {
    append_array_element(out, value ? std::optional<std::string_view>(value) : std::nullopt);
  }
  return out + "}";
}

TEST(TouchedKeys, ArrayLiteralQuotesEveryElementAndEscapes) {
  EXPECT_EQ(literal({"1"}), R"({"1"})");
  EXPECT_EQ(literal({"x", R"(it's, "q" \ {z})"}), R"({"x","it's, \"q\" \\ {z}"})");
  EXPECT_EQ(literal({"", nullptr, "NULL"}), R"({"",NULL,"NULL"})");
  EXPECT_EQ(literal({}), "{}");
}

TEST(TouchedKeys, OneStatementPerTableWithDeduplicatedKeys) {
  TouchedKeys touched;
  auto& items = touched.table("public", "items");
  auto& odd = touched.table("s'q", "Odd");
  touched.touch(items, literal({"1"}));
  touched.touch(items, literal({"1"}));
  touched.touch(odd, literal({"a'b", nullptr}));
  touched.touch_whole(odd);
  EXPECT_EQ(touched.size(), 3u);
  auto statements = touched.take_statements(pg::Lsn{0x1'0000'00AB});
  ASSERT_EQ(statements.size(), 2u);
  EXPECT_EQ(statements[0],
            "INSERT INTO pgshift.touched_log VALUES ('public', 'items', "
            "'{\"{\\\"1\\\"}\"}'::text[], '1/AB'::pg_lsn)");
  EXPECT_EQ(statements[1],
            "INSERT INTO pgshift.touched_log VALUES ('s''q', 'Odd', "
            "'{\"{\\\"a''b\\\",NULL}\",\"{}\"}'::text[], '1/AB'::pg_lsn)");
  // Taken: nothing is held any more, and the tables stay known.
  EXPECT_EQ(touched.size(), 0u);
  EXPECT_TRUE(touched.take_statements(pg::Lsn{1}).empty());
  EXPECT_EQ(&touched.table("public", "items"), &items);
}

TEST(TouchedKeys, TruncateDropsTheKeysHeldAndThoseRecordedBefore) {
  TouchedKeys touched;
  auto& items = touched.table("public", "items");
  touched.touch(items, literal({"1"}));
  touched.touch(items, literal({"2"}));
  touched.truncate(items);
  touched.touch(items, literal({"7"}));
  EXPECT_EQ(touched.size(), 2u);  // '{}' and {7}
  auto statements = touched.take_statements(pg::Lsn{5});
  ASSERT_EQ(statements.size(), 3u);
  EXPECT_EQ(statements[0],
            "DELETE FROM pgshift.touched_keys WHERE schema_name = 'public' AND table_name = "
            "'items' AND key <> '{}'");
  EXPECT_EQ(statements[1],
            "DELETE FROM pgshift.touched_log WHERE schema_name = 'public' AND table_name = "
            "'items'");
  EXPECT_NE(statements[2].find(R"('{"{\"7\"}","{}"}'::text[])"), std::string::npos)
      << statements[2];
  // A rolled-back batch forgets everything, the truncation too.
  touched.truncate(items);
  touched.clear();
  EXPECT_TRUE(touched.take_statements(pg::Lsn{6}).empty());
}

Table two_key_table() {
  Table table;
  table.schema = "public";
  table.name = "Pairs";
  table.columns = {Column{"a", 25, "text"}, Column{"n", 23, "integer"}, Column{"b", 25, "text"},
                   Column{"g", 23, "integer"}};
  table.columns[3].generated = true;
  table.key = {0, 2};
  return table;
}

TEST(ChangedKeyCheck, KeyLookupsQuoteValuesAndKeepNulls) {
  std::vector<verify::RecordedKey> keys{{"x", "it's"}, {std::nullopt, "b"}};
  EXPECT_EQ(verify::keyed_rows_sql(two_key_table(), keys),
            "SELECT v.n, r.h FROM (VALUES (0, 'x'::text, 'it''s'::text), (1, NULL::text, "
            "'b'::text)) AS v(n, k0, k1), LATERAL (SELECT pg_catalog.md5(ROW(\"a\", \"n\", "
            "\"b\")::text) AS h FROM ONLY \"public\".\"Pairs\" WHERE \"a\" = v.k0 AND \"b\" = "
            "v.k1) AS r");
  Table parent = two_key_table();
  parent.partitioned_parent = true;
  EXPECT_NE(verify::keyed_rows_sql(parent, keys).find("AS h FROM \"public\".\"Pairs\" WHERE"),
            std::string::npos);
}

TEST(ChangedKeyCheck, DeletionOnlyWhereTheStampIsUnchanged) {
  EXPECT_EQ(
      verify::delete_equal_keys_sql("public", "it's", {{"{1}", "0/10"}, {"{\"a'b\"}", "0/20"}}),
      "DELETE FROM pgshift.touched_keys AS t USING (VALUES ('{1}'::text[], "
      "'0/10'::pg_lsn), ('{\"a''b\"}'::text[], '0/20'::pg_lsn)) AS v(key, touched_lsn) "
      "WHERE t.schema_name = 'public' AND t.table_name = 'it''s' AND t.key = v.key AND "
      "t.touched_lsn = v.touched_lsn");
}

}  // namespace
}  // namespace pgshift
