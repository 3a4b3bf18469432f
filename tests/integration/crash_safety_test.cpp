// Crash safety: SIGKILL at many random moments over all phases, a target restart in the middle
// of the copy, and several processes sharing one migration — each ends with a target equal to the
// source (checked without pgshift's code) and no chunk committed twice.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <thread>

#include "engine/core/subprocess.hpp"
#include "tests/support/pg_test.hpp"
#include "tests/support/private_cluster.hpp"

extern char** environ;

namespace pgshift::test {
namespace {

constexpr const char* kData = R"SQL(
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE big (id bigint PRIMARY KEY, payload text, moods mood[]);
INSERT INTO big SELECT i, repeat(md5(i::text), 6), ARRAY['ok', 'sad']::mood[]
FROM generate_series(1, 150000) i;
CREATE TABLE child (id int PRIMARY KEY, big_id bigint REFERENCES big (id), note text);
INSERT INTO child SELECT i, 1 + i % 150000, 'n' || i FROM generate_series(1, 50000) i;
CREATE INDEX child_note ON child (note);
CREATE TABLE heap (a int, b text);
INSERT INTO heap SELECT i % 1000, repeat('h', 100) FROM generate_series(1, 60000) i;
CREATE SEQUENCE counter; SELECT setval('counter', 777);
SELECT lo_from_bytea(0, convert_to(repeat('blob', 100000), 'UTF8'));
ANALYZE;
)SQL";

pid_t spawn(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {PGSHIFT_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> raw;
  for (auto& arg : argv) raw.push_back(arg.data());
  raw.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  posix_spawn(&pid, raw[0], &actions, nullptr, raw.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void expect_equal(const std::string& source, const std::string& target) {
  for (const char* table : {"big", "child", "heap"}) {
    std::string sql = std::string(
                          "SELECT count(*) || ':' || md5(string_agg(t::text, '|' ORDER BY "
                          "t::text)) FROM ") +
                      table + " t";
    EXPECT_EQ(scalar(source, sql), scalar(target, sql)) << table;
  }
  for (const char* sql :
       {"SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1",
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE connamespace = 'public'::regnamespace ORDER BY 1",
        "SELECT last_value FROM counter",
        "SELECT oid, md5(lo_get(oid)) FROM pg_largeobject_metadata ORDER BY 1"}) {
    EXPECT_EQ(query(source, sql), query(target, sql)) << sql;
  }
  // Every chunk done and verified once; rows recorded equal the rows present.
  EXPECT_EQ(scalar(target,
                   "SELECT count(*) FROM pgshift.chunks WHERE state <> 'done' "
                   "OR verified IS NULL"),
            "0");
  EXPECT_EQ(scalar(target,
                   "SELECT sum(rows) FROM pgshift.chunks c JOIN pgshift.tables t "
                   "USING (table_id) WHERE t.table_name = 'big'"),
            "150000");
  EXPECT_EQ(scalar(target, "SELECT phase FROM pgshift.run"), "done");
}

TEST(CrashSafety, SigkillAtTwentyRandomMomentsThenRerun) {
  std::string source = fresh_database(source_cluster(), "kill_src");
  std::string target = fresh_database(target_cluster(), "kill_dst");
  exec(source, kData);
  std::vector<std::string> args = {"migrate", "--source", source,         "--target", target,
                                   "--jobs",  "2",        "--chunk-size", "1",        "--quiet"};
  // How long an uninterrupted run takes on this machine, to spread the kills over all phases.
  auto first = std::chrono::steady_clock::now();
  {
    std::string probe_target = fresh_database(target_cluster(), "kill_probe");
    auto probe = run_pgshift({"migrate", "--source", source, "--target", probe_target, "--jobs",
                              "2", "--chunk-size", "1", "--quiet"});
    ASSERT_EQ(probe.exit_code, 0) << probe.err;
  }
  auto full_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::steady_clock::now() - first)
                     .count();
  std::mt19937 random(20261122);
  int kills = 0, finished_early = 0;
  for (int i = 0; i < 20; ++i) {
    pid_t pid = spawn(args);
    auto delay =
        std::uniform_int_distribution<long>(0, std::max<long>(50, full_ms * 2 / 3))(random);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay));
    if (kill(pid, SIGKILL) == 0) ++kills;
    int code = wait_exit(pid);
    if (code == 0) ++finished_early;
  }
  EXPECT_GE(kills, 20);
  auto last = run_pgshift(args);
  ASSERT_EQ(last.exit_code, 0) << last.err;
  expect_equal(source, target);
  RecordProperty("full_run_ms", static_cast<int>(full_ms));
  RecordProperty("runs_finished_before_kill", finished_early);
}

TEST(CrashSafety, TwoProcessesShareOneMigration) {
  std::string source = fresh_database(source_cluster(), "pair_src");
  std::string target = fresh_database(target_cluster(), "pair_dst");
  exec(source, kData);
  std::vector<std::string> args = {"migrate", "--source", source,         "--target", target,
                                   "--jobs",  "1",        "--chunk-size", "1",        "--quiet"};
  pid_t first = spawn(args);
  pid_t second = spawn(args);
  EXPECT_EQ(wait_exit(first), 0);
  EXPECT_EQ(wait_exit(second), 0);
  expect_equal(source, target);
  // Both processes copied chunks (the claim spreads the work), none twice (primary key intact).
  EXPECT_EQ(scalar(target, "SELECT count(DISTINCT copied_by) FROM pgshift.chunks"), "2");
  auto status = run_pgshift({"status", "--target", target});
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("phase done"), std::string::npos) << status.out;
  auto json = run_pgshift({"status", "--target", target, "--json"});
  EXPECT_NE(json.out.find("\"chunks_verified\": "), std::string::npos) << json.out;
}

TEST(CrashSafety, TargetRestartMidCopyIsRetriedInTheSameRun) {
  PrivateCluster private_target("restart");  // restarting it disturbs no other test
  std::string source = fresh_database(source_cluster(), "restart_src");
  std::string target = fresh_database(private_target.cluster(), "restart_dst");
  exec(source, kData);
  exec(source,
       "INSERT INTO big SELECT i, repeat(md5(i::text), 6), NULL "
       "FROM generate_series(150001, 400000) i; ANALYZE big");
  pid_t pid = spawn({"migrate", "--source", source, "--target", target, "--jobs", "2",
                     "--chunk-size", "1", "--quiet", "--retries", "8"});
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    try {
      if (std::stoi(scalar(target, "SELECT count(*) FROM pgshift.chunks WHERE state = 'done'")) >=
          3)
        break;
    } catch (const std::exception&) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  private_target.restart();
  EXPECT_EQ(wait_exit(pid), 0) << "the run did not survive the target restart";
  EXPECT_EQ(scalar(source, "SELECT count(*) FROM big"), scalar(target, "SELECT count(*) FROM big"));
  EXPECT_EQ(scalar(target,
                   "SELECT count(*) FROM pgshift.chunks WHERE state <> 'done' "
                   "OR verified IS NULL"),
            "0");
}

}  // namespace
}  // namespace pgshift::test
