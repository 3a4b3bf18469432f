#include "tests/support/plan_run.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace pgshift::test {

Plan plan(const std::string& source, const std::string& target, std::vector<std::string> extra) {
  auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string report =
      "/tmp/pgshift-plan-" + std::string(info->name()) + "-" + std::to_string(getpid()) + ".json";
  std::vector<std::string> args = {"plan",   "--source", source,     "--target", target,
                                   "--jobs", "2",        "--report", report};
  args.insert(args.end(), extra.begin(), extra.end());
  Plan result{run_pgshift(args), ""};
  std::ifstream file(report);
  std::stringstream text;
  text << file.rdbuf();
  result.json = text.str();
  std::remove(report.c_str());
  return result;
}

void expect_untouched(const std::string& target) {
  EXPECT_EQ(scalar(target,
                   "SELECT count(*) FROM pg_namespace WHERE nspname IN ('pgshift', "
                   "'pgshift_plan_probe')"),
            "0");
  EXPECT_EQ(scalar(target,
                   "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON "
                   "n.oid = c.relnamespace WHERE n.nspname = 'public'"),
            "0");
}

}  // namespace pgshift::test
