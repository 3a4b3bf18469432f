// `pgshift cutover` against real servers, with an application writing through a role that is not
// a superuser: the switch completes with every committed write on the target and the sequences
// ahead; a planted difference, a failing switch hook and a kill at each dangerous moment leave the
// source either unfrozen with the stream consistent, or switched — never frozen, never with a
// lost write.
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "tests/support/fault_proxy.hpp"
#include "tests/support/pg_test.hpp"

namespace pgshift::test {
namespace {

using std::chrono::milliseconds;

struct SlotCleanup {
  std::string source, target;
  ~SlotCleanup() { run_pgshift({"cleanup", "--source", source, "--target", target, "--quiet"}); }
};

// A background pgshift that is killed if the test leaves early.
struct Background {
  Background() = default;
  explicit Background(pid_t started) : pid(started) {}
  Background(const Background&) = delete;  // a copy's destructor would kill the process
  Background& operator=(const Background&) = delete;
  pid_t pid = -1;
  ~Background() {
    if (pid > 0) {
      kill(pid, SIGCONT);
      if (kill(pid, SIGKILL) == 0) waitpid(pid, nullptr, 0);
    }
  }
  // Never kill(-1): that signals every process of the user.
  void signal(int number) const {
    if (pid > 0) kill(pid, number);
  }
  int poll() {
    int status = 0;
    if (pid <= 0 || waitpid(pid, &status, WNOHANG) != pid) return -1;
    pid = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
};

bool wait_until(const std::function<bool()>& condition, int seconds) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return condition();
}

// "postgres://postgres:pgshift@host:port/db" as the role `role` (password `app`).
std::string as_role(const std::string& uri, const std::string& role) {
  auto at = uri.find('@');
  return "postgres://" + role + ":app" + uri.substr(at);
}

// The application: inserts rows through its own role as fast as it can, reconnecting after any
// failure (a read-only error, its session ended by the freeze). Remembers what committed.
class Writer {
 public:
  explicit Writer(std::string uri) : uri_(std::move(uri)), thread_([this] { loop(); }) {}
  ~Writer() { stop(); }
  void stop() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::set<long long> committed() {
    std::lock_guard lock(mutex_);
    return committed_;
  }
  long long failures() const { return failures_; }
  // Writes to another server from the next transaction on (what a switch hook does to an app).
  void repoint(std::string uri) {
    std::lock_guard lock(mutex_);
    uri_ = std::move(uri);
    ++generation_;
  }

 private:
  void loop() {
    PGconn* conn = nullptr;
    int connected_generation = 0;
    while (!stopping_) {
      std::string uri;
      int generation = 0;
      {
        std::lock_guard lock(mutex_);
        uri = uri_;
        generation = generation_;
      }
      if (!conn || PQstatus(conn) != CONNECTION_OK || generation != connected_generation) {
        if (conn) PQfinish(conn);
        conn = PQconnectdb(uri.c_str());
        connected_generation = generation;
        if (PQstatus(conn) != CONNECTION_OK) {
          std::this_thread::sleep_for(milliseconds(5));
          continue;
        }
      }
      PGresult* result =
          PQexec(conn, "INSERT INTO orders (note) VALUES (md5(random()::text)) RETURNING id");
      if (PQresultStatus(result) == PGRES_TUPLES_OK) {
        std::lock_guard lock(mutex_);
        committed_.insert(std::stoll(PQgetvalue(result, 0, 0)));
      } else {
        ++failures_;
        PQfinish(conn);
        conn = nullptr;
        std::this_thread::sleep_for(milliseconds(2));
      }
      PQclear(result);
      std::this_thread::sleep_for(milliseconds(1));
    }
    if (conn) PQfinish(conn);
  }

