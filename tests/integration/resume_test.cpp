// Interrupted runs resume: kill pgshift while chunks are in flight, rerun, and the target ends
// equal to the source with no chunk copied twice.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "tests/support/pg_test.hpp"

extern char** environ;

namespace pgshift::test {
namespace {

pid_t spawn_pgshift(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {PGSHIFT_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> raw;
  for (auto& arg : argv) raw.push_back(arg.data());
  raw.push_back(nullptr);
  pid_t pid = -1;
  posix_spawn(&pid, raw[0], nullptr, nullptr, raw.data(), environ);
  return pid;
}

std::string fingerprint(const std::string& uri, const std::string& table) {
  return scalar(uri,
                "SELECT count(*) || ':' || md5(string_agg(t::text, '|' ORDER BY t::text)) "
                "FROM " +
                    table + " t");
}

void wait_until(const std::function<bool()>& condition, int seconds) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (!condition() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

TEST(Resume, KillDuringCopyThenRerunConverges) {
  std::string source = fresh_database(source_cluster(), "resume_src");
  std::string target = fresh_database(target_cluster(), "resume_dst");
  exec(source,
       "CREATE TABLE big (id bigint PRIMARY KEY, payload text);"
       "INSERT INTO big SELECT i, repeat(md5(i::text), 8) FROM generate_series(1, 300000) i;"
       "CREATE TABLE heap (a int, b text);"
       "INSERT INTO heap SELECT i % 1000, repeat('h', 200) FROM generate_series(1, 100000) i;"
       "ANALYZE");
  std::vector<std::string> args = {"migrate", "--source", source,         "--target", target,
                                   "--jobs",  "1",        "--chunk-size", "1",        "--quiet"};
  pid_t pid = spawn_pgshift(args);
  auto done_chunks = [&] {
    try {
      return std::stoi(scalar(target, "SELECT count(*) FROM pgshift.chunks WHERE state = 'done'"));
    } catch (const std::exception&) {
      return 0;
    }
  };
  wait_until([&] { return done_chunks() >= 5; }, 60);
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  int done_before = done_chunks();
  ASSERT_GE(done_before, 5);
  auto total = std::stoi(scalar(target, "SELECT count(*) FROM pgshift.chunks"));
  ASSERT_LT(done_before, total) << "the run finished before it could be interrupted";

  auto rerun = run_pgshift(args);
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  EXPECT_EQ(fingerprint(source, "big"), fingerprint(target, "big"));
  EXPECT_EQ(fingerprint(source, "heap"), fingerprint(target, "heap"));
  // Rework after the kill: rows inserted into `big` (committed or rolled back) beyond the rows it
  // holds were copied twice; with one worker that is at most the one chunk in flight.
  auto inserted =
      std::stoll(scalar(target, "SELECT n_tup_ins FROM pg_stat_user_tables WHERE relname = 'big'"));
  auto largest_chunk = std::stoll(
      scalar(target,
             "SELECT max(rows) FROM pgshift.chunks c JOIN pgshift.tables t USING (table_id) "
             "WHERE t.table_name = 'big'"));
  EXPECT_LE(inserted - 300000, largest_chunk);
  RecordProperty("rework_rows", static_cast<int>(inserted - 300000));
  RecordProperty("largest_chunk_rows", static_cast<int>(largest_chunk));
  std::printf("rework after kill: %lld rows copied again (largest chunk %lld rows)\n",
              inserted - 300000, largest_chunk);
  // Chunks finished before the kill were not copied again: their records are from the first run.
  EXPECT_EQ(scalar(target,
                   "SELECT count(DISTINCT copied_by) FROM pgshift.chunks c "
                   "JOIN pgshift.tables t USING (table_id) WHERE NOT t.keyless"),
            "2");
  EXPECT_EQ(scalar(target,
                   "SELECT count(*) FROM pgshift.chunks WHERE state <> 'done' "
                   "OR verified IS NULL"),
            "0");
}

// 200 000 rows of ~260 bytes: long enough at --chunk-size 1 for a signal to land mid-copy.
constexpr const char* kBigTable =
    "CREATE TABLE big (id bigint PRIMARY KEY, payload text);"
    "INSERT INTO big SELECT i, repeat(md5(i::text), 8) FROM generate_series(1, 200000) i;"
    "ANALYZE";

TEST(Resume, SigintStopsCleanlyWithExit130) {
  std::string source = fresh_database(source_cluster(), "sigint_src");
  std::string target = fresh_database(target_cluster(), "sigint_dst");
  exec(source, kBigTable);
  std::vector<std::string> args = {"migrate", "--source", source,         "--target", target,
                                   "--jobs",  "1",        "--chunk-size", "1",        "--quiet"};
  pid_t pid = spawn_pgshift(args);
  wait_until(
      [&] {
        try {
          return std::stoi(scalar(target,
                                  "SELECT count(*) FROM pgshift.chunks WHERE state = 'done'")) > 0;
        } catch (const std::exception&) {
          return false;
        }
      },
      60);
  kill(pid, SIGINT);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 130);
  // Rows in the table are exactly the rows of the chunks marked done.
  EXPECT_EQ(
      scalar(target, "SELECT count(*) FROM big"),
      scalar(target, "SELECT COALESCE(sum(rows), 0) FROM pgshift.chunks WHERE state = 'done'"));
  auto rerun = run_pgshift(args);
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  EXPECT_EQ(fingerprint(source, "big"), fingerprint(target, "big"));
}

std::string read_text(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

// SIGINT: the report is still written (status interrupted, exit 130, the tables' figures), and
// `status` then says interrupted, how to resume, gives no ETA, and counts only the time the run
// was active, not the wall time since it started.
TEST(Resume, SigintWritesTheReportAndStatusSaysInterrupted) {
  std::string source = fresh_database(source_cluster(), "sigint_report_src");
  std::string target = fresh_database(target_cluster(), "sigint_report_dst");
  exec(source, kBigTable);
  std::string report =
      ::testing::TempDir() + "/sigint-report-" + std::to_string(::getpid()) + ".json";
  std::remove(report.c_str());
  std::vector<std::string> args = {"migrate", "--source", source,     "--target",
                                   target,    "--jobs",   "1",        "--chunk-size",
                                   "1",       "--quiet",  "--report", report};
  auto started = std::chrono::steady_clock::now();
  pid_t pid = spawn_pgshift(args);
  auto done_chunks = [&] {
    try {
      return std::stoi(scalar(target, "SELECT count(*) FROM pgshift.chunks WHERE state = 'done'"));
    } catch (const std::exception&) {
      return 0;
    }
  };
  wait_until([&] { return done_chunks() > 2; }, 60);
  auto live = nlohmann::json::parse(run_pgshift({"status", "--target", target, "--json"}).out);
  EXPECT_EQ(live["phase"], "copy") << live;
  EXPECT_TRUE(live["eta"].is_string()) << live;
  kill(pid, SIGINT);
  int status = 0;
  waitpid(pid, &status, 0);
  double ran = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 130);

  std::string text = read_text(report);
  ASSERT_TRUE(nlohmann::json::accept(text)) << text;
  auto json = nlohmann::json::parse(text);
  EXPECT_EQ(json["status"], "interrupted") << text;
  EXPECT_EQ(json["exit_code"], 130) << text;
  ASSERT_EQ(json["tables"].size(), 1u) << text;
  EXPECT_EQ(json["tables"][0]["name"], "big");
  EXPECT_GT(json["tables"][0]["chunks_total"].get<int>(), 2) << text;
  EXPECT_GE(json["tables"][0]["rows_source"].get<long long>(), 1) << text;

  std::this_thread::sleep_for(std::chrono::seconds(3));  // idle time is not active time
  auto after = run_pgshift({"status", "--target", target, "--json"});
  ASSERT_EQ(after.exit_code, 0) << after.err;
  auto stopped = nlohmann::json::parse(after.out);
  EXPECT_EQ(stopped["phase"], "interrupted") << after.out;
  EXPECT_TRUE(stopped["eta"].is_null()) << after.out;
  EXPECT_NE(stopped["resume"].get<std::string>().find("pgshift migrate --source postgres://"),
            std::string::npos)
      << after.out;
  EXPECT_LE(stopped["elapsed_seconds"].get<double>(), ran + 0.5) << after.out;
  auto human = run_pgshift({"status", "--target", target});
  EXPECT_NE(human.out.find("phase interrupted"), std::string::npos) << human.out;
  EXPECT_NE(human.out.find("resume with the same command: pgshift migrate --source"),
            std::string::npos)
      << human.out;
  EXPECT_EQ(human.out.find("ETA"), std::string::npos) << human.out;

  auto rerun = run_pgshift(args);
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  auto finished = nlohmann::json::parse(run_pgshift({"status", "--target", target, "--json"}).out);
  EXPECT_EQ(finished["phase"], "done") << finished;
  std::remove(report.c_str());
}

// verify, interrupted, still writes its report: status interrupted, exit 130.
TEST(Resume, SigintDuringVerifyWritesTheReport) {
  std::string source = fresh_database(source_cluster(), "sigint_verify_src");
  std::string target = fresh_database(target_cluster(), "sigint_verify_dst");
  const char* table =
      "CREATE TABLE big (id bigint PRIMARY KEY, payload text);"
      "INSERT INTO big SELECT i, repeat(md5(i::text), 8) FROM generate_series(1, 300000) i;"
      "ANALYZE";
  exec(source, table);
  exec(target, table);
  std::string report =
      ::testing::TempDir() + "/sigint-verify-" + std::to_string(::getpid()) + ".json";
  std::remove(report.c_str());
  pid_t pid = spawn_pgshift({"verify", "--source", source, "--target", target, "--jobs", "1",
                             "--chunk-size", "1", "--quiet", "--report", report});
  std::string database = target.substr(target.rfind('/') + 1);
  wait_until(
      [&] {
        return scalar(target,
                      "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pgshift' "
                      "AND datname = '" +
                          database + "' AND state = 'active'") != "0";
      },
      60);
  kill(pid, SIGINT);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 130) << "verify ended before it could be interrupted";
  std::string text = read_text(report);
  ASSERT_TRUE(nlohmann::json::accept(text)) << text;
  auto json = nlohmann::json::parse(text);
  EXPECT_EQ(json["command"], "verify") << text;
  EXPECT_EQ(json["status"], "interrupted") << text;
  EXPECT_EQ(json["exit_code"], 130) << text;
  std::remove(report.c_str());
}

}  // namespace
}  // namespace pgshift::test

