#include "connectors/sqlite/value_encoder_parts.hpp"

#include <bit>
#include <cctype>
#include <charconv>
#include <cmath>
#include <optional>

#include "connectors/sqlite/decimal.hpp"
#include "engine/core/ascii_text.hpp"

namespace pgshift::sqlite::value_encoding {
namespace {

Result<std::int64_t> to_integer(const SqliteValue& value, std::string_view type_name) {
  switch (value.type) {
    case SqliteValue::Type::kInteger:
      return value.integer;
    case SqliteValue::Type::kReal: {
      double r = value.real;
      if (std::isfinite(r) && r == std::trunc(r) && r >= -9223372036854775808.0 &&
          r < 9223372036854775808.0) {
        return static_cast<std::int64_t>(r);
      }
      return refuse(value, "is not an integer");
    }
    case SqliteValue::Type::kText: {
      std::string_view text = trim(value.bytes);
      if (text.size() > 1 && text.front() == '+' && text[1] != '-') text.remove_prefix(1);
      std::int64_t parsed = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed);
      if (text.empty() || end != text.data() + text.size() ||
          (ec != std::errc() && ec != std::errc::result_out_of_range)) {
        return refuse(value, "is not an integer");
      }
      if (ec == std::errc::result_out_of_range) {
        return refuse(value, "is out of range for " + std::string(type_name));
      }
      return parsed;
    }
    case SqliteValue::Type::kBlob:
      return refuse(value, "is a blob, not an integer");
    case SqliteValue::Type::kNull:
      break;
  }
  return refuse(value, "is NULL");
}

}  // namespace

Status encode_integer(const SqliteValue& value, const PgType& type, std::vector<std::byte>& out) {
  auto number = to_integer(value, type.sql);
  if (!number) return fail(number.error());
  std::int64_t v = *number;
  switch (type.kind) {
    case TargetKind::kInt2:
      if (v < INT16_MIN || v > INT16_MAX) return refuse(value, "is out of range for smallint");
      put_u16(out, static_cast<std::uint16_t>(static_cast<std::int16_t>(v)));
      return {};
    case TargetKind::kInt4:
      if (v < INT32_MIN || v > INT32_MAX) return refuse(value, "is out of range for integer");
      put_u32(out, static_cast<std::uint32_t>(static_cast<std::int32_t>(v)));
      return {};
    default:
      put_u64(out, static_cast<std::uint64_t>(v));
      return {};
  }
}

Status encode_float8(const SqliteValue& value, std::vector<std::byte>& out) {
  double result = 0;
  switch (value.type) {
    case SqliteValue::Type::kReal:
      result = value.real;
      break;
    case SqliteValue::Type::kInteger: {
      result = static_cast<double>(value.integer);
      if (!(result >= -9223372036854775808.0 && result < 9223372036854775808.0) ||
          static_cast<std::int64_t>(result) != value.integer) {
        return refuse(value, "cannot be held exactly by double precision");
      }
      break;
    }
    case SqliteValue::Type::kText: {
      std::string_view text = trim(value.bytes);
      if (text.size() > 1 && text.front() == '+' && text[1] != '-') text.remove_prefix(1);
      if (text.size() >= 3 && std::tolower(static_cast<unsigned char>(text[0])) == 'n' &&
          !iequals(text, "nan")) {
        return refuse(value, "is not a number");  // from_chars would accept nan(...)
      }
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), result);
      if (text.empty() || end != text.data() + text.size()) return refuse(value, "is not a number");
      if (ec != std::errc()) return refuse(value, "is out of range for double precision");
      break;
    }
    default:
      return refuse(value, "is a blob, not a number");
  }
  put_u64(out, std::bit_cast<std::uint64_t>(result));
  return {};
}

Status encode_numeric(const SqliteValue& value, const PgType& type, std::vector<std::byte>& out) {
  Decimal number;
  switch (value.type) {
    case SqliteValue::Type::kInteger:
      number = decimal_from_int64(value.integer);
      break;
    case SqliteValue::Type::kReal:
      number = decimal_from_double(value.real);
      break;
    case SqliteValue::Type::kText: {
      auto parsed = parse_decimal(value.bytes);
      if (!parsed) return refuse(value, parsed.error().message);
      number = std::move(*parsed);
      break;
    }
    default:
      return refuse(value, "is a blob, not a number");
  }
  if (auto fits = apply_numeric_typmod(number, type.precision, type.scale); !fits) {
    return refuse(value, fits.error().message);
  }
  append_numeric_binary(number, out);
  return {};
}

Status encode_bool(const SqliteValue& value, std::vector<std::byte>& out) {
  std::optional<bool> result;
  switch (value.type) {
    case SqliteValue::Type::kInteger:
      if (value.integer == 0 || value.integer == 1) result = value.integer == 1;
      break;
    case SqliteValue::Type::kReal:
      if (value.real == 0.0 || value.real == 1.0) result = value.real == 1.0;
      break;
    case SqliteValue::Type::kText: {
      std::string_view text = trim(value.bytes);
      for (std::string_view yes : {"true", "t", "yes", "y", "on", "1"}) {
        if (iequals(text, yes)) result = true;
      }
      for (std::string_view no : {"false", "f", "no", "n", "off", "0"}) {
        if (iequals(text, no)) result = false;
      }
      break;
    }
    default:
      break;
  }
  if (!result) return refuse(value, "is not a boolean (0/1, true/false)");
  out.push_back(std::byte(*result ? 1 : 0));
  return {};
}

}  // namespace pgshift::sqlite::value_encoding
