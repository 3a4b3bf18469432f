#include "connectors/sqlite/pg_literal.hpp"

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "connectors/sqlite/datetime_value.hpp"
#include "connectors/sqlite/decimal.hpp"
#include "engine/model/copy_binary.hpp"
#include "engine/model/pg_quote.hpp"

namespace pgshift::sqlite {
namespace {

std::uint64_t read_u64(const std::byte* p) {
  return (static_cast<std::uint64_t>(pg::read_u32(p)) << 32) | pg::read_u32(p + 4);
}

std::string as_text(const std::vector<std::byte>& bytes, std::size_t from) {
  return std::string(reinterpret_cast<const char*>(bytes.data()) + from, bytes.size() - from);
}

std::string typed(const std::string& text, const PgType& type) {
  return pg::quote_literal(text) + "::" + type.sql;
}

}  // namespace

Result<std::string> typed_literal(const SqliteValue& value, const ColumnTarget& target) {
  if (value.type == SqliteValue::Type::kNull) return std::string("NULL");
  std::vector<std::byte> bytes;
  if (auto encoded = encode_value(value, target, bytes); !encoded) return fail(encoded.error());
  const PgType& type = target.type;
  switch (type.kind) {
    case TargetKind::kInt2:
      return std::to_string(static_cast<std::int16_t>(pg::read_u16(bytes.data())));
    case TargetKind::kInt4:
      return std::to_string(static_cast<std::int32_t>(pg::read_u32(bytes.data())));
    case TargetKind::kInt8:
      return std::to_string(static_cast<std::int64_t>(read_u64(bytes.data())));
    case TargetKind::kFloat8: {
      double d = std::bit_cast<double>(read_u64(bytes.data()));
      if (std::isnan(d)) return typed("NaN", type);
      if (std::isinf(d)) return typed(d > 0 ? "Infinity" : "-Infinity", type);
      char buffer[64];
      auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, d);
      return typed(std::string(buffer, end), type);
    }
    case TargetKind::kNumeric: {
      auto text = numeric_binary_text(bytes);
      if (!text) return fail(text.error());
      bool special = text->front() == 'N' || text->back() == 'y';  // NaN, [-]Infinity
      return special ? typed(*text, type) : *text;
    }
    case TargetKind::kText:
    case TargetKind::kVarchar:
    case TargetKind::kJson:
      return typed(as_text(bytes, 0), type);
    case TargetKind::kJsonb:
      return typed(as_text(bytes, 1), type);
    case TargetKind::kBytea: {
      std::string hex = "\\x";
      for (std::byte b : bytes) {
        char digits[4];
        std::snprintf(digits, sizeof digits, "%02x", std::to_integer<unsigned>(b));
        hex += digits;
      }
      return typed(hex, type);
    }
    case TargetKind::kBool:
      return std::string(bytes[0] == std::byte{1} ? "true" : "false");
    case TargetKind::kDate:
      return typed(format_date(static_cast<std::int32_t>(pg::read_u32(bytes.data()))), type);
    case TargetKind::kTimestamp:
      return typed(format_timestamp(static_cast<std::int64_t>(read_u64(bytes.data()))), type);
    case TargetKind::kTimestamptz: {
      auto micros = static_cast<std::int64_t>(read_u64(bytes.data()));
      std::string text = format_timestamp(micros);
      if (micros != kTimestampInfinity && micros != kTimestampMinusInfinity) {
        // The zone goes before a trailing " BC".
        auto bc = text.rfind(" BC");
        if (bc != std::string::npos) {
          text.insert(bc, "+00");
        } else {
          text += "+00";
        }
      }
      return typed(text, type);
    }
    case TargetKind::kUuid: {
      std::string text;
      for (std::size_t i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) text += '-';
        char digits[4];
        std::snprintf(digits, sizeof digits, "%02x", std::to_integer<unsigned>(bytes[i]));
        text += digits;
      }
      return typed(text, type);
    }
  }
  return fail(ErrorKind::kRuntime, "no literal form for " + type.sql);
}

}  // namespace pgshift::sqlite
