// The strict UTF-8 check, both the AVX2 path and the portable one (its word-at-a-time ASCII path
// and byte automaton): every invalid byte is found at its exact offset wherever it falls relative
// to an 8-byte word or a 32-byte block, and both agree with an independent decoder.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "connectors/sqlite/utf8.hpp"

namespace pgshift::sqlite {
namespace {

using Utf8Check = std::optional<std::size_t> (*)(std::string_view);

class Utf8 : public ::testing::TestWithParam<Utf8Check> {
 protected:
  std::optional<std::size_t> check(std::string_view text) const { return GetParam()(text); }
};

TEST_P(Utf8, ValidTextOfEveryLengthPasses) {
  std::string text;
  for (int i = 0; i < 40; ++i) {
    EXPECT_FALSE(check(text).has_value()) << text.size();
    text += (i % 7 == 3) ? "é" : "a";
  }
  EXPECT_FALSE(check("plain ascii then ✓ and 𝄞 at the end").has_value());
}

TEST_P(Utf8, BadByteIsFoundAtItsOffsetAnywhereInAWord) {
  for (std::size_t at = 0; at < 24; ++at) {
    for (std::string bad :
         {std::string("\xff"), std::string(1, '\0'), std::string("\xc0\xaf"),
          std::string("\xed\xa0\x80"), std::string("\xf4\x90\x80\x80"), std::string("\xe2\x9c")}) {
      std::string text(at, 'x');
      text += bad;
      if (bad != "\xe2\x9c") text += std::string(9, 'y');
      auto found = check(text);
      ASSERT_TRUE(found.has_value()) << "offset " << at;
      EXPECT_EQ(*found, at);
    }
  }
}

// An independent reading of the rules (RFC 3629, plus no NUL): decode, then check the range.
bool valid_by_decoding(const std::string& text) {
  std::size_t at = 0;
  while (at < text.size()) {
    auto c = static_cast<unsigned char>(text[at]);
    int length = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (length == 0 || at + length > text.size()) return false;
    std::uint32_t code = length == 1 ? c : c & (0x7F >> length);
    for (int i = 1; i < length; ++i) {
      auto next = static_cast<unsigned char>(text[at + i]);
      if ((next & 0xC0) != 0x80) return false;
      code = (code << 6) | (next & 0x3F);
    }
    const std::uint32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code == 0 || code < smallest[length] || code > 0x10FFFF) return false;
    if (code >= 0xD800 && code <= 0xDFFF) return false;
    at += length;
  }
  return true;
}

TEST_P(Utf8, AgreesWithDecodingOnEveryShortSequence) {
  const std::vector<unsigned char> edges = {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF,
                                            0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE,
                                            0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF};
  int checked = 0;
  auto check_sequence = [&](const std::string& sequence) {
    // After ASCII prefixes of every length around the 8-byte word, 16-byte step and 32-byte
    // block boundaries.
    for (std::size_t prefix : {0, 1, 7, 8, 15, 16, 17, 29, 30, 31, 32, 33}) {
      std::string text = std::string(prefix, 'p') + sequence + "tail";
      bool valid = valid_by_decoding(text);
      auto found = check(text);
      ASSERT_EQ(!found.has_value(), valid) << "prefix " << prefix << " bytes " << checked;
      ++checked;
    }
  };
  for (int a = 0; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      check_sequence(std::string{static_cast<char>(a), static_cast<char>(b)});
      for (unsigned char c : edges) {
        check_sequence(
            std::string{static_cast<char>(a), static_cast<char>(b), static_cast<char>(c)});
      }
    }
  }
  for (unsigned char a : edges) {
    for (unsigned char b : edges) {
      for (unsigned char c : edges) {
        for (unsigned char d : edges) {
          check_sequence(std::string{static_cast<char>(a), static_cast<char>(b),
                                     static_cast<char>(c), static_cast<char>(d)});
        }
      }
    }
  }
  EXPECT_GT(checked, 1000000);
}

TEST_P(Utf8, LongTextsCutIntoPartsAgreeWithDecoding) {
  // Long enough for the automaton to run in four parts: characters of every length straddle the
  // cuts, and random single-byte damage anywhere is found exactly where it is.
  const std::vector<std::string> pieces = {"a", "é", "✓", "𝄞", "Größe ", "日本語", " ", "🚀"};
  std::mt19937 random(7);
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    std::size_t length = 64 + random() % 200;
    while (text.size() < length) text += pieces[random() % pieces.size()];
    ASSERT_FALSE(check(text).has_value()) << text;
    std::string damaged = text;
    std::size_t at = random() % damaged.size();
    damaged[at] = static_cast<char>(random() % 256);
    bool valid = valid_by_decoding(damaged);
    auto found = check(damaged);
    ASSERT_EQ(!found.has_value(), valid) << round;
    if (!valid) {
      // The reported offset starts the first sequence that does not decode.
      ASSERT_TRUE(valid_by_decoding(damaged.substr(0, *found))) << round;
      ASSERT_FALSE(valid_by_decoding(damaged.substr(*found))) << round;
    }
    std::string cut_short = text.substr(0, text.size() - 1);
    ASSERT_EQ(!check(cut_short).has_value(), valid_by_decoding(cut_short)) << round;
  }
}

TEST(Utf8Text, LengthAndPrefixCountCodePoints) {
  EXPECT_EQ(utf8_length("aé✓𝄞"), 4u);
  EXPECT_EQ(utf8_prefix("aé✓", 3), "aé");
  EXPECT_EQ(utf8_prefix("aé✓", 2), "a");
}

INSTANTIATE_TEST_SUITE_P(Paths, Utf8,
                         ::testing::Values(&first_invalid_utf8, &first_invalid_utf8_portable),
                         [](const ::testing::TestParamInfo<Utf8Check>& info) {
                           return info.index == 0 ? std::string("Dispatched")
                                                  : std::string("Portable");
                         });

}  // namespace
}  // namespace pgshift::sqlite
