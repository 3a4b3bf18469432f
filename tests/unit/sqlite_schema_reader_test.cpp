// The SQLite schema reader and DDL builder over a real SQLite file made in a temp dir: the Table
// model (types, keys, chunking kind, sizes), AUTOINCREMENT / rowid / WITHOUT ROWID tables,
// defaults, CHECKs, partial and expression indexes, generated columns, foreign keys, epoch-unit
// sampling, --cast overrides, and the warnings for what does not translate. Also the expression
// translator and CREATE statement reader on their own.
#include "connectors/sqlite/schema_reader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>

#include "connectors/sqlite/create_statement.hpp"
#include "connectors/sqlite/default_value.hpp"
#include "connectors/sqlite/sql_expression.hpp"
#include "connectors/sqlite/sqlite_database.hpp"
#include "tests/unit/temp_database.hpp"

namespace pgshift::sqlite {
namespace {

constexpr const char* kAppSchema = R"sql(
CREATE TABLE users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  email VARCHAR(120) NOT NULL UNIQUE,
  name TEXT COLLATE NOCASE,
  active BOOLEAN NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  score REAL DEFAULT 0.5,
  balance NUMERIC(12,2) DEFAULT '0',
  created_at DATETIME DEFAULT CURRENT_TIMESTAMP,
  updated_at TIMESTAMP DEFAULT (datetime('now', 'localtime')),
  birthday DATE,
  prefs JSON DEFAULT '{}' CHECK (json_valid(prefs)),
  CONSTRAINT name_not_empty CHECK (length(name) > 0)
);
CREATE TABLE events (
  kind TEXT NOT NULL,
  happened DATETIME,
  payload BLOB,
  code INT DEFAULT (strftime('%s', 'now'))
);
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
CREATE TABLE counters (
  id INT PRIMARY KEY,
  n INTEGER NOT NULL DEFAULT 0,
  CHECK (typeof(n) = 'integer')
) WITHOUT ROWID;
CREATE TABLE orders (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  total DECIMAL(10,2) NOT NULL CHECK (total >= 0),
  status TEXT NOT NULL DEFAULT 'new' CHECK (status IN ("new", 'paid')),
  note TEXT CHECK (note GLOB '*x*'),
  qty INTEGER DEFAULT '',
  total_cents INTEGER GENERATED ALWAYS AS (CAST(total * 100 AS INTEGER)) STORED,
  label TEXT AS (upper(status) || ':' || id) VIRTUAL,
  FOREIGN KEY (qty) REFERENCES nowhere(x)
);
CREATE INDEX orders_open ON orders (user_id, total DESC) WHERE status <> 'paid';
CREATE INDEX users_lower_email ON users (lower(email));
CREATE INDEX users_tail ON users (substr(name, -2));
CREATE UNIQUE INDEX settings_value ON settings(value DESC);
CREATE TABLE "Mixed Case" ("Weird ""Col""" integer, other,
                           CONSTRAINT pk PRIMARY KEY ("Weird ""Col""", other));
CREATE VIEW v AS SELECT 1;
CREATE TRIGGER t_users AFTER INSERT ON users BEGIN SELECT 1; END;
CREATE VIRTUAL TABLE docs USING fts5(body);
INSERT INTO users (email, name) VALUES ('a@x', 'A'), ('b@x', 'B'), ('c@x', 'C');
DELETE FROM users WHERE id = 3;
INSERT INTO events (kind, happened) VALUES
  ('k', 1700000000000), ('k', '2024-01-01 10:00:00'), ('k', 1700000001000);
INSERT INTO orders (user_id, total, status) VALUES (1, 10.5, 'new'), (2, 3, 'paid');
)sql";

class SqliteSchemaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    file_.exec(kAppSchema);
    auto db = open_read_only(file_.path());
    ASSERT_TRUE(db) << db.error().message;
    db_ = std::move(*db);
  }

  SqliteSchema read(const SchemaOptions& options = {}) {
    auto schema = read_schema(db_.get(), options);
    EXPECT_TRUE(schema) << schema.error().message;
    return schema ? std::move(*schema) : SqliteSchema{};
  }

  static std::size_t index_of(const SqliteSchema& schema, const std::string& name) {
    for (std::size_t i = 0; i < schema.tables.size(); ++i) {
      if (schema.tables[i].name == name) return i;
    }
    ADD_FAILURE() << "no table " << name;
    return 0;
  }

  static std::string ddl(const SqliteSchema& schema, const std::string& kind,
                         const std::string& name) {
    for (const auto& list : {&schema.create_tables, &schema.after_data}) {
      for (const auto& statement : *list) {
        if (statement.kind == kind && statement.name == name) return statement.sql;
      }
    }
    return "(none)";
  }

  static bool warned(const SqliteSchema& schema, const std::string& part) {
    return std::any_of(schema.warnings.begin(), schema.warnings.end(),
                       [&](const std::string& w) { return w.find(part) != std::string::npos; });
  }

  TempDatabase file_;
  DatabaseHandle db_;
};