namespace pgshift::test {
namespace {

TEST(Resume, SchemaChangeIsRefusedUntilRestart) {
  std::string source = fresh_database(source_cluster(), "restart_src2");
  std::string target = fresh_database(target_cluster(), "restart_dst2");
  exec(source,
       "CREATE TABLE a (id int PRIMARY KEY, v text); CREATE TABLE b (id int PRIMARY KEY);"
       "CREATE TABLE c (id int REFERENCES a (id));"
       "INSERT INTO a SELECT i, 'v' || i FROM generate_series(1, 1000) i;"
       "INSERT INTO c SELECT i FROM generate_series(1, 1000) i");
  std::vector<std::string> args = {"migrate", "--source", source, "--target", target, "--quiet"};
  ASSERT_EQ(run_pgshift(args).exit_code, 0);
  exec(source, "ALTER TABLE a ADD COLUMN extra int DEFAULT 7; DROP TABLE b;");
  auto refused = run_pgshift(args);
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("public.a (columns or key changed)"), std::string::npos)
      << refused.err;
  EXPECT_NE(refused.err.find("public.b (gone)"), std::string::npos) << refused.err;
  args.push_back("--restart");
  auto restarted = run_pgshift(args);
  ASSERT_EQ(restarted.exit_code, 0) << restarted.err;
  EXPECT_EQ(scalar(target, "SELECT count(*) || '/' || sum(extra) FROM a"), "1000/7000");
  EXPECT_EQ(scalar(target, "SELECT count(*) FROM c"), "1000");
}

}  // namespace
}  // namespace pgshift::test
