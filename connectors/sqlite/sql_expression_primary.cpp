#include "connectors/sqlite/sql_expression_translator.hpp"

#include <charconv>
#include <optional>

#include "engine/core/ascii_text.hpp"
#include "engine/model/pg_quote.hpp"

namespace pgshift::sqlite::expression {
namespace {

Piece string_literal(const std::string& value) {
  Piece out;
  out.kind = ExprKind::kText;
  out.literal = Literal::kString;
  out.literal_text = value;
  out.sql = pg::quote_literal(value);
  return out;
}

}  // namespace

Result<Piece> Translator::parse_primary() {
  const Token* token = peek();
  if (!token) return refuse("unexpected end of expression");
  ++at_;
  Piece out;
  switch (token->kind) {
    case Token::Kind::kNumber:
      return number_literal(*token);
    case Token::Kind::kString:
      return string_literal(token->text);
    case Token::Kind::kBlob:
      out.kind = ExprKind::kBytes;
      out.literal = Literal::kBlob;
      out.sql = "'\\x" + ascii_lower(token->text) + "'::bytea";
      return out;
    case Token::Kind::kVariable:
      return refuse("parameter " + token->text);
    case Token::Kind::kOperator:
      return refuse("unexpected '" + token->text + "'");
    case Token::Kind::kPunctuation: {
      if (!is_punctuation(*token, '(')) return refuse("unexpected '" + token->text + "'");
      if (keyword_ahead("SELECT") || keyword_ahead("WITH")) return refuse("subquery");
      auto inner = parse_or();
      if (!inner) return inner;
      if (punctuation_ahead(',')) return refuse("row value");
      if (auto close = expect_punctuation(')'); !close) return fail(close.error());
      if (inner->literal == Literal::kNone && !inner->typeof_of) {
        inner->sql = "(" + inner->sql + ")";
        inner->column = nullptr;
      }
      return inner;
    }
    case Token::Kind::kQuotedIdentifier: {
      if (punctuation_ahead('.')) break;  // qualified name, below
      if (const ExprColumn* column = find_column(token->text)) return column_piece(*column);
      if (token->text.empty()) return refuse("empty name");
      // SQLite reads a double-quoted word that names no column as a string.
      notes.push_back("\"" + token->text + "\" names no column: read as a string, as SQLite does");
      return string_literal(token->text);
    }
    case Token::Kind::kIdentifier:
      break;
  }
  // Bare words: keywords, functions, column names (possibly qualified).
  const std::string& word = token->text;
  if (token->kind == Token::Kind::kIdentifier) {
    if (iequals(word, "NULL")) {
      out.literal = Literal::kNull;
      out.sql = "NULL";
      return out;
    }
    if (iequals(word, "TRUE") || iequals(word, "FALSE")) {
      out.kind = ExprKind::kBool;
      out.literal = Literal::kBool;
      out.bool_value = iequals(word, "TRUE");
      out.sql = out.bool_value ? "true" : "false";
      return out;
    }
    if (iequals(word, "CURRENT_TIMESTAMP")) return now_piece(ExprKind::kTimestamp);
    if (iequals(word, "CURRENT_DATE")) return now_piece(ExprKind::kDate);
    if (iequals(word, "CURRENT_TIME")) return refuse("CURRENT_TIME");
    if (iequals(word, "CASE")) return parse_case();
    if (iequals(word, "CAST")) return parse_cast();
    if (iequals(word, "EXISTS") || iequals(word, "SELECT") || iequals(word, "RAISE")) {
      return refuse(word);
    }
    if (punctuation_ahead('(')) return function_call(word);
  }
  // [schema.][table.]column: the last part names the column.
  const Token* name = token;
  while (punctuation_ahead('.')) {
    ++at_;
    const Token* next = peek();
    if (!next || !is_name(*next)) return refuse("bad qualified name");
    name = next;
    ++at_;
  }
  if (const ExprColumn* column = find_column(name->text)) return column_piece(*column);
  if (iequals(name->text, "rowid") || iequals(name->text, "oid") ||
      iequals(name->text, "_rowid_")) {
    return refuse("rowid has no PostgreSQL column");
  }
  return refuse("unknown column " + name->text);
}

Result<Piece> Translator::number_literal(const Token& token) {
  Piece out;
  out.kind = ExprKind::kNumber;
  std::string text = token.text;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    std::uint64_t value = 0;
    auto [end, ec] = std::from_chars(text.data() + 2, text.data() + text.size(), value, 16);
    if (ec != std::errc()) return refuse("hex literal out of range");
    text = std::to_string(static_cast<std::int64_t>(value));
    out.literal = Literal::kInteger;
  } else if (text.find_first_of(".eE") != std::string::npos) {
    out.literal = Literal::kReal;
    if (text.front() == '.') text = "0" + text;
  } else {
    std::int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    out.literal = ec == std::errc() ? Literal::kInteger : Literal::kReal;
  }
  out.integral = out.literal == Literal::kInteger;
  out.literal_text = text;
  out.sql = text;
  return out;
}

const ExprColumn* Translator::find_column(std::string_view name) const {
  for (const auto& column : context_.columns) {
    if (iequals(column.name, name)) return &column;
  }
  return nullptr;
}