TEST_F(SqliteSchemaTest, TablesInNameOrderSkippingViewsTriggersAndVirtualTables) {
  SqliteSchema schema = read();
  std::vector<std::string> names;
  for (const auto& table : schema.tables) names.push_back(table.name);
  EXPECT_EQ(names, (std::vector<std::string>{"Mixed Case", "counters", "events", "orders",
                                             "settings", "users"}));
  ASSERT_EQ(schema.sources.size(), schema.tables.size());
  for (std::size_t i = 0; i < schema.tables.size(); ++i) {
    EXPECT_EQ(schema.tables[i].oid, i + 1);
    EXPECT_EQ(schema.tables[i].schema, "public");
    EXPECT_EQ(schema.sources[i].name, schema.tables[i].name);
  }
  EXPECT_TRUE(warned(schema, "view v is not migrated"));
  EXPECT_TRUE(warned(schema, "trigger t_users on users is not migrated"));
  EXPECT_TRUE(warned(schema, "virtual table docs is not migrated"));
}

TEST_F(SqliteSchemaTest, AutoincrementTableModel) {
  SqliteSchema schema = read();
  std::size_t i = index_of(schema, "users");
  const Table& users = schema.tables[i];
  const SourceTable& source = schema.sources[i];
  ASSERT_EQ(users.key, std::vector<std::size_t>{0});
  EXPECT_EQ(users.key_name, "users_pkey");
  EXPECT_EQ(source.range, SourceTable::Range::kKey);
  EXPECT_EQ(source.key_column, 0u);
  EXPECT_EQ(source.rowid_alias, 0u);
  EXPECT_TRUE(source.autoincrement);
  EXPECT_EQ(source.sequence, 3);  // the deleted row's id is never reused
  EXPECT_TRUE(source.columns[0].identity);
  EXPECT_DOUBLE_EQ(users.estimated_rows, 2);
  EXPECT_GT(users.bytes, 0);
  EXPECT_GT(users.index_bytes, 0);
  EXPECT_GE(users.pages, 1);

  struct Expected {
    const char* name;
    const char* sql;
    std::uint32_t oid;
  };
  const Expected columns[] = {
      {"id", "bigint", 20},
      {"email", "varchar(120)", 1043},
      {"name", "text", 25},
      {"active", "boolean", 16},
      {"score", "double precision", 701},
      {"balance", "numeric(12,2)", 1700},
      {"created_at", "timestamp without time zone", 1114},
      {"updated_at", "timestamp without time zone", 1114},
      {"birthday", "date", 1082},
      {"prefs", "jsonb", 3802},
  };
  ASSERT_EQ(users.columns.size(), std::size(columns));
  for (std::size_t c = 0; c < users.columns.size(); ++c) {
    EXPECT_EQ(users.columns[c].name, columns[c].name);
    EXPECT_EQ(users.columns[c].type_sql, columns[c].sql) << columns[c].name;
    EXPECT_EQ(users.columns[c].type_oid, columns[c].oid) << columns[c].name;
    EXPECT_FALSE(users.columns[c].generated);
  }
  EXPECT_EQ(users.columns[4].kind, pg::ValueKind::kFloat8);
  EXPECT_EQ(users.columns[0].kind, pg::ValueKind::kScalar);
  EXPECT_TRUE(users.columns[1].collatable);
  EXPECT_FALSE(users.columns[0].collatable);
  EXPECT_TRUE(source.columns[1].not_null);
  EXPECT_FALSE(source.columns[1].target.nullable);
  EXPECT_TRUE(source.columns[2].target.nullable);
  EXPECT_EQ(source.columns[2].collation, "NOCASE");
}

