// Crash safety: SIGKILL at many random moments over all phases, a target restart in the middle
// of the copy, and several processes sharing one migration — each ends with a target equal to the
// source (checked without pgshift's code) and no chunk committed twice.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <map>
#include <random>
#include <thread>

#include "engine/core/subprocess.hpp"
#include "tests/support/pg_test.hpp"
#include "tests/support/private_cluster.hpp"

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
-- Many small large objects (one target transaction each) give the finishing steps a length a
-- kill can land in.
SELECT lo_from_bytea(0, convert_to(repeat('lo', i), 'UTF8')) FROM generate_series(1, 400) i;
ANALYZE;
)SQL";

pid_t spawn(const std::vector<std::string>& args) {
  return spawn_pgshift(args);
}

int wait_exit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void expect_equal(const std::string& source, const std::string& target) {
  for (const char* table : {"big", "child", "heap"}) {
    EXPECT_EQ(table_digest(source, table), table_digest(target, table)) << table;
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

// The run's phase as its state in the target shows it: "setup" before the state exists.
std::string phase_of(const std::string& target) {
  try {
    std::string phase = scalar(target,
                               "SELECT CASE WHEN to_regclass('pgshift.run') IS NULL THEN 'setup' "
                               "ELSE (SELECT phase FROM pgshift.run) END");
    return phase == "<NULL>" || phase == "<NONE>" ? "setup" : phase;
  } catch (const std::exception&) {
    return "setup";
  }
}

int chunks_left(const std::string& target) {
  try {
    return std::stoi(scalar(target, "SELECT count(*) FROM pgshift.chunks WHERE state <> 'done'"));
  } catch (const std::exception&) {
    return 1000;  // no state yet: everything is left
  }
}

int done_chunks(const std::string& target) {
  try {
    return std::stoi(scalar(target, "SELECT count(*) FROM pgshift.chunks WHERE state = 'done'"));
  } catch (const std::exception&) {
    return 0;
  }
}

// Waits until `ready` or the process ends (reaped, exit code in `code`); true if still running.
bool wait_while_running(pid_t pid, const std::function<bool()>& ready, int& code) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return false;
    }
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
  }
  return true;
}

// Twenty SIGKILLs aimed at every phase: set-up (planning, pg_dump, the state's first commit), the
// copy (right after a chunk commits), and the finishing steps. A kill counts only if it landed
// on a live process: the process is reaped with WNOHANG first, since a zombie accepts signals.
TEST(CrashSafety, SigkillAtTwentyRandomMomentsThenRerun) {
  std::string source = fresh_database(source_cluster(), "kill_src");
  std::string target = fresh_database(target_cluster(), "kill_dst");
  exec(source, kData);
  std::vector<std::string> args = {"migrate", "--source", source,         "--target", target,
                                   "--jobs",  "2",        "--chunk-size", "1",        "--quiet"};
  std::mt19937 random(20261122);
  std::map<std::string, int> landed;  // phase the target showed when the kill landed
  int finished_before_kill = 0;
  int copy_aims = 0;
  std::string trace;  // aim>phase seen at the kill, for a failure message
  for (int i = 0; i < 20; ++i) {
    // Three kills in set-up, then up to twelve in the copy while chunks are left, the rest in
    // the finishing steps.
    std::string aim = i < 3 ? "setup" : "finalize";
    // (Copy kills stop while a few chunks are left, so that a run still reaches the finishing
    // steps with kills to spare: the last chunks and those steps take a run well under a second.)
    if (aim != "setup" && copy_aims < 12 && phase_of(target) != "finalize" &&
        phase_of(target) != "done" && chunks_left(target) > 4) {
      aim = "copy";
      ++copy_aims;
    }
    pid_t pid = spawn(args);
    int code = -1;
    bool running = true;
    if (aim == "setup") {
      std::this_thread::sleep_for(
          std::chrono::milliseconds(std::uniform_int_distribution<int>(5, 120)(random)));
    } else if (aim == "copy") {
      int before = done_chunks(target);
      running = wait_while_running(
          pid, [&] { return done_chunks(target) > before; }, code);
      std::this_thread::sleep_for(
          std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 30)(random)));
    } else if (phase_of(target) == "finalize") {  // a rerun: set-up again, then the rest
      std::this_thread::sleep_for(
          std::chrono::milliseconds(std::uniform_int_distribution<int>(20, 300)(random)));
    } else {
      running = wait_while_running(
          pid, [&] { return phase_of(target) == "finalize"; }, code);
    }
    std::string phase = phase_of(target);
    trace += aim + ">" + phase + (running ? "" : "(ended " + std::to_string(code) + ")") + " ";
    int status = 0;
    if (running && waitpid(pid, &status, WNOHANG) == 0 && kill(pid, SIGKILL) == 0) {
      wait_exit(pid);
      ++landed[phase];
    } else {
      if (running) code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      EXPECT_EQ(code, 0) << "run " << i << " aimed at " << aim << " ended with " << code;
      ++finished_before_kill;
    }
  }
  std::string summary;
  for (const auto& [phase, count] : landed) {
    RecordProperty("kills_in_" + phase, count);
    summary += phase + ": " + std::to_string(count) + " ";
  }
  summary += "finished before the kill: " + std::to_string(finished_before_kill) + "\n" + trace;
  RecordProperty("runs_finished_before_kill", finished_before_kill);
  EXPECT_GE(landed["setup"], 2) << summary;
  // Several chunks can commit within one aim's pause on a fast machine, which ends the copy
  // aims early (7 of 12 landed on a fast machine); half of them is enough to cover the phase.
  EXPECT_GE(landed["copy"], 6) << summary;
  EXPECT_GE(landed["finalize"], 1) << summary;
  auto last = run_pgshift(args);
  ASSERT_EQ(last.exit_code, 0) << last.err;
  expect_equal(source, target);
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
  // The restart must land mid-copy: the run still going, chunks done and chunks left.
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, WNOHANG), 0) << "the run ended before the target restart";
  int done_before =
      std::stoi(scalar(target, "SELECT count(*) FROM pgshift.chunks WHERE state = 'done'"));
  int total = std::stoi(scalar(target, "SELECT count(*) FROM pgshift.chunks"));
  EXPECT_GE(done_before, 3);
  ASSERT_LT(done_before, total) << "every chunk was copied before the restart";
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
