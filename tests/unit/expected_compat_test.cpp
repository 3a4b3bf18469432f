// The std::expected stand-in (engine/core/expected_compat.hpp) tested by its own name, since with
// g++ 12 the project aliases are std::expected and the stand-in is compiled only here (and in the
// clang libFuzzer build). Where the library has std::expected, each behaviour is checked against
// it.
#include "engine/core/expected_compat.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>
#include <version>

#if defined(__cpp_lib_expected)
#include <expected>
#endif

namespace pgshift::compat {
namespace {

struct Err {
  int code = 0;
  std::string text;
  bool operator==(const Err&) const = default;
};

Expected<std::string, Err> parse(bool ok) {
  if (!ok) return Unexpected<Err>(Err{7, "bad"});
  return "value";  // converts const char* to std::string implicitly
}

Expected<void, Err> check(bool ok) {
  if (!ok) return Unexpected(Err{3, "no"});  // deduced Unexpected<Err>
  return {};
}

TEST(ExpectedCompat, HoldsValueOrError) {
  auto good = parse(true);
  ASSERT_TRUE(good.has_value());
  EXPECT_TRUE(static_cast<bool>(good));
  EXPECT_EQ(*good, "value");
  EXPECT_EQ(good->size(), 5u);
  EXPECT_EQ(good.value(), "value");
  EXPECT_EQ(good.value_or("other"), "value");

  auto bad = parse(false);
  ASSERT_FALSE(bad.has_value());
  EXPECT_FALSE(static_cast<bool>(bad));
  EXPECT_EQ(bad.error().code, 7);
  EXPECT_EQ(bad.value_or("other"), "other");
  EXPECT_THROW(bad.value(), BadExpectedAccess<Err>);
  try {
    bad.value();
  } catch (const BadExpectedAccess<Err>& e) {
    EXPECT_EQ(e.error().text, "bad");
  }
}

TEST(ExpectedCompat, VoidSpecialisation) {
  auto good = check(true);
  EXPECT_TRUE(good.has_value());
  EXPECT_NO_THROW(good.value());
  *good;
  auto bad = check(false);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(), (Err{3, "no"}));
  EXPECT_THROW(bad.value(), BadExpectedAccess<Err>);
  Err moved = std::move(bad).error();
  EXPECT_EQ(moved.text, "no");
  Expected<void, Err> assigned;
  assigned = Unexpected(Err{1, "x"});
  EXPECT_FALSE(assigned.has_value());
  assigned.emplace();
  EXPECT_TRUE(assigned.has_value());
  EXPECT_TRUE((assigned == Expected<void, Err>()));
  EXPECT_FALSE(assigned == Unexpected(Err{1, "x"}));
}

TEST(ExpectedCompat, MoveOnlyValuesAndRvalueAccess) {
  Expected<std::unique_ptr<int>, Err> owned(std::make_unique<int>(5));
  ASSERT_TRUE(owned);
  std::unique_ptr<int> taken = *std::move(owned);
  EXPECT_EQ(*taken, 5);
  Expected<std::unique_ptr<int>, Err> again(std::make_unique<int>(6));
  auto moved = std::move(again);
  EXPECT_EQ(**moved, 6);
  std::unique_ptr<int> via_value = std::move(moved).value();
  EXPECT_EQ(*via_value, 6);

  Expected<int, std::unique_ptr<int>> failed(unexpect, std::make_unique<int>(9));
  std::unique_ptr<int> error = std::move(failed).error();
  EXPECT_EQ(*error, 9);
}

TEST(ExpectedCompat, ConvertingAndInPlaceConstruction) {
  struct Base {
    virtual ~Base() = default;
  };
  struct Derived : Base {};
  Expected<std::unique_ptr<Base>, Err> base(std::make_unique<Derived>());
  EXPECT_TRUE(base.has_value());

  Expected<std::optional<int>, Err> none(std::nullopt);
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());

  Expected<std::vector<int>, Err> list(std::in_place, {1, 2, 3});
  EXPECT_EQ(list->size(), 3u);
  Expected<std::string, Err> repeated(std::in_place, 3, 'a');
  EXPECT_EQ(*repeated, "aaa");
  Expected<int, Err> defaulted;
  EXPECT_EQ(*defaulted, 0);

  Expected<long, Err> widened = Expected<int, Err>(4);
  EXPECT_EQ(*widened, 4);
  const Expected<int, Err> failed_int = Unexpected(Err{2, "e"});
  Expected<long, Err> widened_error = failed_int;
  EXPECT_EQ(widened_error.error().code, 2);
  Expected<void, Err> void_from = Expected<void, Err>(Unexpected(Err{4, "v"}));
  EXPECT_EQ(void_from.error().code, 4);
}

TEST(ExpectedCompat, AssignmentSwapAndComparison) {
  Expected<std::string, Err> slot("a");
  slot = "b";
  EXPECT_EQ(*slot, "b");
  slot = Unexpected(Err{1, "gone"});
  EXPECT_FALSE(slot);
  slot = std::string("c");
  EXPECT_EQ(*slot, "c");
  slot.emplace(2, 'z');
  EXPECT_EQ(*slot, "zz");

  Expected<std::string, Err> other = Unexpected(Err{5, "o"});
  swap(slot, other);
  EXPECT_EQ(other.value(), "zz");
  EXPECT_EQ(slot.error().code, 5);

  EXPECT_TRUE(other == std::string("zz"));
  EXPECT_FALSE(slot == std::string("zz"));
  EXPECT_TRUE(slot == Unexpected(Err{5, "o"}));
  EXPECT_TRUE((Expected<int, Err>(1) == Expected<int, Err>(1)));
  EXPECT_FALSE((Expected<int, Err>(1) == Expected<int, Err>(Unexpected(Err{}))));
  EXPECT_TRUE(Unexpected(Err{1, "a"}) == Unexpected(Err{1, "a"}));

  Unexpected<Err> u(Err{8, "u"});
  EXPECT_EQ(std::move(u).error().code, 8);
}

#if defined(__cpp_lib_expected)
// The same operations on std::expected give the same answers.
TEST(ExpectedCompat, AgreesWithStdExpected) {
  std::expected<int, Err> standard = std::unexpected(Err{1, "s"});
  Expected<int, Err> compat = Unexpected(Err{1, "s"});
  EXPECT_EQ(standard.has_value(), compat.has_value());
  EXPECT_EQ(standard.value_or(3), compat.value_or(3));
  EXPECT_EQ(standard.error(), compat.error());
  standard = 4;
  compat = 4;
  EXPECT_EQ(*standard, *compat);
  EXPECT_EQ(standard == 4, compat == 4);
  EXPECT_EQ((std::expected<void, Err>().has_value()), (Expected<void, Err>().has_value()));
}
#endif

}  // namespace
}  // namespace pgshift::compat