TEST_F(SqliteSchemaTest, AutoincrementTableDdl) {
  SqliteSchema schema = read();
  EXPECT_EQ(ddl(schema, "table", "users"),
            "CREATE TABLE \"public\".\"users\" (\n"
            "  \"id\" bigint GENERATED BY DEFAULT AS IDENTITY,\n"
            "  \"email\" varchar(120) NOT NULL,\n"
            "  \"name\" text,\n"
            "  \"active\" boolean NOT NULL DEFAULT true,\n"
            "  \"score\" double precision DEFAULT '0.5'::double precision,\n"
            "  \"balance\" numeric(12,2) DEFAULT 0.00,\n"
            "  \"created_at\" timestamp without time zone DEFAULT (now() AT TIME ZONE 'UTC'),\n"
            "  \"updated_at\" timestamp without time zone,\n"
            "  \"birthday\" date,\n"
            "  \"prefs\" jsonb DEFAULT '{}'::jsonb,\n"
            "  CHECK (\"active\" IN (false, true)),\n"
            "  CHECK (\"prefs\" IS NOT NULL OR NULL),\n"
            "  CONSTRAINT \"name_not_empty\" CHECK (length(\"name\") > 0)\n"
            ")");
  EXPECT_EQ(ddl(schema, "constraint", "users_pkey"),
            "ALTER TABLE \"public\".\"users\" ADD CONSTRAINT \"users_pkey\" PRIMARY KEY (\"id\")");
  EXPECT_EQ(ddl(schema, "constraint", "users_email_key"),
            "ALTER TABLE \"public\".\"users\" ADD CONSTRAINT \"users_email_key\" UNIQUE "
            "(\"email\")");
  EXPECT_EQ(ddl(schema, "index", "users_lower_email"),
            "CREATE INDEX \"users_lower_email\" ON \"public\".\"users\" ((lower(\"email\")))");
  EXPECT_EQ(ddl(schema, "sequence", "users.id"),
            "SELECT setval(pg_get_serial_sequence('\"public\".\"users\"', 'id'), "
            "greatest(coalesce(max(\"id\"), 0), 3, 1), greatest(coalesce(max(\"id\"), 0), 3) >= 1) "
            "FROM \"public\".\"users\"");
  EXPECT_EQ(ddl(schema, "index", "users_tail"), "(none)");
  EXPECT_TRUE(warned(schema, "table users: index users_tail not created"));
  EXPECT_TRUE(warned(schema, "table users: column name: COLLATE NOCASE not kept"));
  EXPECT_TRUE(warned(schema,
                     "table users: column updated_at: DEFAULT datetime('now', "
                     "'localtime') left out"));
}

TEST_F(SqliteSchemaTest, RowidTableWithoutKeyIsChunkedByRowid) {
  SqliteSchema schema = read();
  std::size_t i = index_of(schema, "events");
  EXPECT_TRUE(schema.tables[i].keyless());
  EXPECT_EQ(schema.sources[i].range, SourceTable::Range::kRowid);
  EXPECT_EQ(schema.sources[i].rowid_name, "rowid");
  EXPECT_DOUBLE_EQ(schema.tables[i].estimated_rows, 3);
  // Epoch integers in a DATETIME column: milliseconds, decided from the sample.
  const SourceColumn& happened = schema.sources[i].columns[1];
  EXPECT_EQ(happened.sampled_epoch_unit, EpochUnit::kMilliseconds);
  EXPECT_EQ(happened.target.epoch_unit, EpochUnit::kMilliseconds);
  EXPECT_NE(happened.mapping.note.find("milliseconds"), std::string::npos);
  EXPECT_EQ(ddl(schema, "table", "events"),
            "CREATE TABLE \"public\".\"events\" (\n"
            "  \"kind\" text NOT NULL,\n"
            "  \"happened\" timestamp without time zone,\n"
            "  \"payload\" bytea,\n"
            "  \"code\" integer DEFAULT (floor(extract(epoch from now()))::bigint)\n"
            ")");
}

TEST_F(SqliteSchemaTest, WithoutRowidTables) {
  SqliteSchema schema = read();
  std::size_t settings = index_of(schema, "settings");
  EXPECT_TRUE(schema.sources[settings].without_rowid);
  EXPECT_TRUE(schema.tables[settings].keyless());  // text key: read whole
  EXPECT_EQ(schema.sources[settings].range, SourceTable::Range::kWhole);
  EXPECT_EQ(ddl(schema, "constraint", "settings_pkey"),
            "ALTER TABLE \"public\".\"settings\" ADD CONSTRAINT \"settings_pkey\" PRIMARY KEY "
            "(\"key\")");
  EXPECT_EQ(ddl(schema, "index", "settings_value"),
            "CREATE UNIQUE INDEX \"settings_value\" ON \"public\".\"settings\" (\"value\" DESC)");

  std::size_t counters = index_of(schema, "counters");
  EXPECT_TRUE(schema.sources[counters].without_rowid);
  EXPECT_EQ(schema.tables[counters].key, std::vector<std::size_t>{0});  // INT key: ranges
  EXPECT_EQ(schema.sources[counters].range, SourceTable::Range::kKey);
  EXPECT_FALSE(schema.sources[counters].columns[0].identity);
  EXPECT_EQ(ddl(schema, "table", "counters"),
            "CREATE TABLE \"public\".\"counters\" (\n"
            "  \"id\" integer NOT NULL,\n"
            "  \"n\" bigint NOT NULL DEFAULT 0,\n"
            "  CHECK (\"n\" IS NOT NULL)\n"
            ")");
}

