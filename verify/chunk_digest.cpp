#include "verify/chunk_digest.hpp"

namespace pgshift::verify {

std::string ChunkDigest::sum_hex() const {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(32, '0');
  u128 value = sum;
  for (int i = 31; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = kDigits[static_cast<unsigned>(value & 0xf)];
    value >>= 4;
  }
  return out;
}

std::optional<u128> ChunkDigest::parse_sum_hex(const std::string& hex) {
  if (hex.size() != 32) return std::nullopt;
  u128 value = 0;
  for (char c : hex) {
    int digit;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else {
      return std::nullopt;
    }
    value = (value << 4) | static_cast<u128>(digit);
  }
  return value;
}

std::optional<u128> ChunkDigest::parse_sum_decimal(std::string_view decimal) {
  bool negative = !decimal.empty() && decimal.front() == '-';
  if (negative) decimal.remove_prefix(1);
  if (decimal.empty()) return std::nullopt;
  u128 value = 0;
  for (char c : decimal) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<u128>(c - '0');
  }
  return negative ? ~value + 1 : value;
}

}  // namespace pgshift::verify
