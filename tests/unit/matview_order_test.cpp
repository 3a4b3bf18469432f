// The order materialized views are refreshed in: after every one they read, else as given.
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

}  // namespace
}  // namespace pgshift
