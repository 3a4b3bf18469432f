// `pgshift sync` against real servers: the copy at the slot's snapshot, then the change stream
// applied to the target. Each test ends with an independent comparison of source and target
// (count + md5 of every row's text, tests/support/pg_test.hpp) and drops its slot.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <thread>

#include "tests/support/pg_test.hpp"
#include "tests/support/private_cluster.hpp"
#include "verify/changed_keys.hpp"

namespace pgshift::test {
namespace {

std::vector<std::string> sync_args(const std::string& source, const std::string& target,
                                   std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"sync", "--source", source, "--target", target, "--jobs", "2"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

void expect_equal_tables(const std::string& source, const std::string& target,
                         const std::vector<std::string>& tables) {
  for (const auto& table : tables) {
    EXPECT_EQ(table_digest(source, table), table_digest(target, table)) << table;
  }
}

void wait_until(const std::function<bool()>& condition, int seconds) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (!condition() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

// The body of GET /metrics on 127.0.0.1:port ("" if it cannot connect).
std::string fetch_metrics(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    close(fd);
    return "";
  }
  std::string request = "GET /metrics HTTP/1.0\r\n\r\n";
  (void)!write(fd, request.data(), request.size());
  std::string response;
  char buffer[4096];
  for (ssize_t got; (got = read(fd, buffer, sizeof buffer)) > 0;) response.append(buffer, got);
  close(fd);
  return response;
}

struct SlotCleanup {
  std::string source, target;
  ~SlotCleanup() { run_pgshift({"cleanup", "--source", source, "--target", target, "--quiet"}); }
};

TEST(Sync, CopiesThenAppliesChangesMadeBetweenRuns) {
  std::string source = fresh_database(source_cluster(), "sync_src");
  std::string target = fresh_database(target_cluster(), "sync_dst");
  SlotCleanup cleanup{source, target};
  exec(source,
       "CREATE TABLE docs (id int PRIMARY KEY, body text, n int);"
       "INSERT INTO docs SELECT i, repeat(md5(i::text), 3200), i FROM generate_series(1, 20) i;"
       "CREATE TABLE accounts (id int PRIMARY KEY, owner text, balance numeric);"
       "INSERT INTO accounts SELECT i, 'o' || i, i * 10 FROM generate_series(1, 5000) i;"
       "CREATE TABLE log (a int, b text, j json);"
       "ALTER TABLE log REPLICA IDENTITY FULL;"
       "INSERT INTO log VALUES (1, 'same', '{\"x\": 1}'), (1, 'same', '{\"x\": 1}'), "
       "  (2, NULL, NULL), (2, NULL, NULL);"
       "CREATE TABLE scratch (id serial PRIMARY KEY, v text);"
       "INSERT INTO scratch (v) SELECT 'v' || i FROM generate_series(1, 100) i;"
       // A second unique constraint: its rows must be applied in the source's order.
       "CREATE TABLE people (id int PRIMARY KEY, email text UNIQUE);"
       "INSERT INTO people VALUES (1, 'a'), (2, 'b');"
       "CREATE TABLE hot (id int PRIMARY KEY, n int);"
       "INSERT INTO hot SELECT i, 0 FROM generate_series(1, 3) i;");
  auto first = run_pgshift(sync_args(source, target, {"--endpos", "current"}));
  ASSERT_EQ(first.exit_code, 0) << first.err;
  expect_equal_tables(source, target, {"docs", "accounts", "log", "scratch"});

  // Changes the slot keeps while no sync runs.
  exec(source,
       // A 100 kB TOASTed value untouched by the UPDATE: it arrives as 'u' and must stay.
       "UPDATE docs SET n = n + 1000 WHERE id <= 10;"
       // A key update, and ordinary updates, inserts and deletes.
       "UPDATE accounts SET id = 100000 + id WHERE id <= 3;"
       "UPDATE accounts SET balance = balance + 1 WHERE id % 7 = 0;"
       "INSERT INTO accounts SELECT i, 'new', 0 FROM generate_series(5001, 6000) i;"
       "DELETE FROM accounts WHERE id BETWEEN 4000 AND 4099;"
       // REPLICA IDENTITY FULL with duplicate rows: exactly one of each pair changes.
       "UPDATE log SET b = 'changed' WHERE ctid = (SELECT ctid FROM log WHERE a = 1 LIMIT 1);"
       "DELETE FROM log WHERE ctid = (SELECT ctid FROM log WHERE a = 2 LIMIT 1);"
       "TRUNCATE scratch RESTART IDENTITY;"
       "INSERT INTO scratch (v) VALUES ('after truncate');"
       "UPDATE people SET email = 'c' WHERE id = 1; UPDATE people SET email = 'a' WHERE id = 2;"
       "UPDATE people SET email = 'b' WHERE id = 1;");
  // Many changes to a few keys (collapsed within a batch), then a delete and an insert again.
  for (int i = 0; i < 50; ++i) {
    exec(source, "UPDATE hot SET n = n + 1; INSERT INTO hot VALUES (100 + " + std::to_string(i) +
                     ", 0); DELETE FROM hot WHERE id = 100 + " + std::to_string(i));
  }
  exec(source,
       "DELETE FROM hot WHERE id = 2; INSERT INTO hot VALUES (2, 7); UPDATE hot SET n = n + 1");
  auto second = run_pgshift(sync_args(source, target, {"--endpos", "current"}));
  ASSERT_EQ(second.exit_code, 0) << second.err;
  expect_equal_tables(source, target, {"docs", "accounts", "log", "scratch", "people", "hot"});
  EXPECT_EQ(scalar(target, "SELECT count(*) FROM log WHERE a = 1 AND b = 'changed'"), "1");
  EXPECT_EQ(scalar(target, "SELECT count(*) FROM log WHERE a = 2"), "1");
  EXPECT_EQ(scalar(target, "SELECT min(length(body)) FROM docs"), "102400");
}

TEST(Sync, TransactionLargerThanASpillSegment) {
  std::string source = fresh_database(source_cluster(), "sync_big_src");
  std::string target = fresh_database(target_cluster(), "sync_big_dst");
  SlotCleanup cleanup{source, target};
  exec(source, "CREATE TABLE items (id bigint PRIMARY KEY, payload text)");
  auto first = run_pgshift(sync_args(source, target, {"--endpos", "current"}));
  ASSERT_EQ(first.exit_code, 0) << first.err;
  // About 40 MB of changes in one transaction: ten segments' worth.
  exec(source,
       "INSERT INTO items SELECT i, repeat(md5(i::text), 4) FROM generate_series(1, 250000) i");
  auto second = run_pgshift(sync_args(source, target, {"--endpos", "current"}));
  ASSERT_EQ(second.exit_code, 0) << second.err;
  expect_equal_tables(source, target, {"items"});
  // Every key recorded once, though the transaction's keys were sent in parts before its commit.
  exec(target, verify::kFoldTouchedLogSql);
  EXPECT_EQ(scalar(target, "SELECT count(*) FROM pgshift.touched_keys WHERE cardinality(key) = 1"),
            "250000");
}

TEST(Sync, ColumnAddedOnTheSourceStopsUntilTheTargetHasIt) {
  std::string source = fresh_database(source_cluster(), "sync_ddl_src");
  std::string target = fresh_database(target_cluster(), "sync_ddl_dst");
  SlotCleanup cleanup{source, target};
  exec(source,
       "CREATE TABLE t (id int PRIMARY KEY, a text);"
       "INSERT INTO t SELECT i, 'a' FROM generate_series(1, 100) i");
  ASSERT_EQ(run_pgshift(sync_args(source, target, {"--endpos", "current"})).exit_code, 0);
  // A change applied before the DDL: its Relation message is the one kept in force at the applied
  // position, and a rerun meets it again before the new one. Matched against the altered target
  // it stopped every rerun ("extra is on the target but not on the source"): only a change
  // applied under a Relation may fail on it.
  exec(source, "UPDATE t SET a = 'before' WHERE id = 1");
  ASSERT_EQ(run_pgshift(sync_args(source, target, {"--endpos", "current"})).exit_code, 0);
  exec(source, "ALTER TABLE t ADD COLUMN extra int; INSERT INTO t VALUES (101, 'b', 7)");
  auto stopped = run_pgshift(sync_args(source, target, {"--endpos", "current"}));
  EXPECT_EQ(stopped.exit_code, 3) << stopped.err;
  EXPECT_NE(stopped.err.find("\"public\".\"t\""), std::string::npos) << stopped.err;
  EXPECT_NE(stopped.err.find("extra"), std::string::npos) << stopped.err;
  EXPECT_EQ(scalar(target, "SELECT count(*) FROM t"), "100");  // nothing applied to wrong columns
  exec(target, "ALTER TABLE t ADD COLUMN extra int");
  auto resumed = run_pgshift(sync_args(source, target, {"--endpos", "current"}));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  expect_equal_tables(source, target, {"t"});
  // A type changed likewise (and a length, which the target would refuse or round by).
  exec(source, "ALTER TABLE t ALTER COLUMN a TYPE varchar(20); INSERT INTO t VALUES (102, 'c', 8)");
  auto retyped = run_pgshift(sync_args(source, target, {"--endpos", "current"}));
  EXPECT_EQ(retyped.exit_code, 3) << retyped.err;
  EXPECT_NE(retyped.err.find("column \"a\""), std::string::npos) << retyped.err;
  exec(target, "ALTER TABLE t ALTER COLUMN a TYPE varchar(20)");
  ASSERT_EQ(run_pgshift(sync_args(source, target, {"--endpos", "current"})).exit_code, 0);
  exec(source, "ALTER TABLE t ALTER COLUMN a TYPE varchar(30); INSERT INTO t VALUES (103, 'd', 9)");
  auto lengthened = run_pgshift(sync_args(source, target, {"--endpos", "current"}));
  EXPECT_EQ(lengthened.exit_code, 3) << lengthened.err;
  EXPECT_NE(lengthened.err.find("character varying(20)"), std::string::npos) << lengthened.err;
  exec(target, "ALTER TABLE t ALTER COLUMN a TYPE varchar(30)");
  ASSERT_EQ(run_pgshift(sync_args(source, target, {"--endpos", "current"})).exit_code, 0);
  // Widened on the target first (the safe order): it holds every value the source sends.
  exec(target, "ALTER TABLE t ALTER COLUMN a TYPE varchar(60)");
  exec(source, "INSERT INTO t VALUES (104, 'e', 10)");
  auto wider = run_pgshift(sync_args(source, target, {"--endpos", "current"}));
  ASSERT_EQ(wider.exit_code, 0) << wider.err;
  expect_equal_tables(source, target, {"t"});
}

TEST(Sync, RefusesATableWithoutReplicaIdentityAndCleansUp) {
  std::string source = fresh_database(source_cluster(), "sync_ri_src");
  std::string target = fresh_database(target_cluster(), "sync_ri_dst");
  SlotCleanup cleanup{source, target};
  exec(source, "CREATE TABLE nokey (a int, b text); INSERT INTO nokey VALUES (1, 'x')");
  auto refused = run_pgshift(sync_args(source, target, {"--endpos", "current"}));
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_NE(refused.err.find("public.nokey"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("--replica-identity-full"), std::string::npos) << refused.err;
  EXPECT_EQ(scalar(source,
                   "SELECT count(*) FROM pg_replication_slots WHERE database = "
                   "current_database()"),
            "0");
  auto accepted =
      run_pgshift(sync_args(source, target, {"--endpos", "current", "--replica-identity-full"}));
  ASSERT_EQ(accepted.exit_code, 0) << accepted.err;
  EXPECT_EQ(scalar(source, "SELECT relreplident FROM pg_class WHERE relname = 'nokey'"), "f");
  auto cleaned = run_pgshift({"cleanup", "--source", source, "--target", target});
  ASSERT_EQ(cleaned.exit_code, 0) << cleaned.err;
  EXPECT_EQ(scalar(source,
                   "SELECT count(*) FROM pg_replication_slots WHERE database = "
                   "current_database()"),
            "0");
  EXPECT_EQ(scalar(source, "SELECT count(*) FROM pg_publication"), "0");
}

// Some refusals come only after the slot exists (it gives the copy its snapshot): a target that is
// not empty, an --include-table that matches nothing. The run never started, so the slot and the
// publication made for it go too: a slot left behind would keep the source's WAL until someone
// noticed. cleanup says what it found. Nor does a run copy its own publication into the target.
TEST(Sync, ARunRefusedAfterItsSlotWasMadeLeavesNoSlotAndNoPublication) {
  std::string source = fresh_database(source_cluster(), "sync_late_src");
  std::string target = fresh_database(target_cluster(), "sync_late_dst");
  SlotCleanup cleanup{source, target};
  exec(source,
       "CREATE TABLE items (id int PRIMARY KEY, v text); INSERT INTO items VALUES (1, 'x')");
  exec(target, "CREATE TABLE items (id int)");
  auto count_objects = [&] {
    return scalar(source,
                  "SELECT (SELECT count(*) FROM pg_replication_slots WHERE database = "
                  "current_database()) + (SELECT count(*) FROM pg_publication)");
  };
  auto not_empty = run_pgshift(sync_args(source, target, {"--endpos", "current"}));
  EXPECT_EQ(not_empty.exit_code, 2) << not_empty.err;
  EXPECT_NE(not_empty.err.find("target already has table public.items"), std::string::npos)
      << not_empty.err;
  EXPECT_NE(not_empty.err.find("made for this run, from the source"), std::string::npos)
      << not_empty.err;  // made, then dropped
  EXPECT_EQ(count_objects(), "0");
  exec(target, "DROP TABLE items");
  auto unmatched =
      run_pgshift(sync_args(source, target, {"--endpos", "current", "--include-table", "nosuch"}));
  EXPECT_EQ(unmatched.exit_code, 2) << unmatched.err;
  EXPECT_NE(unmatched.err.find("--include-table nosuch matches no table"), std::string::npos)
      << unmatched.err;
  EXPECT_EQ(count_objects(), "0");
  auto nothing = run_pgshift({"cleanup", "--source", source, "--target", target});
  EXPECT_EQ(nothing.exit_code, 0) << nothing.err;
  EXPECT_NE(nothing.out.find("no replication slot or publication"), std::string::npos)
      << nothing.out;
  EXPECT_NE(nothing.out.find("no pgshift run state in the target"), std::string::npos)
      << nothing.out;
  auto synced = run_pgshift(sync_args(source, target, {"--endpos", "current"}));
  ASSERT_EQ(synced.exit_code, 0) << synced.err;
  // The copy's snapshot sees the publication made for it: pg_dump must not carry it over (a
  // --restart then failed creating it again on the target).
  EXPECT_EQ(scalar(target, "SELECT count(*) FROM pg_publication"), "0");
  // A --restart refused after it made its new slot: the old record stays, and a plain rerun must
  // not take the new slot (same name) for the old one and resume the old positions on it.
  auto refused_restart = run_pgshift(
      sync_args(source, target, {"--endpos", "current", "--restart", "--include-table", "nosuch"}));
  EXPECT_EQ(refused_restart.exit_code, 2) << refused_restart.err;
  EXPECT_EQ(count_objects(), "0");
  auto plain = run_pgshift(sync_args(source, target, {"--endpos", "current"}));
  EXPECT_EQ(plain.exit_code, 2) << plain.err;
  EXPECT_NE(plain.err.find("is gone from the source"), std::string::npos) << plain.err;
  auto restarted = run_pgshift(sync_args(source, target, {"--endpos", "current", "--restart"}));
  ASSERT_EQ(restarted.exit_code, 0) << restarted.err;
  EXPECT_EQ(scalar(target, "SELECT count(*) FROM items"), "1");
  auto cleaned = run_pgshift({"cleanup", "--source", source, "--target", target});
  EXPECT_EQ(cleaned.exit_code, 0) << cleaned.err;
  EXPECT_NE(cleaned.out.find("dropped replication slot and publication"), std::string::npos)
      << cleaned.out;
  EXPECT_NE(cleaned.out.find("dropped pgshift's run state from the target"), std::string::npos)
      << cleaned.out;
  EXPECT_EQ(count_objects(), "0");
}

// A source that caps the WAL a slot may keep (max_slot_wal_keep_size, as hosted servers often do)
// invalidates a slot left behind for too long: its changes are gone. Sync, cutover and status say
// so and point to --restart, instead of "rerun to resume" (the rerun failed the same way, exit 3).
TEST(Sync, ASlotTheSourceInvalidatedIsNamedAndRestartBeginsAgain) {
  PrivateCluster source_server("sync-lost-src", {{"max_slot_wal_keep_size = 32MB"}});
  std::string source = fresh_database(source_server.cluster(), "sync_lost_src");
  std::string target = fresh_database(target_cluster(), "sync_lost_dst");
  SlotCleanup cleanup{source, target};
  exec(source,
       "CREATE TABLE items (id int PRIMARY KEY, v text); INSERT INTO items VALUES (1, 'x')");
  auto first = run_pgshift(sync_args(source, target, {"--endpos", "current"}));
  ASSERT_EQ(first.exit_code, 0) << first.err;
  // No sync runs now: the slot falls behind by more than the cap.
  exec(source, "INSERT INTO items VALUES (2, 'lost')");
  exec(source,
       "CREATE TABLE filler AS SELECT repeat('w', 1000) AS pad FROM generate_series(1, 100000)");
  for (int i = 0; i < 10 && scalar(source,
                                   "SELECT wal_status FROM pg_replication_slots WHERE database = "
                                   "current_database()") != "lost";
       ++i) {
    exec(source, "SELECT pg_switch_wal(); CHECKPOINT");
  }
  ASSERT_EQ(scalar(source,
                   "SELECT wal_status FROM pg_replication_slots WHERE database = "
                   "current_database()"),
            "lost");
  exec(source, "DROP TABLE filler");
  auto resumed = run_pgshift(sync_args(source, target, {"--endpos", "current"}));
  EXPECT_EQ(resumed.exit_code, 2) << resumed.err;
  EXPECT_NE(resumed.err.find("was invalidated by the source"), std::string::npos) << resumed.err;
  EXPECT_NE(resumed.err.find("--restart"), std::string::npos) << resumed.err;
  auto cutover = run_pgshift({"cutover", "--source", source, "--target", target});
  EXPECT_EQ(cutover.exit_code, 2) << cutover.err;
  EXPECT_NE(cutover.err.find("was invalidated by the source"), std::string::npos) << cutover.err;
  auto status = run_pgshift({"status", "--source", source, "--target", target});
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("its slot is lost: begin again with"), std::string::npos) << status.out;
  auto restarted = run_pgshift(sync_args(source, target, {"--endpos", "current", "--restart"}));
  ASSERT_EQ(restarted.exit_code, 0) << restarted.err;
  EXPECT_EQ(table_digest(source, "items"), table_digest(target, "items"));
}

// A kill mid-copy loses the slot's snapshot: the rerun copies at a new one. A table without a key
// is then copied again whole, and the stream must not replay onto it what that copy already holds.
TEST(Sync, KeylessTableCopiedAgainAtANewSnapshotGetsNoChangeTwice) {
  std::string source = fresh_database(source_cluster(), "sync_kl_src");
  std::string target = fresh_database(target_cluster(), "sync_kl_dst");
  SlotCleanup cleanup{source, target};
  exec(source,
       "CREATE TABLE events (a int, b text); ALTER TABLE events REPLICA IDENTITY FULL;"
       "INSERT INTO events SELECT i % 100, repeat('e', 150) FROM generate_series(1, 150000) i;"
       "CREATE TABLE keyed (id int PRIMARY KEY, v int);"
       "INSERT INTO keyed SELECT i, 0 FROM generate_series(1, 1000) i; ANALYZE");
  int pid =
      spawn_pgshift(sync_args(source, target, {"--jobs", "1", "--chunk-size", "1", "--quiet"}));
  auto events_chunks_done = [&] {
    try {
      return std::stoi(scalar(target,
                              "SELECT count(*) FROM pgshift.chunks c JOIN pgshift.tables t USING "
                              "(table_id) WHERE t.table_name = 'events' AND c.state = 'done'"));
    } catch (const std::exception&) {
      return 0;
    }
  };
  wait_until([&] { return events_chunks_done() >= 2; }, 60);
  // After the slot's start, before the kill: in the stream, and in the new snapshot's copy.
  exec(source,
       "INSERT INTO events SELECT -1, 'during' FROM generate_series(1, 50);"
       "UPDATE events SET b = 'one' WHERE ctid = (SELECT ctid FROM events WHERE a = 7 LIMIT 1);"
       "UPDATE keyed SET v = v + 1");
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  int done = events_chunks_done();
  int total = std::stoi(scalar(target,
                               "SELECT count(*) FROM pgshift.chunks c JOIN pgshift.tables t USING "
                               "(table_id) WHERE t.table_name = 'events'"));
  ASSERT_GE(done, 1);
  ASSERT_LT(done, total) << "the copy of events finished before the kill";
  exec(source, "INSERT INTO events SELECT -2, 'after' FROM generate_series(1, 50)");
  auto resumed = run_pgshift(sync_args(source, target, {"--endpos", "current"}));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  expect_equal_tables(source, target, {"events", "keyed"});
  EXPECT_EQ(scalar(target, "SELECT count(*) FROM events WHERE a = -1"), "50");
}

// The application keeps writing (pgbench) while sync copies and streams; sync is interrupted,
// resumed, and stopped at --endpos current once the workload has ended.
TEST(Sync, PgbenchWorkloadDuringCopyAndStream) {
  std::string source = fresh_database(source_cluster(), "sync_bench_src");
  std::string target = fresh_database(target_cluster(), "sync_bench_dst");
  SlotCleanup cleanup{source, target};
  std::string pgbench = "/usr/lib/postgresql/15/bin/pgbench";
  ASSERT_EQ(std::system((pgbench + " -q -i -s 2 '" + source + "' >/dev/null 2>&1").c_str()), 0);
  pid_t workload = fork();
  if (workload == 0) {
    execl(pgbench.c_str(), "pgbench", "-n", "-c", "4", "-T", "8", "-R", "400", source.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  int port = unused_loopback_port();
  int sync_pid = spawn_pgshift(sync_args(source, target,
                                         {"--replica-identity-full", "--quiet", "--metrics-listen",
                                          "127.0.0.1:" + std::to_string(port)}));
  // Streaming while pgbench still writes, then interrupted.
  wait_until(
      [&] {
        try {
          return scalar(target, "SELECT phase FROM pgshift.sync") == "streaming";
        } catch (const std::exception&) {
          return false;
        }
      },
      60);
  std::string metrics = fetch_metrics(port);
  EXPECT_NE(metrics.find("200 OK"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("pgshift_lag_bytes "), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("pgshift_changes_applied_total "), std::string::npos) << metrics;
  // A second sync of the same target would apply the same changes beside this one (an older
  // transaction landing after a newer one sets rows back): refused, and this one goes on.
  auto second = run_pgshift(sync_args(source, target, {"--endpos", "current"}));
  EXPECT_EQ(second.exit_code, 2) << second.err;
  EXPECT_NE(second.err.find("already follows this target's change stream"), std::string::npos)
      << second.err;
  kill(sync_pid, SIGINT);
  int status = 0;
  waitpid(sync_pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 130) << status;
  waitpid(workload, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "pgbench failed";
  auto finished = run_pgshift(sync_args(source, target, {"--endpos", "current"}));
  ASSERT_EQ(finished.exit_code, 0) << finished.err;
  expect_equal_tables(
      source, target,
      {"pgbench_accounts", "pgbench_branches", "pgbench_tellers", "pgbench_history"});
  // pgbench's own invariant: every transaction moved the same delta in all four tables.
  EXPECT_EQ(scalar(target,
                   "SELECT (SELECT sum(abalance) FROM pgbench_accounts) = "
                   "(SELECT sum(bbalance) FROM pgbench_branches) AND "
                   "(SELECT sum(tbalance) FROM pgbench_tellers) = "
                   "(SELECT COALESCE(sum(delta), 0) FROM pgbench_history)"),
            "t");
  auto status_out = run_pgshift({"status", "--target", target, "--json"});
  EXPECT_EQ(status_out.exit_code, 0) << status_out.err;
  EXPECT_NE(status_out.out.find("\"applied_lsn\""), std::string::npos) << status_out.out;
}

}  // namespace
}  // namespace pgshift::test
