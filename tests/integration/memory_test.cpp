// Long tests (issue 18, "Memory"): the real pgshift binary as a child process, its peak RSS read
// from wait4() (ru_maxrss) and held under 256 MB, on
//   - a table ten times the demo's largest (shop.orders, ~46 MB at scale 1: 2,000,000 rows here);
//   - one 500 MiB bytea value, and one 500 MiB text value (multi-byte characters in it);
//   - a ~1 GB single-transaction change applied by `sync --endpos current`.
// Each ends with an independent comparison (count and hashes of every row, or md5 of the large
// values, computed by the servers; not pgshift's verify) and exit 0. Minutes each, so skipped
// unless PGSHIFT_LONG_TESTS=1 (tools/test.sh --long). They are the `long_tests` executable (ctest
// label `long`), beside the integration tests, on the same cluster fixture.
#include <sys/resource.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <iostream>

#include "tests/support/pg_test.hpp"

namespace pgshift::test {
namespace {

constexpr long kLimitKb = 256 * 1024;

bool long_tests_enabled() {
  const char* flag = std::getenv("PGSHIFT_LONG_TESTS");
  return flag != nullptr && std::string(flag) == "1";
}

#define SKIP_UNLESS_LONG()   \
  if (!long_tests_enabled()) \
  GTEST_SKIP() << "a long test: set PGSHIFT_LONG_TESTS=1 (tools/test.sh --long) to run it"

struct Measured {
  int exit_code = -1;
  long peak_rss_kb = 0;
  double seconds = 0;
  std::string log_path;
};

// Runs pgshift with `args` to its end; stderr goes to a log file (named in failures).
Measured run_measured(const std::string& name, const std::vector<std::string>& args) {
  Measured measured;
  measured.log_path = ::testing::TempDir() + "/memory-" + name + ".log";
  auto started = std::chrono::steady_clock::now();
  pid_t pid = spawn_pgshift(args, measured.log_path);  // stderr to the log
  int status = 0;
  rusage usage{};
  if (wait4(pid, &status, 0, &usage) != pid) throw std::runtime_error("wait4 failed");
  measured.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  measured.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  measured.peak_rss_kb = usage.ru_maxrss;  // kilobytes on Linux
  std::cout << "[memory] " << name << ": exit " << measured.exit_code << ", peak RSS "
            << measured.peak_rss_kb / 1024 << " MB, " << measured.seconds << " s\n";
  ::testing::Test::RecordProperty(name + "_peak_rss_kb", std::to_string(measured.peak_rss_kb));
  return measured;
}

void expect_within_limit(const Measured& run) {
  EXPECT_EQ(run.exit_code, 0) << "log: " << run.log_path;
  EXPECT_LT(run.peak_rss_kb, kLimitKb)
      << "peak RSS " << run.peak_rss_kb / 1024 << " MB (log: " << run.log_path << ")";
}

// Row count and the sum of a 64-bit md5 prefix of every row's text: equal on both sides iff the
// rows are (up to hash collisions), in any order, with no row text gathered in one value.
std::string rows_digest(const std::string& uri, const std::string& table) {
  return scalar(uri,
                "SELECT count(*) || ':' || COALESCE(sum(('x' || left(md5(t::text), 16))::bit(64)"
                "::bigint::numeric), 0) FROM " +
                    table + " t");
}

// For tables with values too large for a row's text: key, length and md5 of the value, per row.
std::string values_digest(const std::string& uri, const std::string& table) {
  return scalar(uri,
                "SELECT string_agg(id || ':' || COALESCE(octet_length(v) || ':' || md5(v), "
                "'null'), ',' ORDER BY id) FROM " +
                    table);
}

std::vector<std::string> migrate_args(const std::string& source, const std::string& target) {
  return {"migrate", "--source", source, "--target", target, "--jobs", "2", "--quiet"};
}

TEST(Memory, TableTenTimesTheDemosLargest) {
  SKIP_UNLESS_LONG();
  std::string source = fresh_database(source_cluster(), "mem_table_src");
  std::string target = fresh_database(target_cluster(), "mem_table_dst");
  // shop.orders of tools/demo/seed.sql (its largest table, ~46 MB at scale 1) with 10x the rows:
  // every 100th order carries ~10 kB of incompressible text (TOASTed), every 10th a short note.
  exec(
      source,
      "SET synchronous_commit = off;"
      "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL, status text NOT "
      "NULL, statuses text[] NOT NULL, placed_at timestamp NOT NULL, total numeric(14,2) NOT NULL, "
      "note text);"
      "INSERT INTO orders SELECT i, 1 + (i * 7) % 1000000,"
      " (ARRAY['pending','paid','shipped','delivered','cancelled','refunded'])[1 + i % 6],"
      " (ARRAY['pending','paid','shipped','delivered','cancelled','refunded'])[1 : 1 + i % 6],"
      " timestamp '2022-01-01' + i * interval '61 seconds', (i % 100000) / 100.0,"
      " CASE WHEN i % 100 = 0 THEN (SELECT string_agg(md5(i::text || ':' || j::text), '')"
      "                             FROM generate_series(1, 320) j)"
      "      WHEN i % 10 = 0 THEN 'leave at the door ' || i || ' — merci' END"
      " FROM generate_series(1, 2000000) i");
  ASSERT_GE(std::stoll(scalar(source, "SELECT pg_table_size('orders')")), 460LL << 20);
  auto run = run_measured("table", migrate_args(source, target));
  expect_within_limit(run);
  EXPECT_EQ(rows_digest(target, "orders"), rows_digest(source, "orders"));
}

// One 500 MiB value among small rows (and a NULL), copied and verified chunk by chunk.
void migrate_one_large_value(const std::string& name, const std::string& type,
                             const std::string& large_value_sql) {
  std::string source = fresh_database(source_cluster(), "mem_" + name + "_src");
  std::string target = fresh_database(target_cluster(), "mem_" + name + "_dst");
  exec(source,
       "SET synchronous_commit = off;"
       "CREATE TABLE big (id int PRIMARY KEY, v " +
           type + ", n int);" + "INSERT INTO big SELECT 1, (" + large_value_sql +
           "), 1;"
           "INSERT INTO big SELECT i, NULL, i FROM generate_series(2, 3) i;"
           "INSERT INTO big SELECT i, md5(i::text)::" +
           type + ", i FROM generate_series(4, 2000) i;");
  ASSERT_EQ(
      scalar(source, "SELECT octet_length(v) >= 500 * 1024 * 1024 - 64 FROM big WHERE id = 1"),
      "t");
  auto run = run_measured(name, migrate_args(source, target));
  expect_within_limit(run);
  EXPECT_EQ(values_digest(target, "big"), values_digest(source, "big"));
  EXPECT_EQ(rows_digest(target, "(SELECT id, n FROM big) "),
            rows_digest(source, "(SELECT id, n FROM big) "));
}

TEST(Memory, OneValueOf500MBInBytea) {
  SKIP_UNLESS_LONG();
  // 16 bytes of md5 per row: incompressible, so stored as 500 MiB of TOAST.
  migrate_one_large_value(
      "bytea", "bytea",
      "SELECT string_agg(decode(md5(i::text), 'hex'), ''::bytea) FROM generate_series(1, "
      "524288000 / 16) i");
}

TEST(Memory, OneValueOf500MBInText) {
  SKIP_UNLESS_LONG();
  // 34 bytes (33 characters, one of them two bytes long) per row.
  migrate_one_large_value("text", "text",
                          "SELECT string_agg(md5(i::text) || 'é', '') FROM generate_series(1, "
                          "524288000 / 34 + 1) i");
}

TEST(Memory, SyncAppliesAOneGigabyteTransaction) {
  SKIP_UNLESS_LONG();
  std::string source = fresh_database(source_cluster(), "mem_sync_src");
  std::string target = fresh_database(target_cluster(), "mem_sync_dst");
  struct SlotCleanup {
    std::string source, target;
    ~SlotCleanup() { run_pgshift({"cleanup", "--source", source, "--target", target, "--quiet"}); }
  } cleanup{source, target};
  exec(source,
       "CREATE TABLE feed (id bigint PRIMARY KEY, payload text);"
       "INSERT INTO feed SELECT i, md5(i::text) FROM generate_series(1, 1000) i");
  std::vector<std::string> sync = {"sync",   "--source", source,     "--target", target,
                                   "--jobs", "2",        "--endpos", "current",  "--quiet"};
  auto copied = run_measured("sync-copy", sync);
  expect_within_limit(copied);
  // One transaction: a million ~1 kB rows inserted (about 1 GB of row changes in the stream).
  exec(source,
       "SET synchronous_commit = off;"
       "INSERT INTO feed SELECT i, repeat(md5(i::text), 30) FROM generate_series(1001, 1001000) i");
  auto applied = run_measured("sync-apply", sync);
  expect_within_limit(applied);
  EXPECT_EQ(rows_digest(target, "feed"), rows_digest(source, "feed"));
}

}  // namespace
}  // namespace pgshift::test
