// The apply statements' SQL text: upsert on the key, SET lists that leave out unchanged-TOAST
// columns, one-row matching for REPLICA IDENTITY FULL (NULL-safe, text form for types without
// equality), parameter numbering, quoting; and the Relation / target column comparison.
#include <gtest/gtest.h>

#include "engine/sync/apply_statements.hpp"
#include "engine/sync/target_table.hpp"

namespace pgshift::sync {
namespace {

ApplyTable accounts() {
  return ApplyTable{
      "public", "Accounts", {{"id", true, true}, {"balance", false, true}, {"note", false, true}}};
}

ApplyTable keyless() {
  return ApplyTable{"s", "log", {{"at", false, true}, {"doc", false, false}}};
}

TEST(ApplyStatements, UpsertOnKeyUpdatesNonKeyColumns) {
  EXPECT_EQ(upsert_sql(accounts(), {true, true, true}, false),
            "INSERT INTO \"public\".\"Accounts\" (\"id\", \"balance\", \"note\") VALUES ($1, $2, "
            "$3) ON CONFLICT (\"id\") DO UPDATE SET \"balance\" = EXCLUDED.\"balance\", \"note\" "
            "= EXCLUDED.\"note\"");
  EXPECT_EQ(upsert_sql(accounts(), {true, true, false}, true),
            "INSERT INTO \"public\".\"Accounts\" (\"id\", \"balance\") VALUES ($1, $2) ON "
            "CONFLICT (\"id\") DO UPDATE SET \"balance\" = EXCLUDED.\"balance\" RETURNING (xmax "
            "= 0)");
}

TEST(ApplyStatements, UpsertOfKeyOnlyRowDoesNothingOnConflict) {
  ApplyTable pairs{"public", "pairs", {{"a", true, true}, {"b", true, true}}};
  EXPECT_EQ(upsert_sql(pairs, {true, true}, false),
            "INSERT INTO \"public\".\"pairs\" (\"a\", \"b\") VALUES ($1, $2) ON CONFLICT (\"a\", "
            "\"b\") DO NOTHING");
}

TEST(ApplyStatements, PlainInsertForKeylessTable) {
  EXPECT_FALSE(keyless().keyed());
  EXPECT_TRUE(accounts().keyed());
  EXPECT_EQ(insert_sql(keyless(), {true, true}),
            "INSERT INTO \"s\".\"log\" (\"at\", \"doc\") VALUES ($1, $2)");
}

TEST(ApplyStatements, ManyRowsInOneStatementFromArraysPerColumn) {
  EXPECT_EQ(insert_rows_sql(accounts(), true, true),
            "INSERT INTO \"public\".\"Accounts\" (\"id\", \"balance\", \"note\") SELECT * FROM "
            "unnest($1, $2, $3) ON CONFLICT (\"id\") DO UPDATE SET \"balance\" = "
            "EXCLUDED.\"balance\", \"note\" = EXCLUDED.\"note\" RETURNING (xmax = 0)");
  EXPECT_EQ(insert_rows_sql(keyless(), false, false),
            "INSERT INTO \"s\".\"log\" (\"at\", \"doc\") SELECT * FROM unnest($1, $2)");
}

TEST(ApplyStatements, ArrayElementsAreQuotedSoEveryValueArrivesAsItWas) {
  std::string array;
  append_array_element(array, "plain");
  EXPECT_EQ(array, "{\"plain\"}");
  append_array_element(array, nullptr);
  append_array_element(array, "");
  append_array_element(array, "NULL");
  append_array_element(array, "a \"quoted\", {braced} back\\slash ");
  EXPECT_EQ(array, "{\"plain\",NULL,\"\",\"NULL\",\"a \\\"quoted\\\", {braced} back\\\\slash \"}");
}

TEST(ApplyStatements, UpdateByKeyLeavesOutUnchangedToast) {
  // note is unchanged TOAST: not in the SET list; the key parameters follow the SET ones.
  EXPECT_EQ(update_by_key_sql(accounts(), {true, true, false}),
            "UPDATE \"public\".\"Accounts\" SET \"id\" = $1, \"balance\" = $2 WHERE \"id\" = $3");
  EXPECT_EQ(delete_by_key_sql(accounts()), "DELETE FROM \"public\".\"Accounts\" WHERE \"id\" = $1");
}

TEST(ApplyStatements, OneRowMatchIsNullSafeAndUsesTextWithoutEquality) {
  EXPECT_EQ(update_one_row_sql(keyless(), {false, true}, {true, true}),
            "UPDATE \"s\".\"log\" SET \"doc\" = $1 WHERE ctid = (SELECT ctid FROM \"s\".\"log\" "
            "WHERE \"at\" IS NOT DISTINCT FROM $2 AND \"doc\"::text IS NOT DISTINCT FROM "
            "$3::text LIMIT 1)");
  // An unchanged-TOAST old column is left out of the match.
  EXPECT_EQ(delete_one_row_sql(keyless(), {true, false}),
            "DELETE FROM \"s\".\"log\" WHERE ctid = (SELECT ctid FROM \"s\".\"log\" WHERE \"at\" "
            "IS NOT DISTINCT FROM $1 LIMIT 1)");
}

TEST(ApplyStatements, TruncateKeepsOptions) {
  EXPECT_EQ(truncate_sql({"\"a\".\"b\"", "\"a\".\"c\""}, true, true),
            "TRUNCATE ONLY \"a\".\"b\", \"a\".\"c\" RESTART IDENTITY CASCADE");
  EXPECT_EQ(truncate_sql({"\"a\".\"b\""}, false, false), "TRUNCATE ONLY \"a\".\"b\"");
}

TEST(ApplyStatements, IdentifiersAreQuoted) {
  ApplyTable odd{"my \"s\"", "t", {{"select", true, true}}};
  EXPECT_EQ(delete_by_key_sql(odd), "DELETE FROM \"my \"\"s\"\"\".\"t\" WHERE \"select\" = $1");
}

pg::pgoutput::Relation relation(char identity) {
  pg::pgoutput::Relation out;
  out.oid = 5000;
  out.schema = "public";
  out.name = "t";
  out.replica_identity = identity;
  out.columns = {{true, "id", 23, -1}, {false, "body", 25, -1}, {false, "mood", 70000, -1}};
  return out;
}

std::vector<TargetColumn> target_columns() {
  return {{"id", 23, "integer", false, true},
          {"body", 25, "text", false, true},
          {"mood", 16500, "public.mood", false, true},
          {"total", 23, "integer", true, true}};  // generated: not compared, never written
}

TEST(TargetTable, MatchingColumnsGiveTheTableInRelationOrder) {
  auto matched = match_relation(relation('d'), target_columns());
  ASSERT_TRUE(matched.has_value()) << matched.error().message;
  ASSERT_EQ(matched->table.columns.size(), 3u);
  EXPECT_TRUE(matched->table.columns[0].key);
  EXPECT_EQ(matched->type_oids, (std::vector<std::uint32_t>{23, 25, 16500}));
  // REPLICA IDENTITY FULL: no key.
  auto full = match_relation(relation('f'), target_columns());
  ASSERT_TRUE(full.has_value());
  EXPECT_FALSE(full->table.keyed());
}

TEST(TargetTable, DifferencesNameTableAndColumnAndSayHowToContinue) {
  auto source = relation('d');
  source.columns.push_back({false, "extra", 20, -1});
  auto added = match_relation(source, target_columns());
  ASSERT_FALSE(added.has_value());
  EXPECT_NE(added.error().message.find("\"public\".\"t\""), std::string::npos);
  EXPECT_NE(added.error().message.find("\"extra\""), std::string::npos);
  EXPECT_NE(added.error().message.find("apply the same DDL to the target and rerun"),
            std::string::npos);

  auto retyped = target_columns();
  retyped[1].type_oid = 1043;
  auto changed = match_relation(relation('d'), retyped);
  ASSERT_FALSE(changed.has_value());
  EXPECT_NE(changed.error().message.find("\"body\" has type OID 25"), std::string::npos);

  auto dropped = relation('d');
  dropped.columns.pop_back();
  auto missing = match_relation(dropped, target_columns());
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message.find("\"mood\" (public.mood) is on the target but not"),
            std::string::npos);

