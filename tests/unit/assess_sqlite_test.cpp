// `pgshift plan` for SQLite sources, judged and shown from facts built by hand (no file, no
// server): values the target type refuses under each --on-type-error policy, mixed epoch units,
// ambiguous and untyped columns, what the schema translation left out, the target's state, the
// estimate from the measured full read, and the text and JSON reports (mappings, epoch rules,
// inventory, blockers).
#include <gtest/gtest.h>

#include "engine/assess/sqlite_assessment.hpp"
#include "engine/assess/sqlite_plan_report.hpp"

namespace pgshift::assess {
namespace {

const Finding* find(const std::vector<Finding>& findings, const std::string& code) {
  for (const auto& finding : findings) {
    if (finding.code == code) return &finding;
  }
  return nullptr;
}

SqliteColumnFacts column(std::string name, std::string declared, std::string affinity,
                         std::string pg_type) {
  SqliteColumnFacts out;
  out.name = std::move(name);
  out.declared = std::move(declared);
  out.affinity = std::move(affinity);
  out.pg_type = std::move(pg_type);
  out.mapped_type = out.pg_type;
  return out;
}

// users (AUTOINCREMENT, one wrongly typed balance), events (epoch milliseconds in a DATETIME),
// tags (WITHOUT ROWID, text key), plus a view and a trigger.
SqliteFileFacts app_file() {
  SqliteFileFacts file;
  file.path = "/data/app.db";
  file.file_bytes = 5 << 20;
  file.page_size = 4096;
  file.journal_mode = "wal";
  file.sqlite_version = "3.40.1";
  file.views = {"admins"};
  file.triggers = {"touch on users"};

  SqliteTableFacts users;
  users.schema = "public";
  users.name = "users";
  users.rows = 3004;
  users.bytes = 2 << 20;
  users.index_bytes = 100000;
  users.autoincrement = true;
  users.rowid_key = true;
  users.key = "id";
  users.chunking = "key ranges";
  users.primary_key = {"id"};
  users.chunks = 2;
  users.scan_seconds = 0.02;
  users.checks = 1;
  users.indexes = {{"sqlite_autoindex_users_1", "unique", {"email"}, true, false, false}};
  auto id = column("id", "INTEGER", "INTEGER", "bigint");
  id.identity = id.not_null = true;
  auto balance = column("balance", "REAL", "REAL", "double precision");
  balance.refused = 1;
  balance.first_refused = "key id=3004: value 'lots' is not a number";
  auto score = column("score", "FANCYNUM", "NUMERIC", "numeric");
  score.mapping_note = "unknown declared type FANCYNUM (NUMERIC affinity) mapped to numeric";
  auto raw = column("raw", "", "BLOB", "bytea");
  raw.mapping_note =
      "no declared type (BLOB affinity): bytea; --cast it if it holds numbers or text";
  auto price = column("price", "MONEY", "NUMERIC", "numeric(12,2)");
  price.cast = true;
  auto created = column("created_at", "DATETIME", "NUMERIC", "timestamp");
  created.date_like = true;
  users.columns = {id, balance, score, raw, price, created};

  SqliteTableFacts events;
  events.schema = "public";
  events.name = "events";
  events.rows = 20000;
  events.bytes = 3 << 20;
  events.index_bytes = 500000;
  events.rowid_key = true;
  events.key = "id";
  events.chunking = "key ranges";
  events.chunks = 4;
  events.scan_seconds = 0.03;
  events.indexes = {{"events_recent", "index", {"happened"}, false, true, false},
                    {"events_lower", "index", {""}, false, false, true}};
  events.foreign_keys = {"(user_id) -> users"};
  auto happened = column("happened", "DATETIME", "NUMERIC", "timestamp");
  happened.date_like = true;
  happened.epoch_unit = "milliseconds";
  happened.epoch_sampled_integers = 2000;
  events.columns = {column("id", "INTEGER", "INTEGER", "bigint"),
                    column("user_id", "INTEGER", "INTEGER", "bigint"), happened};

  SqliteTableFacts tags;
  tags.schema = "public";
  tags.name = "tags";
  tags.rows = 3;
  tags.bytes = 4096;
  tags.without_rowid = true;
  tags.chunking = "whole table";
  tags.primary_key = {"name"};
  tags.chunks = 1;
  tags.indexes = {{"sqlite_autoindex_tags_1", "primary key", {"name"}, true, false, false}};
  auto name = column("name", "TEXT", "TEXT", "text");
  name.not_null = true;
  tags.columns = {name};

  file.tables = {users, events, tags};
  file.schema_warnings = {"view admins is not migrated", "trigger touch on users is not migrated",
                          "table users: CHECK (x REGEXP 'a') not created: no REGEXP"};
  return file;
}

TargetFacts empty_target() {
  TargetFacts target;
  target.server.user = "app";
  target.server.database = "db";
  target.server.version_num = 150004;
  target.server.can_create_in_database = true;
  target.public_schema_exists = true;
  target.can_create_in_public = true;
  return target;
}

SqliteAssessment judged(const std::string& policy, const TargetFacts* target) {
  SqliteAssessment a;
  a.source_display = "sqlite:/data/app.db";
  a.target_display = "app@db.example.com/db";
  a.source = app_file();
  a.on_type_error = policy;
  a.jobs = 2;
  if (target) {
    a.target_reached = true;
    a.target = target->server;
  } else {
    a.target_error = "connection refused";
  }
  judge_sqlite(a, target);
  return a;
}

TEST(AssessSqlite, RefusedValueIsABlockerNamingTableColumnCountAndFirstValue) {
  auto target = empty_target();
  auto a = judged("fail", &target);
  const Finding* value = find(a.findings, "value_does_not_fit");
  ASSERT_NE(value, nullptr);
  EXPECT_EQ(value->severity, Severity::kBlocker);
  EXPECT_EQ(value->message,
            "table users column balance (double precision): 1 value does not fit; first: key "
            "id=3004: value 'lots' is not a number");
  EXPECT_NE(value->fix.find("--cast users.balance=TYPE"), std::string::npos);
  EXPECT_NE(value->fix.find("--on-type-error=text"), std::string::npos);
  EXPECT_TRUE(has_blocker(a.findings));
  EXPECT_EQ(a.findings.front().severity, Severity::kBlocker);  // blockers first
  EXPECT_EQ(a.findings.back().severity, Severity::kWarning);
}

TEST(AssessSqlite, TextPolicyMakesItAWarningThatTheColumnBecomesText) {
  auto target = empty_target();
  auto a = judged("text", &target);
  EXPECT_FALSE(has_blocker(a.findings));
  const Finding* text = find(a.findings, "column_becomes_text");
  ASSERT_NE(text, nullptr);
  EXPECT_EQ(text->severity, Severity::kWarning);
  EXPECT_EQ(text->message,
            "table users column balance becomes text instead of double precision "
            "(--on-type-error=text): 1 value did not fit double precision; first: key id=3004: "
            "value 'lots' is not a number");

  // A value text cannot hold either still blocks.
  a.source.tables[0].columns[1].refused_as_text = 1;
  a.source.tables[0].columns[1].first_refused_as_text = "key id=7: value x'ff' is not UTF-8";
  judge_sqlite(a, &target);
  const Finding* neither = find(a.findings, "value_not_text");
  ASSERT_NE(neither, nullptr);
  EXPECT_EQ(neither->severity, Severity::kBlocker);
  EXPECT_NE(neither->message.find("1 value fits neither double precision nor text"),
            std::string::npos)
      << neither->message;
}

TEST(AssessSqlite, NullPolicyWarnsButBlocksForNotNullColumns) {
  auto target = empty_target();
  auto a = judged("null", &target);
  EXPECT_FALSE(has_blocker(a.findings));
  const Finding* nulls = find(a.findings, "values_become_null");
  ASSERT_NE(nulls, nullptr);
  EXPECT_NE(nulls->message.find("1 value does not fit and becomes NULL"), std::string::npos);
  a.source.tables[0].columns[1].not_null = true;
  a.source.tables[0].columns[1].refused = 2;
  judge_sqlite(a, &target);
  const Finding* not_null = find(a.findings, "value_into_not_null");
  ASSERT_NE(not_null, nullptr);
  EXPECT_EQ(not_null->severity, Severity::kBlocker);
  EXPECT_NE(not_null->message.find("(double precision, NOT NULL): 2 values do not fit"),
            std::string::npos)
      << not_null->message;
}

TEST(AssessSqlite, MappingAndSchemaWarnings) {
  auto target = empty_target();
  auto a = judged("text", &target);
  const Finding* ambiguous = find(a.findings, "ambiguous_type");
  ASSERT_NE(ambiguous, nullptr);
  EXPECT_EQ(ambiguous->message,
            "table users column score: unknown declared type FANCYNUM (NUMERIC affinity) mapped "
            "to numeric");
  EXPECT_NE(ambiguous->fix.find("--cast users.score=TYPE"), std::string::npos);
  const Finding* untyped = find(a.findings, "untyped_column");
  ASSERT_NE(untyped, nullptr);
  EXPECT_NE(untyped->message.find("column raw has no declared type"), std::string::npos);
  // --cast settles a mapping: no warning for price.
  for (const auto& finding : a.findings) {
    EXPECT_EQ(finding.message.find("column price"), std::string::npos) << finding.message;
  }
  int not_migrated = 0, translation = 0;
  for (const auto& finding : a.findings) {
    not_migrated += finding.code == "not_migrated";
    translation += finding.code == "schema_translation";
  }
  EXPECT_EQ(not_migrated, 2);
  EXPECT_EQ(translation, 1);
}

TEST(AssessSqlite, MixedEpochUnitsAreABlockerWithTheReadersFix) {
  auto target = empty_target();
  auto a = judged("text", &target);
  auto& happened = a.source.tables[1].columns[2];
  happened.epoch_unit.clear();
  happened.epoch_conflict =
      "epoch integers mix seconds and milliseconds (for example 1700000000 and 1700000000000); "
      "--cast the column to bigint to keep the numbers as they are";
  judge_sqlite(a, &target);
  const Finding* mixed = find(a.findings, "epoch_units_mixed");
  ASSERT_NE(mixed, nullptr);
  EXPECT_EQ(mixed->severity, Severity::kBlocker);
  EXPECT_EQ(mixed->message,
            "table events column happened: epoch integers mix seconds and milliseconds (for "
            "example 1700000000 and 1700000000000)");
  EXPECT_EQ(mixed->fix, "--cast the column to bigint to keep the numbers as they are");
}

TEST(AssessSqlite, TargetStateAsMigrateJudgesIt) {
  auto unreachable = judged("text", nullptr);
  const Finding* gone = find(unreachable.findings, "target_unreachable");
  ASSERT_NE(gone, nullptr);
  EXPECT_EQ(gone->severity, Severity::kBlocker);
  EXPECT_NE(gone->message.find("connection refused"), std::string::npos);

  auto target = empty_target();
  target.tables = {{"public", "users", false}, {"public", "other", true}};
  auto occupied = judged("text", &target);
  EXPECT_NE(find(occupied.findings, "target_table_exists"), nullptr);
  EXPECT_NE(find(occupied.findings, "target_not_empty"), nullptr);

  target.tables.clear();
  target.server.schemas = {"public", "events"};  // a SQLite source creates no schema
  target.server.can_create_in_database = false;
  auto no_rights = judged("text", &target);
  EXPECT_EQ(find(no_rights.findings, "target_schema_exists"), nullptr);
  EXPECT_NE(find(no_rights.findings, "target_create_privilege"), nullptr);

  target.server.can_create_in_database = true;
  target.recorded_run = "started 2024-01-01, phase copy";
  auto resumed = judged("text", &target);
  const Finding* run = find(resumed.findings, "run_recorded_in_target");
  ASSERT_NE(run, nullptr);
  EXPECT_EQ(run->severity, Severity::kInfo);
  EXPECT_FALSE(has_blocker(resumed.findings));
}

TEST(AssessSqlite, EstimateUsesTheMeasuredReadOfEachTable) {
  SqliteFileFacts file = app_file();
  Estimate estimate = estimate_sqlite(file, 2, true, 0);
  EXPECT_TRUE(estimate.measured);
  ASSERT_EQ(estimate.tables.size(), 3u);
  EXPECT_TRUE(estimate.tables[0].measured);   // users: read in 0.02 s
  EXPECT_FALSE(estimate.tables[2].measured);  // tags: no time measured
  // 5 MB read in 0.05 s: 100 MB/s.
  EXPECT_NEAR(estimate.read_mb_s, 100, 1);
  EXPECT_GT(estimate.seconds, estimate.setup_seconds);
  EXPECT_EQ(estimate.streams, 2);
  ASSERT_FALSE(estimate.notes.empty());
  EXPECT_NE(estimate.notes.back().find("SQLite source"), std::string::npos);
  for (const auto& note : estimate.notes) EXPECT_FALSE(note.starts_with("no write")) << note;
  // A slower read makes a longer estimate.
  for (auto& table : file.tables) table.scan_seconds *= 20;
  EXPECT_GT(estimate_sqlite(file, 2, true, 0).seconds, estimate.seconds);
  EXPECT_LT(estimate_sqlite(file, 2, false, 0).verify_seconds, 1e-9);
}

TEST(AssessSqlite, TextReportShowsInventoryMappingsEpochRulesAndFindings) {
  auto target = empty_target();
  auto a = judged("fail", &target);
  a.estimate = estimate_sqlite(a.source, 2, true, 0);
  std::string text = sqlite_plan_to_text(a);
  for (const char* expected : {
           "Source  sqlite:/data/app.db  SQLite file, 5.0 MB (page size 4096, journal mode wal)",
           "Target  app@db.example.com/db  PostgreSQL 15.4, self-hosted, user app",
           "tables: 3, 23007 rows (counted)",
           "WITHOUT ROWID 1, AUTOINCREMENT 1, rowid-keyed 2, keyless 1",
           "indexes 4 (partial 1, expression 1, unique 2;",
           "foreign keys 1, CHECK constraints 1",
           "not migrated: views 1 (admins), triggers 1 (touch on users), virtual tables 0",
           "users: 3004 rows, 2.0 MB + 97.7 kB of indexes; AUTOINCREMENT, rowid key id (INTEGER "
           "PRIMARY KEY); 2 chunks (key ranges)",
           "indexes and keys: UNIQUE (email)",
           "indexes and keys: events_recent (partial), events_lower (expression)",
           "foreign keys: (user_id) -> users",
           "tags: 3 rows, 4.0 kB + 0 B of indexes; WITHOUT ROWID, keyless for chunks (primary key "
           "name is created",
           "    id          INTEGER [INTEGER]  -> bigint  (identity; NOT NULL)\n",
           "    balance     REAL [REAL]        -> double precision  (!! 1 value does not fit "
           "double precision)\n",
           "    raw         (none) [BLOB]      -> bytea  (no declared type",
           "    price       MONEY [NUMERIC]    -> numeric(12,2)  (--cast)\n",
           "    happened  DATETIME [NUMERIC] -> timestamp  (integers: epoch milliseconds)\n",
           "  events.happened (DATETIME -> timestamp): integers are epoch milliseconds, from 2000 "
           "sampled integers and 0 reals\n",
           "  users.created_at (DATETIME -> timestamp): no integers sampled; any would be read as "
           "epoch seconds (the default)\n",
           "--on-type-error=fail)\n  users.balance (double precision): 1 value does not fit: "
           "migrate refuses\n",
           "7 chunks over 3 tables; --jobs 2 gives 2 parallel streams",
           "estimated migrate time: ",
           "Blockers (migrate refuses: exit 2)\n  - table users column balance (double "
           "precision): 1 value does not fit; first: key id=3004: value 'lots' is not a number\n",
           "  - view admins is not migrated\n",
           "1 blocker, 5 warnings: migrate would refuse (exit 2)\n",
       }) {
    EXPECT_NE(text.find(expected), std::string::npos) << "missing: " << expected << "\n" << text;
  }

  auto unreachable = judged("text", nullptr);
  std::string lines = sqlite_plan_to_text(unreachable);
  EXPECT_NE(lines.find("Target  app@db.example.com/db  not reachable: connection refused\n"),
            std::string::npos)
      << lines;
  // The policy alone retypes nothing in the report: the reader says which columns it retyped.
  EXPECT_EQ(lines.find("--on-type-error=text: was"), std::string::npos) << lines;
}

TEST(AssessSqlite, RetypedColumnShowsTextAndWhatItWas) {
  auto target = empty_target();
  auto a = judged("text", &target);
  auto& balance = a.source.tables[0].columns[1];
  balance.pg_type = "text";
  balance.retyped_to_text = true;
  std::string text = sqlite_plan_to_text(a);
  EXPECT_NE(text.find("balance     REAL [REAL]        -> text  (--on-type-error=text: was double "
                      "precision; !! 1 value does not fit double precision)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("users.balance (double precision): 1 value does not fit: the column "
                      "becomes text"),
            std::string::npos);
  EXPECT_NE(text.find("0 blockers, 6 warnings: ready to migrate"), std::string::npos);
}

TEST(AssessSqlite, JsonReportHoldsTheSame) {
  auto target = empty_target();
  auto a = judged("fail", &target);
  ReportRun run{"2024-01-01T00:00:00Z", "2024-01-01T00:00:01Z", "blocked", 2, ""};
  std::string json = sqlite_plan_to_json(a, run);
  for (const char* expected : {
           "\"command\": \"plan\"",
           "\"status\": \"blocked\"",
           "\"exit_code\": 2",
           "\"source_kind\": \"sqlite\"",
           "\"on_type_error\": \"fail\"",
           "\"journal_mode\": \"wal\"",
           "\"target_reached\": true",
           "\"servers\": {\"target\": {\"version\": \"15.4\"",
           "\"views\": [\"admins\"]",
           "\"rows\": 23007",
           "{\"schema\": \"public\", \"name\": \"users\", \"rows_source\": 3004, \"rows_exact\": "
           "true, \"bytes\": 2097152, \"index_bytes\": 100000, \"chunks_total\": 2",
           "\"autoincrement\": true",
           "{\"name\": \"happened\", \"declared\": \"DATETIME\", \"affinity\": \"NUMERIC\", "
           "\"pg_type\": \"timestamp\"",
           "\"epoch_unit\": \"milliseconds\", \"epoch_sampled_integers\": 2000",
           "\"refused\": 1, \"first_refused\": \"key id=3004: value 'lots' is not a number\"",
           "{\"name\": \"events_recent\", \"unique\": false, \"partial\": true",
           "\"blockers\": [\n    {\"code\": \"value_does_not_fit\"",
           "\"code\": \"ambiguous_type\"",
       }) {
    EXPECT_NE(json.find(expected), std::string::npos) << "missing: " << expected << "\n" << json;
  }
  EXPECT_EQ(json.back(), '\n');
  auto unreachable = judged("fail", nullptr);
  std::string without = sqlite_plan_to_json(unreachable, run);
  EXPECT_NE(without.find("\"target_reached\": false,\n  \"target_error\": \"connection refused\""),
            std::string::npos);
  EXPECT_NE(without.find("\"servers\": {\"target\": null}"), std::string::npos);
}

}  // namespace
}  // namespace pgshift::assess
