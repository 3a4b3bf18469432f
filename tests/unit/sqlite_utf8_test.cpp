// The strict UTF-8 check, including its word-at-a-time ASCII path: every invalid byte is found at
// its exact offset wherever it falls relative to an 8-byte word.
#include <gtest/gtest.h>

#include <string>

#include "connectors/sqlite/utf8.hpp"

namespace pgshift::sqlite {
namespace {

TEST(Utf8, ValidTextOfEveryLengthPasses) {
  std::string text;
  for (int i = 0; i < 40; ++i) {
    EXPECT_FALSE(first_invalid_utf8(text).has_value()) << text.size();
    text += (i % 7 == 3) ? "é" : "a";
  }
  EXPECT_FALSE(first_invalid_utf8("plain ascii then ✓ and 𝄞 at the end").has_value());
}

TEST(Utf8, BadByteIsFoundAtItsOffsetAnywhereInAWord) {
  for (std::size_t at = 0; at < 24; ++at) {
    for (std::string bad :
         {std::string("\xff"), std::string(1, '\0'), std::string("\xc0\xaf"),
          std::string("\xed\xa0\x80"), std::string("\xf4\x90\x80\x80"), std::string("\xe2\x9c")}) {
      std::string text(at, 'x');
      text += bad;
      if (bad != "\xe2\x9c") text += std::string(9, 'y');
      auto found = first_invalid_utf8(text);
      ASSERT_TRUE(found.has_value()) << "offset " << at;
      EXPECT_EQ(*found, at);
    }
  }
}

TEST(Utf8, LengthAndPrefixCountCodePoints) {
  EXPECT_EQ(utf8_length("aé✓𝄞"), 4u);
  EXPECT_EQ(utf8_prefix("aé✓", 3), "aé");
  EXPECT_EQ(utf8_prefix("aé✓", 2), "a");
}

}  // namespace
}  // namespace pgshift::sqlite
