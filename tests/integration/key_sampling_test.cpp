// Planning a table that was never vacuumed or analyzed (just loaded: reltuples is -1). Its row
// count is estimated from its pages, and sampling its keys returns a bounded sample in key order
// whatever the estimate: it once fetched and sorted every key of such a table (214 MB of RSS for a
// 2 M-row table in the long memory test).
#include <gtest/gtest.h>

#include <algorithm>

#include "connectors/pg/catalog.hpp"
#include "connectors/pg/session.hpp"
#include "tests/support/pg_test.hpp"
#include "tests/support/run_coroutine.hpp"

namespace pgshift::test {
namespace {

TEST(KeySampling, ANeverAnalyzedTableIsEstimatedFromItsPagesAndSampledWithinBounds) {
  std::string uri = fresh_database(source_cluster(), "never_analyzed");
  exec(uri,
       "CREATE TABLE fresh (id bigint PRIMARY KEY, note text) WITH (autovacuum_enabled = false);"
       "INSERT INTO fresh SELECT i, 'note ' || i FROM generate_series(1, 200000) i;");
  ASSERT_EQ(scalar(uri, "SELECT reltuples FROM pg_class WHERE relname = 'fresh'"), "-1");
  auto endpoint = Endpoint::parse(uri, "source");
  ASSERT_TRUE(endpoint.has_value());
  run_coroutine([&]() -> Task<void> {
    auto session = co_await pg::open_session(*endpoint, "source");
    EXPECT_TRUE(session.has_value());
    if (!session) co_return;
    auto tables = co_await pg::read_tables(*session, pg::TableFilter{});
    EXPECT_TRUE(tables.has_value());
    if (!tables || tables->size() != 1) {
      ADD_FAILURE() << "expected the one table";
      co_return;
    }
    const Table& fresh = tables->front();
    // The planner's way: pages x tuples per page from the columns' widths (8 + 32 here).
    EXPECT_GT(fresh.estimated_rows, 100000);
    EXPECT_LT(fresh.estimated_rows, 400000);
    auto sample = co_await pg::sample_keys(*session, fresh, 1000);
    EXPECT_TRUE(sample.has_value());
    if (!sample) co_return;
    EXPECT_GE(sample->size(), 250u);
    EXPECT_LE(sample->size(), 4000u);
    // In key order (as numbers, not as text), each a real key.
    EXPECT_TRUE(std::is_sorted(sample->begin(), sample->end(), [](const auto& a, const auto& b) {
      return std::stoll(a[0]) < std::stoll(b[0]);
    }));

    // However wrong the estimate, the sample stays bounded.
    Table underestimated = fresh;
    underestimated.estimated_rows = 1;
    auto bounded = co_await pg::sample_keys(*session, underestimated, 1000);
    EXPECT_TRUE(bounded.has_value());
    if (bounded) {
      EXPECT_EQ(bounded->size(), 4000u) << "at most 4 x the keys asked for";
    }
  });
}

}  // namespace
}  // namespace pgshift::test
