// pg_restore's table of contents: parsing `pg_restore -l`, commenting out entries for `-L`, and
// turning pg_restore's SQL output into plain SQL without psql meta-commands.
#include "connectors/pg/toc_list.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>


namespace pgshift::pg {
namespace {

// As pg_restore 15 prints it (COMMENT ON EXTENSION has no owner: the line ends in a space).
const std::string kListing =
    ";\n"
    "; Archive created at 2025-11-22 02:50:01 UTC\n"
    ";     dbname: shop\n"
    ";     TOC Entries: 9\n"
    ";     Compression: -1\n"
    ";     Dump Version: 1.14-0\n"
    ";     Format: CUSTOM\n"
    ";     Dumped from database version: 15.18 (Debian 15.18-0+deb12u1)\n"
    ";     Dumped by pg_dump version: 15.18 (Debian 15.18-0+deb12u1)\n"
    ";\n"
    ";\n"
    "; Selected TOC Entries:\n"
    ";\n"
    "6; 2615 16385 SCHEMA - shop postgres\n"
    "2; 3079 13590 EXTENSION - plpgsql \n"
    "4001; 0 0 COMMENT - EXTENSION plpgsql \n"
    "214; 1259 16386 TABLE shop orders postgres\n"
    "4002; 0 0 COMMENT shop TABLE orders postgres\n"
    "215; 1259 16390 INDEX public idx_a postgres\n"
    "3280; 2606 16398 CONSTRAINT shop orders orders_pkey postgres\n"
    "3290; 2606 16400 FK CONSTRAINT shop orders orders_customer_id_fkey postgres\n"
    "3300; 2620 16390 TRIGGER shop orders audit postgres\n";

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

const TocEntry* find_entry(const std::vector<TocEntry>& entries, int dump_id) {
  for (const auto& entry : entries) {
    if (entry.dump_id == dump_id) return &entry;
  }
  return nullptr;
}

TEST(ParseToc, ReadsEveryEntryAndSkipsComments) {
  auto entries = parse_toc(kListing);
  ASSERT_EQ(entries.size(), 9u);
  std::vector<int> ids;
  for (const auto& entry : entries) ids.push_back(entry.dump_id);
  EXPECT_EQ(ids, (std::vector<int>{6, 2, 4001, 214, 4002, 215, 3280, 3290, 3300}));
}

TEST(ParseToc, SplitsIdOidsAndDescription) {
  auto entries = parse_toc(kListing);
  const TocEntry* index = find_entry(entries, 215);
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(index->catalog_oid, 1259u);
  EXPECT_EQ(index->object_oid, 16390u);
  EXPECT_EQ(index->description, "INDEX public idx_a postgres");
  EXPECT_EQ(index->line, "215; 1259 16390 INDEX public idx_a postgres");

  const TocEntry* fk = find_entry(entries, 3290);
  ASSERT_NE(fk, nullptr);
  EXPECT_EQ(fk->catalog_oid, 2606u);
  EXPECT_EQ(fk->object_oid, 16400u);
  EXPECT_EQ(fk->description, "FK CONSTRAINT shop orders orders_customer_id_fkey postgres");

  const TocEntry* comment = find_entry(entries, 4001);
  ASSERT_NE(comment, nullptr);
  EXPECT_EQ(comment->catalog_oid, 0u);
  EXPECT_EQ(comment->object_oid, 0u);
  EXPECT_TRUE(comment->description.starts_with("COMMENT - EXTENSION plpgsql"))
      << comment->description;
  EXPECT_EQ(comment->line, "4001; 0 0 COMMENT - EXTENSION plpgsql ");
}

TEST(ParseToc, IgnoresBlankAndMalformedLines) {
  auto entries = parse_toc(
      "\n"
      "not an entry\n"
      "abc; 1259 1 TABLE public x postgres\n"
      "12; oops TABLE public y postgres\n"
      "13; 1259 16500 TABLE public z postgres\n"
      "; 14; 1259 16501 TABLE public commented postgres\n");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].dump_id, 13);
  EXPECT_EQ(entries[0].object_oid, 16500u);
  EXPECT_TRUE(parse_toc("").empty());
}

TEST(ParseToc, LargeOidsAreUnsigned) {
  auto entries = parse_toc("7; 1259 4294967295 TABLE public big postgres\n");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].object_oid, 4294967295u);
}

