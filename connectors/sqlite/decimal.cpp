#include "connectors/sqlite/decimal.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "engine/model/copy_binary.hpp"

namespace pgshift::sqlite {
namespace {

constexpr int kMaxExponent = 1000;  // NUMERIC_MAX_PRECISION: numeric_in's exponent limit
constexpr std::size_t kMaxIntegerDigits = 131072;  // (NUMERIC_WEIGHT_MAX + 1) * 4
constexpr std::size_t kMaxScale = 16383;           // NUMERIC_DSCALE_MAX

constexpr std::uint16_t kSignPositive = 0x0000;
constexpr std::uint16_t kSignNegative = 0x4000;
constexpr std::uint16_t kSignNaN = 0xC000;
constexpr std::uint16_t kSignPosInfinity = 0xD000;
constexpr std::uint16_t kSignNegInfinity = 0xF000;

bool is_space(char c) {
  return std::isspace(static_cast<unsigned char>(c)) != 0;
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool consume_word(std::string_view text, std::size_t& at, std::string_view word) {
  if (text.size() - at < word.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[at + i])) != word[i]) return false;
  }
  at += word.size();
  return true;
}

bool only_blanks_from(std::string_view text, std::size_t at) {
  while (at < text.size() && is_space(text[at])) ++at;
  return at == text.size();
}

void strip_leading_zeros(std::string& digits) {
  std::size_t first = digits.find_first_not_of('0');
  digits.erase(0, first == std::string::npos ? digits.size() : first);
}

bool is_zero(const Decimal& value) {
  return value.integer.empty() && value.fraction.find_first_not_of('0') == std::string::npos;
}

void put_u16(std::vector<std::byte>& out, std::uint16_t value) {
  out.push_back(std::byte(value >> 8));
  out.push_back(std::byte(value & 0xff));
}

}  // namespace

Result<Decimal> parse_decimal(std::string_view text) {
  Decimal out;
  std::size_t at = 0;
  while (at < text.size() && is_space(text[at])) ++at;
  if (consume_word(text, at, "nan")) {
    if (!only_blanks_from(text, at)) return fail(ErrorKind::kRuntime, "is not a number");
    out.special = Decimal::Special::kNaN;
    return out;
  }
  bool negative = false;
  if (at < text.size() && (text[at] == '+' || text[at] == '-')) negative = text[at++] == '-';
  if (consume_word(text, at, "infinity") || consume_word(text, at, "inf")) {
    if (!only_blanks_from(text, at)) return fail(ErrorKind::kRuntime, "is not a number");
    out.special = negative ? Decimal::Special::kNegInfinity : Decimal::Special::kPosInfinity;
    return out;
  }
  std::string mantissa;
  std::int64_t integer_digits = -1;  // digits before the point; -1 until a point is seen
  for (; at < text.size(); ++at) {
    char c = text[at];
    if (is_digit(c)) {
      mantissa += c;
    } else if (c == '.' && integer_digits < 0) {
      integer_digits = static_cast<std::int64_t>(mantissa.size());
    } else {
      break;
    }
  }
  if (mantissa.empty()) return fail(ErrorKind::kRuntime, "is not a number");
  if (integer_digits < 0) integer_digits = static_cast<std::int64_t>(mantissa.size());
  std::int64_t exponent = 0;
  if (at < text.size() && (text[at] == 'e' || text[at] == 'E')) {
    ++at;
    bool exponent_negative = false;
    if (at < text.size() && (text[at] == '+' || text[at] == '-')) {
      exponent_negative = text[at++] == '-';
    }
    if (at >= text.size() || !is_digit(text[at])) {
      return fail(ErrorKind::kRuntime, "is not a number (bad exponent)");
    }
    for (; at < text.size() && is_digit(text[at]); ++at) {
      exponent = exponent * 10 + (text[at] - '0');
      if (exponent > kMaxExponent) return fail(ErrorKind::kRuntime, "has an exponent out of range");
    }
    if (exponent_negative) exponent = -exponent;
  }
  if (!only_blanks_from(text, at)) return fail(ErrorKind::kRuntime, "is not a number");

  std::int64_t point = integer_digits + exponent;  // the point's position within the mantissa
  auto size = static_cast<std::int64_t>(mantissa.size());
  if (point <= 0) {
    out.fraction = std::string(static_cast<std::size_t>(-point), '0') + mantissa;
  } else if (point >= size) {
    out.integer = mantissa + std::string(static_cast<std::size_t>(point - size), '0');
  } else {
    out.integer = mantissa.substr(0, static_cast<std::size_t>(point));
    out.fraction = mantissa.substr(static_cast<std::size_t>(point));
  }
  strip_leading_zeros(out.integer);
  out.negative = negative && !is_zero(out);
  if (out.integer.size() > kMaxIntegerDigits || out.fraction.size() > kMaxScale) {
    return fail(ErrorKind::kRuntime, "overflows numeric format");
  }
  return out;
}

