// Row-level differences (verify/row_diff.hpp) and the drill-down's key reader bookkeeping
// (verify/drill_down.hpp KeyedRead): pure, no server.
#include "verify/row_diff.hpp"

#include <gtest/gtest.h>

#include "verify/drill_down.hpp"

namespace pgshift::verify {
namespace {

TEST(RowDiff, KeyedRowsSplitIntoMissingExtraAndChanged) {
  KeyedRows source{{"(1)", 10}, {"(2)", 20}, {"(3)", 30}, {"(5)", 50}};
  KeyedRows target{{"(1)", 10}, {"(3)", 31}, {"(4)", 40}, {"(5)", 50}};
  auto diff = diff_keyed_rows(source, target);
  EXPECT_EQ(diff.missing, std::vector<std::string>{"(2)"});
  EXPECT_EQ(diff.extra, std::vector<std::string>{"(4)"});
  EXPECT_EQ(diff.changed, std::vector<std::string>{"(3)"});
  EXPECT_TRUE(diff_keyed_rows(source, source).empty());
}

TEST(RowDiff, MultisetsCountEachRowOnItsSide) {
  RowCounts net{{7, 2}, {8, -1}, {9, 0}};
  auto diff = diff_multisets(net);
  ASSERT_EQ(diff.missing.size(), 1u);
  EXPECT_EQ(diff.missing[0].first, u128{7});
  EXPECT_EQ(diff.missing[0].second, 2);
  ASSERT_EQ(diff.extra.size(), 1u);
  EXPECT_EQ(diff.extra[0].first, u128{8});
  EXPECT_EQ(diff.extra[0].second, 1);
}

// A side that does not enforce the key can hold several rows for one key: the map keeps the first
// row and the key is named once however many times it repeats.
TEST(KeyedRead, AKeyReadMoreThanOnceIsNamedOnce) {
  KeyedRead read;
  read.add("(1)", {"1"}, 10);
  read.add("(2)", {"2"}, 20);
  read.add("(2)", {"2"}, 21);
  read.add("(2)", {"2"}, 20);
  read.add("(3)", {"3"}, 30);
  read.add("(1)", {"1"}, 10);
  EXPECT_EQ(read.rows.size(), 3u);
  EXPECT_EQ(read.rows.at("(2)"), u128{20});
  EXPECT_EQ(read.key_values.at("(2)"), KeyValue{"2"});
  EXPECT_EQ(read.duplicates, (std::vector<std::string>{"(2)", "(1)"}));
}

}  // namespace
}  // namespace pgshift::verify
