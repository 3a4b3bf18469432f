#include "connectors/sqlite/default_value.hpp"

#include <cctype>
#include <charconv>
#include <cmath>

#include "connectors/sqlite/pg_literal.hpp"
#include "connectors/sqlite/sql_expression.hpp"
#include "connectors/sqlite/sql_tokens.hpp"
#include "engine/core/ascii_text.hpp"
#include "engine/model/pg_quote.hpp"

namespace pgshift::sqlite {
namespace {

enum class NowForm : std::uint8_t { kTimestampText, kDateText, kTimeText, kEpochSeconds, kJulian };

struct NowValue {
  NowForm form = NowForm::kTimestampText;
  std::string to_char_format;  // for text columns
};

// Recognizes SQLite's ways of writing "now"; `modifier` receives an unsupported modifier.
std::optional<NowValue> now_value(std::span<const Token> tokens, std::string& modifier) {
  const NowValue timestamp{NowForm::kTimestampText, "YYYY-MM-DD HH24:MI:SS"};
  const NowValue date{NowForm::kDateText, "YYYY-MM-DD"};
  const NowValue time{NowForm::kTimeText, "HH24:MI:SS"};
  if (tokens.size() == 1) {
    if (is_keyword(tokens[0], "CURRENT_TIMESTAMP")) return timestamp;
    if (is_keyword(tokens[0], "CURRENT_DATE")) return date;
    if (is_keyword(tokens[0], "CURRENT_TIME")) return time;
    return std::nullopt;
  }
  if (tokens.size() < 3 || tokens[0].kind != Token::Kind::kIdentifier ||
      !is_punctuation(tokens[1], '(') || !is_punctuation(tokens.back(), ')')) {
    return std::nullopt;
  }
  std::vector<std::string> args;
  for (auto part : split_top_level(tokens.subspan(2, tokens.size() - 3))) {
    if (part.size() != 1 || part[0].kind != Token::Kind::kString) return std::nullopt;
    args.push_back(part[0].text);
  }
  std::string name = ascii_lower(tokens[0].text);
  std::size_t first_modifier = 1;
  std::optional<NowValue> out;
  if (name == "unixepoch") {
    first_modifier = 0;
    if (!args.empty() && ascii_lower(args[0]) != "now") return std::nullopt;
    if (!args.empty()) first_modifier = 1;
    out = NowValue{NowForm::kEpochSeconds, {}};
  } else if (name == "strftime") {
    if (args.size() < 2 || ascii_lower(args[1]) != "now") return std::nullopt;
    first_modifier = 2;
    const std::string& format = args[0];
    if (format == "%s") {
      out = NowValue{NowForm::kEpochSeconds, {}};
    } else if (format == "%J") {
      out = NowValue{NowForm::kJulian, {}};
    } else if (format == "%Y-%m-%d %H:%M:%S") {
      out = timestamp;
    } else if (format == "%Y-%m-%d %H:%M:%f") {
      out = NowValue{NowForm::kTimestampText, "YYYY-MM-DD HH24:MI:SS.MS"};
    } else if (format == "%Y-%m-%dT%H:%M:%S") {
      out = NowValue{NowForm::kTimestampText, "YYYY-MM-DD\"T\"HH24:MI:SS"};
    } else if (format == "%Y-%m-%dT%H:%M:%fZ") {
      out = NowValue{NowForm::kTimestampText, "YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\""};
    } else if (format == "%Y-%m-%dT%H:%M:%SZ") {
      out = NowValue{NowForm::kTimestampText, "YYYY-MM-DD\"T\"HH24:MI:SS\"Z\""};
    } else if (format == "%Y-%m-%d") {
      out = date;
    } else if (format == "%H:%M:%S") {
      out = time;
    } else {
      modifier = "format " + format;
      return std::nullopt;
    }
  } else {
    if (args.empty() || ascii_lower(args[0]) != "now") return std::nullopt;
    if (name == "datetime") {
      out = timestamp;
    } else if (name == "date") {
      out = date;
    } else if (name == "time") {
      out = time;
    } else if (name == "julianday") {
      out = NowValue{NowForm::kJulian, {}};
    } else {
      return std::nullopt;
    }
  }
  if (args.size() > first_modifier) {
    modifier = "modifier '" + args[first_modifier] + "'";
    return std::nullopt;
  }
  return out;
}

constexpr std::string_view kNowUtc = "(now() AT TIME ZONE 'UTC')";
constexpr std::string_view kEpochSeconds = "floor(extract(epoch from now()))";

std::optional<std::string> render_now(const NowValue& now, TargetKind kind) {
  bool textual = now.form == NowForm::kTimestampText || now.form == NowForm::kDateText ||
                 now.form == NowForm::kTimeText;
  switch (kind) {
    case TargetKind::kTimestamp:
      if (now.form == NowForm::kTimeText) return std::nullopt;
      if (now.form == NowForm::kDateText) return "date_trunc('day', " + std::string(kNowUtc) + ")";
      return std::string(kNowUtc);
    case TargetKind::kTimestamptz:
      if (now.form == NowForm::kTimeText) return std::nullopt;
      if (now.form == NowForm::kDateText) return std::string("date_trunc('day', now(), 'UTC')");
      return std::string("now()");
    case TargetKind::kDate:
      if (now.form == NowForm::kTimeText) return std::nullopt;
      return "(" + std::string(kNowUtc) + "::date)";
    case TargetKind::kText:
    case TargetKind::kVarchar:
      if (textual) {
        return "to_char(" + std::string(kNowUtc) + ", " + pg::quote_literal(now.to_char_format) +
               ")";
      }
      if (now.form == NowForm::kEpochSeconds) {
        return "(" + std::string(kEpochSeconds) + "::bigint::text)";
      }
      return std::nullopt;
    case TargetKind::kInt2:
    case TargetKind::kInt4:
    case TargetKind::kInt8:
      if (now.form == NowForm::kEpochSeconds) {
        return "(" + std::string(kEpochSeconds) + "::bigint)";
      }
      return std::nullopt;
    case TargetKind::kFloat8:
    case TargetKind::kNumeric:
      if (now.form == NowForm::kEpochSeconds) return std::string(kEpochSeconds);
      if (now.form == NowForm::kJulian) {
        return std::string("(extract(epoch from now()) / 86400.0 + 2440587.5)");
      }
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

// One literal default as a SQLite value; `storage` holds decoded bytes.
std::optional<SqliteValue> literal_value(std::span<const Token> tokens, std::string& storage) {
  bool negative = false;
  if (tokens.size() == 2 && tokens[0].kind == Token::Kind::kOperator &&
      (tokens[0].text == "-" || tokens[0].text == "+") && tokens[1].kind == Token::Kind::kNumber) {
    negative = tokens[0].text == "-";
    tokens = tokens.subspan(1);
  }
  if (tokens.size() != 1) return std::nullopt;
  const Token& token = tokens[0];
  switch (token.kind) {
    case Token::Kind::kNumber: {
      const std::string& text = token.text;
      if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        std::uint64_t value = 0;
        auto [end, ec] = std::from_chars(text.data() + 2, text.data() + text.size(), value, 16);
        if (ec != std::errc()) return std::nullopt;
        auto signed_value = static_cast<std::int64_t>(value);
        return SqliteValue::of_integer(negative ? -signed_value : signed_value);
      }
      std::string digits = (negative ? "-" : "") + text;
      std::int64_t integer = 0;
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), integer);
      if (ec == std::errc() && end == digits.data() + digits.size()) {
        return SqliteValue::of_integer(integer);
      }
      double real = 0;
      std::from_chars(digits.data(), digits.data() + digits.size(), real);
      return SqliteValue::of_real(real);
    }
    case Token::Kind::kString:
      if (negative) return std::nullopt;
      storage = token.text;
      return SqliteValue::of_text(storage);
    case Token::Kind::kBlob: {
      if (negative || token.text.size() % 2 != 0) return std::nullopt;
      storage.clear();
      for (std::size_t i = 0; i < token.text.size(); i += 2) {
        unsigned byte = 0;
        auto [end, ec] =
            std::from_chars(token.text.data() + i, token.text.data() + i + 2, byte, 16);
        if (ec != std::errc() || end != token.text.data() + i + 2) return std::nullopt;
        storage += static_cast<char>(byte);
      }
      return SqliteValue::of_blob(storage);
    }
    case Token::Kind::kIdentifier:
      if (negative) return std::nullopt;
      if (is_keyword(token, "TRUE")) return SqliteValue::of_integer(1);
      if (is_keyword(token, "FALSE")) return SqliteValue::of_integer(0);
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

// A text that SQLite's affinity would read as a number, as that number.
std::optional<SqliteValue> numeric_text(std::string_view text) {
  text = trim(text);
  if (text.empty()) return std::nullopt;
  std::int64_t integer = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), integer);
  if (ec == std::errc() && end == text.data() + text.size()) {
    return SqliteValue::of_integer(integer);
  }
  double real = 0;
  auto [real_end, real_ec] =
      std::from_chars(text.data(), text.data() + text.size(), real, std::chars_format::general);
  if (real_ec == std::errc() && real_end == text.data() + text.size() && std::isfinite(real)) {
    return SqliteValue::of_real(real);
  }
  return std::nullopt;
}

}  // namespace