Result<Piece> Translator::column_piece(const ExprColumn& column) {
  Piece out;
  out.kind = expr_kind_of(column.kind);
  out.integral = column.kind == TargetKind::kInt2 || column.kind == TargetKind::kInt4 ||
                 column.kind == TargetKind::kInt8;
  out.column = &column;
  out.sql = pg::quote_identifier(column.name);
  return out;
}

Result<Piece> Translator::parse_case() {
  std::optional<Piece> base;
  if (!keyword_ahead("WHEN")) {
    auto parsed = parse_or();
    if (!parsed) return parsed;
    if (auto plain = check_plain(*parsed); !plain) return fail(plain.error());
    base = std::move(*parsed);
  }
  std::vector<std::pair<std::string, Piece>> branches;
  std::optional<Piece> otherwise;
  while (keyword_ahead("WHEN")) {
    ++at_;
    auto when = parse_or();
    if (!when) return when;
    std::string when_sql;
    if (base) {
      if (auto fitted = fit_pair(*base, *when); !fitted) return fail(fitted.error());
      when_sql = when->sql;
    } else {
      auto c = condition(*when);
      if (!c) return fail(c.error());
      when_sql = *c;
    }
    if (auto then = expect_keyword("THEN"); !then) return fail(then.error());
    auto result = parse_or();
    if (!result) return result;
    branches.emplace_back(when_sql, std::move(*result));
  }
  if (branches.empty()) return refuse("CASE without WHEN");
  if (keyword_ahead("ELSE")) {
    ++at_;
    auto result = parse_or();
    if (!result) return result;
    otherwise = std::move(*result);
  }
  if (auto end = expect_keyword("END"); !end) return fail(end.error());
  // All results must have one kind; literals are fitted to the first non-literal result.
  const Piece* anchor = nullptr;
  for (auto& [when, result] : branches) {
    if (!anchor && result.literal == Literal::kNone) anchor = &result;
  }
  if (!anchor && otherwise && otherwise->literal == Literal::kNone) anchor = &*otherwise;
  ExprKind kind = ExprKind::kNull;
  bool integral = true;
  auto settle = [&](Piece& result) -> Status {
    integral = integral && (result.integral || result.literal == Literal::kNull);
    if (auto plain = check_plain(result); !plain) return plain;
    if (anchor && &result != anchor) {
      if (auto fitted = fit_literal(result, *anchor); !fitted) return fitted;
    }
    if (kind == ExprKind::kNull) kind = result.kind;
    if (!compatible(kind, result.kind)) return refuse("CASE results of different types");
    return {};
  };
  Piece out;
  out.sql = "(CASE";
  if (base) out.sql += " " + base->sql;
  for (auto& [when, result] : branches) {
    if (auto ok = settle(result); !ok) return fail(ok.error());
    out.sql += " WHEN " + when + " THEN " + result.sql;
  }
  if (otherwise) {
    if (auto ok = settle(*otherwise); !ok) return fail(ok.error());
    out.sql += " ELSE " + otherwise->sql;
  }
  out.sql += " END)";
  out.kind = kind;
  out.integral = kind == ExprKind::kNumber && integral;
  return out;
}

Result<Piece> Translator::parse_cast() {
  if (auto open = expect_punctuation('('); !open) return fail(open.error());
  auto operand = parse_or();
  if (!operand) return operand;
  if (auto plain = check_plain(*operand); !plain) return fail(plain.error());
  if (auto as = expect_keyword("AS"); !as) return fail(as.error());
  std::string type_text;
  int depth = 0;
  while (const Token* token = peek()) {
    if (is_punctuation(*token, ')') && depth == 0) break;
    if (is_punctuation(*token, '(')) ++depth;
    if (is_punctuation(*token, ')')) --depth;
    type_text += (type_text.empty() ? "" : " ") + token->text;
    ++at_;
  }
  if (auto close = expect_punctuation(')'); !close) return fail(close.error());
  TypeMapping mapping = map_declared_type(type_text);
  ExprKind to = expr_kind_of(mapping.type.kind);
  ExprKind from = operand->kind;
  bool to_integer = mapping.type.kind == TargetKind::kInt2 ||
                    mapping.type.kind == TargetKind::kInt4 ||
                    mapping.type.kind == TargetKind::kInt8;
  bool allowed =
      from == ExprKind::kNull || from == to || (from == ExprKind::kNumber && to == ExprKind::kText);
  if (!allowed || mapping.type.kind == TargetKind::kBytea) {
    return refuse("CAST of a " + std::string(kind_name(from)) + " to " + type_text);
  }
  if (from == ExprKind::kNumber && (to_integer || to == ExprKind::kText) && !operand->integral) {
    // SQLite truncates to an integer where PostgreSQL rounds, and prints reals differently.
    return refuse("CAST of a number that may not be an integer to " + type_text);
  }
  return computed(to, "CAST(" + operand->sql + " AS " + mapping.type.sql + ")",
                  to_integer || (to == ExprKind::kNumber && operand->integral));
}

}  // namespace pgshift::sqlite::expression
