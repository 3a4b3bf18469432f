// Faults on the wire, through the fault proxy (tests/support/fault_proxy.hpp): connections cut
// mid-COPY on the source side and on the target side, during the verification read-back and
// during an index build, and a server that stops answering. Each ends with the target equal to
// the source, checked by SQL of the test's own (count and md5 per table, indexes, constraints,
// sequences), or with exit 3 and a rerun that completes to equal.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <thread>

#include "tests/support/fault_proxy.hpp"
#include "tests/support/pg_test.hpp"

namespace pgshift::test {
namespace {

using Clock = std::chrono::steady_clock;

// About 18 MB of COPY data in `items`: 1 MB chunks give a cut many places to land.
constexpr const char* kData = R"SQL(
CREATE TABLE items (id bigint PRIMARY KEY, payload text, price numeric);
INSERT INTO items SELECT i, repeat(md5(i::text), 4), i * 1.5 FROM generate_series(1, 120000) i;
CREATE TABLE notes (id int PRIMARY KEY, item_id bigint REFERENCES items (id), body text);
INSERT INTO notes SELECT i, 1 + i % 120000, 'note ' || i FROM generate_series(1, 30000) i;
CREATE INDEX notes_body ON notes (body);
CREATE SEQUENCE counter; SELECT setval('counter', 42);
ANALYZE;
)SQL";
constexpr std::uint64_t kCopyBytes = 18 << 20;  // roughly, for aiming cuts

// `uri` with its port replaced by the proxy's.
std::string through(const FaultProxy& proxy, const std::string& uri) {
  auto slash = uri.rfind('/');
  auto colon = uri.rfind(':', slash);
  return uri.substr(0, colon + 1) + std::to_string(proxy.port()) + uri.substr(slash);
}

void expect_equal(const std::string& source, const std::string& target) {
  for (const char* table : {"items", "notes"}) {
    EXPECT_EQ(table_digest(source, table), table_digest(target, table)) << table;
  }
  for (const char* sql :
       {"SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1",
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE connamespace = 'public'::regnamespace ORDER BY 1",
        "SELECT last_value FROM counter"}) {
    EXPECT_EQ(query(source, sql), query(target, sql)) << sql;
  }
  EXPECT_EQ(scalar(target,
                   "SELECT count(*) FROM pgshift.chunks WHERE state <> 'done' "
                   "OR verified IS NULL"),
            "0");
  EXPECT_EQ(scalar(target, "SELECT phase FROM pgshift.run"), "done");
}

std::vector<std::string> migrate_args(const std::string& source, const std::string& target) {
  return {"migrate", "--source",     source, "--target",  target, "--jobs",
          "2",       "--chunk-size", "1",    "--retries", "5"};
}

// pgshift running in the background, its stderr in a file.
class Spawned {
 public:
  explicit Spawned(const std::vector<std::string>& args) {
    err_path_ = std::filesystem::temp_directory_path() /
                ("pgshift-fault-" + std::to_string(getpid()) + "-" +
                 std::to_string(Clock::now().time_since_epoch().count()) + ".err");
    pid_ = spawn_pgshift(args, err_path_.string());
  }
  ~Spawned() {
    if (!code_) {
      kill(pid_, SIGKILL);
      wait_for(std::chrono::seconds(10));
    }
    std::filesystem::remove(err_path_);
  }
  // The exit code, once the process ended within `timeout`.
  std::optional<int> wait_for(std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    while (!code_) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      } else if (Clock::now() >= deadline) {
        break;
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    }
    return code_;
  }
  std::string err() const {
    std::ifstream in(err_path_);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

 private:
  std::filesystem::path err_path_;
  pid_t pid_ = -1;
  std::optional<int> code_;
};

int done_chunks(const std::string& target) {
  try {
    return std::stoi(scalar(target, "SELECT count(*) FROM pgshift.chunks WHERE state = 'done'"));
  } catch (const std::exception&) {
    return 0;
  }
}

// Waits until `ready` (true) or `timeout` (false), polling every few milliseconds.
template <class Ready>
bool wait_until(Ready ready, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
  }
  return false;
}

// Migrates with one cut, at byte `at` (counted from the start) of what goes `direction` through a
// proxy in front of the source (else the target). The cut must fire and be retried by the same
// run, which ends equal. Returns the run's output.
RunResult migrate_with_one_cut(bool source_side, Direction direction, std::uint64_t at) {
  FaultProxy proxy(port_of(source_side ? source_cluster() : target_cluster()));
  std::string source = fresh_database(source_cluster(), "fault_src");
  std::string target = fresh_database(target_cluster(), "fault_dst");
  exec(source, kData);
  proxy.cut_at(direction, at);
  auto run = run_pgshift(source_side ? migrate_args(through(proxy, source), target)
                                     : migrate_args(source, through(proxy, target)));
  EXPECT_EQ(proxy.cuts(), 1) << "the cut did not fire";
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.err.find("retry 1/5"), std::string::npos) << run.err;
  expect_equal(source, target);
  return run;
}