SqliteValue apply_affinity(const SqliteValue& value, Affinity affinity, std::string& storage) {
  switch (affinity) {
    case Affinity::kBlob:
      return value;
    case Affinity::kText:
      if (value.type == SqliteValue::Type::kInteger || value.type == SqliteValue::Type::kReal) {
        storage = value_text_form(value);
        return SqliteValue::of_text(storage);
      }
      return value;
    case Affinity::kReal:
      if (value.type == SqliteValue::Type::kInteger) {
        return SqliteValue::of_real(static_cast<double>(value.integer));
      }
      if (value.type == SqliteValue::Type::kText) {
        if (auto number = numeric_text(value.bytes)) {
          return number->type == SqliteValue::Type::kInteger
                     ? SqliteValue::of_real(static_cast<double>(number->integer))
                     : *number;
        }
      }
      return value;
    case Affinity::kInteger:
    case Affinity::kNumeric: {
      SqliteValue out = value;
      if (value.type == SqliteValue::Type::kText) {
        if (auto number = numeric_text(value.bytes)) out = *number;
      }
      if (out.type == SqliteValue::Type::kReal && out.real == std::trunc(out.real) &&
          out.real >= -9223372036854775808.0 && out.real < 9223372036854775808.0) {
        return SqliteValue::of_integer(static_cast<std::int64_t>(out.real));
      }
      return out;
    }
  }
  return value;
}

