// `pgshift plan` and `migrate --dry-run` against real servers set up to show each case: a clean
// pair, wal_level = replica, tables without a key, an extension the target server lacks, a role
// without privileges, a non-empty target, a Supabase-like source, a type without binary I/O and a
// PgBouncer in transaction mode in front of the source. Each gives its blocker or warning and exit
// status, and nothing is written to either side.
#include <gtest/gtest.h>

#include "tests/support/pg_test.hpp"
#include "tests/support/pgbouncer.hpp"
#include "tests/support/plan_run.hpp"
#include "tests/support/private_cluster.hpp"

namespace pgshift::test {
namespace {

// Idempotent, and safe when test processes run it at the same time (ctest -j).
void ensure_role(const Cluster& cluster, const std::string& name, const std::string& attributes) {
  for (int attempt = 0;; ++attempt) {
    try {
      exec(cluster.uri("postgres"),
           "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + name +
               "') THEN CREATE ROLE " + name + " " + attributes +
               "; END IF; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$");
      return;
    } catch (const std::exception&) {
      if (attempt >= 5) throw;
    }
  }
}

std::string as_user(std::string uri, const std::string& user, const std::string& password) {
  auto at = uri.find("postgres:pgshift@");
  return uri.replace(at, 16, user + ":" + password);
}

TEST(Plan, CleanPairHasNoBlockersAndNoWarnings) {
  std::string source = fresh_database(source_cluster(), "plan_clean_src");
  std::string target = fresh_database(target_cluster(), "plan_clean_dst");
  exec(source, R"SQL(
    CREATE EXTENSION citext;
    CREATE TABLE customers (id bigint PRIMARY KEY, email citext NOT NULL UNIQUE);
    INSERT INTO customers SELECT i, 'c' || i || '@example.com' FROM generate_series(1, 20000) i;
    CREATE TABLE orders (id bigint PRIMARY KEY, customer bigint REFERENCES customers,
                         total numeric(12, 2), note text GENERATED ALWAYS AS ('#' || id) STORED);
    INSERT INTO orders SELECT i, 1 + i % 20000, i / 7.0 FROM generate_series(1, 60000) i;
    CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 1000;
    ANALYZE;)SQL");
  auto result = plan(source, target);
  EXPECT_EQ(result.run.exit_code, 0) << result.run.out << result.run.err;
  EXPECT_TRUE(result.has("0 blockers, 0 warnings: ready to migrate")) << result.run.out;
  EXPECT_TRUE(result.has("\"blockers\": []")) << result.json;
  EXPECT_TRUE(result.has("\"warnings\": []")) << result.json;
  EXPECT_TRUE(result.has("\"command\": \"plan\"")) << result.json;
  EXPECT_TRUE(result.has("\"status\": \"ok\""));
  EXPECT_TRUE(result.has("\"name\": \"orders\", \"rows_source\": 60000")) << result.json;
  EXPECT_TRUE(result.has("\"foreign_keys\": 1, "));
  EXPECT_TRUE(result.has("\"generated_columns\": 1, "));
  EXPECT_TRUE(result.has("\"views\": 1, "));
  EXPECT_TRUE(result.has("{\"name\": \"citext\", \"version\": \"1.6\""));
  EXPECT_TRUE(result.has("\"measured\": true")) << result.json;
  EXPECT_TRUE(result.has("estimated migrate time: "));
  EXPECT_TRUE(result.has("Zero-downtime readiness (pgshift sync): ready")) << result.run.out;
  EXPECT_TRUE(result.has("self-hosted"));
  expect_untouched(target);

  // --exact counts; migrate --dry-run runs the same assessment and writes nothing either.
  auto exact = plan(source, target, {"--exact"});
  EXPECT_TRUE(exact.has("\"rows_exact\": true"));
  auto dry = run_pgshift({"migrate", "--dry-run", "--source", source, "--target", target});
  EXPECT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_NE(dry.out.find("Chunk plan & estimate"), std::string::npos);
  expect_untouched(target);
}

TEST(Plan, WalLevelReplicaIsAReadinessWarningNotABlocker) {
  PrivateCluster replica_source("walreplica", {{"wal_level = replica"}, {}});
  std::string source = fresh_database(replica_source.cluster(), "plan_wal_src");
  std::string target = fresh_database(target_cluster(), "plan_wal_dst");
  exec(source, "CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1)");
  auto result = plan(source, target);
  EXPECT_EQ(result.run.exit_code, 0) << result.run.out << result.run.err;
  EXPECT_TRUE(result.has("[!!] wal_level is replica")) << result.run.out;
  EXPECT_TRUE(result.has("fix: run ALTER SYSTEM SET wal_level = logical; then restart PostgreSQL"));
  EXPECT_TRUE(result.has("\"ready\": false, \"wal_level\": \"replica\""));
  EXPECT_TRUE(result.has("\"blockers\": []"));
}

TEST(Plan, TablesWithoutAKeyAreListedWithTheirFix) {
  std::string source = fresh_database(source_cluster(), "plan_nokey_src");
  std::string target = fresh_database(target_cluster(), "plan_nokey_dst");
  exec(source, R"SQL(
    CREATE TABLE events (at timestamptz, kind text);
    INSERT INTO events SELECT now(), 'k' FROM generate_series(1, 1000);
    CREATE TABLE users (email text NOT NULL UNIQUE, name text);
    CREATE TABLE keyed (id int PRIMARY KEY);
    ALTER TABLE keyed REPLICA IDENTITY NOTHING;)SQL");
  auto result = plan(source, target);
  EXPECT_EQ(result.run.exit_code, 0) << result.run.err;
  EXPECT_TRUE(result.has("3 tables without a usable replica identity")) << result.run.out;
  EXPECT_TRUE(result.has("public.events: no primary key (REPLICA IDENTITY DEFAULT)"));
  EXPECT_TRUE(result.has("ALTER TABLE public.events REPLICA IDENTITY FULL;"));
  EXPECT_TRUE(result.has("ALTER TABLE public.users REPLICA IDENTITY USING INDEX users_email_key;"));
  EXPECT_TRUE(result.has("ALTER TABLE public.keyed REPLICA IDENTITY DEFAULT;"));
  EXPECT_TRUE(result.has("{\"table\": \"public.events\", \"reason\": "));
}

TEST(Plan, ExtensionMissingOnTheTargetServerIsABlocker) {
  // A target server whose installation has no citext (its files left out of the share directory).
  PrivateCluster bare_target("nocitext", {{}, {"citext"}});
  ASSERT_EQ(scalar(bare_target.cluster().uri("postgres"),
                   "SELECT count(*) FROM pg_available_extensions WHERE name = 'citext'"),
            "0");
  std::string source = fresh_database(source_cluster(), "plan_ext_src");
  std::string target = fresh_database(bare_target.cluster(), "plan_ext_dst");
  exec(source, "CREATE EXTENSION citext; CREATE TABLE t (id int PRIMARY KEY, name citext)");
  auto result = plan(source, target);
  EXPECT_EQ(result.run.exit_code, 2) << result.run.out << result.run.err;
  EXPECT_TRUE(
      result.has("extension citext 1.6 (used by the source) is not available on the "
                 "target server"))
      << result.run.out;
  EXPECT_TRUE(result.has("\"code\": \"extension_missing\""));
  EXPECT_TRUE(result.has("\"status\": \"blocked\", \"exit_code\": 2") ||
              result.has("\"exit_code\": 2"));
  expect_untouched(target);
}

TEST(Plan, RolesWithoutPrivilegesAreBlockersNamingTheTable) {
  ensure_role(source_cluster(), "plan_reader", "LOGIN PASSWORD 'Reader1pw'");
  ensure_role(target_cluster(), "plan_writer", "LOGIN PASSWORD 'Writer1pw'");
  std::string source = fresh_database(source_cluster(), "plan_priv_src");
  std::string target = fresh_database(target_cluster(), "plan_priv_dst");
  exec(source, R"SQL(
    CREATE TABLE open_data (id int PRIMARY KEY); INSERT INTO open_data VALUES (1);
    CREATE TABLE secret_data (id int PRIMARY KEY); INSERT INTO secret_data VALUES (1);
    GRANT SELECT ON open_data TO plan_reader;
    REVOKE ALL ON secret_data FROM plan_reader;)SQL");
  auto result = plan(as_user(source, "plan_reader", "Reader1pw"),
                     as_user(target, "plan_writer", "Writer1pw"));
  EXPECT_EQ(result.run.exit_code, 2) << result.run.out << result.run.err;
  EXPECT_TRUE(result.has("source user plan_reader cannot read 1 table: public.secret_data"))
      << result.run.out;
  EXPECT_TRUE(result.has("GRANT SELECT ON ALL TABLES IN SCHEMA public TO plan_reader;"));
  EXPECT_TRUE(result.has("target user plan_writer cannot create schemas in database"));
  EXPECT_TRUE(result.has("GRANT CREATE ON DATABASE "));
  EXPECT_TRUE(result.has("target user plan_writer cannot create tables in schema public"));
  EXPECT_TRUE(result.has("[!!] user plan_reader lacks the REPLICATION privilege"));
  EXPECT_EQ(result.run.out.find("Reader1pw"), std::string::npos);
  EXPECT_EQ(result.json.find("Writer1pw"), std::string::npos);
  expect_untouched(target);
}

TEST(Plan, NonEmptyTargetIsABlockerForPlanAndDryRun) {
  std::string source = fresh_database(source_cluster(), "plan_full_src");
  std::string target = fresh_database(target_cluster(), "plan_full_dst");
  exec(source,
       "CREATE TABLE t (id int PRIMARY KEY); CREATE SCHEMA app; "
       "CREATE TABLE app.u (id int PRIMARY KEY)");
  exec(target, "CREATE TABLE mine (x int); INSERT INTO mine VALUES (7); CREATE SCHEMA app");
  auto result = plan(source, target);
  EXPECT_EQ(result.run.exit_code, 2) << result.run.out << result.run.err;
  EXPECT_TRUE(
      result.has("target is not empty: table public.mine holds rows that pgshift did not "
                 "copy"))
      << result.run.out;
  EXPECT_TRUE(result.has("target already has schema app"));
  auto dry =
      run_pgshift({"migrate", "--dry-run", "--quiet", "--source", source, "--target", target});
  EXPECT_EQ(dry.exit_code, 2);
  EXPECT_NE(dry.err.find("blocker: target is not empty"), std::string::npos) << dry.err;
  // migrate itself refuses on the same rule, before any write.
  auto migrate = run_pgshift({"migrate", "--source", source, "--target", target});
  EXPECT_EQ(migrate.exit_code, 2);
  EXPECT_NE(migrate.err.find("target is not empty: table public.mine"), std::string::npos);
  EXPECT_EQ(scalar(target,
                   "SELECT to_regclass('public.t') IS NULL AND "
                   "to_regnamespace('pgshift') IS NULL"),
            "t");
}

TEST(Plan, TypeWithoutBinaryIoIsABlocker) {
  std::string source = fresh_database(source_cluster(), "plan_acl_src");
  std::string target = fresh_database(target_cluster(), "plan_acl_dst");
  exec(source, "CREATE TABLE grants_copy (id int PRIMARY KEY, acl aclitem)");
  auto result = plan(source, target);
  EXPECT_EQ(result.run.exit_code, 2);
  EXPECT_TRUE(
      result.has("public.grants_copy: column acl (aclitem) has a type without binary "
                 "send/receive functions"))
      << result.run.out;
  EXPECT_TRUE(result.has("--exclude-table public.grants_copy"));
  auto excluded = plan(source, target, {"--exclude-table", "grants_copy"});
  EXPECT_EQ(excluded.run.exit_code, 0) << excluded.run.out;
}

constexpr const char* kSupabaseLike = R"SQL(
  CREATE SCHEMA auth; CREATE SCHEMA storage; CREATE SCHEMA extensions;
  CREATE EXTENSION "uuid-ossp" WITH SCHEMA extensions;
  CREATE TABLE auth.users (id uuid PRIMARY KEY, email text);
  CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS 'SELECT NULL::uuid';
  CREATE TABLE storage.objects (id bigint PRIMARY KEY, name text);
  CREATE TABLE public.profiles (id uuid PRIMARY KEY REFERENCES auth.users (id), name text);
  ALTER TABLE public.profiles ENABLE ROW LEVEL SECURITY;
  CREATE POLICY own_profile ON public.profiles TO authenticated USING (id = auth.uid());
  GRANT SELECT ON public.profiles TO anon, authenticated;
  CREATE TABLE public.items (id uuid PRIMARY KEY DEFAULT extensions.uuid_generate_v4(), note text);
  INSERT INTO auth.users VALUES ('00000000-0000-0000-0000-000000000001', 'a@example.com');
  INSERT INTO public.profiles VALUES ('00000000-0000-0000-0000-000000000001', 'a');
  INSERT INTO public.items (note) SELECT 'n' || i FROM generate_series(1, 100) i;
)SQL";

void supabase_roles(const Cluster& cluster) {
  for (const char* role : {"anon", "authenticated", "service_role"}) {
    ensure_role(cluster, role, "NOLOGIN");
  }
}

TEST(Plan, SupabaseLikeSourceLeavesItsSchemasOutAndWarnsAboutReferences) {
  supabase_roles(source_cluster());
  std::string source = fresh_database(source_cluster(), "plan_supa_src");
  std::string target = fresh_database(target_cluster(), "plan_supa_dst");
  exec(source, kSupabaseLike);
  auto result = plan(source, target);
  EXPECT_EQ(result.run.exit_code, 0) << result.run.out << result.run.err;
  EXPECT_TRUE(result.has("\"provider\": \"Supabase\"")) << result.json;
  EXPECT_TRUE(result.has("schemas: auth, storage, extensions (Supabase internal"))
      << result.run.out;
  EXPECT_TRUE(result.has("\"left_out\": {\"schemas\": [\"auth\", \"storage\", \"extensions\"]"));
  EXPECT_TRUE(result.has("roles: anon, authenticated, service_role"));
  EXPECT_TRUE(result.has("extensions: uuid-ossp (extensions)"));
  EXPECT_TRUE(
      result.has("constraint profiles_id_fkey on table public.profiles references table "
                 "auth.users (schema auth is left out)"))
      << result.run.out;
  EXPECT_TRUE(
      result.has("default value for column id of table public.items uses function "
                 "extensions.uuid_generate_v4()"));
  EXPECT_TRUE(result.has("CREATE EXTENSION IF NOT EXISTS \"uuid-ossp\" WITH SCHEMA extensions;"));
  EXPECT_TRUE(result.has("policy own_profile on table public.profiles uses function auth.uid()"));
  EXPECT_TRUE(result.has("policy own_profile on public.profiles applies TO authenticated"));
  EXPECT_TRUE(
      result.has("1 table grants privileges to Supabase roles (anon, authenticated): "
                 "public.profiles"));
  EXPECT_TRUE(result.has("\"tables\": 2, "));  // profiles and items; auth and storage left out
  auto everything = plan(source, target, {"--include-internal-schemas"});
  EXPECT_TRUE(everything.has("\"left_out\": {\"schemas\": []"));
  EXPECT_TRUE(everything.has("\"tables\": 4, "));
}

TEST(Plan, MigrateLeavesSupabaseSchemasOutOnceTheFixesAreApplied) {
  supabase_roles(source_cluster());
  supabase_roles(target_cluster());
  std::string source = fresh_database(source_cluster(), "mig_supa_src");
  std::string target = fresh_database(target_cluster(), "mig_supa_dst");
  exec(source, kSupabaseLike);
  // An extension in a left-out schema the target lacks: left out with its schema.
  exec(source, "CREATE SCHEMA graphql; CREATE EXTENSION pg_trgm WITH SCHEMA graphql");
  // The fixes plan names: the extension's schema and the function the policy uses.
  exec(target,
       "CREATE SCHEMA extensions; CREATE EXTENSION \"uuid-ossp\" WITH SCHEMA extensions; "
       "CREATE SCHEMA auth; CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE "
       "AS 'SELECT NULL::uuid'");
  auto run = run_pgshift({"migrate", "--source", source, "--target", target, "--jobs", "2"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.err.find("Supabase source"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("leaving out its internal schemas auth, storage, extensions, graphql"),
            std::string::npos);
  EXPECT_NE(run.err.find("foreign key profiles_id_fkey left out"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("left out with its schema: extension pg_trgm (schema graphql)"),
            std::string::npos);
  EXPECT_EQ(scalar(target, "SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'"), "0");
  EXPECT_EQ(scalar(target, "SELECT count(*) FROM public.items"), "100");
  EXPECT_EQ(scalar(target, "SELECT count(*) FROM public.profiles"), "1");
  EXPECT_EQ(scalar(target,
                   "SELECT to_regclass('auth.users') IS NULL AND "
                   "to_regclass('storage.objects') IS NULL"),
            "t");
  EXPECT_EQ(scalar(target, "SELECT count(*) FROM pg_policy WHERE polname = 'own_profile'"), "1");
}

TEST(Plan, TransactionPoolerInFrontOfTheSourceIsAWarning) {
  if (!PgBouncer::installed())
    GTEST_SKIP() << "pgbouncer is not installed (apt-get install pgbouncer)";
  std::string direct = fresh_database(source_cluster(), "plan_pool_src");
  std::string target = fresh_database(target_cluster(), "plan_pool_dst");
  exec(direct,
       "CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t SELECT generate_series(1, 1000)");
  int backend_port = std::stoi(direct.substr(direct.rfind(':') + 1));
  PgBouncer bouncer(backend_port, "transaction");
  std::string database = direct.substr(direct.rfind('/') + 1);
  auto result = plan(bouncer.cluster().uri(database), target);
  EXPECT_EQ(result.run.exit_code, 0) << result.run.out << result.run.err;
  EXPECT_TRUE(result.has("the source connection goes through a transaction pooler"))
      << result.run.out;
  EXPECT_TRUE(result.has("use the direct connection"));
  EXPECT_TRUE(result.has("\"code\": \"transaction_pooler\""));
  // The direct connection to the same database shows no pooler.
  auto direct_plan = plan(direct, target);
  EXPECT_FALSE(direct_plan.has("transaction_pooler")) << direct_plan.run.out;
}

}  // namespace
}  // namespace pgshift::test
