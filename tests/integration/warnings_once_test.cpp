// Nothing said twice, nothing passed through raw: each warning appears exactly once in what a user
// sees (stdout and stderr together) and once in the report's warnings, for plan and migrate, from
// a SQLite source and a PostgreSQL one; server NOTICEs ("drop cascades to ...") never reach the
// terminal.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/support/pg_test.hpp"
#include "tests/support/sqlite_app_file.hpp"

namespace pgshift::test {
namespace {

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t found = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++found;
  }
  return found;
}

std::string read_and_remove(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  std::remove(path.c_str());
  return text.str();
}

std::string report_path(const std::string& name) {
  return ::testing::TempDir() + "/" + name + "-" + std::to_string(::getpid()) + ".json";
}

// A CHECK that uses LIKE twice: its translation notes "LIKE became ILIKE" for each use.
TEST(WarningsOnce, SqliteCheckWarningOnceInPlanAndMigrate) {
  std::string source = make_app_file("pgshift_warn_once", false,
                                     "CREATE TABLE codes (id INTEGER PRIMARY KEY, "
                                     "code TEXT CHECK (code LIKE 'x%' OR code LIKE 'y%')); "
                                     "INSERT INTO codes VALUES (1, 'xa');");
  std::string target = fresh_database(target_cluster(), "warn_once_sqlite");
  const std::string warning = "LIKE became ILIKE";

  std::string plan_report = report_path("warn-once-plan");
  auto plan =
      run_pgshift({"plan", "--source", source, "--target", target, "--report", plan_report});
  ASSERT_EQ(plan.exit_code, 0) << plan.err << plan.out;
  EXPECT_EQ(count(plan.out + plan.err, warning), 1u) << plan.out << plan.err;
  auto plan_json = nlohmann::json::parse(read_and_remove(plan_report));
  EXPECT_EQ(count(plan_json["warnings"].dump(), warning), 1u) << plan_json["warnings"];

  std::string migrate_report = report_path("warn-once-migrate");
  auto migrate =
      run_pgshift({"migrate", "--source", source, "--target", target, "--report", migrate_report});
  ASSERT_EQ(migrate.exit_code, 0) << migrate.err << migrate.out;
  EXPECT_EQ(count(migrate.out + migrate.err, warning), 1u) << migrate.out << migrate.err;
  auto migrate_json = nlohmann::json::parse(read_and_remove(migrate_report));
  EXPECT_EQ(count(migrate_json["warnings"].dump(), warning), 1u) << migrate_json["warnings"];
}

// A foreign key to an excluded table is left out with a warning; --restart drops the recorded
// tables with CASCADE, on which the server sends "drop cascades to ..." NOTICEs.
TEST(WarningsOnce, PostgresWarningOnceAndNoServerNotices) {
  std::string source = fresh_database(source_cluster(), "warn_once_src");
  std::string target = fresh_database(target_cluster(), "warn_once_dst");
  exec(source,
       "CREATE TABLE parent (id int PRIMARY KEY); "
       "CREATE TABLE child (id int PRIMARY KEY, p int REFERENCES parent); "
       "CREATE TABLE other (id int PRIMARY KEY, c int REFERENCES child); "
       "CREATE VIEW child_view AS SELECT * FROM child; "
       "INSERT INTO parent VALUES (1); INSERT INTO child VALUES (1, 1); "
       "INSERT INTO other VALUES (1, 1)");
  const std::string warning = "foreign key child_p_fkey left out";
  for (bool restart : {false, true}) {
    std::string report = report_path(restart ? "warn-once-restart" : "warn-once-pg");
    std::vector<std::string> args = {"migrate",      "--source", source, "--target",
                                     target,         "--report", report, "--exclude-table",
                                     "public.parent"};
    if (restart) args.push_back("--restart");
    auto run = run_pgshift(args);
    ASSERT_EQ(run.exit_code, 0) << run.err << run.out;
    EXPECT_EQ(count(run.out + run.err, warning), 1u) << run.out << run.err;
    EXPECT_EQ(run.err.find("NOTICE"), std::string::npos) << run.err;
    EXPECT_EQ(run.err.find("drop cascades"), std::string::npos) << run.err;
    auto json = nlohmann::json::parse(read_and_remove(report));
    EXPECT_EQ(count(json["warnings"].dump(), warning), 1u) << json["warnings"];
  }
}

}  // namespace
}  // namespace pgshift::test