// The cut lands in the source's COPY data (server to pgshift) of a worker: its chunk is retried
// on a new connection that imports the run's snapshot, which the coordinator still holds.
TEST(Faults, SourceCutMidCopyIsRetried) {
  auto run = migrate_with_one_cut(true, Direction::kToClient, kCopyBytes / 3);
  EXPECT_NE(run.err.find("source: reading"), std::string::npos) << run.err;
}

// The cut lands in the COPY data pgshift writes to the target: the chunk's transaction dies with
// the connection and the chunk is copied again.
TEST(Faults, TargetCutMidCopyIsRetried) {
  migrate_with_one_cut(false, Direction::kToServer, kCopyBytes / 2);
}

// What the target sends pgshift is, in bulk, the verification read-back of copied chunks: a cut
// there is retried and the chunk verified.
TEST(Faults, TargetCutDuringReadBackIsRetried) {
  auto run = migrate_with_one_cut(false, Direction::kToClient, kCopyBytes / 4);
  EXPECT_NE(run.err.find("verifying"), std::string::npos) << run.err;
}

// Cuts at random bytes (seeded; log-uniform from 1 kB to all of the copy, so set-up, copy and
// the finishing steps all get some) on a random side and direction. Each run must end equal with
// exit 0, or exit 3 with a rerun that completes equal.
TEST(Faults, CutsAtRandomBytes) {
  std::string source = fresh_database(source_cluster(), "fault_src");
  exec(source, kData);
  std::mt19937 random(20261202);
  int exit_3 = 0;
  for (int i = 0; i < 6; ++i) {
    bool source_side = random() % 2;
    auto direction = random() % 2 ? Direction::kToServer : Direction::kToClient;
    auto at = static_cast<std::uint64_t>(std::exp(std::uniform_real_distribution<double>(
        std::log(1024.0), std::log(double(kCopyBytes)))(random)));
    std::string where = std::string(source_side ? "source" : "target") +
                        (direction == Direction::kToServer ? " to server" : " to pgshift") +
                        " at byte " + std::to_string(at);
    std::string target = fresh_database(target_cluster(), "fault_dst");
    FaultProxy proxy(port_of(source_side ? source_cluster() : target_cluster()));
    proxy.cut_at(direction, at);
    auto args = source_side ? migrate_args(through(proxy, source), target)
                            : migrate_args(source, through(proxy, target));
    auto run = run_pgshift(args);
    std::printf("cut %s: %s, exit %d\n", where.c_str(), proxy.cuts() ? "fired" : "did not fire",
                run.exit_code);
    if (run.exit_code == 3) {
      ++exit_3;
      std::printf(
          "  %s",
          run.err.substr(run.err.rfind("pgshift: ", run.err.rfind("pgshift: ") - 1)).c_str());
      auto rerun = run_pgshift(args);
      EXPECT_EQ(rerun.exit_code, 0) << where << "\nfirst run:\n"
                                    << run.err << "rerun:\n"
                                    << rerun.err;
    } else {
      EXPECT_EQ(run.exit_code, 0) << where << "\n" << run.err;
    }
    SCOPED_TRACE(where);
    expect_equal(source, target);
  }
  RecordProperty("runs_ending_3", exit_3);
}

// Every source connection cut at once mid-copy, the one holding the run's exported snapshot too.
// The workers' retries cannot import that snapshot any more: the run moves to a new snapshot (as
// a rerun would), says so in a warning, and completes.
TEST(Faults, EverySourceConnectionCutMidCopy) {
  FaultProxy proxy(port_of(source_cluster()));
  std::string source = fresh_database(source_cluster(), "fault_src");
  std::string target = fresh_database(target_cluster(), "fault_dst");
  exec(source, kData);
  auto args = migrate_args(through(proxy, source), target);
  Spawned run(args);
  ASSERT_TRUE(wait_until([&] { return done_chunks(target) >= 3; }, std::chrono::seconds(60)))
      << run.err();
  proxy.cut_all();
  auto code = run.wait_for(std::chrono::seconds(60));
  ASSERT_TRUE(code) << run.err();
  RecordProperty("exit_after_cut", *code);
  EXPECT_GE(proxy.cuts(), 3);  // two workers and the snapshot holder
  EXPECT_EQ(*code, 0) << run.err();
  EXPECT_NE(run.err().find("moved to a new snapshot"), std::string::npos) << run.err();
  expect_equal(source, target);
}