TEST_F(SqliteSchemaTest, ChecksIndexesGeneratedColumnsAndForeignKeys) {
  SqliteSchema schema = read();
  std::size_t i = index_of(schema, "orders");
  const Table& orders = schema.tables[i];
  EXPECT_EQ(orders.key, std::vector<std::size_t>{0});
  EXPECT_FALSE(orders.columns[6].generated);  // total_cents: CAST(real AS INTEGER) truncates
  EXPECT_TRUE(orders.columns[7].generated);   // label: PostgreSQL computes it
  EXPECT_EQ(orders.copied_columns().size(), orders.columns.size() - 1);
  EXPECT_EQ(ddl(schema, "table", "orders"),
            "CREATE TABLE \"public\".\"orders\" (\n"
            "  \"id\" bigint GENERATED BY DEFAULT AS IDENTITY,\n"
            "  \"user_id\" bigint NOT NULL,\n"
            "  \"total\" numeric(10,2) NOT NULL,\n"
            "  \"status\" text NOT NULL DEFAULT 'new'::text,\n"
            "  \"note\" text,\n"
            "  \"qty\" bigint,\n"
            "  \"total_cents\" bigint,\n"
            "  \"label\" text GENERATED ALWAYS AS (((upper(\"status\") || ':') || CAST(\"id\" AS "
            "text))) STORED,\n"
            "  CHECK (\"total\" >= 0),\n"
            "  CHECK (\"status\" IN ('new', 'paid'))\n"
            ")");
  EXPECT_EQ(ddl(schema, "index", "orders_open"),
            "CREATE INDEX \"orders_open\" ON \"public\".\"orders\" (\"user_id\", \"total\" DESC) "
            "WHERE (\"status\" <> 'paid')");
  EXPECT_EQ(ddl(schema, "sequence", "orders.id"),
            "SELECT setval(pg_get_serial_sequence('\"public\".\"orders\"', 'id'), "
            "greatest(coalesce(max(\"id\"), 0), 0, 1), greatest(coalesce(max(\"id\"), 0), 0) >= 1) "
            "FROM \"public\".\"orders\"");
  EXPECT_EQ(ddl(schema, "foreign_key", "orders_user_id_fkey"),
            "ALTER TABLE \"public\".\"orders\" ADD CONSTRAINT \"orders_user_id_fkey\" FOREIGN KEY "
            "(\"user_id\") REFERENCES \"public\".\"users\" (\"id\") ON DELETE CASCADE");
  EXPECT_TRUE(warned(schema, "table orders: CHECK (note GLOB '*x*') not created"));
  EXPECT_TRUE(warned(schema, "table orders: column qty: DEFAULT '' left out"));
  EXPECT_TRUE(warned(schema, "generated column total_cents becomes a plain column"));
  EXPECT_TRUE(warned(schema, "foreign key (qty) to nowhere not created: no such table"));
  // Foreign keys come after every table's own statements.
  ASSERT_FALSE(schema.after_data.empty());
  EXPECT_EQ(schema.after_data.back().kind, "foreign_key");
  bool seen_foreign_key = false;
  for (const auto& statement : schema.after_data) {
    if (statement.kind == "foreign_key") seen_foreign_key = true;
    EXPECT_TRUE(!seen_foreign_key || statement.kind == "foreign_key");
  }
}

