// SQLite declared types -> PostgreSQL types: SQLite's affinity rules, the named mappings (with
// their type OIDs and typmods), the documented choices (CHAR(n) -> varchar(n), empty -> bytea,
// unknown NUMERIC-affinity names -> numeric with a note), and --cast overrides.
#include "connectors/sqlite/type_mapping.hpp"

#include "engine/core/ascii_text.hpp"

#include <gtest/gtest.h>

namespace pgshift::sqlite {
namespace {

TEST(SqliteAffinity, FollowsSqliteRulesInOrder) {
  EXPECT_EQ(affinity_of("INTEGER"), Affinity::kInteger);
  EXPECT_EQ(affinity_of("tinyint"), Affinity::kInteger);
  EXPECT_EQ(affinity_of("FLOATING POINT"), Affinity::kInteger);  // "INT" wins (rule 1)
  EXPECT_EQ(affinity_of("CHARINT"), Affinity::kInteger);
  EXPECT_EQ(affinity_of("VARCHAR(10)"), Affinity::kText);
  EXPECT_EQ(affinity_of("nclob"), Affinity::kText);
  EXPECT_EQ(affinity_of("BLOB"), Affinity::kBlob);
  EXPECT_EQ(affinity_of(""), Affinity::kBlob);
  EXPECT_EQ(affinity_of("  "), Affinity::kBlob);
  EXPECT_EQ(affinity_of("DOUBLE PRECISION"), Affinity::kReal);
  EXPECT_EQ(affinity_of("float"), Affinity::kReal);
  EXPECT_EQ(affinity_of("DECIMAL(10,5)"), Affinity::kNumeric);
  EXPECT_EQ(affinity_of("BOOLEAN"), Affinity::kNumeric);
  EXPECT_EQ(affinity_of("STRING"), Affinity::kNumeric);  // the famous one
  EXPECT_EQ(affinity_name(Affinity::kReal), "REAL");
}

struct Expected {
  const char* declared;
  TargetKind kind;
  const char* sql;
  std::uint32_t oid;
};

TEST(SqliteTypeMapping, NamedTypes) {
  const Expected cases[] = {
      {"INTEGER", TargetKind::kInt8, "bigint", 20},
      {"integer", TargetKind::kInt8, "bigint", 20},
      {"BIGINT", TargetKind::kInt8, "bigint", 20},
      {"INT8", TargetKind::kInt8, "bigint", 20},
      {"UNSIGNED BIG INT", TargetKind::kInt8, "bigint", 20},
      {"INT", TargetKind::kInt4, "integer", 23},
      {"INT(11)", TargetKind::kInt4, "integer", 23},
      {"INT4", TargetKind::kInt4, "integer", 23},
      {"MEDIUMINT", TargetKind::kInt4, "integer", 23},
      {"SMALLINT", TargetKind::kInt2, "smallint", 21},
      {"INT2", TargetKind::kInt2, "smallint", 21},
      {"TINYINT(1)", TargetKind::kInt2, "smallint", 21},
      {"INTEGER UNSIGNED", TargetKind::kInt8, "bigint", 20},  // INTEGER affinity
      {"REAL", TargetKind::kFloat8, "double precision", 701},
      {"DOUBLE", TargetKind::kFloat8, "double precision", 701},
      {"double  precision", TargetKind::kFloat8, "double precision", 701},
      {"FLOAT", TargetKind::kFloat8, "double precision", 701},
      {"NUMERIC", TargetKind::kNumeric, "numeric", 1700},
      {"DECIMAL", TargetKind::kNumeric, "numeric", 1700},
      {"TEXT", TargetKind::kText, "text", 25},
      {"CLOB", TargetKind::kText, "text", 25},
      {"LONGTEXT", TargetKind::kText, "text", 25},
      {"VARCHAR", TargetKind::kText, "text", 25},
      {"BLOB", TargetKind::kBytea, "bytea", 17},
      {"", TargetKind::kBytea, "bytea", 17},
      {"BOOLEAN", TargetKind::kBool, "boolean", 16},
      {"bool", TargetKind::kBool, "boolean", 16},
      {"DATE", TargetKind::kDate, "date", 1082},
      {"DATETIME", TargetKind::kTimestamp, "timestamp without time zone", 1114},
      {"TIMESTAMP", TargetKind::kTimestamp, "timestamp without time zone", 1114},
      {"TIMESTAMP(6)", TargetKind::kTimestamp, "timestamp without time zone", 1114},
      {"TIMESTAMPTZ", TargetKind::kTimestamptz, "timestamp with time zone", 1184},
      {"timestamp with time zone", TargetKind::kTimestamptz, "timestamp with time zone", 1184},
      {"JSON", TargetKind::kJsonb, "jsonb", 3802},
      {"UUID", TargetKind::kUuid, "uuid", 2950},
      {"TIME", TargetKind::kText, "text", 25},
      {"STRING", TargetKind::kText, "text", 25},
  };
  for (const auto& expected : cases) {
    TypeMapping mapping = map_declared_type(expected.declared);
    EXPECT_EQ(mapping.type.kind, expected.kind) << expected.declared;
    EXPECT_EQ(mapping.type.sql, expected.sql) << expected.declared;
    EXPECT_EQ(mapping.type.oid, expected.oid) << expected.declared;
    EXPECT_EQ(mapping.declared, expected.declared);
  }
}

TEST(SqliteTypeMapping, NumericPrecisionAndScale) {
  TypeMapping money = map_declared_type("NUMERIC(10, 2)");
  EXPECT_EQ(money.type.sql, "numeric(10,2)");
  EXPECT_EQ(money.type.precision, 10);
  EXPECT_EQ(money.type.scale, 2);
  EXPECT_TRUE(money.note.empty());

  TypeMapping whole = map_declared_type("decimal(5)");
  EXPECT_EQ(whole.type.sql, "numeric(5,0)");  // PostgreSQL: numeric(p) has scale 0
  EXPECT_EQ(whole.type.scale, 0);

  for (const char* refused : {"NUMERIC(2000)", "NUMERIC(5,7)", "NUMERIC(a,b)", "NUMERIC(0)"}) {
    TypeMapping mapping = map_declared_type(refused);
    EXPECT_EQ(mapping.type.sql, "numeric") << refused;
    EXPECT_EQ(mapping.type.precision, -1) << refused;
    EXPECT_FALSE(mapping.note.empty()) << refused;
  }
}

TEST(SqliteTypeMapping, CharacterLengthsBecomeVarchar) {
  for (const char* declared :
       {"VARCHAR(255)", "CHARACTER VARYING(255)", "NVARCHAR(255)", "VARYING CHARACTER(255)",
        "NATIVE CHARACTER(255)", "CHAR(255)", "CHARACTER(255)", "NCHAR(255)", "varchar ( 255 )"}) {
    TypeMapping mapping = map_declared_type(declared);
    EXPECT_EQ(mapping.type.kind, TargetKind::kVarchar) << declared;
    EXPECT_EQ(mapping.type.sql, "varchar(255)") << declared;
    EXPECT_EQ(mapping.type.oid, 1043u) << declared;
    EXPECT_EQ(mapping.type.length, 255) << declared;
    EXPECT_EQ(mapping.affinity, Affinity::kText) << declared;
  }
  TypeMapping bad = map_declared_type("VARCHAR(0)");
  EXPECT_EQ(bad.type.sql, "text");
  EXPECT_FALSE(bad.note.empty());
}

TEST(SqliteTypeMapping, NotesForAmbiguousChoices) {
  EXPECT_FALSE(map_declared_type("").note.empty());  // bytea: --cast if it holds numbers
  TypeMapping unknown = map_declared_type("MONEY");
  EXPECT_EQ(unknown.type.kind, TargetKind::kNumeric);
  EXPECT_EQ(unknown.affinity, Affinity::kNumeric);
  EXPECT_NE(unknown.note.find("MONEY"), std::string::npos);
  EXPECT_TRUE(map_declared_type("INTEGER").note.empty());
  EXPECT_TRUE(map_declared_type("BLOB").note.empty());
}

TEST(SqliteTypeMapping, TimestamptzOption) {
  TypeMappingOptions options;
  options.timestamptz = true;
  EXPECT_EQ(map_declared_type("DATETIME", options).type.kind, TargetKind::kTimestamptz);
  EXPECT_EQ(map_declared_type("TIMESTAMP", options).type.oid, 1184u);
  EXPECT_EQ(map_declared_type("TIMESTAMP WITHOUT TIME ZONE", options).type.kind,
            TargetKind::kTimestamp);
  EXPECT_EQ(map_declared_type("DATE", options).type.kind, TargetKind::kDate);
}

TEST(SqlitePgType, ParsesUserTypes) {
  struct Case {
    const char* text;
    TargetKind kind;
    const char* sql;
  };
  const Case cases[] = {
      {"int2", TargetKind::kInt2, "smallint"},
      {"INTEGER", TargetKind::kInt4, "integer"},  // PostgreSQL's integer is int4
      {"int", TargetKind::kInt4, "integer"},
      {"bigint", TargetKind::kInt8, "bigint"},
      {"double precision", TargetKind::kFloat8, "double precision"},
      {"float8", TargetKind::kFloat8, "double precision"},
      {"numeric", TargetKind::kNumeric, "numeric"},
      {"numeric(12,2)", TargetKind::kNumeric, "numeric(12,2)"},
      {"decimal(7)", TargetKind::kNumeric, "numeric(7,0)"},
      {"text", TargetKind::kText, "text"},
      {"varchar(20)", TargetKind::kVarchar, "varchar(20)"},
      {"character varying", TargetKind::kVarchar, "character varying"},
      {"bytea", TargetKind::kBytea, "bytea"},
      {"boolean", TargetKind::kBool, "boolean"},
      {"date", TargetKind::kDate, "date"},
      {"timestamp", TargetKind::kTimestamp, "timestamp without time zone"},
      {"timestamptz", TargetKind::kTimestamptz, "timestamp with time zone"},
      {"json", TargetKind::kJson, "json"},
      {"jsonb", TargetKind::kJsonb, "jsonb"},
      {" UUID ", TargetKind::kUuid, "uuid"},
  };
  for (const auto& c : cases) {
    auto type = parse_pg_type(c.text);
    ASSERT_TRUE(type) << c.text << ": " << type.error().message;
    EXPECT_EQ(type->kind, c.kind) << c.text;
    EXPECT_EQ(type->sql, c.sql) << c.text;
  }
  for (const char* refused :
       {"real", "float4", "int(3)", "numeric(0)", "varchar(x)", "money", ""}) {
    auto type = parse_pg_type(refused);
    ASSERT_FALSE(type) << refused;
    EXPECT_EQ(type.error().kind, ErrorKind::kUsage);
  }
}

TEST(SqliteCastOverride, ParsesTableColumnType) {
  auto plain = parse_cast_override("orders.total=numeric(12,2)");
  ASSERT_TRUE(plain) << plain.error().message;
  EXPECT_EQ(plain->table, "orders");
  EXPECT_EQ(plain->column, "total");
  EXPECT_EQ(plain->type.sql, "numeric(12,2)");

  auto quoted = parse_cast_override(R"("my.table"."we""ird" = text)");
  ASSERT_TRUE(quoted) << quoted.error().message;
  EXPECT_EQ(quoted->table, "my.table");
  EXPECT_EQ(quoted->column, "we\"ird");
  EXPECT_EQ(quoted->type.kind, TargetKind::kText);

  for (const char* bad : {"total=text", "t.c", "t.c=float4", ".c=text", "t.=text", "\"t.c=text"}) {
    auto parsed = parse_cast_override(bad);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_EQ(parsed.error().kind, ErrorKind::kUsage) << bad;
    EXPECT_NE(parsed.error().message.find(bad), std::string::npos) << parsed.error().message;
  }
}

TEST(SqliteCastOverride, MatchesNamesCaseInsensitively) {
  std::vector<CastOverride> overrides = {*parse_cast_override("Orders.Total=text"),
                                         *parse_cast_override("users.id=integer")};
  const CastOverride* found = find_override(overrides, "orders", "TOTAL");
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->type.kind, TargetKind::kText);
  EXPECT_EQ(find_override(overrides, "orders", "id"), nullptr);
  EXPECT_TRUE(iequals("Straße", "Straße"));
  EXPECT_FALSE(iequals("abc", "abcd"));
}

}  // namespace
}  // namespace pgshift::sqlite
