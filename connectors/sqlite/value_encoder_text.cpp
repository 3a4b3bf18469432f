#include "connectors/sqlite/value_encoder_parts.hpp"

#include <cmath>
#include <string>

#include "connectors/sqlite/decimal.hpp"
#include "connectors/sqlite/jsonb_text.hpp"
#include "connectors/sqlite/utf8.hpp"
#include "engine/core/ascii_text.hpp"

namespace pgshift::sqlite::value_encoding {
namespace {

// Text bytes valid for a PostgreSQL text value, or the refusal.
Status check_text(const SqliteValue& value, std::string_view bytes) {
  if (auto bad = first_invalid_utf8(bytes)) {
    if (bytes[*bad] == '\0') return refuse(value, "contains a NUL byte, which text cannot hold");
    return refuse(value, "is not valid UTF-8 (at byte " + std::to_string(*bad) + ")");
  }
  return {};
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

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

}  // namespace pgshift::sqlite::value_encoding