TEST_F(SqliteSchemaTest, QuotedNamesAndCompositeKeys) {
  SqliteSchema schema = read();
  std::size_t i = index_of(schema, "Mixed Case");
  EXPECT_TRUE(schema.tables[i].keyless());  // composite key: rowid ranges
  EXPECT_EQ(schema.sources[i].range, SourceTable::Range::kRowid);
  EXPECT_EQ(schema.sources[i].primary_key, (std::vector<std::size_t>{0, 1}));
  EXPECT_EQ(ddl(schema, "table", "Mixed Case"),
            "CREATE TABLE \"public\".\"Mixed Case\" (\n"
            "  \"Weird \"\"Col\"\"\" bigint,\n"
            "  \"other\" bytea\n"
            ")");
  EXPECT_EQ(ddl(schema, "constraint", "pk"),
            "ALTER TABLE \"public\".\"Mixed Case\" ADD CONSTRAINT \"pk\" PRIMARY KEY (\"Weird "
            "\"\"Col\"\"\", \"other\")");
}

// Named foreign keys keep their CONSTRAINT names (quoted where needed), as named primary keys,
// CHECKs and indexes do; unnamed ones keep PostgreSQL's default names. Two keys with the same
// parent and columns keep their own names (the PRAGMA lists them in reverse order).
TEST(SqliteSchemaForeignKeys, NamedForeignKeysKeepTheirNames) {
  TempDatabase file;
  file.exec(R"sql(
CREATE TABLE language (language_id INTEGER PRIMARY KEY, name TEXT UNIQUE);
CREATE TABLE film (
  film_id INTEGER PRIMARY KEY,
  language_id INTEGER NOT NULL CONSTRAINT "Odd ""fk"" name" REFERENCES language (language_id),
  original_language_id INTEGER REFERENCES language,
  language_name TEXT,
  CONSTRAINT fk_film_language FOREIGN KEY (language_id) REFERENCES language (language_id)
    ON DELETE CASCADE,
  CONSTRAINT [fk film name] FOREIGN KEY (language_name) REFERENCES "language" (name)
);
)sql");
  auto db = open_read_only(file.path());
  ASSERT_TRUE(db) << db.error().message;
  auto schema = read_schema(db->get(), {});
  ASSERT_TRUE(schema) << schema.error().message;
  std::map<std::string, std::string> by_name;
  for (const auto& statement : schema->after_data) {
    if (statement.kind == "foreign_key") by_name[statement.name] = statement.sql;
  }
  EXPECT_EQ(by_name["fk_film_language"],
            "ALTER TABLE \"public\".\"film\" ADD CONSTRAINT \"fk_film_language\" FOREIGN KEY "
            "(\"language_id\") REFERENCES \"public\".\"language\" (\"language_id\") ON DELETE "
            "CASCADE");
  EXPECT_EQ(by_name["Odd \"fk\" name"],
            "ALTER TABLE \"public\".\"film\" ADD CONSTRAINT \"Odd \"\"fk\"\" name\" FOREIGN KEY "
            "(\"language_id\") REFERENCES \"public\".\"language\" (\"language_id\")");
  EXPECT_EQ(by_name["fk film name"],
            "ALTER TABLE \"public\".\"film\" ADD CONSTRAINT \"fk film name\" FOREIGN KEY "
            "(\"language_name\") REFERENCES \"public\".\"language\" (\"name\")");
  EXPECT_EQ(by_name["film_original_language_id_fkey"],
            "ALTER TABLE \"public\".\"film\" ADD CONSTRAINT \"film_original_language_id_fkey\" "
            "FOREIGN KEY (\"original_language_id\") REFERENCES \"public\".\"language\" "
            "(\"language_id\")");
  EXPECT_EQ(by_name.size(), 4u);
}

TEST_F(SqliteSchemaTest, OptionsCastsSchemaAndSizesWithoutMeasuring) {
  SchemaOptions options;
  options.target_schema = "app";
  options.measure_btrees = false;
  options.types.timestamptz = true;
  options.casts = {*parse_cast_override("USERS.Score=numeric"),
                   *parse_cast_override("users.nothing=text")};
  SqliteSchema schema = read(options);
  std::size_t i = index_of(schema, "users");
  EXPECT_EQ(schema.tables[i].schema, "app");
  EXPECT_EQ(schema.tables[i].columns[4].type_sql, "numeric");
  EXPECT_EQ(schema.tables[i].columns[4].kind, pg::ValueKind::kScalar);
  EXPECT_TRUE(schema.sources[i].columns[4].overridden);
  EXPECT_EQ(schema.tables[i].columns[6].type_sql, "timestamp with time zone");
  EXPECT_TRUE(warned(schema, "table users: --cast names no column nothing"));
  EXPECT_NE(
      ddl(schema, "table", "users").find("\"created_at\" timestamp with time zone DEFAULT now()"),
      std::string::npos);
  EXPECT_NE(ddl(schema, "table", "users").find("CREATE TABLE \"app\".\"users\""),
            std::string::npos);
  // Without measuring: max(rowid) - min(rowid) + 1 rows (2 for ids 1..2), the file shared out.
  EXPECT_DOUBLE_EQ(schema.tables[i].estimated_rows, 2);
  EXPECT_GT(schema.tables[i].bytes, 0);
}