DefaultTranslation translate_default(std::string_view sqlite_default, const ColumnTarget& target,
                                     Affinity affinity) {
  DefaultTranslation out;
  auto left_out = [&](const std::string& why) {
    out.warning = "DEFAULT " + std::string(sqlite_default) + " left out: " + why;
    return out;
  };
  auto tokens = tokenize_sql(sqlite_default);
  if (!tokens) return left_out(tokens.error().message);
  std::span<const Token> expression(*tokens);
  // Outer parentheses that enclose everything.
  while (expression.size() >= 2 && is_punctuation(expression.front(), '(')) {
    std::size_t close = 0;
    if (!parenthesized(expression, 0, close) || close != expression.size() - 1) break;
    expression = expression.subspan(1, expression.size() - 2);
  }
  if (expression.empty()) return out;
  if (expression.size() == 1 && is_keyword(expression[0], "NULL")) return out;

  std::string storage;
  if (auto literal = literal_value(expression, storage)) {
    std::string converted;
    SqliteValue stored = apply_affinity(*literal, affinity, converted);
    auto rendered = typed_literal(stored, target);
    if (!rendered) return left_out(rendered.error().message + " for " + target.type.sql);
    out.sql = *rendered;
    return out;
  }
  std::string modifier;
  if (auto now = now_value(expression, modifier)) {
    auto rendered = render_now(*now, target.type.kind);
    if (!rendered) return left_out("the current time in that form does not fit " + target.type.sql);
    out.sql = *rendered;
    if (target.type.kind == TargetKind::kDate && now->form == NowForm::kTimestampText) {
      out.notes.push_back("a date/time default on a date column keeps the date only");
    }
    return out;
  }
  if (!modifier.empty()) return left_out("SQLite " + modifier + " has no PostgreSQL equivalent");
  auto translated = translate_expression(expression, ExprContext{});
  if (!translated) return left_out(translated.error().message);
  ExprKind wanted = expr_kind_of(target.type.kind);
  if (translated->kind != wanted && translated->kind != ExprKind::kNull) {
    return left_out("its type does not fit " + target.type.sql);
  }
  out.sql = translated->sql;
  out.notes = std::move(translated->notes);
  return out;
}

}  // namespace pgshift::sqlite
