// Materialized views: pg_dump's schema creates them WITH NO DATA, so migrate refreshes on the
// target the ones populated in the source (one built on another, directly or through a view,
// after it), leaves the unpopulated ones so, records each refresh for a rerun, and verify compares
// their rows. Checked with plain SQL on both sides (no pgshift code).
#include <gtest/gtest.h>

#include <sstream>

#include "tests/support/pg_test.hpp"

namespace pgshift::test {
namespace {

constexpr const char* kSchema = R"SQL(
CREATE TABLE sales (id int PRIMARY KEY, region text NOT NULL, amount numeric(10, 2) NOT NULL);
INSERT INTO sales SELECT i, 'region ' || (i % 7), (i % 100) * 1.5 FROM generate_series(1, 5000) i;
CREATE MATERIALIZED VIEW region_totals AS
  SELECT region, sum(amount) AS total, count(*) AS n FROM sales GROUP BY region;
CREATE UNIQUE INDEX region_totals_region ON region_totals (region);
-- Built on region_totals through a plain view, and named to sort before it.
CREATE VIEW big_regions AS SELECT region, total FROM region_totals WHERE n >= 714;
CREATE MATERIALIZED VIEW "Top ""Regions""" AS
  SELECT region, total FROM big_regions ORDER BY total DESC, region LIMIT 3;
-- Built on region_totals directly, also sorting before it.
CREATE MATERIALIZED VIEW a_rank AS
  SELECT region, rank() OVER (ORDER BY total, region) AS place FROM region_totals;
CREATE MATERIALIZED VIEW later AS SELECT count(*) AS n FROM sales WITH NO DATA;
-- Populated, over one emptied after it was built: the target must fill region_names to refresh
-- region_count, then empty it again.
CREATE MATERIALIZED VIEW region_names AS SELECT DISTINCT region FROM sales;
CREATE MATERIALIZED VIEW region_count AS SELECT count(*) AS n FROM region_names;
REFRESH MATERIALIZED VIEW region_names WITH NO DATA;
)SQL";

std::string contents(const std::string& uri, const std::string& relation) {
  return scalar(uri,
                "SELECT count(*) || ':' || md5(string_agg(t::text, '|' ORDER BY t::text)) "
                "FROM " +
                    relation + " t");
}

std::string populated(const std::string& uri) {
  return scalar(
      uri,
      "SELECT string_agg(relname || '=' || relispopulated, ',' ORDER BY relname COLLATE \"C\") "
      "FROM pg_class WHERE relkind = 'm'");
}

// The summary line of one relation in pgshift's human report.
std::string report_line(const std::string& out, const std::string& name) {
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(name + " ", 0) == 0) return line;
  }
  return "(no line for " + name + ")";
}

TEST(Matviews, PopulatedOnesArriveInDependencyOrderAndVerifyComparesThem) {
  std::string source = fresh_database(source_cluster(), "matview_src");
  std::string target = fresh_database(target_cluster(), "matview_dst");
  exec(source, kSchema);
  auto run = run_pgshift({"migrate", "--source", source, "--target", target, "--quiet"});
  ASSERT_EQ(run.exit_code, 0) << run.err << run.out;

  EXPECT_EQ(populated(target), populated(source));
  ASSERT_EQ(populated(target),
            "Top \"Regions\"=true,a_rank=true,later=false,region_count=true,region_names=false,"
            "region_totals=true");
  for (const std::string relation :
       {"region_totals", "\"Top \"\"Regions\"\"\"", "a_rank", "region_count"}) {
    EXPECT_EQ(contents(target, relation), contents(source, relation)) << relation;
  }
  EXPECT_EQ(scalar(target, "SELECT n FROM region_totals WHERE region = 'region 3'"), "714");
  EXPECT_EQ(scalar(target,
                   "SELECT string_agg(name, ',' ORDER BY name COLLATE \"C\") FROM pgshift.steps "
                   "WHERE name LIKE 'matview %' AND done"),
            "matview public.\"Top \"\"Regions\"\"\",matview public.a_rank,"
            "matview public.region_count,matview public.region_names,matview public.region_totals");

  auto verified = run_pgshift({"verify", "--source", source, "--target", target});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  EXPECT_NE(report_line(verified.out, "public.region_totals").find(" ok"), std::string::npos)
      << verified.out;

  // Different rows in one materialized view of the target, its base table equal again.
  exec(target,
       "UPDATE sales SET amount = amount + 1000 WHERE id = 1; "
       "REFRESH MATERIALIZED VIEW region_totals; "
       "UPDATE sales SET amount = amount - 1000 WHERE id = 1");
  auto differs = run_pgshift({"verify", "--source", source, "--target", target});
  EXPECT_EQ(differs.exit_code, 1) << differs.out << differs.err;
  EXPECT_NE(report_line(differs.out, "public.region_totals").find("DIFFERENT"), std::string::npos)
      << differs.out;
  EXPECT_NE(report_line(differs.out, "public.sales").find(" ok"), std::string::npos) << differs.out;
  EXPECT_NE(report_line(differs.out, "public.a_rank").find(" ok"), std::string::npos)
      << differs.out;

  // A view populated on one side only is a difference too.
  exec(target, "REFRESH MATERIALIZED VIEW region_totals; REFRESH MATERIALIZED VIEW later");
  auto extra = run_pgshift({"verify", "--source", source, "--target", target});
  EXPECT_EQ(extra.exit_code, 1) << extra.out << extra.err;
  EXPECT_NE(report_line(extra.out, "public.later").find("DIFFERENT"), std::string::npos)
      << extra.out;
}

// A rerun after a crash between two refreshes refreshes only the ones left.
TEST(Matviews, RerunAfterACrashRefreshesTheRest) {
  std::string source = fresh_database(source_cluster(), "matview_rerun_src");
  std::string target = fresh_database(target_cluster(), "matview_rerun_dst");
  exec(source, kSchema);
  ASSERT_EQ(run_pgshift({"migrate", "--source", source, "--target", target, "--quiet"}).exit_code,
            0);
  std::string first_refresh = scalar(target,
                                     "SELECT finished_at FROM pgshift.steps WHERE name = 'matview "
                                     "public.region_totals'");
  // The state a crash after region_totals' refresh and before a_rank's leaves.
  exec(target,
       "REFRESH MATERIALIZED VIEW a_rank WITH NO DATA; "
       "DELETE FROM pgshift.steps WHERE name = 'matview public.a_rank'; "
       "UPDATE pgshift.steps SET done = false WHERE name IN ('matviews', 'analyze'); "
       "UPDATE pgshift.run SET phase = 'finalize'");
  auto again = run_pgshift({"migrate", "--source", source, "--target", target, "--quiet"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(populated(target), populated(source));
  EXPECT_EQ(contents(target, "a_rank"), contents(source, "a_rank"));
  EXPECT_EQ(scalar(target,
                   "SELECT finished_at FROM pgshift.steps WHERE name = 'matview "
                   "public.region_totals'"),
            first_refresh)
      << "refreshed again";
  EXPECT_EQ(scalar(target, "SELECT done FROM pgshift.steps WHERE name = 'matview public.a_rank'"),
            "t");
  EXPECT_EQ(scalar(target, "SELECT phase FROM pgshift.run"), "done");
}

}  // namespace
}  // namespace pgshift::test
