#include "connectors/sqlite/value_encoder.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "connectors/sqlite/utf8.hpp"
#include "connectors/sqlite/value_encoder_parts.hpp"

namespace pgshift::sqlite {

namespace value_encoding {

Unexpected<Error> refuse(const SqliteValue& value, std::string_view what) {
  return fail(ErrorKind::kRefused, "value " + describe_value(value) + " " + std::string(what));
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

}  // namespace value_encoding

namespace {

using value_encoding::put_u32;
using value_encoding::refuse;

constexpr std::size_t kDescribeBytes = 60;

std::string shortest_double(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Inf" : "-Inf";
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  std::string out(buffer, end);
  if (out.find_first_of(".en") == std::string::npos) out += ".0";
  return out;
}

}  // namespace

Result<OnTypeError> parse_on_type_error(std::string_view text) {
  if (text == "fail") return OnTypeError::kFail;
  if (text == "null") return OnTypeError::kNull;
  if (text == "text") return OnTypeError::kText;
  return fail(ErrorKind::kUsage,
              "--on-type-error must be fail, null or text, not '" + std::string(text) + "'");
}

Status encode_value(const SqliteValue& value, const ColumnTarget& target,
                    std::vector<std::byte>& out) {
  if (value.type == SqliteValue::Type::kNull) {
    return fail(ErrorKind::kRuntime, "encode_value called with NULL");
  }
  std::size_t size_before = out.size();
  Status status = value_encoding::encode_by_kind(value, target, out);
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
