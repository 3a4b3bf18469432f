// The session holding the run's exported snapshot must survive a long run, and losing it must not
// end the run: the server's timeouts do not apply to pgshift's sessions, and a worker that cannot
// import the snapshot moves the run to a new one, saying so. Equality is checked with queries that
// share no code with pgshift.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/support/pg_test.hpp"

extern char** environ;

namespace pgshift::test {
namespace {

// The CHECK makes every row written by pgshift (its sessions say application_name = pgshift)
// take 10 ms in the target, so the copy lasts seconds while the test's own inserts stay fast.
constexpr const char* kSlowData = R"SQL(
CREATE FUNCTION public.slow_ok(v int) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  IF pg_catalog.current_setting('application_name') = 'pgshift' THEN
    PERFORM pg_catalog.pg_sleep(0.01);
  END IF;
  RETURN true;
END $$;
CREATE TABLE first_table (id int PRIMARY KEY, note text, CHECK (public.slow_ok(id)));
INSERT INTO first_table SELECT i, 'a' || i FROM generate_series(1, 250) i;
CREATE TABLE second_table (id int PRIMARY KEY, note text, CHECK (public.slow_ok(id)));
INSERT INTO second_table SELECT i, 'b' || i FROM generate_series(1, 250) i;
CREATE SEQUENCE counter; SELECT setval('counter', 42);
SELECT lo_from_bytea(0, convert_to(repeat('blob', 1000), 'UTF8'));
)SQL";

void expect_equal(const std::string& source, const std::string& target) {
  for (const char* table : {"first_table", "second_table"}) {
    std::string sql = std::string(
                          "SELECT count(*) || ':' || md5(string_agg(t::text, '|' ORDER BY "
                          "t::text)) FROM ") +
                      table + " t";
    EXPECT_EQ(scalar(source, sql), scalar(target, sql)) << table;
  }
  for (const char* sql : {"SELECT last_value FROM counter",
                          "SELECT oid, md5(lo_get(oid)) FROM pg_largeobject_metadata ORDER BY 1"}) {
    EXPECT_EQ(query(source, sql), query(target, sql)) << sql;
  }
  EXPECT_EQ(scalar(target,
                   "SELECT count(*) FROM pgshift.chunks WHERE state <> 'done' "
                   "OR verified IS NULL"),
            "0");
}

std::string database_name(const std::string& uri) {
  return uri.substr(uri.rfind('/') + 1);
}

TEST(SnapshotSafety, ServerIdleInTransactionTimeoutDoesNotEndTheRun) {
  std::string source = fresh_database(source_cluster(), "idle_src");
  std::string target = fresh_database(target_cluster(), "idle_dst");
  exec(source, kSlowData);
  // A hosted provider's setting, for every new session on the source database.
  exec(source, "ALTER DATABASE " + database_name(source) +
                   " SET idle_in_transaction_session_timeout = '2s'");
  auto started = std::chrono::steady_clock::now();
  auto run =
      run_pgshift({"migrate", "--source", source, "--target", target, "--jobs", "1", "--quiet"});
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  exec(source,
       "ALTER DATABASE " + database_name(source) + " RESET idle_in_transaction_session_timeout");
  EXPECT_GT(seconds, 4.0) << "the run must outlast the timeout to test it";
  ASSERT_EQ(run.exit_code, 0) << run.err;
  // The exporter outlived the timeout: no fallback was needed.
  EXPECT_EQ(run.err.find("moved to a new snapshot"), std::string::npos) << run.err;
  expect_equal(source, target);
}

TEST(SnapshotSafety, LostExportedSnapshotMovesToANewOne) {
  std::string source = fresh_database(source_cluster(), "lost_src");
  std::string target = fresh_database(target_cluster(), "lost_dst");
  exec(source, kSlowData);
  std::string log = ::testing::TempDir() + "lost_snapshot_" + std::to_string(getpid()) + ".log";
  std::vector<std::string> argv = {PGSHIFT_BINARY, "migrate", "--source", source,   "--target",
                                   target,         "--jobs",  "1",        "--quiet"};
  std::vector<char*> raw;
  for (auto& arg : argv) raw.push_back(arg.data());
  raw.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = -1;
  ASSERT_EQ(posix_spawn(&pid, raw[0], &actions, nullptr, raw.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);

  // Once the first table's rows are being written, end every source session of pgshift: the
  // exporter of the snapshot with them. The second table must then be read at a new snapshot.
  bool copying = false;
  for (int i = 0; i < 3000 && !copying; ++i) {
    copying = scalar(target,
                     "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                     "AND application_name = 'pgshift' AND state = 'active' "
                     "AND query LIKE 'COPY%'") != "0";
    if (!copying) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_TRUE(copying) << "pgshift never started copying";
  std::string terminated =
      scalar(source,
             "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = "
             "current_database() AND application_name = 'pgshift'");
  EXPECT_NE(terminated, "0");
  int status = 0;
  waitpid(pid, &status, 0);
  std::stringstream err;
  err << std::ifstream(log).rdbuf();
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0) << err.str();
  EXPECT_NE(err.str().find("moved to a new snapshot"), std::string::npos) << err.str();
  expect_equal(source, target);
}

}  // namespace
}  // namespace pgshift::test
