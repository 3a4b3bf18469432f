// The order materialized views are refreshed in (after every one they read, else as given), and
// which unpopulated ones must be filled for a populated one and emptied again.
#include <gtest/gtest.h>

#include "engine/migrate/matviews.hpp"

namespace pgshift {
namespace {

TEST(MatviewOrder, EachComesAfterWhatItReads) {
  // a reads c (through a view, say), b reads a and c; d reads nothing; e is not refreshed.
  std::vector<std::string> names{"a", "b", "c", "d"};
  std::vector<std::pair<std::string, std::string>> reads{
      {"a", "c"}, {"b", "a"}, {"b", "c"}, {"b", "e"}, {"e", "d"}};
  EXPECT_EQ(refresh_order(names, reads), (std::vector<std::string>{"c", "d", "a", "b"}));
  EXPECT_EQ(refresh_order(names, {}), names);
  EXPECT_TRUE(refresh_order({}, reads).empty());
}

TEST(MatviewOrder, ACycleKeepsEveryNameOnce) {
  std::vector<std::string> names{"x", "y", "z"};
  EXPECT_EQ(refresh_order(names, {{"x", "y"}, {"y", "x"}}),
            (std::vector<std::string>{"z", "x", "y"}));
  EXPECT_EQ(refresh_order(names, {{"x", "x"}}), names);
}

// A populated view over an unpopulated one (refreshed WITH NO DATA after the populated one was
// built): the unpopulated one is filled first, and emptied again at the end.
TEST(MatviewOrder, UnpopulatedViewsAPopulatedOneReadsAreFilledThenEmptied) {
  auto plan = plan_refresh({"top", "other"}, {"middle", "base", "unread"},
                           {{"top", "middle"}, {"middle", "base"}, {"unread", "base"}});
  EXPECT_EQ(plan.order, (std::vector<std::string>{"other", "base", "middle", "top"}));
  EXPECT_EQ(plan.emptied, (std::vector<std::string>{"middle", "base"}));
  auto simple = plan_refresh({"a"}, {"b"}, {});
  EXPECT_EQ(simple.order, std::vector<std::string>{"a"});
  EXPECT_TRUE(simple.emptied.empty());
}

}  // namespace
}  // namespace pgshift
