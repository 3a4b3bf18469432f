// Crash safety of `pgshift sync` while the application keeps writing: SIGKILL at twenty random
// moments over the copy and the stream phases, restarts of the source and of the target under a
// running stream, and connections cut on the wire (the fault proxy) in the middle of the stream,
// of spill writes and of apply batches. Each test stops its workload, finishes with `--endpos
// current`, and compares every table of source and target without pgshift's code. Every workload
// transaction also adds one to a counter row, so a change applied twice or lost shows as a
// different count.
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <random>
#include <thread>

#include "tests/support/fault_proxy.hpp"
#include "tests/support/pg_test.hpp"
#include "tests/support/private_cluster.hpp"

namespace pgshift::test {
namespace {

using std::chrono::milliseconds;

// Keyed tables big enough that the copy (--jobs 2 --chunk-size 1) spans several runs, a keyless
// table of duplicate rows, and the counter.
constexpr const char* kData = R"SQL(
CREATE TABLE items (id bigint PRIMARY KEY, payload text, n int);
INSERT INTO items SELECT i, repeat(md5(i::text), 5), 0 FROM generate_series(1, 240000) i;
CREATE TABLE orders (id int PRIMARY KEY, item_id bigint, note text);
INSERT INTO orders SELECT i, i % 1000, 'o' || i FROM generate_series(1, 60000) i;
CREATE TABLE dups (a int, b text);
ALTER TABLE dups REPLICA IDENTITY FULL;
INSERT INTO dups SELECT i % 300, repeat('d', 50) FROM generate_series(1, 30000) i;
CREATE TABLE counter (id int PRIMARY KEY, n bigint);
INSERT INTO counter VALUES (1, 0);
ANALYZE;
)SQL";
const std::vector<std::string> kTables = {"items", "orders", "dups", "counter"};

// Writes on its own libpq connection until stopped: every transaction bumps the counter and makes
// a few changes of every kind, including one of a set of duplicates on the keyless table. A lost
// connection (a server restart) is reopened; a failed transaction just does not count.
class Workload {
 public:
  explicit Workload(std::string uri, unsigned seed)
      : uri_(std::move(uri)), thread_([this, seed] { loop(seed); }) {}
  ~Workload() { stop(); }
  void stop() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
  }
  long long committed() const { return committed_; }

 private:
  void loop(unsigned seed) {
    std::mt19937 random(seed);
    PGconn* conn = nullptr;
    while (!stopping_) {
      if (!conn || PQstatus(conn) != CONNECTION_OK) {
        if (conn) PQfinish(conn);
        conn = PQconnectdb(uri_.c_str());
        if (PQstatus(conn) != CONNECTION_OK) {
          std::this_thread::sleep_for(milliseconds(100));
          continue;
        }
      }
      auto pick = [&](int low, int high) {
        return std::to_string(std::uniform_int_distribution<int>(low, high)(random));
      };
      std::string sql = "BEGIN; UPDATE counter SET n = n + 1 WHERE id = 1;";
      sql += "UPDATE items SET n = n + 1 WHERE id = " + pick(1, 250000) + ";";
      sql += "INSERT INTO items VALUES (" + pick(240001, 250000) +
             ", md5(random()::text), 0) ON CONFLICT (id) DO UPDATE SET n = items.n + 100;";
      sql += "DELETE FROM items WHERE id = " + pick(1, 250000) + ";";
      sql += "UPDATE orders SET id = id + 100000 WHERE id = " + pick(1, 60000) + ";";
      std::string dup = pick(0, 299);
      sql += "INSERT INTO dups VALUES (" + dup + ", 'new'), (" + dup + ", 'new');";
      sql += "UPDATE dups SET b = b || 'u' WHERE ctid = (SELECT ctid FROM dups WHERE a = " +
             pick(0, 299) + " LIMIT 1);";
      sql += "DELETE FROM dups WHERE ctid = (SELECT ctid FROM dups WHERE a = " + pick(0, 299) +
             " LIMIT 1);";
      sql += "COMMIT";
      PGresult* result = PQexec(conn, sql.c_str());
      if (PQresultStatus(result) == PGRES_COMMAND_OK) ++committed_;
      PQclear(result);
      std::this_thread::sleep_for(milliseconds(4));
    }
    if (conn) PQfinish(conn);
  }

  std::string uri_;
  std::atomic<bool> stopping_{false};
  std::atomic<long long> committed_{0};
  std::thread thread_;
};

