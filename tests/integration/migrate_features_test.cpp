// Migrates a database holding every feature `migrate` promises to carry, then compares source and
// target with catalog and data queries that share no code with pgshift.
#include <gtest/gtest.h>

#include "tests/support/pg_test.hpp"

namespace pgshift::test {
namespace {

constexpr const char* kFeatureSchema = R"SQL(
CREATE SCHEMA app;
CREATE TYPE app.mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN app.positive AS integer CHECK (VALUE > 0);
CREATE TYPE app.point3 AS (x double precision, y double precision, label text);
CREATE TYPE app.tagged AS (mood app.mood, moods app.mood[], p app.point3);

CREATE TABLE app.people (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL,
  mood app.mood,
  moods app.mood[],
  score app.positive,
  spot app.point3,
  spots app.point3[],
  tagged app.tagged,
  weights double precision[],
  name_upper text GENERATED ALWAYS AS (upper(name)) STORED,
  created timestamptz DEFAULT now());
INSERT INTO app.people (name, mood, moods, score, spot, spots, tagged, weights)
SELECT 'person ' || i, (ARRAY['sad','ok','happy'])[1 + i % 3]::app.mood,
       ARRAY['ok', 'happy']::app.mood[], 1 + i,
       ROW(i * 1.5, -0.0, 'p' || i)::app.point3,
       ARRAY[ROW(1, 2, 'a')::app.point3, ROW(3, 'NaN', NULL)::app.point3],
       ROW('happy', ARRAY['sad']::app.mood[], ROW(0, 0, 'z')::app.point3)::app.tagged,
       ARRAY[i::float8, 'NaN', '-Infinity', -0.0]
FROM generate_series(1, 5000) i;
CREATE STATISTICS app.people_stats (ndistinct) ON mood, score FROM app.people;

CREATE TABLE app."Odd ""Name"" Table" ("Key Col" text PRIMARY KEY, "select" int, "MiXed" text);
INSERT INTO app."Odd ""Name"" Table" SELECT 'k' || i || ' ü ' || chr(10), i, repeat('x', i % 50)
FROM generate_series(1, 3000) i;

CREATE TABLE app.measurements (
  id int NOT NULL, taken date NOT NULL, value numeric(12, 4), PRIMARY KEY (id, taken))
  PARTITION BY RANGE (taken);
CREATE TABLE app.measurements_2023 PARTITION OF app.measurements
  FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
CREATE TABLE app.measurements_2024 PARTITION OF app.measurements
  FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE INDEX measurements_value_idx ON app.measurements (value);
INSERT INTO app.measurements SELECT i, date '2023-01-01' + (i % 700), i / 7.0
FROM generate_series(1, 20000) i;

CREATE UNLOGGED TABLE app.cache (k uuid PRIMARY KEY, v bytea);
INSERT INTO app.cache SELECT md5(i::text)::uuid, decode(md5(i::text), 'hex')
FROM generate_series(1, 2000) i;

CREATE TABLE app.empty_one (id int PRIMARY KEY, note text);
CREATE TABLE app.no_key (a int, b text, c jsonb);
INSERT INTO app.no_key SELECT i % 100, 'row ' || (i % 100), jsonb_build_object('i', i % 100)
FROM generate_series(1, 10000) i;  -- many exact duplicates

CREATE TABLE app.orders (
  id serial PRIMARY KEY,
  person_id bigint NOT NULL REFERENCES app.people (id),
  amount numeric(10, 2) CHECK (amount >= 0),
  big_text text,
  UNIQUE (person_id, id));
CREATE INDEX orders_amount_partial ON app.orders (amount) WHERE amount > 100;
CREATE INDEX orders_lower_text ON app.orders (lower(big_text));
INSERT INTO app.orders (person_id, amount, big_text)
SELECT 1 + i % 5000, (i % 500) * 1.25,
       CASE WHEN i % 50 = 0 THEN repeat(md5(i::text), 400) ELSE 'short ' || i END
FROM generate_series(1, 30000) i;

CREATE TABLE app.attachments (id int PRIMARY KEY, blob oid);
INSERT INTO app.attachments
SELECT i, lo_from_bytea(0, convert_to(repeat('large object ' || i, 20000 * i), 'UTF8'))
FROM generate_series(1, 3) i;

CREATE SEQUENCE app.invoice_no START 1000;
SELECT setval('app.invoice_no', 4242);
CREATE VIEW app.rich_people AS SELECT id, name FROM app.people WHERE score > 4000;
CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.amount := NEW.amount; RETURN NEW; END $$;
CREATE TRIGGER orders_touch BEFORE UPDATE ON app.orders FOR EACH ROW EXECUTE FUNCTION app.touch();
COMMENT ON TABLE app.people IS 'everyone';
ANALYZE;
)SQL";

// Catalog and data facts that must be equal on both sides.
const std::vector<std::pair<std::string, std::string>> kChecks = {
    {"tables",
     "SELECT n.nspname, c.relname, c.relkind, c.relpersistence FROM pg_class c "
     "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'app' ORDER BY 1, 2"},
    {"columns",
     "SELECT table_name, column_name, data_type, udt_name, is_nullable, is_identity, "
     "is_generated, column_default FROM information_schema.columns WHERE table_schema = 'app' "
     "ORDER BY 1, ordinal_position"},
    {"indexes",
     "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'app' "
     "ORDER BY 1, 2"},
    {"constraints",
     "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
     "WHERE connamespace = 'app'::regnamespace ORDER BY 1, 2"},
    {"sequences",
     "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'app' ORDER BY 1"},
    {"large objects", "SELECT oid, md5(lo_get(oid)) FROM pg_largeobject_metadata ORDER BY 1"},
    {"triggers", "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1"},
    {"views", "SELECT viewname, definition FROM pg_views WHERE schemaname = 'app' ORDER BY 1"},
    {"comments", "SELECT obj_description('app.people'::regclass)"},
    {"extended statistics",
     "SELECT stxname, stxkind FROM pg_statistic_ext WHERE stxnamespace = 'app'::regnamespace "
     "ORDER BY 1"},
    {"types",
     "SELECT typname, typtype FROM pg_type WHERE typnamespace = 'app'::regnamespace "
     "AND typtype IN ('e', 'd', 'c') ORDER BY 1"},
};

std::vector<std::string> data_tables() {
  return {"app.people",
          "app.\"Odd \"\"Name\"\" Table\"",
          "app.measurements_2023",
          "app.measurements_2024",
          "app.cache",
          "app.empty_one",
          "app.no_key",
          "app.orders",
          "app.attachments"};
}

std::string table_fingerprint(const std::string& uri, const std::string& table) {
  return scalar(uri,
                "SELECT count(*) || ':' || COALESCE(md5(string_agg(t::text, '|' ORDER BY "
                "t::text)), '') FROM " +
                    table + " t");
}

TEST(MigrateFeatures, EveryFeatureArrivesExactly) {
  std::string source = fresh_database(source_cluster(), "features_src");
  std::string target = fresh_database(target_cluster(), "features_dst");
  exec(source, kFeatureSchema);
  // Shift the target's OID counter so user type OIDs certainly differ between the databases.
  for (int i = 0; i < 20; ++i) {
    exec(target, "CREATE TYPE pg_temp_shift" + std::to_string(i) +
                     " AS (a int); DROP TYPE pg_temp_shift" + std::to_string(i));
  }
  std::string report = ::testing::TempDir() + "/features-report.json";
  auto run = run_pgshift({"migrate", "--source", source, "--target", target, "--jobs", "2",
                          "--chunk-size", "1", "--report", report});
  ASSERT_EQ(run.exit_code, 0) << run.err << run.out;

  for (const auto& [name, sql] : kChecks) {
    EXPECT_EQ(query(source, sql), query(target, sql)) << "differs: " << name;
  }
  for (const auto& table : data_tables()) {
    EXPECT_EQ(table_fingerprint(source, table), table_fingerprint(target, table)) << table;
  }
  // Generated columns are recomputed by the target, identity continues past the copied values.
  EXPECT_EQ(scalar(target, "SELECT count(*) FROM app.people WHERE name_upper <> upper(name)"), "0");
  exec(target, "INSERT INTO app.people (name) VALUES ('new')");
  EXPECT_EQ(scalar(target, "SELECT max(id) FROM app.people"), "5001");
  // Every table was analyzed (each by its finisher, partitions at the end), and the extended
  // statistics that post-data created were computed by an ANALYZE after it.
  EXPECT_EQ(scalar(target,
                   "SELECT string_agg(s.relname, ', ') FROM pg_stat_user_tables s JOIN pg_class c "
                   "ON c.oid = s.relid WHERE s.schemaname = 'app' AND c.relkind = 'r' "
                   "AND s.last_analyze IS NULL"),
            "<NULL>");
  EXPECT_EQ(scalar(target,
                   "SELECT count(*) FROM pg_statistic_ext s JOIN pg_statistic_ext_data d ON "
                   "d.stxoid = s.oid WHERE s.stxname = 'people_stats' AND d.stxdndistinct IS NOT "
                   "NULL"),
            "1");
  // The enum/composite arrays really are the target's types (OIDs were remapped, not copied).
  EXPECT_EQ(scalar(target, "SELECT (tagged).moods[1]::text FROM app.people LIMIT 1"), "sad");

  std::string json = read_file(report);
  EXPECT_NE(json.find("\"status\": \"ok\""), std::string::npos) << json;
  // Every table's chunks verified: no table reports fewer verified than total.
  for (std::size_t at = json.find("\"chunks_total\": "); at != std::string::npos;
       at = json.find("\"chunks_total\": ", at + 1)) {
    auto total = std::stoi(json.substr(at + 16));
    auto verified_at = json.find("\"chunks_verified\": ", at);
    EXPECT_EQ(total, std::stoi(json.substr(verified_at + 19))) << json.substr(at, 80);
  }
  EXPECT_EQ(run.out.find("pgshift"), run.out.find("pgshift"));  // summary printed
  EXPECT_NE(run.out.find("app.people"), std::string::npos) << run.out;
}

TEST(MigrateFeatures, RerunOfFinishedMigrationIsANoOp) {
  std::string source = fresh_database(source_cluster(), "rerun_src");
  std::string target = fresh_database(target_cluster(), "rerun_dst");
  exec(source,
       "CREATE TABLE t (id int PRIMARY KEY, v text); "
       "INSERT INTO t SELECT i, 'v' || i FROM generate_series(1, 1000) i");
  ASSERT_EQ(run_pgshift({"migrate", "--source", source, "--target", target, "--quiet"}).exit_code,
            0);
  // As a run state written by the previous pgshift looks: the rerun brings it up to date.
  exec(target, "ALTER TABLE pgshift.ddl DROP COLUMN references_table");
  auto again = run_pgshift({"migrate", "--source", source, "--target", target, "--quiet"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(scalar(target, "SELECT count(*) FROM t"), "1000");
  EXPECT_EQ(scalar(target,
                   "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'pgshift' "
                   "AND table_name = 'ddl' AND column_name = 'references_table'"),
            "1");
}

// A foreign key is added NOT VALID, then validated in a second transaction. A run that dies
// between the two leaves it NOT VALID: the rerun validates it and marks it done.
TEST(MigrateFeatures, ForeignKeyLeftNotValidByACrashIsValidatedByTheRerun) {
  std::string source = fresh_database(source_cluster(), "fk_rerun_src");
  std::string target = fresh_database(target_cluster(), "fk_rerun_dst");
  exec(source,
       "CREATE TABLE parent (id int PRIMARY KEY); "
       "CREATE TABLE child (id int PRIMARY KEY, parent_id int REFERENCES parent (id)); "
       "INSERT INTO parent SELECT generate_series(1, 100); "
       "INSERT INTO child SELECT i, 1 + i % 100 FROM generate_series(1, 1000) i");
  ASSERT_EQ(run_pgshift({"migrate", "--source", source, "--target", target, "--quiet"}).exit_code,
            0);
  EXPECT_EQ(scalar(target,
                   "SELECT convalidated FROM pg_constraint WHERE conname = "
                   "'child_parent_id_fkey'"),
            "t");
  // The state a crash after the first transaction leaves.
  exec(target,
       "ALTER TABLE child DROP CONSTRAINT child_parent_id_fkey; "
       "ALTER TABLE child ADD CONSTRAINT child_parent_id_fkey FOREIGN KEY (parent_id) "
       "REFERENCES parent (id) NOT VALID; "
       "UPDATE pgshift.ddl SET done = false WHERE name = 'child_parent_id_fkey'; "
       "UPDATE pgshift.steps SET done = false WHERE name IN ('foreign_keys', 'analyze'); "
       "UPDATE pgshift.run SET phase = 'finalize'");
  auto again = run_pgshift({"migrate", "--source", source, "--target", target, "--quiet"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(scalar(target,
                   "SELECT string_agg(convalidated::text, ',') FROM pg_constraint "
                   "WHERE conname = 'child_parent_id_fkey'"),
            "true");
  EXPECT_EQ(scalar(target, "SELECT done FROM pgshift.ddl WHERE name = 'child_parent_id_fkey'"),
            "t");
  EXPECT_EQ(scalar(target, "SELECT phase FROM pgshift.run"), "done");
}

}  // namespace
}  // namespace pgshift::test