  std::string uri_;
  int generation_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<long long> failures_{0};
  std::mutex mutex_;
  std::set<long long> committed_;
  std::thread thread_;
};

struct Databases {
  std::string source, target, role, app_uri;
};

// A source with an application role, a keyed table the application writes, a second keyed table
// and a free-standing sequence; the role is unique per test (roles are cluster-wide).
Databases make_source(const std::string& name) {
  Databases setup;
  setup.source = fresh_database(source_cluster(), name + "_src");
  setup.target = fresh_database(target_cluster(), name + "_dst");
  setup.role = "app_" + name;
  exec(setup.source, "DROP ROLE IF EXISTS " + setup.role + "; CREATE ROLE " + setup.role +
                         " LOGIN PASSWORD 'app'");
  exec(setup.source,
       "CREATE TABLE orders (id bigserial PRIMARY KEY, note text, at timestamptz DEFAULT now());"
       "CREATE TABLE items (sku text, shop int, qty int, PRIMARY KEY (sku, shop));"
       "INSERT INTO items SELECT 'sku' || i, i % 3, i FROM generate_series(1, 500) i;"
       "INSERT INTO orders (note) SELECT 'seed' || i FROM generate_series(1, 2000) i;"
       "CREATE SEQUENCE invoice_numbers START 1000;"
       "SELECT nextval('invoice_numbers') FROM generate_series(1, 5);"
       "GRANT ALL ON ALL TABLES IN SCHEMA public TO " +
           setup.role + "; GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO " + setup.role);
  setup.app_uri = as_role(setup.source, setup.role);
  return setup;
}

std::vector<std::string> sync_args(const Databases& setup) {
  return {"sync", "--source", setup.source, "--target", setup.target, "--jobs", "2", "--quiet"};
}

std::vector<std::string> cutover_args(const Databases& setup, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"cutover",    "--source",  setup.source, "--target",
                                   setup.target, "--timeout", "30s"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

std::string phase(const std::string& target) {
  try {
    return scalar(target, "SELECT phase FROM pgshift.sync");
  } catch (const std::exception&) {
    return "none";
  }
}

bool app_role_frozen(const Databases& setup) {
  return scalar(setup.source,
                "SELECT count(*) FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole "
                "WHERE r.rolname = '" +
                    setup.role +
                    "' AND s.setdatabase = (SELECT oid FROM pg_database WHERE "
                    "datname = current_database())") != "0";
}

// How many of the order ids the application saw committed are not in `uri`'s orders.
std::string orders_missing(const std::string& uri, const std::set<long long>& committed) {
  std::string sql = "SELECT count(*) FROM unnest('{";
  for (long long id : committed) {
    if (sql.back() != '{') sql += ',';
    sql += std::to_string(id);
  }
  sql += "}'::bigint[]) AS c(id) WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = c.id)";
  return scalar(uri, sql);
}

void expect_target_equals_source(const Databases& setup) {
  for (const char* table : {"orders", "items"}) {
    EXPECT_EQ(table_digest(setup.source, table), table_digest(setup.target, table)) << table;
  }
}

// Until the change stream is applied in the target (sync caught up).
void wait_streaming(Background& sync, const Databases& setup) {
  ASSERT_TRUE(
      wait_until([&] { return phase(setup.target) == "streaming" || sync.poll() >= 0; }, 90))
      << "phase " << phase(setup.target);
  ASSERT_EQ(phase(setup.target), "streaming");
}

TEST(Cutover, SwitchesWhileTheApplicationWritesAndLosesNothing) {
  Databases setup = make_source("cut_switch");
  SlotCleanup cleanup{setup.source, setup.target};
  Background sync{spawn_pgshift(sync_args(setup), "/tmp/cutover-switch-sync.err")};
  wait_streaming(sync, setup);
  Writer writer(setup.app_uri);
  exec(setup.source,
       "UPDATE items SET qty = qty + 1 WHERE shop = 1; DELETE FROM items WHERE "
       "shop = 2 AND qty < 50; UPDATE items SET sku = sku || '-x' WHERE qty = 7");
  std::this_thread::sleep_for(milliseconds(1500));
  std::string hook_out = "/tmp/cutover-switch-" + std::to_string(getpid()) + ".env";
  auto result =
      run_pgshift(cutover_args(setup, {"--switch-hook", "printenv PGSHIFT_TARGET > " + hook_out,
                                       "--report", hook_out + ".json"}));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::this_thread::sleep_for(milliseconds(300));
  writer.stop();

  // Every write the application saw committed is on the target, and nothing else differs.
  auto committed = writer.committed();
  ASSERT_GT(committed.size(), 50u);
  EXPECT_GT(writer.failures(), 0) << "the freeze stopped no write";
  EXPECT_EQ(orders_missing(setup.target, committed), "0");
  expect_target_equals_source(setup);

  // Sequences hand out values above the source's; the source stays read-only for the app.
  EXPECT_GT(std::stoll(scalar(setup.target, "SELECT nextval('orders_id_seq')")),
            std::stoll(scalar(setup.source, "SELECT max(id) FROM orders")));
  EXPECT_EQ(scalar(setup.target, "SELECT nextval('invoice_numbers')"), "1005");
  EXPECT_EQ(scalar(setup.app_uri, "SHOW default_transaction_read_only"), "on");

  // The hook got the target in its environment; sync ended (0); the slot is gone.
  EXPECT_NE(read_file(hook_out).find("127.0.0.1"), std::string::npos);
  std::string report = read_file(hook_out + ".json");
  EXPECT_NE(report.find("\"write_unavailable_seconds\""), std::string::npos) << report;
  EXPECT_NE(report.find("\"drain\""), std::string::npos) << report;
  int sync_exit = -1;
  EXPECT_TRUE(wait_until([&] { return (sync_exit = sync.poll()) >= 0; }, 20));
  EXPECT_EQ(sync_exit, 0);
  EXPECT_EQ(scalar(setup.source,
                   "SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE "
                   "'pgshift_%' AND database = current_database()"),
            "0");
  EXPECT_EQ(phase(setup.target), "done");
  // A second cutover, or sync, is refused: the stream is over.
  EXPECT_EQ(run_pgshift(cutover_args(setup)).exit_code, 2);
  std::remove(hook_out.c_str());
  std::remove((hook_out + ".json").c_str());
}

TEST(Cutover, APlantedDifferenceCallsTheSwitchOffAndUnfreezes) {
  Databases setup = make_source("cut_diff");
  SlotCleanup cleanup{setup.source, setup.target};
  // No sync process beside it: cutover starts one (and stops it when it calls the switch off).
  {
    Background sync{spawn_pgshift(sync_args(setup), "/tmp/cutover-diff-sync.err")};
    wait_streaming(sync, setup);
    exec(setup.source, "UPDATE items SET qty = 0 WHERE sku = 'sku42' AND shop = 0");
    ASSERT_TRUE(wait_until(
        [&] {
          return scalar(setup.target, "SELECT qty FROM items WHERE sku = 'sku42' AND shop = 0") ==
                 "0";
        },
        30));
  }
  exec(setup.target, "UPDATE items SET qty = 99 WHERE sku = 'sku42' AND shop = 0");
  Writer writer(setup.app_uri);
  std::string unfrozen = "/tmp/cutover-diff-" + std::to_string(getpid()) + ".unfrozen";
  std::remove(unfrozen.c_str());
  auto result = run_pgshift(
      cutover_args(setup, {"--unfreeze-hook", "touch " + unfrozen, "--switch-hook", "exit 0"}));
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_NE(result.err.find("\"public\".\"items\" key (sku42, 0) changed"), std::string::npos)
      << result.err;
  EXPECT_NE(result.err.find("sku42"), std::string::npos) << result.err;
  // Undone: the app writes again, the hook ran, the stream goes on.
  EXPECT_FALSE(app_role_frozen(setup));
  EXPECT_EQ(scalar(setup.app_uri, "SHOW default_transaction_read_only"), "off");
  EXPECT_TRUE(std::ifstream(unfrozen).good());
  EXPECT_EQ(phase(setup.target), "streaming");
  auto before = writer.committed().size();
  EXPECT_TRUE(wait_until([&] { return writer.committed().size() > before + 20; }, 10));

  // Repaired, the next cutover switches.
  exec(setup.target, "UPDATE items SET qty = 0 WHERE sku = 'sku42' AND shop = 0");
  auto second = run_pgshift(cutover_args(setup));
  writer.stop();
  ASSERT_EQ(second.exit_code, 0) << second.err;
  expect_target_equals_source(setup);
  std::remove(unfrozen.c_str());
}

TEST(Cutover, AFailingSwitchHookUnfreezes) {
  Databases setup = make_source("cut_hook");
  SlotCleanup cleanup{setup.source, setup.target};
  Background sync{spawn_pgshift(sync_args(setup), "/tmp/cutover-hook-sync.err")};
  wait_streaming(sync, setup);
  Writer writer(setup.app_uri);
  auto result = run_pgshift(cutover_args(setup, {"--switch-hook", "echo no route >&2; exit 3"}));
  EXPECT_EQ(result.exit_code, 3) << result.err;
  EXPECT_NE(result.err.find("--switch-hook exited with status 3: no route"), std::string::npos)
      << result.err;
  EXPECT_FALSE(app_role_frozen(setup));
  EXPECT_EQ(sync.poll(), -1) << "sync must keep running";
  auto before = writer.committed().size();
  EXPECT_TRUE(wait_until([&] { return writer.committed().size() > before + 20; }, 10));
  writer.stop();
  exec(setup.source, "SELECT pg_logical_emit_message(true, 'test', 'flush')");
  ASSERT_TRUE(wait_until(
      [&] { return table_digest(setup.source, "orders") == table_digest(setup.target, "orders"); },
      30));
}

// A table made on the source after the sync began is in no publication: the stream does not follow
// it and the target does not have it. Cutover switched anyway (exit 0, the table missing on the
// new primary). Now it names the table and calls the switch off, before the freeze and again
// after it (here: made by the freeze hook, as by a deploy while the lag was waited for); with
// --exclude-table the table is left out knowingly. Sequences likewise (below).
TEST(Cutover, ATableOrSequenceTheStreamDoesNotCarryCallsTheSwitchOff) {
  Databases setup = make_source("cut_new_table");
  SlotCleanup cleanup{setup.source, setup.target};
  Background sync{spawn_pgshift(sync_args(setup), "/tmp/cutover-newtable-sync.err")};
  wait_streaming(sync, setup);
  exec(setup.source,
       "CREATE TABLE added_later (id int PRIMARY KEY); INSERT INTO added_later VALUES (1)");
  auto before_freeze = run_pgshift(cutover_args(setup));
  EXPECT_EQ(before_freeze.exit_code, 2) << before_freeze.err;
  EXPECT_NE(before_freeze.err.find("public.added_later"), std::string::npos) << before_freeze.err;
  EXPECT_FALSE(app_role_frozen(setup));
  auto at_freeze = run_pgshift(cutover_args(
      setup,
      {"--exclude-table", "added_later", "--freeze-hook",
       "psql -qX '" + setup.source + "' -c 'CREATE TABLE made_at_freeze (id int PRIMARY KEY)'"}));
  EXPECT_EQ(at_freeze.exit_code, 2) << at_freeze.err;
  EXPECT_NE(at_freeze.err.find("public.made_at_freeze"), std::string::npos) << at_freeze.err;
  EXPECT_EQ(at_freeze.err.find("public.added_later"), std::string::npos) << at_freeze.err;
  EXPECT_FALSE(app_role_frozen(setup));
  EXPECT_EQ(sync.poll(), -1) << "sync must keep running";
  // Sequences: one made on the source is refused until the target has it too, and is then set;
  // one of the run's dropped on the source is a warning (setting it failed the cutover for good).
  exec(setup.source,
       "CREATE SEQUENCE made_later START 700; SELECT nextval('made_later'); "
       "DROP SEQUENCE invoice_numbers");
  std::vector<std::string> leave_out = {"--exclude-table", "added_later", "--exclude-table",
                                        "made_at_freeze"};
  auto no_sequence = run_pgshift(cutover_args(setup, leave_out));
  EXPECT_EQ(no_sequence.exit_code, 2) << no_sequence.err;
  EXPECT_NE(no_sequence.err.find("public.made_later"), std::string::npos) << no_sequence.err;
  exec(setup.target, "CREATE SEQUENCE made_later");
  auto switched = run_pgshift(cutover_args(setup, leave_out));
  ASSERT_EQ(switched.exit_code, 0) << switched.err;
  EXPECT_NE(switched.err.find("public.invoice_numbers"), std::string::npos) << switched.err;
  EXPECT_EQ(scalar(setup.target, "SELECT last_value FROM made_later"), "700");
  expect_target_equals_source(setup);
}

// Large objects travel in no change stream: ones made, changed or removed on the source while the
// sync runs were left as the copy saw them (the cutover switched with exit 0). Now the cutover
// brings them level before the freeze, and once frozen what changed meanwhile (here: the freeze
// hook writes one, as the application would have a moment before).
TEST(Cutover, LargeObjectsChangedDuringTheSyncAreLevelAtTheSwitch) {
  Databases setup = make_source("cut_lobs");
  SlotCleanup cleanup{setup.source, setup.target};
  exec(setup.source,
       "SELECT lo_from_bytea(71001, 'kept'); SELECT lo_from_bytea(71002, 'to change'); "
       "SELECT lo_from_bytea(71003, 'to remove')");
  Background sync{spawn_pgshift(sync_args(setup), "/tmp/cutover-lobs-sync.err")};
  wait_streaming(sync, setup);
  exec(setup.source,
       "SELECT lo_put(71002, 0, 'CHANGED'); SELECT lo_unlink(71003); "
       "SELECT lo_from_bytea(71004, decode(repeat('ab', 3000000), 'hex'))");
  auto switched = run_pgshift(cutover_args(
      setup, {"--freeze-hook",
              "psql -qX '" + setup.source + "' -c \"SELECT lo_from_bytea(71005, 'at freeze')\""}));
  ASSERT_EQ(switched.exit_code, 0) << switched.err;
  std::string objects =
      "SELECT string_agg(oid::text || ':' || md5(lo_get(oid)), ',' ORDER BY oid) "
      "FROM pg_largeobject_metadata";
  EXPECT_EQ(scalar(setup.target, objects), scalar(setup.source, objects));
  EXPECT_EQ(scalar(setup.target, "SELECT count(*) FROM pg_largeobject_metadata"), "4");
  expect_target_equals_source(setup);
}

// Killed while the source is frozen (the drain cannot finish: sync is stopped): the source stays
// frozen only until the next sync or cutover, which undoes the freeze first.
TEST(Cutover, KilledWhileFrozenIsUndoneByTheNextSync) {
  Databases setup = make_source("cut_kill");
  SlotCleanup cleanup{setup.source, setup.target};
  Background sync{spawn_pgshift(sync_args(setup), "/tmp/cutover-kill-sync.err")};
  wait_streaming(sync, setup);
  Writer writer(setup.app_uri);
  std::this_thread::sleep_for(milliseconds(500));
  sync.signal(SIGSTOP);
  Background cutover{spawn_pgshift(cutover_args(setup), "/tmp/cutover-kill.err")};
  ASSERT_TRUE(wait_until([&] { return app_role_frozen(setup); }, 30));
  cutover.signal(SIGKILL);
  cutover.poll();
  std::this_thread::sleep_for(milliseconds(200));
  EXPECT_TRUE(app_role_frozen(setup));
  EXPECT_EQ(scalar(setup.target, "SELECT state FROM pgshift.cutover"), "freezing");
  sync.signal(SIGKILL);
  sync.poll();
  sync.pid = -1;

  Background resumed{spawn_pgshift(sync_args(setup), "/tmp/cutover-kill-sync2.err")};
  ASSERT_TRUE(wait_until([&] { return !app_role_frozen(setup); }, 30));
  EXPECT_EQ(scalar(setup.target, "SELECT state FROM pgshift.cutover"), "undone");
  auto before = writer.committed().size();
  EXPECT_TRUE(wait_until([&] { return writer.committed().size() > before + 20; }, 10));
  wait_streaming(resumed, setup);
  auto result = run_pgshift(cutover_args(setup));
  writer.stop();
  ASSERT_EQ(result.exit_code, 0) << result.err;
  expect_target_equals_source(setup);
}

// Killed during the switch hook: the switch is completed by the next cutover (never undone: the
// application may already point at the target); sync refuses to carry on meanwhile.
TEST(Cutover, KilledDuringTheSwitchIsCompletedByTheNextCutover) {
  Databases setup = make_source("cut_kill_switch");
  SlotCleanup cleanup{setup.source, setup.target};
  Background sync{spawn_pgshift(sync_args(setup), "/tmp/cutover-ks-sync.err")};
  wait_streaming(sync, setup);
  exec(setup.source, "INSERT INTO orders (note) SELECT 'late' FROM generate_series(1, 100)");
  Background cutover{
      spawn_pgshift(cutover_args(setup, {"--switch-hook", "sleep 60"}), "/tmp/cutover-ks.err")};
  ASSERT_TRUE(wait_until(
      [&] {
        try {
          return scalar(setup.target, "SELECT state FROM pgshift.cutover") == "switching";
        } catch (const std::exception&) {
          return false;
        }
      },
      30));
  cutover.signal(SIGKILL);
  cutover.poll();
  auto refused = run_pgshift(sync_args(setup));
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_NE(refused.err.find("complete"), std::string::npos) << refused.err;
  // Completed whatever the source holds now: a table the stream does not follow is no reason to
  // leave the switch half made (the application may already write to the target).
  exec(setup.source,
       "SET TRANSACTION READ WRITE; CREATE TABLE made_during_the_switch (id int PRIMARY KEY)");
  std::string switched = "/tmp/cutover-ks-" + std::to_string(getpid()) + ".switched";
  auto completed = run_pgshift(cutover_args(setup, {"--switch-hook", "touch " + switched}));
  ASSERT_EQ(completed.exit_code, 0) << completed.err;
  EXPECT_TRUE(std::ifstream(switched).good());
  EXPECT_EQ(phase(setup.target), "done");
  expect_target_equals_source(setup);
  std::remove(switched.c_str());
}

std::string cutover_state(const std::string& target) {
  try {
    return scalar(target, "SELECT state FROM pgshift.cutover");
  } catch (const std::exception&) {
    return "none";
  }
}

// SIGKILL at moments spread over every step (wait, pre-verify, freeze, drain, sequences,
// re-verify, switch hook), each followed by what an operator would run next: the source ends
// unfrozen with the stream consistent, or switched; never frozen, never with a lost write.
TEST(Cutover, KilledAtEachStepLeavesTheSourceUnfrozenOrSwitched) {
  Databases setup = make_source("cut_kills");
  SlotCleanup cleanup{setup.source, setup.target};
  Writer writer(setup.app_uri);
  std::optional<Background> sync;
  sync.emplace().pid = spawn_pgshift(sync_args(setup), "/tmp/cutover-kills-sync.err");
  wait_streaming(*sync, setup);
  std::map<std::string, int> landed;
  bool switched = false;
  for (int round = 0; round < 8 && !switched; ++round) {
    Background cutover{spawn_pgshift(cutover_args(setup, {"--switch-hook", "sleep 0.3"}),
                                     "/tmp/cutover-kills.err")};
    std::this_thread::sleep_for(milliseconds(100 + 220 * round));
    cutover.signal(SIGKILL);
    cutover.poll();
    std::string state = cutover_state(setup.target);
    ++landed[state];
    if (state == "switched") {
      switched = true;
    } else if (state == "switching") {
      auto completed = run_pgshift(cutover_args(setup));
      ASSERT_EQ(completed.exit_code, 0) << completed.err;
      switched = true;
    } else {
      // The operator restarts sync (as after any crash): it undoes a freeze left behind.
      EXPECT_EQ(sync->poll(), -1) << "round " << round << ": sync ended by itself (state " << state
                                  << ")";
      sync->signal(SIGKILL);
      sync->poll();
      sync.emplace().pid = spawn_pgshift(sync_args(setup), "/tmp/cutover-kills-sync.err");
      ASSERT_TRUE(wait_until([&] { return !app_role_frozen(setup); }, 30)) << "round " << round;
      wait_streaming(*sync, setup);
      auto before = writer.committed().size();
      ASSERT_TRUE(wait_until([&] { return writer.committed().size() > before + 5; }, 10))
          << "round " << round << ": the application cannot write after the recovery";
    }
  }
  if (!switched) {
    auto last = run_pgshift(cutover_args(setup));
    ASSERT_EQ(last.exit_code, 0) << last.err;
  }
  std::this_thread::sleep_for(milliseconds(200));
  writer.stop();
  std::string where;
  for (const auto& [state, count] : landed) where += state + "=" + std::to_string(count) + " ";
  std::cerr << "kills landed (cutover state after each): " << where << "\n";
  EXPECT_GE(landed.size(), 2u) << "every kill landed in the same state: " << where;
  auto committed = writer.committed();
  EXPECT_EQ(orders_missing(setup.target, committed), "0");
  expect_target_equals_source(setup);
  EXPECT_EQ(phase(setup.target), "done");
}

// `uri` with its port replaced by the proxy's.
std::string through(const FaultProxy& proxy, const std::string& uri) {
  auto slash = uri.rfind('/');
  auto colon = uri.rfind(':', slash);
  return uri.substr(0, colon + 1) + std::to_string(proxy.port()) + uri.substr(slash);
}

int port_of(const std::string& uri) {
  auto slash = uri.rfind('/');
  auto colon = uri.rfind(':', slash);
  return std::stoi(uri.substr(colon + 1, slash - colon - 1));
}

// A proxy in front of each server, and the databases as seen through them.
struct ThroughProxies {
  explicit ThroughProxies(const Databases& setup)
      : source_proxy(port_of(setup.source)), target_proxy(port_of(setup.target)), far(setup) {
    far.source = through(source_proxy, setup.source);
    far.target = through(target_proxy, setup.target);
  }
  void cut_all() {
    source_proxy.cut_all();
    target_proxy.cut_all();
  }
  FaultProxy source_proxy;
  FaultProxy target_proxy;
  Databases far;
};

// The network cuts every connection of a cutover while the source is frozen (sync itself reaches
// the servers directly and keeps streaming). The cutover rides through on new connections, or
// stops with exit 3 having lifted its freeze (or, cut after its switch hook ran, keeps it and
// says so); run again it completes. Either way no write the application saw committed is lost,
// and the target ends equal to the source.
TEST(Cutover, ConnectionsCutWhileFrozen) {
  Databases setup = make_source("cut_wire");
  SlotCleanup cleanup{setup.source, setup.target};
  Background sync{spawn_pgshift(sync_args(setup), "/tmp/cutover-wire-sync.err")};
  wait_streaming(sync, setup);
  Writer writer(setup.app_uri);
  std::this_thread::sleep_for(milliseconds(500));

  ThroughProxies proxies(setup);
  const Databases& far = proxies.far;
  std::string log = "/tmp/cutover-wire-" + std::to_string(getpid()) + ".err";
  // A hook slow enough that the freeze lasts while the cut lands.
  Background cutover{spawn_pgshift(cutover_args(far, {"--switch-hook", "sleep 0.5"}), log)};
  ASSERT_TRUE(wait_until([&] { return app_role_frozen(setup) || cutover.poll() >= 0; }, 60))
      << read_file(log);
  std::this_thread::sleep_for(milliseconds(100));
  proxies.cut_all();
  int exit_code = -1;
  ASSERT_TRUE(wait_until([&] { return (exit_code = cutover.poll()) >= 0; }, 90)) << read_file(log);
  EXPECT_GT(proxies.source_proxy.cuts() + proxies.target_proxy.cuts(), 0)
      << "the cut found no connection";
  std::cerr << "cutover after the cut: exit " << exit_code << ", state "
            << cutover_state(setup.target) << "\n";
  if (exit_code != 0) {
    EXPECT_EQ(exit_code, 3) << read_file(log);
    std::string state = cutover_state(setup.target);
    if (state == "switching") {
      // The switch was made but could not be recorded: the source must stay frozen (the
      // application may already write to the target) until the rerun completes the switch.
      EXPECT_TRUE(app_role_frozen(setup)) << read_file(log);
    } else if (state != "switched") {
      // Stopped: its freeze is lifted and the application writes again.
      EXPECT_TRUE(wait_until([&] { return !app_role_frozen(setup); }, 30)) << read_file(log);
      auto before = writer.committed().size();
      EXPECT_TRUE(wait_until([&] { return writer.committed().size() > before + 5; }, 20))
          << "the application cannot write after the failed cutover";
    }
    auto again = run_pgshift(cutover_args(far));
    ASSERT_EQ(again.exit_code, 0) << again.err;
  }
  std::this_thread::sleep_for(milliseconds(200));
  writer.stop();
  EXPECT_EQ(orders_missing(setup.target, writer.committed()), "0");
  expect_target_equals_source(setup);
  EXPECT_EQ(phase(setup.target), "done");
  EXPECT_EQ(cutover_state(setup.target), "switched");
}

// The network cuts every connection while the switch hook runs: the switch is made, so it is
// recorded on new connections and the cutover ends switched (exit 0), never undone.
TEST(Cutover, ConnectionsCutDuringTheSwitchHookStillRecordTheSwitch) {
  Databases setup = make_source("cut_wire_hook");
  SlotCleanup cleanup{setup.source, setup.target};
  Background sync{spawn_pgshift(sync_args(setup), "/tmp/cutover-cut-switch-sync.err")};
  wait_streaming(sync, setup);
  ThroughProxies proxies(setup);
  const Databases& far = proxies.far;
  std::string marker = "/tmp/cutover-cut-switch-" + std::to_string(getpid()) + ".hook";
  std::remove(marker.c_str());
  std::string log = "/tmp/cutover-cut-switch-" + std::to_string(getpid()) + ".err";
  Background cutover{
      spawn_pgshift(cutover_args(far, {"--switch-hook", "touch " + marker + "; sleep 1"}), log)};
  ASSERT_TRUE(wait_until([&] { return std::ifstream(marker).good() || cutover.poll() >= 0; }, 60))
      << read_file(log);
  proxies.cut_all();
  int exit_code = -1;
  ASSERT_TRUE(wait_until([&] { return (exit_code = cutover.poll()) >= 0; }, 90)) << read_file(log);
  EXPECT_GT(proxies.target_proxy.cuts(), 0) << "the cut found no connection";
  EXPECT_EQ(exit_code, 0) << read_file(log);
  EXPECT_EQ(cutover_state(setup.target), "switched") << read_file(log);
  EXPECT_EQ(phase(setup.target), "done");
  EXPECT_EQ(scalar(setup.app_uri, "SHOW default_transaction_read_only"), "on")
      << "the old source must stay read-only after the switch";
  // The stream's slot is dropped on a new source session (the cut killed the old one).
  EXPECT_EQ(scalar(setup.source,
                   "SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE "
                   "'pgshift_%' AND database = current_database()"),
            "0")
      << read_file(log);
  expect_target_equals_source(setup);
  std::remove(marker.c_str());
}

// A cutover with --reverse, writes on the new primary, then `pgshift rollback`: the old source
// ends equal to the target, takes the application's writes again, and its sequences are ahead.
TEST(Cutover, RollbackAfterReverseBringsTheTargetsWritesBack) {
  Databases setup = make_source("cut_back");
  SlotCleanup cleanup{setup.source, setup.target};
  SlotCleanup reverse_cleanup{setup.target, setup.source};
  // The application's role on the target too (roles are per cluster; pgshift copies no grants).
  exec(setup.target, "DROP ROLE IF EXISTS " + setup.role + "; CREATE ROLE " + setup.role +
                         " LOGIN PASSWORD 'app'");
  Background sync{spawn_pgshift(sync_args(setup), "/tmp/cutover-back-sync.err")};
  wait_streaming(sync, setup);
  exec(setup.target, "GRANT ALL ON ALL TABLES IN SCHEMA public TO " + setup.role +
                         "; GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO " + setup.role);
  Writer writer(setup.app_uri);
  std::this_thread::sleep_for(milliseconds(500));
  auto forward = run_pgshift(cutover_args(setup, {"--reverse"}));
  ASSERT_EQ(forward.exit_code, 0) << forward.err;
  EXPECT_NE(forward.out.find("reverse stream ready"), std::string::npos) << forward.out;
  writer.repoint(as_role(setup.target, setup.role));
  long long at_switch = std::stoll(scalar(setup.target, "SELECT count(*) FROM orders"));
  exec(setup.target, "UPDATE items SET qty = -1 WHERE shop = 2; DELETE FROM items WHERE qty = 5");
  ASSERT_TRUE(wait_until(
      [&] {
        return std::stoll(scalar(setup.target, "SELECT count(*) FROM orders")) > at_switch + 50;
      },
      20))
      << "the application does not write to the new primary";

  // The reverse sync the cutover left running keeps the old source current; rollback uses it.
  EXPECT_NE(forward.out.find("runs in the background"), std::string::npos) << forward.out;
  // A table made on the new primary since the switch is in no reverse publication: named, and
  // left out only when asked (the forward run's table selection is the one checked, not every
  // table of the new primary).
  exec(setup.target, "CREATE TABLE made_after_switch (id int PRIMARY KEY)");
  std::vector<std::string> rollback = {"rollback",   "--source",  setup.source, "--target",
                                       setup.target, "--timeout", "30s"};
  auto refused = run_pgshift(rollback);
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_NE(refused.err.find("public.made_after_switch"), std::string::npos) << refused.err;
  rollback.insert(rollback.end(), {"--exclude-table", "made_after_switch"});
  auto back = run_pgshift(rollback);
  ASSERT_EQ(back.exit_code, 0) << back.err;
  auto committed = writer.committed();
  writer.stop();
  expect_target_equals_source(setup);
  EXPECT_EQ(orders_missing(setup.source, committed), "0");
  EXPECT_EQ(scalar(setup.source, "SELECT count(*) FROM items WHERE qty = -1"),
            scalar(setup.target, "SELECT count(*) FROM items WHERE qty = -1"));
  // The old source takes the application's writes again, ahead of the target's sequence.
  EXPECT_EQ(scalar(setup.app_uri, "SHOW default_transaction_read_only"), "off");
  EXPECT_EQ(scalar(as_role(setup.target, setup.role), "SHOW default_transaction_read_only"), "on");
  EXPECT_GT(std::stoll(scalar(setup.app_uri,
                              "INSERT INTO orders (note) VALUES ('back') "
                              "RETURNING id")),
            std::stoll(scalar(setup.target, "SELECT max(id) FROM orders")));
  EXPECT_EQ(scalar(setup.target,
                   "SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE "
                   "'pgshift_%' AND database = current_database()"),
            "0");
}

}  // namespace
}  // namespace pgshift::test