std::vector<std::string> sync_args(const std::string& source, const std::string& target,
                                   std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"sync",   "--source", source,         "--target", target,
                                   "--jobs", "2",        "--chunk-size", "1"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

struct SlotCleanup {
  std::string source, target;
  ~SlotCleanup() { run_pgshift({"cleanup", "--source", source, "--target", target, "--quiet"}); }
};

// A background pgshift that is killed if the test leaves early.
struct Background {
  pid_t pid = -1;
  ~Background() {
    if (pid > 0 && kill(pid, SIGKILL) == 0) waitpid(pid, nullptr, 0);
  }
  // The exit code if it ended (reaped), else -1.
  int poll() {
    int status = 0;
    if (pid <= 0 || waitpid(pid, &status, WNOHANG) != pid) return -1;
    pid = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  int wait() {
    int status = 0;
    waitpid(pid, &status, 0);
    pid = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
};

// Where a run stands, as the target shows it: "none" before the stream's state exists, "copying"
// with its chunks done, "catching-up" or "streaming"; "+spill" when spill rows are waiting.
std::string stream_position(const std::string& target) {
  try {
    if (scalar(target, "SELECT to_regclass('pgshift.sync') IS NULL") == "t") return "none";
    std::string phase = scalar(target, "SELECT phase FROM pgshift.sync");
    if (phase == "copying") {
      // Appended piece by piece: "(" + std::string&& trips GCC 12's -Wrestrict false positive.
      phase += '(';
      phase += scalar(target, "SELECT count(*) FROM pgshift.chunks WHERE state = 'done'");
      phase += '/';
      phase += scalar(target, "SELECT count(*) FROM pgshift.chunks");
      phase += ')';
    }
    if (scalar(target, "SELECT count(*) FROM pgshift.spill") != "0") phase += "+spill";
    return phase;
  } catch (const std::exception&) {
    return "none";
  }
}

bool streaming_phase(const std::string& position) {
  return position.starts_with("catching-up") || position.starts_with("streaming");
}

// Waits until `ready` (true) or the process ends or 60 s pass (false).
bool wait_for(Background& run, const std::function<bool()>& ready, int& code) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    if ((code = run.poll()) >= 0) return false;
    if (ready()) return true;
    std::this_thread::sleep_for(milliseconds(5));
  }
  return false;
}

void finish_and_compare(Workload& workload, const std::string& source, const std::string& target) {
  workload.stop();
  auto last = run_pgshift(sync_args(source, target, {"--endpos", "current"}));
  ASSERT_EQ(last.exit_code, 0) << last.err;
  for (const auto& table : kTables) {
    EXPECT_EQ(table_digest(source, table), table_digest(target, table)) << table;
  }
  std::string count = "SELECT n FROM counter WHERE id = 1";
  EXPECT_EQ(scalar(source, count), scalar(target, count));
  // At least every transaction the workload saw committed (a restart can hide a commit's reply).
  EXPECT_GE(std::stoll(scalar(source, count)), workload.committed());
  EXPECT_GT(workload.committed(), 0);
}

// Twenty SIGKILLs: the first ones aimed at the copy (just after a chunk commits, or a short random
// delay into a run), the rest at the stream phases (a random delay after the run reached them).
TEST(SyncCrash, SigkillAtTwentyRandomMomentsThenEndpos) {
  std::string source = fresh_database(source_cluster(), "sync_kill_src");
  std::string target = fresh_database(target_cluster(), "sync_kill_dst");
  SlotCleanup cleanup{source, target};
  exec(source, kData);
  unsigned seed = std::random_device{}();
  if (const char* fixed = std::getenv("PGSHIFT_TEST_SEED")) seed = std::stoul(fixed);
  std::printf("SyncCrash seed %u (rerun with PGSHIFT_TEST_SEED=%u)\n", seed, seed);
  RecordProperty("seed", std::to_string(seed));
  std::mt19937 random(seed);
  Workload workload(source, seed);
  std::this_thread::sleep_for(milliseconds(300));

  auto began = std::chrono::steady_clock::now();
  auto seconds = [&] {
    auto elapsed = std::chrono::steady_clock::now() - began;
    return std::to_string(std::chrono::duration_cast<milliseconds>(elapsed).count() / 1000.0)
        .substr(0, 5);
  };
  std::map<std::string, int> landed;  // by phase
  std::string trace;
  for (int i = 0; i < 20; ++i) {
    // Each run's log, to look at when a run does not behave.
    Background run{spawn_pgshift(sync_args(source, target),
                                 ::testing::TempDir() + "sync-kill-" + std::to_string(i) + ".err")};
    std::string before = stream_position(target);
    int code = -1;
    bool running = true;
    if (i < 1) {  // set-up: planning, the slot, the state's first commit
      // (A fast machine copies all of kData in under a second: a later kill would leave the
      // copy too few chunks for the kills aimed at it.)
      std::this_thread::sleep_for(
          milliseconds(std::uniform_int_distribution<int>(50, 250)(random)));
    } else if (i < 9 && !streaming_phase(before)) {  // the copy, right after a chunk commits
      // One cheap query per poll, so that the kill comes close after the chunk's commit.
      std::string chunks_done =
          "SELECT (SELECT count(*) FROM pgshift.chunks WHERE state = 'done') || "
          "(SELECT phase FROM pgshift.sync)";
      std::string done_before = "0";
      try {
        done_before = scalar(target, chunks_done);
      } catch (const std::exception&) {
      }
      running = wait_for(
          run,
          [&] {
            try {  // (a run that copied the last chunk is aimed at the stream instead)
              return scalar(target, chunks_done) != done_before;
            } catch (const std::exception&) {
              return false;
            }
          },
          code);
      std::this_thread::sleep_for(milliseconds(std::uniform_int_distribution<int>(0, 40)(random)));
    } else {  // the stream: some time after the run reached it
      running = wait_for(
          run, [&] { return streaming_phase(stream_position(target)); }, code);
      std::this_thread::sleep_for(
          milliseconds(std::uniform_int_distribution<int>(0, 1500)(random)));
    }
    std::string at = stream_position(target);
    ASSERT_TRUE(running || code < 0) << "run " << i << " ended with " << code << "; " << trace;
    ASSERT_EQ(run.poll(), -1) << "run " << i << " ended before its kill; " << trace;
    ASSERT_EQ(kill(run.pid, SIGKILL), 0);
    run.wait();
    std::string after = stream_position(target);
    std::string phase = at.substr(0, at.find_first_of("(+"));
    ++landed[phase];
    trace +=
        std::to_string(i) + "@" + seconds() + "s:" + at + (after != at ? ">" + after : "") + " ";
  }
  std::printf("kills: %s\n", trace.c_str());
  std::string summary;
  for (const auto& [phase, count] : landed) {
    RecordProperty("kills_in_" + phase, count);
    summary += phase + "=" + std::to_string(count) + " ";
  }
  std::printf("kills by phase: %s\n", summary.c_str());
  EXPECT_GE(landed["copying"], 3) << summary << trace;
  EXPECT_GE(landed["catching-up"] + landed["streaming"], 6) << summary << trace;
  finish_and_compare(workload, source, target);
}

// Restarts of the source, then of the target, while a sync streams: the run rides through on its
// retries, or stops with exit 3 and is run again.
TEST(SyncCrash, SourceAndTargetRestartMidStream) {
  PrivateCluster source_server("sync-restart-src");
  PrivateCluster target_server("sync-restart-dst");
  std::string source = fresh_database(source_server.cluster(), "restart_src");
  std::string target = fresh_database(target_server.cluster(), "restart_dst");
  SlotCleanup cleanup{source, target};
  exec(source, kData);
  Workload workload(source, 7);
  Background run{spawn_pgshift(sync_args(source, target), "/tmp/sync-restart.err")};
  int code = -1;
  ASSERT_TRUE(wait_for(
      run, [&] { return stream_position(target).starts_with("streaming"); }, code))
      << "ended with " << code;
  // After a restart the stream goes on: changes keep being applied, by this run (retries) or, if
  // it stopped with exit 3, by a rerun.
  auto keeps_applying = [&](const char* after) {
    auto applied = [&]() -> long long {
      try {
        return std::stoll(scalar(target, "SELECT changes_applied FROM pgshift.sync"));
      } catch (const std::exception&) {
        return -1;
      }
    };
    long long before = applied();
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      if (int ended = run.poll(); ended >= 0) {
        ASSERT_EQ(ended, 3) << "sync after the " << after << " restart";
        std::printf("sync stopped with exit 3 after the %s restart: rerun\n", after);
        run.pid = spawn_pgshift(sync_args(source, target), "/tmp/sync-restart.err");
      }
      if (before >= 0 && applied() > before) return;
      if (before < 0) before = applied();
      std::this_thread::sleep_for(milliseconds(50));
    }
    FAIL() << "nothing applied within 60 s after the " << after << " restart";
  };
  source_server.restart();
  keeps_applying("source");
  target_server.restart();
  keeps_applying("target");
  ASSERT_EQ(run.poll(), -1);
  kill(run.pid, SIGINT);
  EXPECT_EQ(run.wait(), 130);
  finish_and_compare(workload, source, target);
}