TEST(SqliteSchemaEpoch, MixedUnitsAreRefused) {
  TempDatabase file;
  file.exec("CREATE TABLE t (at TIMESTAMP); INSERT INTO t VALUES (1700000000), (1700000000000);");
  auto db = open_read_only(file.path());
  ASSERT_TRUE(db);
  auto schema = read_schema(db->get(), {});
  ASSERT_FALSE(schema);
  EXPECT_EQ(schema.error().kind, ErrorKind::kRefused);
  EXPECT_NE(schema.error().message.find("table t column at"), std::string::npos);
  EXPECT_NE(schema.error().message.find("1700000000 and 1700000000000"), std::string::npos);
}

TEST(SqliteSchemaEpoch, WholeJulianDaysAmongJulianReals) {
  TempDatabase file;
  // julianday() gives REALs; SQLite stores the exact noon 2451545.0 as the integer 2451545.
  file.exec(
      "CREATE TABLE t (at DATETIME, d DATE); INSERT INTO t VALUES (2451545.0, NULL), "
      "(2451545.25, '2024-01-01'), (julianday('2024-02-29 10:00:00'), 86400);");
  auto db = open_read_only(file.path());
  ASSERT_TRUE(db);
  auto schema = read_schema(db->get(), {});
  ASSERT_TRUE(schema) << schema.error().message;
  const SourceColumn& at = schema->sources[0].columns[0];
  EXPECT_EQ(at.sampled_epoch_unit, EpochUnit::kJulianDays);
  EXPECT_EQ(at.mapping.note, "integers read as Julian days (from 1 sampled integers, 2 reals)");
  EXPECT_EQ(schema->sources[0].columns[1].target.epoch_unit, EpochUnit::kSeconds);
}

TEST(SqliteOpen, MissingFileOrNotADatabase) {
  TempDatabase file;
  auto missing = open_read_only(file.path() + ".nope");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, ErrorKind::kUsage);
  std::FILE* junk = std::fopen(file.path().c_str(), "w");
  ASSERT_NE(junk, nullptr);
  std::fputs("this is not a database, just text long enough to have a header ...........", junk);
  std::fclose(junk);
  auto bad = open_read_only(file.path());
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind, ErrorKind::kUsage);
}

// --- The expression translator and CREATE statement reader on their own.

std::string condition(std::string_view sql, const ExprContext& context) {
  auto tokens = tokenize_sql(sql);
  if (!tokens) return "TOKENIZE: " + tokens.error().message;
  auto translated = translate_condition(*tokens, context);
  return translated ? translated->sql : "REFUSED: " + translated.error().message;
}

