// Bad input ends with one clear line naming the problem, the documented exit status, no password
// in any output, and nothing written to the target.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "tests/support/pg_test.hpp"

namespace pgshift::test {
namespace {

// A role whose password cannot be confused with anything else in the output.
constexpr const char* kSecret = "Zq7SecretPw";

std::string as_tester(std::string uri, const std::string& password = kSecret) {
  auto at = uri.find("postgres:pgshift@");
  return uri.replace(at, 16, "tester:" + password);
}

// Idempotent and safe when test processes run it at the same time (ctest -j).
void create_tester(const Cluster& cluster) {
  for (int attempt = 0;; ++attempt) {
    try {
      exec(cluster.uri("postgres"),
           "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tester') THEN "
           "CREATE ROLE tester LOGIN SUPERUSER PASSWORD 'Zq7SecretPw'; END IF; "
           "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$");
      return;
    } catch (const std::exception&) {
      if (attempt >= 5) throw;
    }
  }
}

void expect_clean_failure(const RunResult& run, int exit_code, const std::string& needle,
                          const std::string& secret) {
  EXPECT_EQ(run.exit_code, exit_code) << run.err;
  EXPECT_NE(run.err.find(needle), std::string::npos) << run.err;
  EXPECT_EQ(run.err.find(secret), std::string::npos) << "password leaked: " << run.err;
  EXPECT_EQ(run.out.find(secret), std::string::npos) << "password leaked: " << run.out;
  // One error line.
  std::size_t error_lines = 0;
  for (std::size_t at = run.err.find("pgshift: "); at != std::string::npos;
       at = run.err.find("pgshift: ", at + 1)) {
    ++error_lines;
  }
  EXPECT_EQ(error_lines, 1u) << run.err;
}

class BadInput : public ::testing::Test {
 protected:
  void SetUp() override {
    create_tester(source_cluster());
    create_tester(target_cluster());
    source = as_tester(fresh_database(source_cluster(), "bad_src"));
    target = as_tester(fresh_database(target_cluster(), "bad_dst"));
    exec(source, "CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1)");
  }
  std::string source, target;
};

TEST_F(BadInput, WrongPassword) {
  std::string secret = "Wr0ngSecret";
  std::string wrong = source;
  wrong.replace(wrong.find(kSecret), std::string(kSecret).size(), secret);
  auto run = run_pgshift({"migrate", "--source", wrong, "--target", target});
  expect_clean_failure(run, 2, "password authentication failed", secret);
}

TEST_F(BadInput, MissingDatabase) {
  auto run = run_pgshift(
      {"migrate", "--source", source, "--target", as_tester(target_cluster().uri("no_such_db"))});
  expect_clean_failure(run, 2, "\"no_such_db\" does not exist", kSecret);
}

TEST_F(BadInput, UnreachableHost) {
  auto run = run_pgshift(
      {"migrate", "--source", "postgres://postgres:TopSecret1@127.0.0.1:1/db", "--target", target});
  expect_clean_failure(run, 2, "127.0.0.1:1", "TopSecret1");
}

TEST_F(BadInput, MalformedUrl) {
  auto run = run_pgshift(
      {"migrate", "--source", "postgres://user:Sec%zzret@host:notaport/db", "--target", target});
  expect_clean_failure(run, 2, "malformed source connection string", "Sec%zzret");
}

TEST_F(BadInput, UnacceptedEndpointFormsNameTheAcceptedOnes) {
  for (std::string wrong : {std::string("mysql://tester:") + kSecret + "@host/db",
                            std::string("postgres//tester:") + kSecret + "@host/db"}) {
    auto run = run_pgshift({"migrate", "--source", wrong, "--target", target});
    expect_clean_failure(run, 2, "postgres:// or postgresql:// URI", kSecret);
    EXPECT_EQ(run.err.find("missing \"=\""), std::string::npos) << run.err;
  }
  // The file only has to exist: the endpoint is refused before it is opened.
  std::string file = std::filesystem::path(::testing::TempDir() + "/bare-path-" +
                                           std::to_string(::getpid()) + ".db")
                         .lexically_normal()
                         .string();
  { std::ofstream(file) << "SQLite format 3"; }
  auto run = run_pgshift({"plan", "--source", file, "--target", target});
  expect_clean_failure(run, 2, "sqlite://" + file, kSecret);
  std::remove(file.c_str());
}

TEST_F(BadInput, MissingEndpointAndEnvironmentFallback) {
  auto missing = run_pgshift({"migrate", "--target", target});
  expect_clean_failure(missing, 2, "no source endpoint", kSecret);
  auto from_env =
      run_pgshift({"migrate", "--quiet"}, {{"PGSHIFT_SOURCE", source}, {"PGSHIFT_TARGET", target}});
  EXPECT_EQ(from_env.exit_code, 0) << from_env.err;
  EXPECT_EQ(scalar(target, "SELECT count(*) FROM t"), "1");
}

TEST_F(BadInput, NonEmptyTargetIsRefusedAndLeftUntouched) {
  exec(target, "CREATE TABLE mine (x int); INSERT INTO mine VALUES (7)");
  auto run = run_pgshift({"migrate", "--source", source, "--target", target});
  expect_clean_failure(run, 2, "target is not empty: table public.mine", kSecret);
  EXPECT_EQ(scalar(target,
                   "SELECT to_regclass('pgshift.run') IS NULL AND "
                   "to_regclass('public.t') IS NULL"),
            "t");
}

TEST_F(BadInput, IncludePatternMatchingNoTableIsRefusedByEveryCommand) {
  for (const char* command : {"migrate", "verify", "plan"}) {
    auto run = run_pgshift(
        {command, "--source", source, "--target", target, "--include-table", "public.tt"});
    expect_clean_failure(run, 2, "--include-table public.tt matches no table", kSecret);
  }
  EXPECT_EQ(scalar(target,
                   "SELECT to_regclass('pgshift.run') IS NULL AND "
                   "to_regclass('public.t') IS NULL"),
            "t");
}

TEST_F(BadInput, UnknownOptionAndCommand) {
  EXPECT_EQ(run_pgshift({"migrate", "--frobnicate"}).exit_code, 2);
  EXPECT_EQ(run_pgshift({"teleport"}).exit_code, 2);
  auto help = run_pgshift({"migrate", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--jobs"), std::string::npos);
}

}  // namespace
}  // namespace pgshift::test
