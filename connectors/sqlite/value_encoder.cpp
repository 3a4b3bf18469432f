#include "connectors/sqlite/value_encoder.hpp"

#include <bit>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "connectors/sqlite/ascii_text.hpp"
#include "connectors/sqlite/datetime_value.hpp"
#include "connectors/sqlite/decimal.hpp"
#include "connectors/sqlite/jsonb_text.hpp"
#include "connectors/sqlite/utf8.hpp"

namespace pgshift::sqlite {
namespace {

constexpr std::size_t kDescribeBytes = 60;

// Big-endian appends of a few bytes, a handful per value: inlined, with the vector's growth kept
// out of line (perf showed the call itself among the encoder's top costs).
template <class T>
__attribute__((always_inline)) inline void put_be(std::vector<std::byte>& out, T value) {
  std::byte bytes[sizeof(T)];
  for (std::size_t i = sizeof(T); i-- > 0;) {
    bytes[i] = std::byte(value & 0xff);
    value = static_cast<T>(value >> 8);
  }
  out.insert(out.end(), bytes, bytes + sizeof(T));
}
__attribute__((always_inline)) inline void put_u16(std::vector<std::byte>& out,
                                                   std::uint16_t value) {
  put_be(out, value);
}
__attribute__((always_inline)) inline void put_u32(std::vector<std::byte>& out,
                                                   std::uint32_t value) {
  put_be(out, value);
}
__attribute__((always_inline)) inline void put_u64(std::vector<std::byte>& out,
                                                   std::uint64_t value) {
  put_be(out, value);
}
void put_bytes(std::vector<std::byte>& out, std::string_view bytes) {
  const auto* begin = reinterpret_cast<const std::byte*>(bytes.data());
  out.insert(out.end(), begin, begin + bytes.size());
}

// The error for `value`: "value <described> <what>". Bad input, not a failure while running: a
// rerun meets the same value (kRefused: exit 2 where nothing was written, as in verify).
std::unexpected<Error> refuse(const SqliteValue& value, std::string_view what) {
  return fail(ErrorKind::kRefused, "value " + describe_value(value) + " " + std::string(what));
}

std::string shortest_double(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Inf" : "-Inf";
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  std::string out(buffer, end);
  if (out.find_first_of(".en") == std::string::npos) out += ".0";
  return out;
}

// Text bytes valid for a PostgreSQL text value, or the refusal.
Status check_text(const SqliteValue& value, std::string_view bytes) {
  if (auto bad = first_invalid_utf8(bytes)) {
    if (bytes[*bad] == '\0') return refuse(value, "contains a NUL byte, which text cannot hold");
    return refuse(value, "is not valid UTF-8 (at byte " + std::to_string(*bad) + ")");
  }
  return {};
}

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

Status encode_text(const SqliteValue& value, const PgType& type, std::vector<std::byte>& out) {
  std::string owned;
  std::string_view bytes;
  if (value.type == SqliteValue::Type::kText || value.type == SqliteValue::Type::kBlob) {
    bytes = value.bytes;
  } else {
    owned = value_text_form(value);
    bytes = owned;
  }
  if (auto checked = check_text(value, bytes); !checked) return checked;
  if (type.kind == TargetKind::kVarchar && type.length > 0) {
    std::size_t length = utf8_length(bytes);
    if (length > static_cast<std::size_t>(type.length)) {
      return refuse(value, "is longer than varchar(" + std::to_string(type.length) + ") (" +
                               std::to_string(length) + " characters)");
    }
  }
  put_bytes(out, bytes);
  return {};
}

Status encode_bytea(const SqliteValue& value, std::vector<std::byte>& out) {
  if (value.type != SqliteValue::Type::kText && value.type != SqliteValue::Type::kBlob) {
    return refuse(value, "is a number, not bytes (--cast the column to a numeric or text type)");
  }
  put_bytes(out, value.bytes);
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

// Microseconds since 2000-01-01 (UTC for zoned/epoch/Julian sources) of a date-like value.
Result<std::int64_t> to_micros(const SqliteValue& value, const ColumnTarget& target,
                               bool& infinite) {
  infinite = false;
  switch (value.type) {
    case SqliteValue::Type::kText: {
      auto parsed = parse_iso_datetime(value.bytes);
      if (!parsed) return refuse(value, parsed.error().message);
      if (parsed->special != ParsedDateTime::Special::kFinite) {
        infinite = true;
        return parsed->special == ParsedDateTime::Special::kInfinity ? kTimestampInfinity
                                                                     : kTimestampMinusInfinity;
      }
      std::int64_t micros = parsed->micros;
      if (target.type.kind == TargetKind::kTimestamptz && !parsed->has_zone) {
        micros -= static_cast<std::int64_t>(target.naive_utc_offset_seconds) * kMicrosPerSecond;
      }
      return micros;
    }
    case SqliteValue::Type::kReal: {
      auto micros = julian_day_to_micros(value.real);
      if (!micros) return refuse(value, micros.error().message);
      return *micros;
    }
    case SqliteValue::Type::kInteger: {
      auto micros = epoch_to_micros(value.integer, target.epoch_unit);
      if (!micros) return refuse(value, micros.error().message);
      return *micros;
    }
    default:
      return refuse(value, "is a blob, not a date/time");
  }
}

Status encode_date(const SqliteValue& value, const ColumnTarget& target,
                   std::vector<std::byte>& out) {
  bool infinite = false;
  auto micros = to_micros(value, target, infinite);
  if (!micros) return fail(micros.error());
  std::int32_t days = 0;
  if (infinite) {
    days = *micros == kTimestampInfinity ? kDateInfinity : kDateMinusInfinity;
  } else {
    if (*micros % kMicrosPerDay != 0) {
      return refuse(value, "has a time of day, which a date cannot hold (--cast to timestamp)");
    }
    std::int64_t whole = *micros / kMicrosPerDay;
    if (!date_in_range(whole)) return refuse(value, "is out of range for date");
    days = static_cast<std::int32_t>(whole);
  }
  put_u32(out, static_cast<std::uint32_t>(days));
  return {};
}

Status encode_timestamp(const SqliteValue& value, const ColumnTarget& target,
                        std::vector<std::byte>& out) {
  bool infinite = false;
  auto micros = to_micros(value, target, infinite);
  if (!micros) return fail(micros.error());
  if (!infinite && !timestamp_in_range(*micros)) {
    return refuse(value, "is out of range for " + target.type.sql);
  }
  put_u64(out, static_cast<std::uint64_t>(*micros));
  return {};
}

Status encode_json(const SqliteValue& value, bool binary, std::vector<std::byte>& out) {
  std::string number_text;
  std::string_view text;
  switch (value.type) {
    case SqliteValue::Type::kText:
      if (auto checked = check_text(value, value.bytes); !checked) return checked;
      text = value.bytes;
      break;
    case SqliteValue::Type::kInteger:
      number_text = decimal_text(decimal_from_int64(value.integer));
      text = number_text;
      break;
    case SqliteValue::Type::kReal:
      if (!std::isfinite(value.real)) return refuse(value, "is not a JSON number");
      number_text = decimal_text(decimal_from_double(value.real));
      text = number_text;
      break;
    default:
      return refuse(value, "is a blob, not JSON text");
  }
  if (!binary) {
    if (auto valid = validate_json(text); !valid) return refuse(value, valid.error().message);
    put_bytes(out, text);
    return {};
  }
  // One scratch string per thread: most values take the one-pass path and allocate nothing.
  thread_local std::string canonical;
  canonical.clear();
  if (auto appended = append_canonical_jsonb_text(text, canonical); !appended) {
    return refuse(value, appended.error().message);
  }
  out.push_back(std::byte{1});
  put_bytes(out, canonical);
  return {};
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Status encode_uuid(const SqliteValue& value, std::vector<std::byte>& out) {
  if (value.type == SqliteValue::Type::kBlob) {
    if (value.bytes.size() != 16) return refuse(value, "is a blob but not of 16 bytes");
    put_bytes(out, value.bytes);
    return {};
  }
  if (value.type != SqliteValue::Type::kText) return refuse(value, "is not a UUID");
  // uuid_in: optional braces, 32 hex digits, a dash allowed after any group of 4 digits.
  std::string_view text = trim(value.bytes);
  bool braces = !text.empty() && text.front() == '{';
  if (braces) {
    if (text.back() != '}') return refuse(value, "is not a UUID");
    text = text.substr(1, text.size() - 2);
  }
  std::byte bytes[16];
  std::size_t at = 0;
  for (int i = 0; i < 16; ++i) {
    if (i > 0 && i % 2 == 0 && at < text.size() && text[at] == '-') ++at;
    if (text.size() - at < 2) return refuse(value, "is not a UUID");
    int high = hex_digit(text[at]), low = hex_digit(text[at + 1]);
    if (high < 0 || low < 0) return refuse(value, "is not a UUID");
    bytes[i] = std::byte(high * 16 + low);
    at += 2;
  }
  if (at != text.size()) return refuse(value, "is not a UUID");
  out.insert(out.end(), bytes, bytes + 16);
  return {};
}

}  // namespace

Result<OnTypeError> parse_on_type_error(std::string_view text) {
  if (text == "fail") return OnTypeError::kFail;
  if (text == "null") return OnTypeError::kNull;
  if (text == "text") return OnTypeError::kText;
  return fail(ErrorKind::kUsage,
              "--on-type-error must be fail, null or text, not '" + std::string(text) + "'");
}

namespace {

// Each case returns its callee's Status as is: a default-constructed Status assigned later
// zero-fills the whole Error (about 90 bytes) on every value, which measured as the hottest
// instructions of the encoder.
Status encode_by_kind(const SqliteValue& value, const ColumnTarget& target,
                      std::vector<std::byte>& out) {
  switch (target.type.kind) {
    case TargetKind::kInt2:
    case TargetKind::kInt4:
    case TargetKind::kInt8:
      return encode_integer(value, target.type, out);
    case TargetKind::kFloat8:
      return encode_float8(value, out);
    case TargetKind::kNumeric:
      return encode_numeric(value, target.type, out);
    case TargetKind::kText:
    case TargetKind::kVarchar:
      return encode_text(value, target.type, out);
    case TargetKind::kBytea:
      return encode_bytea(value, out);
    case TargetKind::kBool:
      return encode_bool(value, out);
    case TargetKind::kDate:
      return encode_date(value, target, out);
    case TargetKind::kTimestamp:
    case TargetKind::kTimestamptz:
      return encode_timestamp(value, target, out);
    case TargetKind::kJson:
      return encode_json(value, false, out);
    case TargetKind::kJsonb:
      return encode_json(value, true, out);
    case TargetKind::kUuid:
      return encode_uuid(value, out);
  }
  return fail(ErrorKind::kRuntime, "no encoder for " + target.type.sql);
}

}  // namespace

Status encode_value(const SqliteValue& value, const ColumnTarget& target,
                    std::vector<std::byte>& out) {
  if (value.type == SqliteValue::Type::kNull) {
    return fail(ErrorKind::kRuntime, "encode_value called with NULL");
  }
  std::size_t size_before = out.size();
  Status status = encode_by_kind(value, target, out);
  if (!status) out.resize(size_before);
  return status;
}

Result<FieldOutcome> append_copy_field(const SqliteValue& value, const ColumnTarget& target,
                                       OnTypeError policy, std::vector<std::byte>& out) {
  if (value.type == SqliteValue::Type::kNull) {
    put_u32(out, 0xFFFFFFFFu);
    return FieldOutcome::kNull;
  }
  std::size_t length_at = out.size();
  put_u32(out, 0);
  auto encoded = encode_value(value, target, out);
  if (!encoded) {
    out.resize(length_at);
    if (policy != OnTypeError::kNull) return fail(encoded.error());
    if (!target.nullable) {
      return fail(std::move(encoded.error())
                      .within("--on-type-error=null cannot apply to a NOT NULL column"));
    }
    put_u32(out, 0xFFFFFFFFu);
    return FieldOutcome::kReplacedByNull;
  }
  std::size_t length = out.size() - length_at - 4;
  if (length > 0x7FFFFFFF) {
    out.resize(length_at);
    return refuse(value, "is too large for one PostgreSQL value");
  }
  auto size = static_cast<std::uint32_t>(length);
  out[length_at] = std::byte(size >> 24);
  out[length_at + 1] = std::byte(size >> 16);
  out[length_at + 2] = std::byte(size >> 8);
  out[length_at + 3] = std::byte(size);
  return FieldOutcome::kEncoded;
}

std::string describe_value(const SqliteValue& value) {
  switch (value.type) {
    case SqliteValue::Type::kNull:
      return "NULL";
    case SqliteValue::Type::kInteger:
      return std::to_string(value.integer);
    case SqliteValue::Type::kReal:
      return shortest_double(value.real);
    case SqliteValue::Type::kText: {
      // Valid UTF-8 apart from NUL bytes (shown escaped) is shown as text.
      bool valid = true;
      for (std::string_view rest = value.bytes; auto bad = first_invalid_utf8(rest);) {
        if (rest[*bad] != '\0') {
          valid = false;
          break;
        }
        rest.remove_prefix(*bad + 1);
      }
      std::string_view shown =
          valid ? utf8_prefix(value.bytes, kDescribeBytes) : value.bytes.substr(0, kDescribeBytes);
      std::string out = "'";
      for (char c : shown) {
        auto u = static_cast<unsigned char>(c);
        if (c == '\'') {
          out += "''";
        } else if (c == '\n') {
          out += "\\n";
        } else if (c == '\t') {
          out += "\\t";
        } else if (u < 0x20 || u == 0x7f || (!valid && u >= 0x80)) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\x%02x", u);
          out += escaped;
        } else {
          out += c;
        }
      }
      out += "'";
      if (shown.size() < value.bytes.size()) {
        out += "... (" + std::to_string(value.bytes.size()) + " bytes)";
      }
      return out;
    }
    case SqliteValue::Type::kBlob: {
      std::string out = "x'";
      std::size_t shown = std::min<std::size_t>(value.bytes.size(), kDescribeBytes / 2);
      for (std::size_t i = 0; i < shown; ++i) {
        char hex[4];
        std::snprintf(hex, sizeof hex, "%02x", static_cast<unsigned char>(value.bytes[i]));
        out += hex;
      }
      out += "'";
      if (shown < value.bytes.size()) {
        out += "... (" + std::to_string(value.bytes.size()) + " bytes)";
      }
      return out;
    }
  }
  return "?";
}

std::string value_text_form(const SqliteValue& value) {
  switch (value.type) {
    case SqliteValue::Type::kInteger:
      return std::to_string(value.integer);
    case SqliteValue::Type::kReal:
      return shortest_double(value.real);
    case SqliteValue::Type::kText:
    case SqliteValue::Type::kBlob:
      return std::string(value.bytes);
    case SqliteValue::Type::kNull:
      break;
  }
  return {};
}

}  // namespace pgshift::sqlite