TEST(FilteredToc, CommentsOutSkippedPairsAndExtensionComments) {
  auto entries = parse_toc(kListing);
  auto filtered = filtered_toc(entries, {{1259, 16390}, {2606, 16400}});
  auto lines = lines_of(filtered);
  ASSERT_EQ(lines.size(), entries.size()) << "every entry is kept, commented out or not";
  std::vector<std::string> expected = {
      "6; 2615 16385 SCHEMA - shop postgres",
      "2; 3079 13590 EXTENSION - plpgsql ",
      ";4001; 0 0 COMMENT - EXTENSION plpgsql ",
      "214; 1259 16386 TABLE shop orders postgres",
      "4002; 0 0 COMMENT shop TABLE orders postgres",
      ";215; 1259 16390 INDEX public idx_a postgres",
      "3280; 2606 16398 CONSTRAINT shop orders orders_pkey postgres",
      ";3290; 2606 16400 FK CONSTRAINT shop orders orders_customer_id_fkey postgres",
      "3300; 2620 16390 TRIGGER shop orders audit postgres",  // same OID, other catalog
  };
  EXPECT_EQ(lines, expected);
}

TEST(FilteredToc, ParsingTheFilteredListDropsExactlyTheCommentedEntries) {
  auto entries = parse_toc(kListing);
  auto reparsed = parse_toc(filtered_toc(entries, {{2606, 16398}}));
  std::vector<int> ids;
  for (const auto& entry : reparsed) ids.push_back(entry.dump_id);
  EXPECT_EQ(ids, (std::vector<int>{6, 2, 214, 4002, 215, 3290, 3300}));
}

TEST(FilteredToc, NothingToSkipKeepsAllButExtensionComments) {
  auto filtered = filtered_toc(parse_toc(kListing), {});
  EXPECT_EQ(std::count(filtered.begin(), filtered.end(), ';'),
            static_cast<long>(9 + 1))
      << filtered;  // one ';' per entry, plus one commented
}

TEST(ScriptWithoutMetaCommands, DropsRestrictAndUnrestrict) {
  const std::string script =
      "\\restrict aZ09xYkey\n"
      "SET statement_timeout = 0;\n"
      "CREATE TABLE shop.orders (id bigint);\n"
      "\\unrestrict aZ09xYkey\n";
  auto out = script_without_meta_commands(script);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(*out, "SET statement_timeout = 0;\nCREATE TABLE shop.orders (id bigint);\n");
}

TEST(ScriptWithoutMetaCommands, KeepsBackslashLinesInsideDollarQuotedBodies) {
  const std::string body =
      "CREATE FUNCTION shop.f() RETURNS text\n"
      "    LANGUAGE plpgsql\n"
      "    AS $$\n"
      "BEGIN\n"
      "  RETURN '\n"
      "\\connect is just text here';\n"
      "END\n"
      "$$;\n";
  const std::string tagged =
      "CREATE FUNCTION shop.g() RETURNS text\n"
      "    LANGUAGE sql\n"
      "    AS $fn$ SELECT $$\n"
      "\\x inside a nested quote$$ || '$fn' $fn$;\n";
  auto out = script_without_meta_commands("\\restrict k\n" + body + tagged + "\\unrestrict k\n");
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(*out, body + tagged);
}

TEST(ScriptWithoutMetaCommands, RemovesOnlyTheRestrictPairItOpenedWith) {
  // Other backslash lines are never reinterpreted: outside a literal the server refuses them
  // loudly; inside one they are data.
  auto out = script_without_meta_commands(
      "\\restrict Abc123\n"
      "SELECT 1;\n"
      "\\connect other\n"
      "\\unrestrict Other\n"
      "\\unrestrict Abc123\n");
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, "SELECT 1;\n\\connect other\n\\unrestrict Other\n");
}

TEST(ScriptWithoutMetaCommands, RestrictLaterThanTheFirstLineIsKept) {
  auto out = script_without_meta_commands("SELECT 1;\n\\restrict k\n");
  ASSERT_TRUE(out);
  EXPECT_NE(out->find("\\restrict k"), std::string::npos);
}

TEST(ScriptWithoutMetaCommands, PlainSqlIsUnchanged) {
  const std::string script = "SELECT 1;\n\nSELECT 'a\\b';\n";
  auto out = script_without_meta_commands(script);
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, script);
}

TEST(ScriptWithoutMetaCommands, DollarsInAStringLiteralDoNotConfuseIt) {
  auto out = script_without_meta_commands(
      "\\restrict k\n"
      "CREATE TABLE public.t (code text,\n"
      "    CONSTRAINT code_check CHECK ((code ~ '^[A-Z]{3}$|^X$'::text)));\n"
      "\\unrestrict k\n");
  ASSERT_TRUE(out);
  EXPECT_EQ(out->find("unrestrict"), std::string::npos) << *out;
}

TEST(ScriptWithoutMetaCommands, BackslashLineInsideAStringLiteralIsKept) {
  auto out = script_without_meta_commands(
      "COMMENT ON TABLE public.t IS 'Inspect with:\n"
      "\\d public.t';\n");
  ASSERT_TRUE(out) << out.error().message;
}

}  // namespace
}  // namespace pgshift::pg