// Every target connection cut while an index is being built (the index's expression sleeps now
// and then, so the build lasts about a second and a half).
TEST(Faults, TargetCutDuringIndexBuild) {
  FaultProxy proxy(port_of(target_cluster()));
  std::string source = fresh_database(source_cluster(), "fault_src");
  std::string target = fresh_database(target_cluster(), "fault_dst");
  exec(source, kData);
  exec(source, R"SQL(
CREATE FUNCTION slow_key(i bigint) RETURNS bigint LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  IF i % 20000 = 0 THEN PERFORM pg_sleep(0.25); END IF;
  RETURN i;
END $$;
CREATE INDEX items_slow ON items (slow_key(id));
)SQL");
  std::string database = target.substr(target.rfind('/') + 1);
  Spawned run(migrate_args(source, through(proxy, target)));
  // The build runs in one multi-statement query (BEGIN; ...; CREATE INDEX ...; COMMIT).
  bool building = wait_until(
      [&] {
        return run.wait_for(std::chrono::milliseconds(0)) ||
               scalar(target_cluster().uri("postgres"),
                      "SELECT count(*) FROM pg_stat_activity WHERE datname = '" + database +
                          "' AND state = 'active' AND query ILIKE '%CREATE INDEX items_slow%'") !=
                   "0";
      },
      std::chrono::seconds(60));
  building = building && !run.wait_for(std::chrono::milliseconds(0));
  ASSERT_TRUE(building) << "no index build seen; " << run.err();
  proxy.cut_all();
  auto code = run.wait_for(std::chrono::seconds(120));
  ASSERT_TRUE(code) << "still running two minutes after the cut; " << run.err();
  RecordProperty("exit_after_cut", *code);
  EXPECT_NE(run.err().find("building index items_slow: target"), std::string::npos) << run.err();
  if (*code == 3) {  // state kept: a rerun completes
    auto rerun = run_pgshift(migrate_args(source, target));
    EXPECT_EQ(rerun.exit_code, 0) << "first run:\n" << run.err() << "rerun:\n" << rerun.err;
  } else {
    EXPECT_EQ(*code, 0) << run.err();
  }
  EXPECT_GE(proxy.cuts(), 1);
  expect_equal(source, target);
}

// A server that stops answering mid-copy (the proxy forwards nothing and closes nothing, as a
// frozen server or a black-holed route does; TCP keepalives cannot tell, since the proxy's end of
// the connection still answers them). With --stall-timeout 5 pgshift must notice within twice
// that (5 s of silence, then a new connection that gets no answer in 5 s) plus slack, instead of
// waiting forever; once the server answers again, the retry completes the run. Returns the
// seconds from the stall to the first retry.
double stall_mid_copy(bool source_side) {
  std::string source = fresh_database(source_cluster(), "fault_src");
  std::string target = fresh_database(target_cluster(), "fault_dst");
  exec(source, kData);
  FaultProxy proxy(port_of(source_side ? source_cluster() : target_cluster()));
  auto args = source_side ? migrate_args(through(proxy, source), target)
                          : migrate_args(source, through(proxy, target));
  args.insert(args.end(), {"--stall-timeout", "5"});
  Spawned run(args);
  EXPECT_TRUE(wait_until([&] { return done_chunks(target) >= 2; }, std::chrono::seconds(60)))
      << run.err();
  proxy.stall(true);
  auto stalled_at = Clock::now();
  bool noticed = wait_until([&] { return run.err().find("retry 1/5") != std::string::npos; },
                            std::chrono::seconds(30));
  double seconds = std::chrono::duration<double>(Clock::now() - stalled_at).count();
  proxy.stall(false);
  EXPECT_TRUE(noticed) << "no reaction 30 s into the stall; " << run.err();
  EXPECT_NE(run.err().find("stalled"), std::string::npos) << run.err();
  auto code = run.wait_for(std::chrono::seconds(60));
  EXPECT_TRUE(code) << run.err();
  if (code) {
    EXPECT_EQ(*code, 0) << run.err();
  }
  expect_equal(source, target);
  return seconds;
}

TEST(Faults, StalledSourceIsDetected) {
  double seconds = stall_mid_copy(true);
  RecordProperty("stall_detected_seconds", std::to_string(seconds));
  EXPECT_GE(seconds, 5.0);  // silence alone is not a stall
}

TEST(Faults, StalledTargetIsDetected) {
  double seconds = stall_mid_copy(false);
  RecordProperty("stall_detected_seconds", std::to_string(seconds));
  EXPECT_GE(seconds, 5.0);
}

}  // namespace
}  // namespace pgshift::test
