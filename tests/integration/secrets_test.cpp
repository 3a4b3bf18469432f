// A password given to pgshift shows nowhere else. Every endpoint of these tests carries one
// distinctive password (URI form, keyword/value form, percent-encoded; once as sslpassword too),
// and each command runs on its success and failure paths: plan; migrate (ok, unknown
// --include-table, wrong password, source cut mid-copy, SIGINT); verify (equal, a planted
// difference); status and status --json (of a migrate, of a live and of a stopped sync); sync
// (--endpos current, SIGINT); cutover (refused without a stream, switched with --reverse, starting
// its own sync process); rollback; cleanup. Each runs in a directory of its own (its cwd and
// TMPDIR), with --report where the command has it and --log-format json on some. Then none of
// these holds the password: stdout, stderr, every file left in that directory (reports, the
// reverse sync's log), every row of every table in the pgshift schemas, pg_stat_activity
// (application_name, query) on both servers while a sync runs, and the command line of every
// process the runs start (pg_dump and pg_restore through wrappers; the rest watched in /proc).
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "connectors/pg/schema_dump.hpp"
#include "tests/support/fault_proxy.hpp"
#include "tests/support/pg_test.hpp"

extern char** environ;

namespace pgshift::test {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// The role's password, and a second role's (with characters a URI must percent-encode).
constexpr const char* kRole = "secrets_leak";
constexpr const char* kPassword = "Xk9LeakCanary";
constexpr const char* kEncodedRole = "secrets_leak_pct";
constexpr const char* kRawEncodedPassword = "Xk9Leak/Canary@#";
constexpr const char* kEncodedPassword = "Xk9Leak%2FCanary%40%23";
constexpr const char* kWrongPassword = "Wr0ngPw7Canary";
// Any of these anywhere is a leak (halves too: a password cut in two still leaks).
const std::vector<std::string> kNeedles = {"Xk9Leak", "Canary", "Wr0ngPw7"};

// Idempotent and safe when test processes run it at the same time (ctest -j).
void create_role(const Cluster& cluster, const std::string& role, const std::string& password) {
  for (int attempt = 0;; ++attempt) {
    try {
      exec(cluster.uri("postgres"),
           "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + role +
               "') THEN CREATE ROLE " + role + " LOGIN SUPERUSER REPLICATION PASSWORD '" +
               password +
               "'; END IF; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$");
      return;
    } catch (const std::exception&) {
      if (attempt >= 5) throw;
    }
  }
}

std::string host_of(const Cluster& cluster) {
  const std::string& base = cluster.uri_base;
  auto at = base.rfind('@');
  return base.substr(at + 1, base.rfind(':') - at - 1);
}

std::string database_of(const std::string& uri) {
  return uri.substr(uri.rfind('/') + 1);
}

// The three endpoint forms, for database `database` of `cluster` (at `port`, e.g. a proxy's).
std::string uri_form(const Cluster& cluster, const std::string& database, int port = 0,
                     const std::string& password = kPassword) {
  return std::string("postgres://") + kRole + ":" + password + "@" + host_of(cluster) + ":" +
         std::to_string(port ? port : port_of(cluster)) + "/" + database;
}
std::string encoded_form(const Cluster& cluster, const std::string& database) {
  return std::string("postgresql://") + kEncodedRole + ":" + kEncodedPassword + "@" +
         host_of(cluster) + ":" + std::to_string(port_of(cluster)) + "/" + database;
}
std::string keyword_form(const Cluster& cluster, const std::string& database, int port = 0,
                         const std::string& password = kPassword) {
  return "host=" + host_of(cluster) + " port=" + std::to_string(port ? port : port_of(cluster)) +
         " dbname=" + database + " user=" + kRole + " password=" + password;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool wait_until(const std::function<bool()>& condition, int seconds) {
  auto deadline = Clock::now() + std::chrono::seconds(seconds);
  while (Clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return condition();
}

// Every row of every table of schema pgshift in `uri`, as JSON lines ("" if there is none).
std::string pgshift_schema_rows(const std::string& uri) {
  std::string text;
  for (const auto& table : query(uri,
                                 "SELECT tablename FROM pg_tables WHERE schemaname = 'pgshift' "
                                 "ORDER BY 1")) {
    for (const auto& row :
         query(uri, "SELECT row_to_json(t)::text FROM pgshift.\"" + table[0] + "\" t")) {
      text += table[0] + ": " + row[0] + "\n";
    }
  }
  return text;
}

// What the sessions of both servers show now: user, application_name and query text.
std::string server_activity() {
  std::string text;
  for (const Cluster& cluster : {source_cluster(), target_cluster()}) {
    for (const auto& row : query(cluster.uri("postgres"),
                                 "SELECT coalesce(usename, ''), coalesce(application_name, ''), "
                                 "coalesce(query, '') FROM pg_stat_activity")) {
      text += row[0] + " | " + row[1] + " | " + row[2] + "\n";
    }
  }
  return text;
}

// /proc/<pid>/cmdline with the NULs as spaces ("" once the process is gone).
std::string command_line(pid_t pid) {
  std::string text = read_text("/proc/" + std::to_string(pid) + "/cmdline");
  for (char& c : text) {
    if (c == '\0') c = ' ';
  }
  return text;
}

pid_t parent_of(pid_t pid) {
  std::string stat = read_text("/proc/" + std::to_string(pid) + "/stat");
  auto close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(stat.substr(close + 2));
  char state = 0;
  pid_t parent = 0;
  fields >> state >> parent;
  return parent;
}

// Runs pgshift in a directory of its own and watches every process: collects what must not hold
// the password, then looks for it in all of that.
class Secrets : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const Cluster& cluster : {source_cluster(), target_cluster()}) {
      create_role(cluster, kRole, kPassword);
      create_role(cluster, kEncodedRole, kRawEncodedPassword);
    }
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(::testing::TempDir()) /
           ("pgshift-secrets-" + std::to_string(getpid()) + "-" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "tmp");
    // pg_dump and pg_restore through wrappers that write down their command lines.
    fs::create_directories(dir_ / "bin");
    for (const char* tool : {"pg_dump", "pg_restore"}) {
      fs::path wrapper = dir_ / "bin" / tool;
      std::ofstream(wrapper) << "#!/bin/sh\nprintf '%s\\n' \"$0 $*\" >> '"
                             << (dir_ / "tool-command-lines.log").string() << "'\nexec '"
                             << pg::client_bin_dir() << "/" << tool << "' \"$@\"\n";
      fs::permissions(wrapper, fs::perms::owner_all);
    }
    watcher_ = std::thread([this] { watch(); });
  }