  EXPECT_FALSE(match_relation(relation('d'), {}).has_value());
}

// A column declared differently: refused where the target would refuse or change a value the
// source sends (shorter, padded, rounded), accepted where it holds every one unchanged.
TEST(TargetTable, TypeModifiersMustLetTheTargetHoldEveryValue) {
  auto one_column = [](std::uint32_t type, std::int32_t source_modifier, std::string type_sql,
                       std::int32_t target_modifier) {
    pg::pgoutput::Relation source;
    source.oid = 1;
    source.schema = "public";
    source.name = "t";
    source.replica_identity = 'd';
    source.columns = {{true, "id", 23, -1}, {false, "v", type, source_modifier}};
    std::vector<TargetColumn> target = {{"id", 23, "integer", false, true},
                                        {"v", type, std::move(type_sql), false, true}};
    target[1].type_modifier = target_modifier;
    return match_relation(source, target);
  };
  // varchar(50) sent, varchar(5) there: refused, in words.
  auto shorter = one_column(1043, 54, "character varying(5)", 9);
  ASSERT_FALSE(shorter.has_value());
  EXPECT_NE(shorter.error().message.find(
                "\"v\" is character varying(50) on the source but character varying(5) on the "
                "target"),
            std::string::npos)
      << shorter.error().message;
  EXPECT_TRUE(one_column(1043, 9, "character varying(50)", 54).has_value());  // wider
  EXPECT_TRUE(one_column(1043, 9, "character varying", -1).has_value());      // no limit
  EXPECT_FALSE(one_column(1043, -1, "character varying(50)", 54).has_value());
  // numeric(12,4) sent, numeric(10,2) there: rounded; wider still changes the scale.
  auto rounded = one_column(1700, (12 << 16 | 4) + 4, "numeric(10,2)", (10 << 16 | 2) + 4);
  ASSERT_FALSE(rounded.has_value());
  EXPECT_NE(rounded.error().message.find("numeric(12,4) on the source"), std::string::npos)
      << rounded.error().message;
  EXPECT_FALSE(one_column(1700, (10 << 16 | 2) + 4, "numeric(12,4)", (12 << 16 | 4) + 4));
  EXPECT_TRUE(one_column(1700, (10 << 16 | 2) + 4, "numeric", -1).has_value());
  // char(n) is padded: only the same length.
  EXPECT_FALSE(one_column(1042, 7, "character(5)", 9).has_value());
  // Times: a finer or unlimited precision holds every value; unlimited sent into (3) is rounded.
  EXPECT_TRUE(one_column(1184, 3, "timestamp(6) with time zone", 6).has_value());
  auto coarser = one_column(1184, -1, "timestamp(3) with time zone", 3);
  ASSERT_FALSE(coarser.has_value());
  EXPECT_NE(coarser.error().message.find("declared with type modifier -1 on the source"),
            std::string::npos)
      << coarser.error().message;
}

}  // namespace
}  // namespace pgshift::sync