Decimal decimal_from_int64(std::int64_t value) {
  Decimal out;
  if (value == 0) return out;
  out.negative = value < 0;
  // Magnitude without overflow for INT64_MIN.
  std::uint64_t magnitude =
      value < 0 ? ~static_cast<std::uint64_t>(value) + 1 : static_cast<std::uint64_t>(value);
  out.integer = std::to_string(magnitude);
  return out;
}

Decimal decimal_from_double(double value) {
  Decimal out;
  if (std::isnan(value)) {
    out.special = Decimal::Special::kNaN;
    return out;
  }
  if (std::isinf(value)) {
    out.special = value > 0 ? Decimal::Special::kPosInfinity : Decimal::Special::kNegInfinity;
    return out;
  }
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  // The shortest round-trip form always parses, and its exponent is within +-324.
  auto parsed = parse_decimal(std::string_view(buffer, static_cast<std::size_t>(end - buffer)));
  return parsed ? *parsed : out;
}

Status apply_numeric_typmod(Decimal& value, std::int32_t precision, std::int32_t scale) {
  if (value.special == Decimal::Special::kNaN) return {};
  if (value.special != Decimal::Special::kFinite) {
    if (precision >= 0) {
      return fail(ErrorKind::kRuntime, "is infinite, which numeric(" + std::to_string(precision) +
                                           "," + std::to_string(scale) + ") cannot hold");
    }
    return {};
  }
  if (precision >= 0) {
    auto wanted = static_cast<std::size_t>(std::max(scale, 0));
    if (value.fraction.size() > wanted) {
      if (value.fraction.find_first_not_of('0', wanted) != std::string::npos) {
        return fail(ErrorKind::kRuntime,
                    "has more than " + std::to_string(wanted) +
                        " digits after the point (PostgreSQL would round it; --cast the column to "
                        "numeric to keep it exactly)");
      }
      value.fraction.resize(wanted);
    } else {
      value.fraction.append(wanted - value.fraction.size(), '0');
    }
    if (value.integer.size() > static_cast<std::size_t>(precision - std::max(scale, 0))) {
      return fail(ErrorKind::kRuntime, "does not fit numeric(" + std::to_string(precision) + "," +
                                           std::to_string(scale) + "): at most " +
                                           std::to_string(precision - std::max(scale, 0)) +
                                           " digits before the point");
    }
    if (is_zero(value)) value.negative = false;
  }
  if (value.integer.size() > kMaxIntegerDigits || value.fraction.size() > kMaxScale) {
    return fail(ErrorKind::kRuntime, "overflows numeric format");
  }
  return {};
}

