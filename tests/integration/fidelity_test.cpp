// "Never silent": runs where pgshift used to say ok (or destroy data) while the target was wrong.
// Row-level security hiding rows from the source user, sequences and table filters, a target
// whose default collation differs from the source's, a rerun of a finished run after the target
// changed, and --restart over tables written since. Each is checked with queries that share no
// code with pgshift.
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/support/pg_test.hpp"

namespace pgshift::test {
namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string table_fingerprint(const std::string& uri, const std::string& table) {
  return scalar(uri,
                "SELECT count(*) || ':' || COALESCE(md5(string_agg(t::text, '|' ORDER BY "
                "t::text COLLATE \"C\")), '') FROM " +
                    table + " t");
}

// A database created with explicit locale options (fresh_database uses the cluster's default).
std::string database_with(const Cluster& cluster, const std::string& base,
                          const std::string& options) {
  std::string uri = fresh_database(cluster, base);
  std::string name = uri.substr(uri.rfind('/') + 1);
  exec(cluster.uri("postgres"), "DROP DATABASE \"" + name + "\" WITH (FORCE)");
  exec(cluster.uri("postgres"), "CREATE DATABASE \"" + name + "\" TEMPLATE template0 " + options);
  return uri;
}

std::string with_user(const std::string& uri, const std::string& user,
                      const std::string& password) {
  // postgres://postgres:pgshift@host:port/db -> postgres://user:password@host:port/db
  auto at = uri.find('@');
  return "postgres://" + user + ":" + password + uri.substr(at);
}

TEST(Fidelity, RowLevelSecurityRefusesInsteadOfCopyingFewerRows) {
  std::string source = fresh_database(source_cluster(), "rls_src");
  std::string target = fresh_database(target_cluster(), "rls_dst");
  std::string role = "rls_reader_" + source.substr(source.rfind('_') + 1);
  exec(source_cluster().uri("postgres"),
       "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '" + role +
           "') THEN CREATE ROLE " + role +
           " LOGIN PASSWORD 'pw'; END IF; END $$;"
           "ALTER ROLE " +
           role + " NOBYPASSRLS");
  exec(source,
       "CREATE TABLE notes (id int PRIMARY KEY, owner text NOT NULL, body text);"
       "INSERT INTO notes SELECT i, CASE WHEN i % 3 = 0 THEN '" +
           role +
           "' ELSE 'someone' END, 'note ' || i FROM generate_series(1, 900) i;"
           "ALTER TABLE notes ENABLE ROW LEVEL SECURITY;"
           "CREATE POLICY mine ON notes USING (owner = current_user);"
           "CREATE TABLE open_table (id int PRIMARY KEY);"
           "INSERT INTO open_table SELECT generate_series(1, 10);"
           "GRANT SELECT ON notes, open_table TO " +
           role);
  std::string as_reader = with_user(source, role, "pw");

  auto plan = run_pgshift({"plan", "--source", as_reader, "--target", target});
  EXPECT_EQ(plan.exit_code, 2) << plan.out << plan.err;
  EXPECT_TRUE(contains(plan.out, "row-level security")) << plan.out;
  EXPECT_TRUE(contains(plan.out, "public.notes")) << plan.out;

  auto refused = run_pgshift({"migrate", "--source", as_reader, "--target", target, "--quiet"});
  EXPECT_EQ(refused.exit_code, 2) << refused.out << refused.err;
  EXPECT_TRUE(contains(refused.err, "row-level security")) << refused.err;
  EXPECT_TRUE(contains(refused.err, "public.notes")) << refused.err;
  EXPECT_TRUE(contains(refused.err, "BYPASSRLS")) << refused.err;
  EXPECT_FALSE(contains(refused.err, "pw@")) << refused.err;
  // Refused before any write: a rerun after the fix starts from an empty target.
  EXPECT_EQ(scalar(target,
                   "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname IN "
                   "('public', 'pgshift')"),
            "0");

  auto verify_refused =
      run_pgshift({"verify", "--source", as_reader, "--target", target, "--quiet"});
  EXPECT_EQ(verify_refused.exit_code, 2) << verify_refused.out << verify_refused.err;
  EXPECT_TRUE(contains(verify_refused.err, "public.notes")) << verify_refused.err;

  exec(source_cluster().uri("postgres"), "ALTER ROLE " + role + " BYPASSRLS");
  auto migrated = run_pgshift({"migrate", "--source", as_reader, "--target", target, "--quiet"});
  exec(source_cluster().uri("postgres"), "ALTER ROLE " + role + " NOBYPASSRLS");
  ASSERT_EQ(migrated.exit_code, 0) << migrated.out << migrated.err;
  EXPECT_EQ(scalar(target, "SELECT count(*) FROM notes"), "900");
  EXPECT_EQ(table_fingerprint(target, "notes"), table_fingerprint(source, "notes"));
}

struct SequenceCase {
  std::string name;
  std::vector<std::string> filters;
  std::vector<std::string> expected;  // sequences the target must hold, set to the source value
};

TEST(Fidelity, SequencesFollowTheTableFiltersAndRerunsFinish) {
  std::string source = fresh_database(source_cluster(), "seq_src");
  exec(source,
       "CREATE SCHEMA app; CREATE SCHEMA other;"
       "CREATE TABLE app.a (id serial PRIMARY KEY, v text);"
       "CREATE TABLE app.b (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v text);"
       "CREATE TABLE app.c (id serial PRIMARY KEY, v text);"
       "CREATE TABLE app.\"Mixed\" (id serial PRIMARY KEY, v text);"
       "CREATE TABLE other.o (id serial PRIMARY KEY);"
       "CREATE SEQUENCE other.free_seq;"
       "INSERT INTO app.a (v) SELECT 'a' FROM generate_series(1, 11);"
       "INSERT INTO app.b (v) SELECT 'b' FROM generate_series(1, 22);"
       "INSERT INTO app.c (v) SELECT 'c' FROM generate_series(1, 33);"
       "INSERT INTO app.\"Mixed\" (v) SELECT 'm' FROM generate_series(1, 44);"
       "INSERT INTO other.o SELECT FROM generate_series(1, 55);"
       "SELECT setval('other.free_seq', 66)");
  std::vector<SequenceCase> cases = {
      {"include", {"--include-table", "app.a"}, {"app.a_id_seq"}},
      {"exclude",
       {"--exclude-table", "app.b"},
       {"app.a_id_seq", "app.c_id_seq", "app.\"Mixed_id_seq\"", "other.o_id_seq",
        "other.free_seq"}},
      {"exclude_schema_include",
       {"--exclude-schema", "other", "--include-table", "app.*"},
       {"app.a_id_seq", "app.b_id_seq", "app.c_id_seq", "app.\"Mixed_id_seq\""}},
      // pg_dump keeps a serial sequence whose table is left out (not an identity sequence).
      {"exclude_schema_exclude",
       {"--exclude-schema", "other", "--exclude-table", "app.c"},
       {"app.a_id_seq", "app.b_id_seq", "app.c_id_seq", "app.\"Mixed_id_seq\""}},
      // pgshift's patterns are case-sensitive; pg_dump's would fold "Mixed" to "mixed".
      {"mixed_case", {"--include-table", "app.Mixed"}, {"app.\"Mixed_id_seq\""}},
  };
  for (const auto& test_case : cases) {
    SCOPED_TRACE(test_case.name);
    std::string target = fresh_database(target_cluster(), "seq_" + test_case.name);
    std::vector<std::string> args = {"migrate", "--source", source, "--target", target, "--quiet"};
    args.insert(args.end(), test_case.filters.begin(), test_case.filters.end());
    for (int run = 0; run < 2; ++run) {  // the rerun of a finished run must finish too
      auto result = run_pgshift(args);
      ASSERT_EQ(result.exit_code, 0) << "run " << run << "\n" << result.out << result.err;
    }
    std::string listed =
        scalar(target,
               "SELECT string_agg(format('%I.%I', schemaname, sequencename), ',' ORDER BY 1) "
               "FROM pg_sequences WHERE schemaname <> 'pgshift'");
    std::vector<std::string> sorted = test_case.expected;
    std::sort(sorted.begin(), sorted.end());
    std::string expected;
    for (const auto& name : sorted) expected += (expected.empty() ? "" : ",") + name;
    EXPECT_EQ(listed, expected);  // exactly the sequences the dump created
    for (const auto& name : sorted) {
      EXPECT_EQ(scalar(target, "SELECT last_value || '/' || is_called FROM " + name),
                scalar(source, "SELECT last_value || '/' || is_called FROM " + name))
          << name;
    }
  }
}

TEST(Fidelity, KeysCompareInCWhateverTheTargetsDefaultCollation) {
  std::string source = database_with(source_cluster(), "coll_src", "LOCALE 'C'");
  std::string target = database_with(target_cluster(), "coll_dst",
                                     "LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'");
  // Mixed case and punctuation: C orders 'B' < 'a', en-US orders 'a' < 'B'.
  exec(source,
       "CREATE TABLE words (k text PRIMARY KEY, pad text);"
       "INSERT INTO words SELECT (ARRAY['a','B','c','D','_','e','F'])[1 + i % 7] || "
       "(ARRAY['x','Y','z'])[1 + (i / 7) % 3] || i, repeat('p', 900) "
       "FROM generate_series(1, 4000) i; ANALYZE words");
  auto migrated = run_pgshift(
      {"migrate", "--source", source, "--target", target, "--chunk-size", "1", "--quiet"});
  ASSERT_EQ(migrated.exit_code, 0) << migrated.out << migrated.err;
  EXPECT_GE(std::stoi(scalar(target, "SELECT count(*) FROM pgshift.chunks")), 3);
  EXPECT_EQ(table_fingerprint(target, "words"), table_fingerprint(source, "words"));
  auto verified = run_pgshift(
      {"verify", "--source", source, "--target", target, "--chunk-size", "1", "--quiet"});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  auto rerun = run_pgshift(
      {"migrate", "--source", source, "--target", target, "--chunk-size", "1", "--quiet"});
  EXPECT_EQ(rerun.exit_code, 0) << rerun.out << rerun.err;
}

void seed_two_tables(const std::string& source) {
  exec(source,
       "CREATE TABLE items (id bigint PRIMARY KEY, body text);"
       "INSERT INTO items SELECT i, repeat(md5(i::text), 20) FROM generate_series(1, 6000) i;"
       "CREATE TABLE heap (a int, b text);"
       "INSERT INTO heap SELECT i % 50, 'h' || i FROM generate_series(1, 500) i; ANALYZE");
}

TEST(Fidelity, RerunOfAFinishedRunTellsTheTruthAboutTheTarget) {
  std::string source = fresh_database(source_cluster(), "rerun_src");
  std::string target = fresh_database(target_cluster(), "rerun_dst");
  seed_two_tables(source);
  std::vector<std::string> args = {"migrate", "--source",     source, "--target",
                                   target,    "--chunk-size", "1"};
  auto first = run_pgshift(args);
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;

  auto unchanged = run_pgshift(args);
  EXPECT_EQ(unchanged.exit_code, 0) << unchanged.out << unchanged.err;
  EXPECT_FALSE(contains(unchanged.out + unchanged.err, "new snapshot"))
      << unchanged.out << unchanged.err;

  std::string chunk = scalar(target,
                             "SELECT c.chunk_no FROM pgshift.chunks c JOIN pgshift.tables t "
                             "USING (table_id) WHERE t.table_name = 'items' AND "
                             "c.lower_bound IS NOT NULL ORDER BY c.chunk_no LIMIT 1");
  std::string first_key =
      scalar(target,
             "SELECT lower_bound[1] FROM pgshift.chunks c JOIN pgshift.tables t USING "
             "(table_id) WHERE t.table_name = 'items' AND c.chunk_no = " +
                 chunk);
  exec(target, "UPDATE items SET body = 'edited' WHERE id = " + first_key);
  exec(target, "DELETE FROM heap WHERE a = 7");
  auto changed = run_pgshift(args);
  EXPECT_EQ(changed.exit_code, 1) << changed.out << changed.err;
  std::string output = changed.out + changed.err;
  EXPECT_TRUE(contains(output, "public.items")) << output;
  EXPECT_TRUE(contains(output, "public.heap")) << output;
  EXPECT_TRUE(contains(output, "chunk " + chunk)) << output;
  EXPECT_TRUE(contains(output, "changed since the run finished")) << output;
  EXPECT_EQ(scalar(target, "SELECT body FROM items WHERE id = " + first_key), "edited");
}

TEST(Fidelity, RestartRefusesToDropTablesWrittenSinceTheRunFinished) {
  std::string source = fresh_database(source_cluster(), "restart_src");
  std::string target = fresh_database(target_cluster(), "restart_dst");
  seed_two_tables(source);
  std::vector<std::string> args = {"migrate", "--source", source, "--target", target, "--quiet"};
  ASSERT_EQ(run_pgshift(args).exit_code, 0);
  auto restart_args = args;
  restart_args.push_back("--restart");
  // Nothing written since: --restart starts over.
  auto clean_restart = run_pgshift(restart_args);
  ASSERT_EQ(clean_restart.exit_code, 0) << clean_restart.out << clean_restart.err;

  exec(target, "INSERT INTO items VALUES (1000001, 'the app wrote this')");
  auto refused = run_pgshift(restart_args);
  EXPECT_EQ(refused.exit_code, 2) << refused.out << refused.err;
  EXPECT_TRUE(contains(refused.err, "public.items")) << refused.err;
  EXPECT_TRUE(contains(refused.err, "--force")) << refused.err;
  EXPECT_EQ(scalar(target, "SELECT body FROM items WHERE id = 1000001"), "the app wrote this");
  EXPECT_EQ(scalar(target, "SELECT phase FROM pgshift.run"), "done");

  restart_args.push_back("--force");
  auto forced = run_pgshift(restart_args);
  ASSERT_EQ(forced.exit_code, 0) << forced.out << forced.err;
  EXPECT_EQ(table_fingerprint(target, "items"), table_fingerprint(source, "items"));
  EXPECT_EQ(table_fingerprint(target, "heap"), table_fingerprint(source, "heap"));
}

}  // namespace
}  // namespace pgshift::test