  void TearDown() override {
    stop_watching();
    for (pid_t pid : background_) {
      if (kill(pid, SIGKILL) == 0) waitpid(pid, nullptr, 0);
    }
    if (!HasFailure()) fs::remove_all(dir_);  // kept to read when the test failed
  }

  struct Run {
    int exit_code = -1;
    std::string out, err;
  };

  // Starts pgshift with cwd and TMPDIR in the test's directory, stdout and stderr in
  // <label>.out / <label>.err there.
  pid_t start(const std::string& label, const std::vector<std::string>& args,
              const std::map<std::string, std::string>& env = {}) {
    std::vector<std::string> argv = {PGSHIFT_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<std::string> environment;
    for (char** entry = environ; *entry; ++entry) {
      std::string_view text(*entry);
      if (!text.starts_with("TMPDIR=") && !text.starts_with("PGSHIFT_")) {
        environment.emplace_back(text);
      }
    }
    environment.push_back("TMPDIR=" + (dir_ / "tmp").string());
    environment.push_back("PGSHIFT_PG_BIN=" + (dir_ / "bin").string());
    for (const auto& [name, value] : env) environment.push_back(name + "=" + value);
    std::vector<char*> raw_argv, raw_env;
    for (auto& arg : argv) raw_argv.push_back(arg.data());
    raw_argv.push_back(nullptr);
    for (auto& entry : environment) raw_env.push_back(entry.data());
    raw_env.push_back(nullptr);
    std::string out = (dir_ / (label + ".out")).string();
    std::string err = (dir_ / (label + ".err")).string();
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addchdir_np(&actions, dir_.c_str());
    pid_t pid = -1;
    int failed = posix_spawn(&pid, raw_argv[0], &actions, nullptr, raw_argv.data(), raw_env.data());
    posix_spawn_file_actions_destroy(&actions);
    if (failed) throw std::runtime_error("cannot start pgshift: " + std::to_string(failed));
    std::lock_guard lock(mutex_);
    started_.insert(pid);
    background_.insert(pid);
    return pid;
  }

  // The exit code once `pid` ended within `seconds` (-1 if it did not).
  // `meanwhile` runs on each poll.
  int finish(pid_t pid, int seconds = 60, const std::function<void()>& meanwhile = {}) {
    int status = 0;
    bool ended = wait_until(
        [&] {
          if (meanwhile) meanwhile();
          return waitpid(pid, &status, WNOHANG) == pid;
        },
        seconds);
    if (!ended) return -1;
    background_.erase(pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  Run run(const std::string& label, const std::vector<std::string>& args,
          const std::map<std::string, std::string>& env = {}) {
    Run result;
    result.exit_code = finish(start(label, args, env));
    result.out = read_text(dir_ / (label + ".out"));
    result.err = read_text(dir_ / (label + ".err"));
    ++runs_;
    return result;
  }

  std::string report(const std::string& label) const { return (dir_ / (label + ".json")).string(); }

  void collect(const std::string& label, const std::string& text) {
    std::lock_guard lock(mutex_);
    texts_.emplace_back(label, text);
  }

  std::vector<std::string> child_command_lines() {
    std::lock_guard lock(mutex_);
    std::vector<std::string> lines;
    for (const auto& [pid, line] : children_) lines.push_back(line);
    return lines;
  }

  // The password in nothing collected, no file in the test's directory, no command line.
  void expect_nothing_leaked() {
    stop_watching();
    std::vector<std::pair<std::string, std::string>> texts = texts_;
    int files = 0;
    for (const auto& entry : fs::recursive_directory_iterator(dir_)) {
      if (!entry.is_regular_file()) continue;
      texts.emplace_back(entry.path().filename().string(), read_text(entry.path()));
      ++files;
    }
    for (const auto& [pid, line] : children_) {
      texts.emplace_back("command line of child " + std::to_string(pid), line);
    }
    for (const auto& line : leaked_command_lines_) texts.emplace_back("command line", line);
    EXPECT_GE(files, 2 * runs_) << "the runs' outputs were not all captured";
    for (const auto& [label, text] : texts) {
      for (const auto& needle : kNeedles) {
        auto at = text.find(needle);
        if (at == std::string::npos) continue;
        auto from = at < 200 ? 0 : at - 200;
        ADD_FAILURE() << "password (\"" << needle << "\") leaked in " << label << ":\n"
                      << text.substr(from, 400);
      }
    }
  }

  fs::path dir_;
  int runs_ = 0;

 private:
  // Every 20 ms: the command line of each process the runs started (and of their children),
  // and of any process holding a needle that the test did not start itself (the test puts the
  // password on its own children's command lines, as a user would).
  void watch() {
    while (!stopping_) {
      DIR* proc = opendir("/proc");
      if (!proc) return;
      while (dirent* entry = readdir(proc)) {
        pid_t pid = std::atoi(entry->d_name);
        if (pid <= 0) continue;
        pid_t parent = parent_of(pid);
        std::lock_guard lock(mutex_);
        bool ours = started_.count(parent) > 0;
        // A process the test started itself carries the password on purpose, whatever its
        // parent looks like (pids are reused).
        if (started_.count(pid) > 0) continue;
        if (parent == getpid() || (!ours && !mentions_needle(pid))) continue;
        std::string line = command_line(pid);
        if (line.empty()) continue;
        if (ours) {
          // Forked but not yet exec'd: still the parent's own command line, which the test wrote.
          // The next poll sees what it execs.
          if (line == command_line(parent)) continue;
          children_.emplace(pid, line);
        } else if (mentions_needle(pid) && descends_from_test(pid, line)) {
          leaked_command_lines_.insert(line);
        }
      }
      closedir(proc);
      std::this_thread::sleep_for(milliseconds(20));
    }
  }

  static bool mentions_needle(pid_t pid) {
    std::string line = command_line(pid);
    for (const auto& needle : kNeedles) {
      if (line.find(needle) != std::string::npos) return true;
    }
    return false;
  }

  // A descendant of this test, or a pgshift started by one (the reverse sync outlives its parent).
  static bool descends_from_test(pid_t pid, const std::string& line) {
    if (line.starts_with("pgshift ")) return true;
    for (int depth = 0; pid > 1 && depth < 64; ++depth) {
      pid = parent_of(pid);
      if (pid == getpid()) return true;
    }
    return false;
  }

  void stop_watching() {
    stopping_ = true;
    if (watcher_.joinable()) watcher_.join();
  }

  std::mutex mutex_;
  std::set<pid_t> started_, background_;
  std::map<pid_t, std::string> children_;
  std::set<std::string> leaked_command_lines_;
  std::vector<std::pair<std::string, std::string>> texts_;
  std::atomic<bool> stopping_{false};
  std::thread watcher_;
};

// About 4 MB in `items`: at --chunk-size 1 a few chunks, so a cut or a signal lands mid-copy.
constexpr const char* kData =
    "CREATE TABLE items (id int PRIMARY KEY, payload text);"
    "INSERT INTO items SELECT i, repeat(md5(i::text), 4) FROM generate_series(1, 30000) i;"
    "CREATE TABLE notes (id serial PRIMARY KEY, body text);"
    "INSERT INTO notes (body) SELECT 'note ' || i FROM generate_series(1, 100) i;"
    "ANALYZE";

int done_chunks(const std::string& target) {
  try {
    return std::stoi(scalar(target, "SELECT count(*) FROM pgshift.chunks WHERE state = 'done'"));
  } catch (const std::exception&) {
    return 0;
  }
}

TEST_F(Secrets, MigrateVerifyStatusAndTheirFailures) {
  std::string source_db = database_of(fresh_database(source_cluster(), "secrets_src"));
  std::string target_uri = fresh_database(target_cluster(), "secrets_dst");
  std::string target_db = database_of(target_uri);
  exec(source_cluster().uri(source_db), kData);
  std::string source = uri_form(source_cluster(), source_db);
  std::string source_encoded = encoded_form(source_cluster(), source_db);
  std::string target = keyword_form(target_cluster(), target_db);
  std::vector<std::string> both = {"--source", source, "--target", target};
  auto with = [](std::vector<std::string> args, const std::vector<std::string>& extra) {
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };

  auto plan = run("plan", with({"plan", "--report", report("plan")}, both));
  EXPECT_EQ(plan.exit_code, 0) << plan.err;
  auto unknown = run("migrate-unknown-table", with({"migrate", "--include-table", "public.nosuch",
                                                    "--report", report("migrate-unknown-table")},
                                                   both));
  EXPECT_EQ(unknown.exit_code, 2) << unknown.err;
  auto wrong =
      run("migrate-wrong-password", {"migrate", "--source", source, "--target",
                                     keyword_form(target_cluster(), target_db, 0, kWrongPassword),
                                     "--report", report("migrate-wrong-password")});
  EXPECT_EQ(wrong.exit_code, 2) << wrong.err;
  EXPECT_NE(wrong.err.find("password authentication failed"), std::string::npos) << wrong.err;

  // The client key's password is a secret too (unused without TLS, but handed to pg_dump).
  std::string source_with_key_password =
      source_encoded + "?sslpassword=" + kEncodedPassword + "&sslmode=disable";
  auto migrate = run(
      "migrate", {"migrate", "--source", source_with_key_password, "--target", target, "--jobs",
                  "2", "--chunk-size", "1", "--log-format", "json", "--report", report("migrate")});
  ASSERT_EQ(migrate.exit_code, 0) << migrate.err;
  auto equal = run("verify", with({"verify", "--report", report("verify")}, both));
  EXPECT_EQ(equal.exit_code, 0) << equal.err;
  exec(target_uri, "UPDATE items SET payload = 'planted' WHERE id = 7");
  auto differs = run("verify-differs", with({"verify", "--chunk-size", "1", "--log-format", "json",
                                             "--report", report("verify-differs")},
                                            both));
  EXPECT_EQ(differs.exit_code, 1) << differs.err;
  EXPECT_NE(differs.out.find("DIFFERENT"), std::string::npos) << differs.out;
  EXPECT_EQ(run("status", {"status", "--target", target, "--source", source}).exit_code, 0);
  EXPECT_EQ(run("status-json", {"status", "--json"},
                {{"PGSHIFT_TARGET", target}, {"PGSHIFT_SOURCE", source_encoded}})
                .exit_code,
            0);
  auto no_stream =
      run("cutover-no-stream",
          with({"cutover", "--timeout", "5s", "--report", report("cutover-no-stream")}, both));
  EXPECT_EQ(no_stream.exit_code, 2) << no_stream.err;

  // A copy through a throttled proxy in front of the source (so that it lasts), with a chunk
  // done: a signal or a failure now lands mid-copy.
  auto start_slow_copy = [&](const std::string& label, FaultProxy& proxy,
                             const std::string& source_endpoint, const std::string& target_uri,
                             const std::string& target_endpoint) {
    pid_t pid =
        start(label, {"migrate", "--source", source_endpoint, "--target", target_endpoint, "--jobs",
                      "1", "--chunk-size", "1", "--retries", "1", "--report", report(label)});
    EXPECT_TRUE(wait_until([&] { return done_chunks(target_uri) > 0; }, 30)) << label;
    ++runs_;
    return pid;
  };
  FaultProxyOptions slow{.bytes_per_second = 1 << 20};

  // The source goes away mid-copy (the proxy cuts every connection, new ones too): exit 3 once
  // the retry fails too; status then tells how to resume.
  {
    std::string cut_target_uri = fresh_database(target_cluster(), "secrets_cut");
    std::string cut_target = uri_form(target_cluster(), database_of(cut_target_uri));
    FaultProxy proxy(port_of(source_cluster()), slow);
    pid_t pid = start_slow_copy("migrate-cut", proxy,
                                keyword_form(source_cluster(), source_db, proxy.port()),
                                cut_target_uri, cut_target);
    int code = finish(pid, 60, [&] { proxy.cut_all(); });
    EXPECT_TRUE(code == 3 || code == 0) << code << read_text(dir_ / "migrate-cut.err");
    auto status = run("status-cut", {"status", "--target", cut_target});
    EXPECT_NE(status.out.find("resume with the same command"), std::string::npos) << status.out;
    EXPECT_EQ(run("status-cut-json", {"status", "--json", "--target", cut_target}).exit_code, 0);
    collect("pgshift schema after the cut", pgshift_schema_rows(cut_target_uri));
  }

  // SIGINT mid-copy: exit 130, the report written.
  {
    std::string int_target_uri = fresh_database(target_cluster(), "secrets_int");
    std::string int_target = keyword_form(target_cluster(), database_of(int_target_uri));
    FaultProxy proxy(port_of(source_cluster()), slow);
    pid_t pid = start_slow_copy("migrate-sigint", proxy,
                                uri_form(source_cluster(), source_db, proxy.port()), int_target_uri,
                                int_target);
    kill(pid, SIGINT);
    EXPECT_EQ(finish(pid), 130);
    EXPECT_NE(read_text(report("migrate-sigint")).find("interrupted"), std::string::npos);
    auto status = run("status-sigint", {"status", "--target", int_target});
    EXPECT_NE(status.out.find("resume with the same command"), std::string::npos) << status.out;
    EXPECT_EQ(run("status-sigint-json", {"status", "--json", "--target", int_target}).exit_code, 0);
    collect("pgshift schema after SIGINT", pgshift_schema_rows(int_target_uri));
  }

  collect("pgshift schema of the migrate", pgshift_schema_rows(target_uri));
  auto cleanup = run("cleanup", {"cleanup", "--target", target, "--source", source});
  EXPECT_EQ(cleanup.exit_code, 0) << cleanup.err;
  expect_nothing_leaked();
  EXPECT_NE(read_text(dir_ / "tool-command-lines.log").find("--dbname="), std::string::npos)
      << "pg_dump's command line was not seen";
}

std::string sync_phase(const std::string& target) {
  try {
    return scalar(target, "SELECT phase FROM pgshift.sync");
  } catch (const std::exception&) {
    return "none";
  }
}

// Whether a process of this user with that id runs (the reverse sync, which is no child of ours).
bool running(pid_t pid) {
  return pid > 0 && kill(pid, 0) == 0 &&
         read_text("/proc/" + std::to_string(pid) + "/stat").find(") Z") == std::string::npos;
}

// The replication slots of both directions, whatever the test reached.
struct SlotCleanup {
  std::string source, target;
  ~SlotCleanup() {
    run_pgshift({"cleanup", "--source", source, "--target", target, "--quiet"});
    run_pgshift({"cleanup", "--source", target, "--target", source, "--quiet"});
  }
};

TEST_F(Secrets, SyncCutoverRollbackAndStatus) {
  std::string source_uri = fresh_database(source_cluster(), "secrets_sync_src");
  std::string target_uri = fresh_database(target_cluster(), "secrets_sync_dst");
  SlotCleanup slots{source_uri, target_uri};
  exec(source_uri,
       "CREATE TABLE orders (id bigserial PRIMARY KEY, note text);"
       "INSERT INTO orders (note) SELECT 'seed' || i FROM generate_series(1, 2000) i");
  std::string source = encoded_form(source_cluster(), database_of(source_uri));
  std::string target = keyword_form(target_cluster(), database_of(target_uri));
  std::vector<std::string> both = {"--source", source, "--target", target};
  auto with = [&both](std::vector<std::string> args) {
    args.insert(args.end(), both.begin(), both.end());
    return args;
  };

  auto first =
      run("sync-endpos", with({"sync", "--endpos", "current", "--jobs", "2", "--log-format", "json",
                               "--report", report("sync-endpos")}));
  ASSERT_EQ(first.exit_code, 0) << first.err;

  // A sync that follows the stream: what the servers show of its sessions, and status, live.
  pid_t sync = start("sync-sigint", with({"sync", "--report", report("sync-sigint")}));
  ASSERT_TRUE(wait_until([&] { return sync_phase(target_uri) == "streaming"; }, 30))
      << read_text(dir_ / "sync-sigint.err");
  exec(source_uri, "INSERT INTO orders (note) SELECT 'live' FROM generate_series(1, 100)");
  ASSERT_TRUE(wait_until(
      [&] { return table_digest(source_uri, "orders") == table_digest(target_uri, "orders"); },
      30));
  std::string activity = server_activity();
  EXPECT_NE(activity.find(std::string(kEncodedRole) + " | pgshift"), std::string::npos)
      << "pgshift's sessions are not in pg_stat_activity:\n"
      << activity;
  collect("pg_stat_activity during sync", activity);
  EXPECT_EQ(run("status-live", with({"status"})).exit_code, 0);
  EXPECT_EQ(run("status-live-json", with({"status", "--json"})).exit_code, 0);
  kill(sync, SIGINT);
  EXPECT_EQ(finish(sync), 130);
  ++runs_;
  auto stopped = run("status-stopped", with({"status"}));
  EXPECT_NE(stopped.out.find("resume with the same command: pgshift sync"), std::string::npos)
      << stopped.out;
  EXPECT_EQ(run("status-stopped-json", with({"status", "--json"})).exit_code, 0);

  // No sync runs: cutover starts one (its command line is watched), switches, and leaves the
  // reverse sync running with its log in the cwd; rollback switches back.
  auto cutover = run("cutover", with({"cutover", "--reverse", "--timeout", "30s", "--log-format",
                                      "json", "--report", report("cutover")}));
  ASSERT_EQ(cutover.exit_code, 0) << cutover.err;
  bool saw_sync = false;
  for (const auto& line : child_command_lines()) {
    saw_sync = saw_sync || line.find("pgshift sync") != std::string::npos;
  }
  EXPECT_TRUE(saw_sync) << "the sync process cutover starts was not seen";
  std::string cutover_report = read_text(report("cutover"));
  auto at = cutover_report.find("\"reverse_sync_pid\":");
  ASSERT_NE(at, std::string::npos) << cutover_report;
  pid_t reverse_sync = std::atoi(cutover_report.c_str() + at + 19);
  auto back =
      run("rollback", with({"rollback", "--timeout", "30s", "--report", report("rollback")}));
  EXPECT_EQ(back.exit_code, 0) << back.err;
  EXPECT_TRUE(wait_until([&] { return !running(reverse_sync); }, 20))
      << "the reverse sync did not end after the rollback";
  EXPECT_TRUE(fs::exists(dir_ / "pgshift-reverse-sync.log"));
  EXPECT_EQ(run("status-after", with({"status"})).exit_code, 0);
  // The old source holds the reverse stream's state but no run: refused, naming no password.
  auto reverse_status =
      run("status-reverse-json", {"status", "--json", "--source", target, "--target", source});
  EXPECT_EQ(reverse_status.exit_code, 2) << reverse_status.err;

  collect("pgshift schema in the target", pgshift_schema_rows(target_uri));
  collect("pgshift schema in the source", pgshift_schema_rows(source_uri));
  EXPECT_EQ(run("cleanup", with({"cleanup"})).exit_code, 0);
  EXPECT_EQ(run("cleanup-reverse", {"cleanup", "--source", target, "--target", source}).exit_code,
            0);
  expect_nothing_leaked();
}

}  // namespace
}  // namespace pgshift::test
