// Exact decimal numbers as PostgreSQL's numeric type holds them: parsing with numeric_in's syntax,
// the declared precision/scale, the text numeric_out prints, and the binary send format (int16
// ndigits, int16 weight, uint16 sign, int16 dscale, then base-10000 digits, with leading and
// trailing zero digits stripped). Shared by the numeric encoder and the jsonb canonicalizer (jsonb
// numbers are numerics). Pure functions; values are plain data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/result.hpp"

namespace pgshift::sqlite {

struct Decimal {
  enum class Special : std::uint8_t { kFinite, kNaN, kPosInfinity, kNegInfinity };
  Special special = Special::kFinite;
  bool negative = false;  // never set for zero (PostgreSQL has no negative zero numeric)
  std::string integer;    // digits before the point, no leading zeros; empty for 0
  std::string fraction;   // digits after the point; its length is the display scale (dscale)
};

// numeric_in's syntax: optional blanks, sign, digits with an optional point, an optional exponent
// (|e| <= 1000), optional blanks; or NaN, [+-]Infinity, [+-]inf (case-insensitive). The display
// scale is the number of digits after the point minus the exponent, at least 0 ("1.50" keeps 2,
// "1.5e1" has 0). Errors (kRuntime) say what is wrong, not the value.
Result<Decimal> parse_decimal(std::string_view text);

Decimal decimal_from_int64(std::int64_t value);

// The shortest decimal that reads back as exactly `value` (std::to_chars), as a numeric:
// 0.1 -> 0.1 (dscale 1), 1e20 -> 100000000000000000000 (dscale 0). This is more exact than
// PostgreSQL's own float8::numeric cast, which keeps only 15 significant digits. NaN and the
// infinities map to numeric's special values.
Decimal decimal_from_double(double value);

// Applies numeric(precision, scale) as PostgreSQL does, except that it refuses instead of rounding
// when digits beyond `scale` are not all zero (PostgreSQL would round them away silently). Also
// refuses more than precision-scale integer digits ("numeric field overflow") and values beyond
// numeric's limits. Pads the fraction with zeros to `scale`. Infinity is refused for a constrained
// numeric, as in PostgreSQL; NaN passes. precision < 0: unconstrained, only the limits apply.
Status apply_numeric_typmod(Decimal& value, std::int32_t precision, std::int32_t scale);

// numeric_send: appends the binary value (no length prefix).
void append_numeric_binary(const Decimal& value, std::vector<std::byte>& out);

// numeric_out: "-12.50", "0.001", "NaN", "Infinity", "-Infinity".
std::string decimal_text(const Decimal& value);

// Reads a binary numeric (as append_numeric_binary writes it) back to its text form.
Result<std::string> numeric_binary_text(std::span<const std::byte> value);

}  // namespace pgshift::sqlite