TEST(SqliteExpression, TranslatesConditions) {
  ExprContext context;
  context.columns = {{"Flag", TargetKind::kBool}, {"n", TargetKind::kInt8},
                     {"r", TargetKind::kFloat8},  {"s", TargetKind::kText},
                     {"d", TargetKind::kDate},    {"j", TargetKind::kJsonb},
                     {"b", TargetKind::kBytea}};
  EXPECT_EQ(condition("flag = 1", context), "(\"Flag\" = true)");
  EXPECT_EQ(condition("FLAG IN (0, 1)", context), "(\"Flag\" IN (false, true))");
  EXPECT_EQ(condition("n > TRUE", context), "(\"n\" > 1)");
  EXPECT_EQ(condition("s = 5", context), "(\"s\" = '5')");
  EXPECT_EQ(condition("s < 'b'", context), "(\"s\" COLLATE \"C\" < 'b')");
  EXPECT_EQ(condition("n BETWEEN 1 AND 10 AND NOT r <= 0.5", context),
            "((\"n\" BETWEEN 1 AND 10) AND (NOT (\"r\" <= 0.5)))");
  EXPECT_EQ(condition("n", context), "(\"n\" <> 0)");
  EXPECT_EQ(condition("s IS NOT NULL OR n ISNULL", context),
            "((\"s\" IS NOT NULL) OR (\"n\" IS NULL))");
  EXPECT_EQ(condition("n IS 3", context), "(\"n\" IS NOT DISTINCT FROM 3)");
  EXPECT_EQ(condition("s LIKE 'a%'", context), "(\"s\" ILIKE 'a%' ESCAPE '')");
  EXPECT_EQ(condition("d > '2020-01-01'", context), "(\"d\" > '2020-01-01')");
  EXPECT_EQ(condition("d > date('now')", context), "(\"d\" > ((now() AT TIME ZONE 'UTC')::date))");
  EXPECT_EQ(condition("length(trim(s)) >= -1", context), "(length(btrim(\"s\")) >= -1)");
  EXPECT_EQ(condition("CASE WHEN n > 0 THEN s ELSE 'x' END <> ''", context),
            "((CASE WHEN (\"n\" > 0) THEN \"s\" ELSE 'x' END) <> '')");
  EXPECT_EQ(condition("typeof(s) IN ('text', 'null')", context), "true");
  EXPECT_EQ(condition("json_valid(j)", context), "(\"j\" IS NOT NULL OR NULL)");
  EXPECT_EQ(condition("s || n = 'a1'", context), "((\"s\" || CAST(\"n\" AS text)) = 'a1')");
  EXPECT_EQ(condition("s GLOB 'a*'", context), "REFUSED: GLOB has no PostgreSQL equivalent here");
  EXPECT_EQ(condition("s = n", context), "REFUSED: compares text with number");
  EXPECT_EQ(condition("d > 5", context), "REFUSED: compares date with number");
  EXPECT_EQ(condition("flag = 2", context), "REFUSED: compares boolean with number");
  EXPECT_EQ(condition("s || r = 'x'", context),
            "REFUSED: || on a non-integer number (SQLite and PostgreSQL print them differently)");
  EXPECT_EQ(condition("nope > 1", context), "REFUSED: unknown column nope");
  EXPECT_EQ(condition("rowid > 1", context), "REFUSED: rowid has no PostgreSQL column");
  EXPECT_EQ(condition("s COLLATE NOCASE = 'a'", context),
            "REFUSED: collation NOCASE has no PostgreSQL equivalent");
  EXPECT_EQ(condition("n IN (SELECT 1)", context), "REFUSED: IN (subquery)");
  EXPECT_EQ(condition("typeof(n) = 'text'", context),
            "REFUSED: typeof(n) = 'text' does not follow from its PostgreSQL type");
  EXPECT_EQ(condition("b = 'x'", context), "REFUSED: compares bytes with text");
  ExprContext index_context = context;
  index_context.for_index = true;
  EXPECT_EQ(condition("d > CURRENT_DATE", index_context),
            "REFUSED: the current time in an index (not immutable)");
}

TEST(SqliteDefault, TranslatesForTheColumnType) {
  auto column = [](std::string_view type) {
    ColumnTarget target;
    target.type = *parse_pg_type(type);
    return target;
  };
  auto sql = [&](std::string_view dflt, std::string_view type, Affinity affinity) {
    DefaultTranslation translated = translate_default(dflt, column(type), affinity);
    if (!translated.warning.empty()) return "WARNING: " + translated.warning;
    return translated.sql.value_or("(none)");
  };
  EXPECT_EQ(sql("0", "boolean", Affinity::kNumeric), "false");
  EXPECT_EQ(sql("'1'", "boolean", Affinity::kNumeric), "true");
  EXPECT_EQ(sql("(-1)", "bigint", Affinity::kInteger), "-1");
  EXPECT_EQ(sql("0", "text", Affinity::kText), "'0'::text");
  EXPECT_EQ(sql("NULL", "text", Affinity::kText), "(none)");
  EXPECT_EQ(sql("x'00ff'", "bytea", Affinity::kBlob), "'\\x00ff'::bytea");
  EXPECT_EQ(sql("'2024-01-01'", "date", Affinity::kNumeric), "'2024-01-01'::date");
  EXPECT_EQ(sql("CURRENT_DATE", "date", Affinity::kNumeric), "((now() AT TIME ZONE 'UTC')::date)");
  EXPECT_EQ(sql("CURRENT_TIMESTAMP", "text", Affinity::kText),
            "to_char((now() AT TIME ZONE 'UTC'), 'YYYY-MM-DD HH24:MI:SS')");
  EXPECT_EQ(sql("(unixepoch())", "bigint", Affinity::kInteger),
            "(floor(extract(epoch from now()))::bigint)");
  EXPECT_EQ(sql("(julianday('now'))", "double precision", Affinity::kReal),
            "(extract(epoch from now()) / 86400.0 + 2440587.5)");
  EXPECT_EQ(sql("CURRENT_TIMESTAMP", "timestamptz", Affinity::kNumeric), "now()");
  EXPECT_EQ(sql("(1 + 2)", "bigint", Affinity::kInteger), "(1 + 2)");
  EXPECT_EQ(sql("'abc'", "integer", Affinity::kInteger),
            "WARNING: DEFAULT 'abc' left out: value 'abc' is not an integer for integer");
  EXPECT_EQ(sql("CURRENT_TIME", "bigint", Affinity::kInteger),
            "WARNING: DEFAULT CURRENT_TIME left out: the current time in that form does not fit "
            "bigint");
}

