#include "connectors/sqlite/utf8.hpp"

#include <cstdint>
#include <cstring>

namespace pgshift::sqlite {
namespace {

// True when all eight bytes are ASCII and none is NUL (the common case, checked a word at a time).
bool plain_ascii_word(const unsigned char* bytes) {
  std::uint64_t word;
  std::memcpy(&word, bytes, sizeof word);
  constexpr std::uint64_t kLow = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
  bool has_high_bit = (word & kHigh) != 0;
  bool has_zero_byte = ((word - kLow) & ~word & kHigh) != 0;
  return !has_high_bit && !has_zero_byte;
}

}  // namespace

std::optional<std::size_t> first_invalid_utf8(std::string_view text) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  std::size_t size = text.size();
  std::size_t at = 0;
  while (at < size) {
    if (size - at >= 8 && plain_ascii_word(bytes + at)) {
      at += 8;
      continue;
    }
    unsigned char c = bytes[at];
    if (c < 0x80) {
      if (c == 0) return at;
      ++at;
      continue;
    }
    std::size_t length = 0;
    unsigned char low = 0x80, high = 0xBF;  // allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      length = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      length = 3;
      if (c == 0xE0) low = 0xA0;   // overlong
      if (c == 0xED) high = 0x9F;  // surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      length = 4;
      if (c == 0xF0) low = 0x90;   // overlong
      if (c == 0xF4) high = 0x8F;  // above U+10FFFF
    } else {
      return at;
    }
    if (size - at < length) return at;
    if (bytes[at + 1] < low || bytes[at + 1] > high) return at;
    for (std::size_t i = 2; i < length; ++i) {
      if (bytes[at + i] < 0x80 || bytes[at + i] > 0xBF) return at;
    }
    at += length;
  }
  return std::nullopt;
}

std::size_t utf8_length(std::string_view text) {
  std::size_t count = 0;
  for (char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++count;
  }
  return count;
}

std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  std::size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

}  // namespace pgshift::sqlite
