// The Prometheus text builder: grouping by name, escaping, value formats, name sanitizing.
#include "engine/observe/metrics_text.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

#include "engine/observe/metric_names.hpp"

namespace pgshift {
namespace {

// The page holding one gauge of value 1.
std::string one_gauge(std::string_view name, std::string_view help,
                      const MetricLabels& labels = {}) {
  return MetricsText().gauge(name, help, 1, labels).str();
}

TEST(MetricsTextTest, EmptyPageIsEmpty) {
  EXPECT_EQ(MetricsText().str(), "");
}

TEST(MetricsTextTest, GaugeAndCounterWithHelpAndType) {
  MetricsText page;
  page.gauge("pgshift_lag_bytes", "Bytes behind.", 1024)
      .counter("pgshift_changes_applied_total", "Changes applied.", std::uint64_t{7});
  EXPECT_EQ(page.str(),
            "# HELP pgshift_lag_bytes Bytes behind.\n"
            "# TYPE pgshift_lag_bytes gauge\n"
            "pgshift_lag_bytes 1024\n"
            "# HELP pgshift_changes_applied_total Changes applied.\n"
            "# TYPE pgshift_changes_applied_total counter\n"
            "pgshift_changes_applied_total 7\n");
}

TEST(MetricsTextTest, SamplesOfOneNameShareOneHeaderInFirstSeenOrder) {
  MetricsText page;
  page.counter("rows_total", "Rows.", 1, {{"table", "a"}})
      .gauge("other", "Other.", 0)
      .counter("rows_total", "ignored: the first help wins", 2, {{"table", "b"}});
  EXPECT_EQ(page.str(),
            "# HELP rows_total Rows.\n"
            "# TYPE rows_total counter\n"
            "rows_total{table=\"a\"} 1\n"
            "rows_total{table=\"b\"} 2\n"
            "# HELP other Other.\n"
            "# TYPE other gauge\n"
            "other 0\n");
}

TEST(MetricsTextTest, LabelsAreWrittenInOrderAndEscaped) {
  EXPECT_EQ(one_gauge("g", "h", {{"table", "public.\"odd\\name\"\nx"}, {"phase", "copy"}}),
            "# HELP g h\n# TYPE g gauge\n"
            "g{table=\"public.\\\"odd\\\\name\\\"\\nx\",phase=\"copy\"} 1\n");
}

TEST(MetricsTextTest, HelpEscapesBackslashAndNewlineButNotQuotes) {
  EXPECT_EQ(escape_metric_help("a \"b\" c\\d\ne"), "a \"b\" c\\\\d\\ne");
  EXPECT_EQ(escape_label_value("a \"b\" c\\d\ne"), "a \\\"b\\\" c\\\\d\\ne");
  EXPECT_EQ(one_gauge("g", "line one\nline \\two"),
            "# HELP g line one\\nline \\\\two\n# TYPE g gauge\ng 1\n");
}

TEST(MetricsTextTest, ValuesIntegersExactDoublesShortestSpecials) {
  auto value = [](MetricValue v) { return v.text(); };
  EXPECT_EQ(value(0), "0");
  EXPECT_EQ(value(-3), "-3");
  EXPECT_EQ(value(std::numeric_limits<std::uint64_t>::max()), "18446744073709551615");
  EXPECT_EQ(value(0.25), "0.25");
  EXPECT_EQ(value(1.5e-7), "1.5e-07");
  EXPECT_EQ(value(2.0), "2");
  EXPECT_EQ(value(std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(value(-std::numeric_limits<double>::infinity()), "-Inf");
}

TEST(MetricsTextTest, InvalidNameCharactersBecomeUnderscores) {
  EXPECT_EQ(one_gauge("9bad-name:ok", "h", {{"la:bel", "v"}, {"", "w"}}),
            "# HELP _bad_name:ok h\n# TYPE _bad_name:ok gauge\n"
            "_bad_name:ok{la_bel=\"v\",_=\"w\"} 1\n");
}

TEST(MetricsTextTest, PgshiftNamesAreValidAndCountersEndInTotal) {
  for (const metric::Info& info :
       {metric::kLagBytes, metric::kLagSeconds, metric::kChangesApplied, metric::kReceivedLsn,
        metric::kAppliedLsn, metric::kSpillBytes, metric::kChunksDone, metric::kChunksTotal,
        metric::kRowsCopied, metric::kBytesCopied}) {
    MetricsText page;
    page.gauge(info.name, info.help, 0);
    std::string sample = "\n";
    sample += info.name;
    sample += " 0\n";
    EXPECT_NE(page.str().find(sample), std::string::npos) << info.name;
    EXPECT_FALSE(info.help.empty());
  }
  EXPECT_TRUE(metric::kChangesApplied.name.ends_with("_total"));
}

}  // namespace
}  // namespace pgshift