void append_numeric_binary(const Decimal& value, std::vector<std::byte>& out) {
  auto header = [&](std::uint16_t ndigits, std::int16_t weight, std::uint16_t sign,
                    std::uint16_t dscale) {
    put_u16(out, ndigits);
    put_u16(out, static_cast<std::uint16_t>(weight));
    put_u16(out, sign);
    put_u16(out, dscale);
  };
  switch (value.special) {
    case Decimal::Special::kNaN:
      return header(0, 0, kSignNaN, 0);
    // numeric_send reads the dscale of an infinity from its short header: (0xD000 & 0x1F80) >> 7.
    case Decimal::Special::kPosInfinity:
      return header(0, 0, kSignPosInfinity, 32);
    case Decimal::Special::kNegInfinity:
      return header(0, 0, kSignNegInfinity, 32);
    case Decimal::Special::kFinite:
      break;
  }
  // Base-10000 digits: the integer part padded on the left, the fraction on the right.
  std::size_t integer_groups = (value.integer.size() + 3) / 4;
  std::string digits(integer_groups * 4 - value.integer.size(), '0');
  digits += value.integer;
  digits += value.fraction;
  digits.append((4 - value.fraction.size() % 4) % 4, '0');
  std::vector<std::uint16_t> groups;
  groups.reserve(digits.size() / 4);
  for (std::size_t i = 0; i < digits.size(); i += 4) {
    groups.push_back(
        static_cast<std::uint16_t>((digits[i] - '0') * 1000 + (digits[i + 1] - '0') * 100 +
                                   (digits[i + 2] - '0') * 10 + (digits[i + 3] - '0')));
  }
  auto weight = static_cast<std::int64_t>(integer_groups) - 1;
  std::size_t first = 0, last = groups.size();
  while (first < last && groups[first] == 0) {
    ++first;
    --weight;
  }
  while (last > first && groups[last - 1] == 0) --last;
  auto dscale = static_cast<std::uint16_t>(value.fraction.size());
  if (first == last) return header(0, 0, kSignPositive, dscale);
  header(static_cast<std::uint16_t>(last - first), static_cast<std::int16_t>(weight),
         value.negative ? kSignNegative : kSignPositive, dscale);
  for (std::size_t i = first; i < last; ++i) put_u16(out, groups[i]);
}

std::string decimal_text(const Decimal& value) {
  switch (value.special) {
    case Decimal::Special::kNaN:
      return "NaN";
    case Decimal::Special::kPosInfinity:
      return "Infinity";
    case Decimal::Special::kNegInfinity:
      return "-Infinity";
    case Decimal::Special::kFinite:
      break;
  }
  std::string out = value.negative ? "-" : "";
  out += value.integer.empty() ? "0" : value.integer;
  if (!value.fraction.empty()) out += "." + value.fraction;
  return out;
}

Result<std::string> numeric_binary_text(std::span<const std::byte> value) {
  auto malformed = [] { return fail(ErrorKind::kRuntime, "malformed binary numeric"); };
  if (value.size() < 8) return malformed();
  auto ndigits = pg::read_u16(value.data());
  auto weight = static_cast<std::int16_t>(pg::read_u16(value.data() + 2));
  auto sign = pg::read_u16(value.data() + 4);
  auto dscale = pg::read_u16(value.data() + 6);
  if (value.size() != 8 + 2 * static_cast<std::size_t>(ndigits)) return malformed();
  Decimal decoded;
  if (sign == kSignNaN) decoded.special = Decimal::Special::kNaN;
  if (sign == kSignPosInfinity) decoded.special = Decimal::Special::kPosInfinity;
  if (sign == kSignNegInfinity) decoded.special = Decimal::Special::kNegInfinity;
  if (decoded.special != Decimal::Special::kFinite) return decimal_text(decoded);
  if (sign != kSignPositive && sign != kSignNegative) return malformed();
  // Digit i stands for 10000^(weight - i); digits not stored are zero. False on a digit over 9999.
  auto append_group = [&](std::int64_t position, std::string& out) {
    std::int64_t index = weight - position;
    std::uint16_t group =
        index >= 0 && index < ndigits ? pg::read_u16(value.data() + 8 + 2 * index) : 0;
    if (group > 9999) return false;
    char text[5];
    std::snprintf(text, sizeof text, "%04u", static_cast<unsigned>(group));
    out += text;
    return true;
  };
  std::string integer, fraction;
  for (std::int64_t position = std::max<std::int64_t>(weight, 0); position >= 0; --position) {
    if (!append_group(position, integer)) return malformed();
  }
  for (std::int64_t position = -1; static_cast<std::int64_t>(fraction.size()) < dscale;
       --position) {
    if (!append_group(position, fraction)) return malformed();
  }
  fraction.resize(dscale);
  strip_leading_zeros(integer);
  decoded.integer = std::move(integer);
  decoded.fraction = std::move(fraction);
  decoded.negative = sign == kSignNegative && !is_zero(decoded);
  return decimal_text(decoded);
}

}  // namespace pgshift::sqlite
