// A conninfo whose first host refuses (host=a,b port=dead,live) makes libpq open a second socket
// while connecting, usually under the same fd number: pgshift must follow it and connect at once,
// not time out after 15 s watching the closed one.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "tests/support/pg_test.hpp"

namespace pgshift::test {
namespace {

TEST(MultiHostConnect, FirstHostRefusingFallsThroughPromptly) {
  std::string source = fresh_database(source_cluster(), "multi_src");
  std::string target = fresh_database(target_cluster(), "multi_dst");
  exec(source,
       "CREATE TABLE t (id int PRIMARY KEY, v text); "
       "INSERT INTO t SELECT i, 'v' || i FROM generate_series(1, 1000) i");
  // postgres://postgres:pgshift@127.0.0.1:PORT/db -> the same server as keyword/value, second.
  std::string live_port = source.substr(source.rfind(':') + 1);
  live_port = live_port.substr(0, live_port.find('/'));
  std::string multi =
      "host=127.0.0.1,127.0.0.1 port=" + std::to_string(unused_loopback_port()) + "," + live_port +
      " user=postgres password=pgshift dbname=" + source.substr(source.rfind('/') + 1);

  auto started = std::chrono::steady_clock::now();
  auto plan = run_pgshift({"plan", "--source", multi, "--target", target, "--quiet"});
  double plan_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXPECT_EQ(plan.exit_code, 0) << plan.err;
  EXPECT_LT(plan_seconds, 10.0);

  started = std::chrono::steady_clock::now();
  auto migrate =
      run_pgshift({"migrate", "--source", multi, "--target", target, "--jobs", "2", "--quiet"});
  double migrate_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ASSERT_EQ(migrate.exit_code, 0) << migrate.err;
  EXPECT_LT(migrate_seconds, 10.0);
  EXPECT_EQ(scalar(target, "SELECT count(*) || ':' || md5(string_agg(v, ',' ORDER BY id)) FROM t"),
            scalar(source, "SELECT count(*) || ':' || md5(string_agg(v, ',' ORDER BY id)) FROM t"));
}

}  // namespace
}  // namespace pgshift::test