TEST(SqliteCreateStatement, ReadsWhatPragmasDoNotReport) {
  auto table = parse_create_table(R"(CREATE TABLE IF NOT EXISTS main."t" (
      a INTEGER CONSTRAINT a_pos CHECK (a > 0) COLLATE RTRIM REFERENCES p (x) ON DELETE SET NULL
        NOT DEFERRABLE,
      "b c" VARCHAR(10, 2) DEFAULT (1 + 2) NOT NULL ON CONFLICT REPLACE,
      g TEXT GENERATED ALWAYS AS (a || 'x') STORED,
      CONSTRAINT k UNIQUE (a, "b c"),
      CHECK (a < 100),
      FOREIGN KEY (a) REFERENCES p (x)
    ) WITHOUT ROWID, STRICT)");
  ASSERT_TRUE(table) << table.error().message;
  EXPECT_EQ(table->name, "t");
  EXPECT_TRUE(table->without_rowid);
  EXPECT_TRUE(table->strict);
  ASSERT_EQ(table->columns.size(), 3u);
  EXPECT_EQ(table->columns[0].collation, "RTRIM");
  ASSERT_EQ(table->columns[0].checks.size(), 1u);
  EXPECT_EQ(table->columns[0].checks[0].name, "a_pos");
  EXPECT_EQ(table->columns[0].checks[0].text, "a > 0");
  EXPECT_EQ(table->columns[1].name, "b c");
  EXPECT_TRUE(table->columns[2].generated);
  EXPECT_TRUE(table->columns[2].generated_stored);
  EXPECT_EQ(table->columns[2].generated_text, "a || 'x'");
  ASSERT_EQ(table->keys.size(), 1u);
  EXPECT_EQ(table->keys[0].name, "k");
  EXPECT_EQ(table->keys[0].columns, (std::vector<std::string>{"a", "b c"}));
  ASSERT_EQ(table->checks.size(), 1u);
  EXPECT_EQ(table->checks[0].text, "a < 100");
  ASSERT_EQ(table->foreign_keys.size(), 2u);  // the column's REFERENCES, then the table's
  for (const auto& key : table->foreign_keys) {
    EXPECT_EQ(key.name, "");  // CONSTRAINT a_pos names the CHECK, not the REFERENCES after it
    EXPECT_EQ(key.columns, std::vector<std::string>{"a"});
    EXPECT_EQ(key.parent, "p");
  }
  auto named = parse_create_table(
      "CREATE TABLE c (x INT CONSTRAINT [x ref] REFERENCES \"P q\", y INT, "
      "CONSTRAINT \"two\"\"cols\" FOREIGN KEY (x, \"y\") REFERENCES p (a, b) ON DELETE CASCADE)");
  ASSERT_TRUE(named) << named.error().message;
  ASSERT_EQ(named->foreign_keys.size(), 2u);
  EXPECT_EQ(named->foreign_keys[0].name, "x ref");
  EXPECT_EQ(named->foreign_keys[0].parent, "P q");
  EXPECT_EQ(named->foreign_keys[1].name, "two\"cols");
  EXPECT_EQ(named->foreign_keys[1].columns, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(named->foreign_keys[1].parent, "p");

  auto index = parse_create_index(
      "CREATE UNIQUE INDEX IF NOT EXISTS ix ON t (lower(a) COLLATE NOCASE DESC, b) WHERE b > 0");
  ASSERT_TRUE(index) << index.error().message;
  EXPECT_TRUE(index->unique);
  EXPECT_EQ(index->name, "ix");
  EXPECT_EQ(index->table, "t");
  ASSERT_EQ(index->columns.size(), 2u);
  EXPECT_EQ(index->columns[0].text, "lower(a)");
  EXPECT_EQ(index->columns[0].collation, "NOCASE");
  EXPECT_TRUE(index->columns[0].descending);
  EXPECT_EQ(index->where_text, "b > 0");
  EXPECT_FALSE(parse_create_table("CREATE TABLE t (a"));
}

}  // namespace
}  // namespace pgshift::sqlite