// `uri` with its port replaced by the proxy's.
std::string through(const FaultProxy& proxy, const std::string& uri) {
  auto slash = uri.rfind('/');
  auto colon = uri.rfind(':', slash);
  return uri.substr(0, colon + 1) + std::to_string(proxy.port()) + uri.substr(slash);
}

// A sync reaches both servers through fault proxies while the workload writes. Once it streams,
// its connections are cut on the wire six times: on the source side every connection at once
// (the replication stream mid-transaction, since the workload never pauses), and on the target
// side the connection carrying a byte a little ahead (a spill write or an apply batch in flight,
// whichever is sending). The run rides through on its retries (or stops with exit 3 and is run
// again); after each cut changes keep being applied, and at the end the target equals the source
// with the counter proving that no change was applied twice or lost.
TEST(SyncCrash, StreamAndApplyConnectionsCutOnTheWire) {
  std::string source = fresh_database(source_cluster(), "sync_cut_src");
  std::string target = fresh_database(target_cluster(), "sync_cut_dst");
  SlotCleanup cleanup{source, target};
  exec(source, kData);
  FaultProxy source_proxy(port_of(source_cluster()));
  FaultProxy target_proxy(port_of(target_cluster()));
  std::string far_source = through(source_proxy, source);
  std::string far_target = through(target_proxy, target);
  unsigned seed = std::random_device{}();
  if (const char* fixed = std::getenv("PGSHIFT_TEST_SEED")) seed = std::stoul(fixed);
  std::printf("SyncCrash cuts seed %u (rerun with PGSHIFT_TEST_SEED=%u)\n", seed, seed);
  std::mt19937 random(seed);
  Workload workload(source, seed);
  auto args = sync_args(far_source, far_target, {"--retries", "10"});
  std::string log = ::testing::TempDir() + "sync-cut.err";
  Background run{spawn_pgshift(args, log)};
  int code = -1;
  ASSERT_TRUE(wait_for(
      run, [&] { return streaming_phase(stream_position(target)); }, code))
      << "ended with " << code;
  auto applied = [&]() -> long long {
    try {
      return std::stoll(scalar(target, "SELECT changes_applied FROM pgshift.sync"));
    } catch (const std::exception&) {
      return -1;
    }
  };
  int reruns = 0;
  for (int i = 0; i < 6; ++i) {
    std::this_thread::sleep_for(milliseconds(std::uniform_int_distribution<int>(100, 700)(random)));
    long long before = applied();
    int cuts_before = source_proxy.cuts() + target_proxy.cuts();
    if (i % 2 == 0) {
      // The replication connection is back after the last source cut (the applier may have
      // resumed from the spill before the receiver reconnected).
      auto back_by = std::chrono::steady_clock::now() + std::chrono::seconds(60);
      while (source_proxy.open_connections() == 0 && std::chrono::steady_clock::now() < back_by) {
        std::this_thread::sleep_for(milliseconds(5));
      }
      ASSERT_GT(source_proxy.open_connections(), 0) << "no source connection before cut " << i;
      source_proxy.cut_all();
    } else {
      auto ahead = std::uniform_int_distribution<std::uint64_t>(1, 64 << 10)(random);
      target_proxy.cut_at(Direction::kToServer, ahead);
    }
    auto fire_by = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (source_proxy.cuts() + target_proxy.cuts() == cuts_before &&
           std::chrono::steady_clock::now() < fire_by) {
      std::this_thread::sleep_for(milliseconds(2));
    }
    ASSERT_GT(source_proxy.cuts() + target_proxy.cuts(), cuts_before)
        << "cut " << i << (i % 2 == 0 ? " (source)" : " (target)") << " did not fire";
    // The stream goes on: by this run's retries, or by a rerun after exit 3.
    bool resumed = false;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!resumed && std::chrono::steady_clock::now() < deadline) {
      if (int ended = run.poll(); ended >= 0) {
        ASSERT_EQ(ended, 3) << "sync after cut " << i;
        ++reruns;
        run.pid = spawn_pgshift(args, log);
      }
      long long now = applied();
      // Applied past the cut, with the replication connection back (the applier alone may move
      // on from the spill while the receiver waits to reconnect).
      resumed = before >= 0 && now > before && source_proxy.open_connections() > 0;
      if (before < 0) before = now;
      if (!resumed) std::this_thread::sleep_for(milliseconds(20));
    }
    ASSERT_TRUE(resumed) << "the stream did not resume within 60 s after cut " << i;
  }
  std::printf("cuts: %d on the source side, %d on the target side; %d rerun(s) after exit 3\n",
              source_proxy.cuts(), target_proxy.cuts(), reruns);
  RecordProperty("reruns", reruns);
  ASSERT_EQ(run.poll(), -1);
  kill(run.pid, SIGINT);
  EXPECT_EQ(run.wait(), 130);
  finish_and_compare(workload, source, target);
}

}  // namespace
}  // namespace pgshift::test
