#include "connectors/sqlite/sql_expression.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>

#include "connectors/sqlite/ascii_text.hpp"
#include "connectors/sqlite/datetime_value.hpp"
#include "connectors/sqlite/decimal.hpp"
#include "engine/model/pg_quote.hpp"

namespace pgshift::sqlite {
namespace {

constexpr std::string_view kNowUtc = "(now() AT TIME ZONE 'UTC')";
constexpr std::string_view kTodayUtc = "((now() AT TIME ZONE 'UTC')::date)";

std::string_view kind_name(ExprKind kind) {
  switch (kind) {
    case ExprKind::kBool:
      return "boolean";
    case ExprKind::kNumber:
      return "number";
    case ExprKind::kText:
      return "text";
    case ExprKind::kBytes:
      return "bytes";
    case ExprKind::kDate:
      return "date";
    case ExprKind::kTimestamp:
      return "timestamp";
    case ExprKind::kJson:
      return "json";
    case ExprKind::kUuid:
      return "uuid";
    case ExprKind::kNull:
      return "NULL";
  }
  return "?";
}

enum class Literal : std::uint8_t { kNone, kInteger, kReal, kString, kBool, kNull, kBlob };

// A translated sub-expression plus what the typed fix-ups need to know about it.
struct Piece {
  std::string sql;
  ExprKind kind = ExprKind::kNull;
  Literal literal = Literal::kNone;
  std::string literal_text;  // numbers as written (sign included), string values
  bool bool_value = false;
  const ExprColumn* column = nullptr;     // a plain column reference
  const ExprColumn* typeof_of = nullptr;  // typeof(column): only valid compared with a type name
  bool integral =
      false;  // a number known to be an integer (its text form is the same on both sides)
};

std::unexpected<Error> refuse(const std::string& why) {
  return fail(ErrorKind::kRuntime, why);
}

bool typeof_matches(TargetKind kind, std::string_view type_name) {
  if (type_name == "integer") {
    return kind == TargetKind::kInt2 || kind == TargetKind::kInt4 || kind == TargetKind::kInt8 ||
           kind == TargetKind::kBool;
  }
  if (type_name == "real") return kind == TargetKind::kFloat8;
  if (type_name == "text") {
    return kind == TargetKind::kText || kind == TargetKind::kVarchar || kind == TargetKind::kJson ||
           kind == TargetKind::kJsonb;
  }
  if (type_name == "blob") return kind == TargetKind::kBytea;
  return false;
}

class Translator {
 public:
  Translator(std::span<const Token> tokens, const ExprContext& context)
      : tokens_(tokens), context_(context) {}

  Result<Piece> run() {
    auto piece = parse_or();
    if (!piece) return piece;
    if (at_ != tokens_.size()) return refuse("unexpected '" + tokens_[at_].text + "'");
    if (auto plain = check_plain(*piece); !plain) return fail(plain.error());
    return piece;
  }

  std::vector<std::string> notes;

  Result<std::string> condition(const Piece& piece) {
    if (auto plain = check_plain(piece); !plain) return fail(plain.error());
    switch (piece.kind) {
      case ExprKind::kBool:
      case ExprKind::kNull:
        return piece.sql;
      case ExprKind::kNumber:
        return "(" + piece.sql + " <> 0)";
      default:
        return refuse("a " + std::string(kind_name(piece.kind)) + " used as a condition");
    }
  }

 private:
  const Token* peek(std::size_t ahead = 0) const {
    return at_ + ahead < tokens_.size() ? &tokens_[at_ + ahead] : nullptr;
  }
  bool keyword_ahead(std::string_view word, std::size_t ahead = 0) const {
    const Token* token = peek(ahead);
    return token && is_keyword(*token, word);
  }
  bool operator_ahead(std::string_view op) const {
    const Token* token = peek();
    return token && token->kind == Token::Kind::kOperator && token->text == op;
  }
  bool punctuation_ahead(char c) const {
    const Token* token = peek();
    return token && is_punctuation(*token, c);
  }
  Status expect_punctuation(char c) {
    if (!punctuation_ahead(c)) return refuse(std::string("expected '") + c + "'");
    ++at_;
    return {};
  }
  Status expect_keyword(std::string_view word) {
    if (!keyword_ahead(word)) return refuse("expected " + std::string(word));
    ++at_;
    return {};
  }

  static Status check_plain(const Piece& piece) {
    if (piece.typeof_of)
      return refuse("typeof() is only translated when compared with a type name");
    return {};
  }

  // Rewrites a literal `piece` for comparison with `other` by SQLite's affinity rules.
  Status fit_literal(Piece& piece, const Piece& other) {
    if (piece.literal == Literal::kNone || piece.literal == Literal::kNull) return {};
    if (other.literal != Literal::kNone) return {};  // two literals: leave both as they are
    switch (other.kind) {
      case ExprKind::kBool:
        if (piece.literal == Literal::kInteger &&
            (piece.literal_text == "0" || piece.literal_text == "1")) {
          piece.sql = piece.literal_text == "1" ? "true" : "false";
          piece.kind = ExprKind::kBool;
        }
        return {};
      case ExprKind::kNumber:
        if (piece.literal == Literal::kBool) {
          piece.sql = piece.bool_value ? "1" : "0";
          piece.kind = ExprKind::kNumber;
          piece.integral = true;
        } else if (piece.literal == Literal::kString) {
          if (!parse_decimal(piece.literal_text)) {
            return refuse("compares a number with the text " + piece.sql);
          }
          piece.kind = ExprKind::kNumber;
        }
        return {};
      case ExprKind::kText:
        if (piece.literal == Literal::kInteger || piece.literal == Literal::kReal) {
          piece.sql = pg::quote_literal(piece.literal_text);
          piece.kind = ExprKind::kText;
        } else if (piece.literal == Literal::kBool) {
          piece.sql = piece.bool_value ? "'1'" : "'0'";
          piece.kind = ExprKind::kText;
        }
        return {};
      case ExprKind::kDate:
      case ExprKind::kTimestamp:
        if (piece.literal == Literal::kString) {
          if (!parse_iso_datetime(piece.literal_text)) {
            return refuse("compares a date/time with the text " + piece.sql);
          }
          piece.kind = other.kind;
        }
        return {};
      case ExprKind::kJson:
      case ExprKind::kUuid:
        if (piece.literal == Literal::kString) piece.kind = other.kind;
        return {};
      default:
        return {};
    }
  }

  static bool compatible(ExprKind a, ExprKind b) {
    return a == b || a == ExprKind::kNull || b == ExprKind::kNull;
  }

  Status fit_pair(Piece& a, Piece& b) {
    if (auto fitted = fit_literal(b, a); !fitted) return fitted;
    if (auto fitted = fit_literal(a, b); !fitted) return fitted;
    if (!compatible(a.kind, b.kind)) {
      return refuse("compares " + std::string(kind_name(a.kind)) + " with " +
                    std::string(kind_name(b.kind)));
    }
    return {};
  }

  // typeof(column) <op> 'type name' (op: = or <>).
  Result<Piece> typeof_compare(const Piece& typeof_piece, const Piece& name, bool equal) {
    if (name.literal != Literal::kString) return refuse("typeof() compared with a non-literal");
    std::string type_name = ascii_lower(name.literal_text);
    std::string column = pg::quote_identifier(typeof_piece.typeof_of->name);
    Piece out;
    out.kind = ExprKind::kBool;
    if (type_name == "null") {
      out.sql = "(" + column + (equal ? " IS NULL)" : " IS NOT NULL)");
    } else if (typeof_matches(typeof_piece.typeof_of->kind, type_name)) {
      out.sql = "(" + column + (equal ? " IS NOT NULL)" : " IS NULL)");
    } else {
      return refuse("typeof(" + typeof_piece.typeof_of->name + ") = '" + type_name +
                    "' does not follow from its PostgreSQL type");
    }
    notes.push_back("typeof() check on " + typeof_piece.typeof_of->name +
                    " is enforced by its PostgreSQL type; kept as a NULL test");
    return out;
  }

  Result<Piece> compare(Piece a, std::string_view op, Piece b) {
    if (a.typeof_of || b.typeof_of) {
      if (op != "=" && op != "<>") return refuse("typeof() compared with " + std::string(op));
      return a.typeof_of ? typeof_compare(a, b, op == "=") : typeof_compare(b, a, op == "=");
    }
    if (auto fitted = fit_pair(a, b); !fitted) return fail(fitted.error());
    bool ordering = op != "=" && op != "<>";
    if (a.kind == ExprKind::kBool && ordering) return refuse("orders booleans");
    Piece out;
    out.kind = ExprKind::kBool;
    std::string collate = ordering && (a.kind == ExprKind::kText || b.kind == ExprKind::kText)
                              ? " COLLATE \"C\""
                              : "";
    out.sql = "(" + a.sql + collate + " " + std::string(op) + " " + b.sql + ")";
    return out;
  }

  Result<Piece> parse_or() {
    auto left = parse_and();
    if (!left) return left;
    while (keyword_ahead("OR")) {
      ++at_;
      auto right = parse_and();
      if (!right) return right;
      auto l = condition(*left);
      if (!l) return fail(l.error());
      auto r = condition(*right);
      if (!r) return fail(r.error());
      Piece out;
      out.kind = ExprKind::kBool;
      out.sql = "(" + *l + " OR " + *r + ")";
      left = std::move(out);
    }
    return left;
  }

  Result<Piece> parse_and() {
    auto left = parse_not();
    if (!left) return left;
    while (keyword_ahead("AND")) {
      ++at_;
      auto right = parse_not();
      if (!right) return right;
      auto l = condition(*left);
      if (!l) return fail(l.error());
      auto r = condition(*right);
      if (!r) return fail(r.error());
      Piece out;
      out.kind = ExprKind::kBool;
      out.sql = "(" + *l + " AND " + *r + ")";
      left = std::move(out);
    }
    return left;
  }

  Result<Piece> parse_not() {
    if (keyword_ahead("NOT")) {
      ++at_;
      auto operand = parse_not();
      if (!operand) return operand;
      auto c = condition(*operand);
      if (!c) return fail(c.error());
      Piece out;
      out.kind = ExprKind::kBool;
      out.sql = "(NOT " + *c + ")";
      return out;
    }
    return parse_equality();
  }

  Result<Piece> null_test(const Piece& operand, bool negated) {
    if (auto plain = check_plain(operand); !plain) return fail(plain.error());
    Piece out;
    out.kind = ExprKind::kBool;
    out.sql = "(" + operand.sql + (negated ? " IS NOT NULL)" : " IS NULL)");
    return out;
  }

  Result<Piece> parse_equality() {
    auto left = parse_comparison();
    if (!left) return left;
    while (const Token* token = peek()) {
      if (token->kind == Token::Kind::kOperator && (token->text == "=" || token->text == "==" ||
                                                    token->text == "!=" || token->text == "<>")) {
        ++at_;
        auto right = parse_comparison();
        if (!right) return right;
        bool equal = token->text == "=" || token->text == "==";
        left = compare(std::move(*left), equal ? "=" : "<>", std::move(*right));
        if (!left) return left;
        continue;
      }
      if (is_keyword(*token, "ISNULL") || is_keyword(*token, "NOTNULL")) {
        ++at_;
        left = null_test(*left, is_keyword(*token, "NOTNULL"));
        if (!left) return left;
        continue;
      }
      if (is_keyword(*token, "IS")) {
        ++at_;
        bool negated = false;
        if (keyword_ahead("NOT")) {
          ++at_;
          negated = true;
        }
        if (keyword_ahead("DISTINCT") && keyword_ahead("FROM", 1)) {
          at_ += 2;
          negated = !negated;
        }
        auto right = parse_comparison();
        if (!right) return right;
        if (right->literal == Literal::kNull) {
          left = null_test(*left, negated);
        } else if (right->literal == Literal::kBool) {
          auto c = condition(*left);
          if (!c) return fail(c.error());
          Piece out;
          out.kind = ExprKind::kBool;
          out.sql = "(" + *c + (negated ? " IS NOT " : " IS ") + right->sql + ")";
          left = std::move(out);
        } else {
          if (left->typeof_of || right->typeof_of) return refuse("typeof() used with IS");
          if (auto fitted = fit_pair(*left, *right); !fitted) return fail(fitted.error());
          Piece out;
          out.kind = ExprKind::kBool;
          out.sql = "(" + left->sql + (negated ? " IS DISTINCT FROM " : " IS NOT DISTINCT FROM ") +
                    right->sql + ")";
          left = std::move(out);
        }
        if (!left) return left;
        continue;
      }
      bool negated = false;
      if (is_keyword(*token, "NOT")) {
        if (keyword_ahead("NULL", 1)) {
          at_ += 2;
          left = null_test(*left, true);
          if (!left) return left;
          continue;
        }
        const Token* next = peek(1);
        if (!next || !(is_keyword(*next, "IN") || is_keyword(*next, "LIKE") ||
                       is_keyword(*next, "BETWEEN") || is_keyword(*next, "GLOB") ||
                       is_keyword(*next, "MATCH") || is_keyword(*next, "REGEXP"))) {
          break;
        }
        ++at_;
        negated = true;
        token = peek();
      }
      if (is_keyword(*token, "IN")) {
        ++at_;
        left = parse_in(std::move(*left), negated);
      } else if (is_keyword(*token, "LIKE")) {
        ++at_;
        left = parse_like(std::move(*left), negated);
      } else if (is_keyword(*token, "BETWEEN")) {
        ++at_;
        left = parse_between(std::move(*left), negated);
      } else if (is_keyword(*token, "GLOB") || is_keyword(*token, "MATCH") ||
                 is_keyword(*token, "REGEXP")) {
        return refuse(token->text + " has no PostgreSQL equivalent here");
      } else {
        break;
      }
      if (!left) return left;
    }
    return left;
  }

  Result<Piece> parse_in(Piece left, bool negated) {
    if (!punctuation_ahead('(')) return refuse("IN without a parenthesized list");
    ++at_;
    if (keyword_ahead("SELECT") || keyword_ahead("WITH")) return refuse("IN (subquery)");
    if (punctuation_ahead(')')) return refuse("IN ()");
    std::vector<Piece> items;
    while (true) {
      auto item = parse_or();
      if (!item) return item;
      items.push_back(std::move(*item));
      if (punctuation_ahead(',')) {
        ++at_;
        continue;
      }
      if (auto closed = expect_punctuation(')'); !closed) return fail(closed.error());
      break;
    }
    Piece out;
    out.kind = ExprKind::kBool;
    if (left.typeof_of) {
      bool has_null = false, has_type = false;
      for (const auto& item : items) {
        if (item.literal != Literal::kString) return refuse("typeof() IN (non-literal)");
        std::string name = ascii_lower(item.literal_text);
        if (name == "null") {
          has_null = true;
        } else if (typeof_matches(left.typeof_of->kind, name)) {
          has_type = true;
        }
      }
      if (!has_null && !has_type) {
        return refuse("typeof(" + left.typeof_of->name +
                      ") IN (...) does not follow from its type");
      }
      std::string column = pg::quote_identifier(left.typeof_of->name);
      bool always = has_null && has_type;
      std::string test = always     ? "true"
                         : has_type ? "(" + column + " IS NOT NULL)"
                                    : "(" + column + " IS NULL)";
      out.sql = negated ? "(NOT " + test + ")" : test;
      notes.push_back("typeof() check on " + left.typeof_of->name +
                      " is enforced by its PostgreSQL type; kept as a NULL test");
      return out;
    }
    out.sql = "(" + left.sql + (negated ? " NOT IN (" : " IN (");
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (auto fitted = fit_pair(left, items[i]); !fitted) return fail(fitted.error());
      if (i > 0) out.sql += ", ";
      out.sql += items[i].sql;
    }
    out.sql += "))";
    return out;
  }

  Result<Piece> parse_like(Piece left, bool negated) {
    auto pattern = parse_comparison();
    if (!pattern) return pattern;
    if (auto plain = check_plain(left); !plain) return fail(plain.error());
    if (left.kind != ExprKind::kText || (pattern->kind != ExprKind::kText)) {
      return refuse("LIKE on a " + std::string(kind_name(left.kind)));
    }
    std::string escape = " ESCAPE ''";  // PostgreSQL's default escape is \, SQLite has none
    if (keyword_ahead("ESCAPE")) {
      ++at_;
      auto e = parse_comparison();
      if (!e) return e;
      if (e->literal != Literal::kString) return refuse("ESCAPE with a non-literal");
      escape = " ESCAPE " + e->sql;
    }
    notes.push_back("LIKE became ILIKE: SQLite's LIKE ignores case for ASCII letters only");
    Piece out;
    out.kind = ExprKind::kBool;
    out.sql = "(" + left.sql + (negated ? " NOT ILIKE " : " ILIKE ") + pattern->sql + escape + ")";
    return out;
  }

  Result<Piece> parse_between(Piece left, bool negated) {
    auto low = parse_comparison();
    if (!low) return low;
    if (auto and_ = expect_keyword("AND"); !and_) return fail(and_.error());
    auto high = parse_comparison();
    if (!high) return high;
    if (auto plain = check_plain(left); !plain) return fail(plain.error());
    if (auto fitted = fit_pair(left, *low); !fitted) return fail(fitted.error());
    if (auto fitted = fit_pair(left, *high); !fitted) return fail(fitted.error());
    if (left.kind == ExprKind::kBool) return refuse("orders booleans");
    std::string collate = left.kind == ExprKind::kText ? " COLLATE \"C\"" : "";
    Piece out;
    out.kind = ExprKind::kBool;
    out.sql = "(" + left.sql + collate + (negated ? " NOT BETWEEN " : " BETWEEN ") + low->sql +
              " AND " + high->sql + ")";
    return out;
  }

  Result<Piece> parse_comparison() {
    auto left = parse_bitwise();
    if (!left) return left;
    while (const Token* token = peek()) {
      if (token->kind != Token::Kind::kOperator || (token->text != "<" && token->text != "<=" &&
                                                    token->text != ">" && token->text != ">=")) {
        break;
      }
      ++at_;
      auto right = parse_bitwise();
      if (!right) return right;
      left = compare(std::move(*left), token->text, std::move(*right));
      if (!left) return left;
    }
    return left;
  }

  Result<Piece> parse_bitwise() {
    auto left = parse_additive();
    if (!left) return left;
    if (const Token* token = peek();
        token && token->kind == Token::Kind::kOperator &&
        (token->text == "&" || token->text == "|" || token->text == "<<" || token->text == ">>")) {
      return refuse("bitwise operator " + token->text);
    }
    return left;
  }

  Status numeric_operand(Piece& piece) {
    if (auto plain = check_plain(piece); !plain) return plain;
    if (piece.literal == Literal::kBool) {
      piece.sql = piece.bool_value ? "1" : "0";
      piece.kind = ExprKind::kNumber;
      piece.integral = true;
    }
    if (piece.literal == Literal::kString && parse_decimal(piece.literal_text)) {
      piece.kind = ExprKind::kNumber;
    }
    if (piece.kind != ExprKind::kNumber && piece.kind != ExprKind::kNull) {
      return refuse("arithmetic on a " + std::string(kind_name(piece.kind)));
    }
    return {};
  }

  Result<Piece> arithmetic(Piece a, const std::string& op, Piece b) {
    if (auto ok = numeric_operand(a); !ok) return fail(ok.error());
    if (auto ok = numeric_operand(b); !ok) return fail(ok.error());
    Piece out;
    out.kind = ExprKind::kNumber;
    out.integral = a.integral && b.integral;  // integer division truncates on both sides
    out.sql = "(" + a.sql + " " + op + " " + b.sql + ")";
    return out;
  }

  Result<Piece> parse_additive() {
    auto left = parse_multiplicative();
    if (!left) return left;
    while (operator_ahead("+") || operator_ahead("-")) {
      std::string op = tokens_[at_++].text;
      auto right = parse_multiplicative();
      if (!right) return right;
      left = arithmetic(std::move(*left), op, std::move(*right));
      if (!left) return left;
    }
    return left;
  }

  Result<Piece> parse_multiplicative() {
    auto left = parse_concat();
    if (!left) return left;
    while (operator_ahead("*") || operator_ahead("/") || operator_ahead("%")) {
      std::string op = tokens_[at_++].text;
      auto right = parse_concat();
      if (!right) return right;
      left = arithmetic(std::move(*left), op, std::move(*right));
      if (!left) return left;
    }
    return left;
  }

  Result<std::string> as_text_operand(const Piece& piece) {
    if (auto plain = check_plain(piece); !plain) return fail(plain.error());
    switch (piece.kind) {
      case ExprKind::kText:
      case ExprKind::kNull:
        return piece.sql;
      case ExprKind::kNumber:
        if (piece.literal == Literal::kInteger || piece.literal == Literal::kReal) {
          return pg::quote_literal(piece.literal_text);
        }
        if (!piece.integral) {
          return refuse(
              "|| on a non-integer number (SQLite and PostgreSQL print them differently)");
        }
        return "CAST(" + piece.sql + " AS text)";
      default:
        return refuse("|| on a " + std::string(kind_name(piece.kind)));
    }
  }

  Result<Piece> parse_concat() {
    auto left = parse_unary();
    if (!left) return left;
    while (true) {
      if (operator_ahead("->") || operator_ahead("->>")) return refuse("JSON operator");
      if (!operator_ahead("||")) break;
      ++at_;
      auto right = parse_unary();
      if (!right) return right;
      auto l = as_text_operand(*left);
      if (!l) return fail(l.error());
      auto r = as_text_operand(*right);
      if (!r) return fail(r.error());
      Piece out;
      out.kind = ExprKind::kText;
      out.sql = "(" + *l + " || " + *r + ")";
      left = std::move(out);
    }
    return left;
  }

  Result<Piece> parse_unary() {
    if (operator_ahead("-") || operator_ahead("+")) {
      bool minus = tokens_[at_++].text == "-";
      auto operand = parse_unary();
      if (!operand) return operand;
      if (auto ok = numeric_operand(*operand); !ok) return fail(ok.error());
      if (!minus) return operand;
      if (operand->literal == Literal::kInteger || operand->literal == Literal::kReal) {
        std::string text = operand->literal_text;
        operand->literal_text = text.front() == '-' ? text.substr(1) : "-" + text;
        operand->sql = operand->literal_text;
        return operand;
      }
      Piece out;
      out.kind = ExprKind::kNumber;
      out.integral = operand->integral;
      out.sql = "(- " + operand->sql + ")";
      return out;
    }
    if (operator_ahead("~")) return refuse("bitwise operator ~");
    auto piece = parse_primary();
    if (!piece) return piece;
    while (keyword_ahead("COLLATE")) {
      ++at_;
      const Token* name = peek();
      if (!name || !is_name(*name)) return refuse("COLLATE without a name");
      ++at_;
      if (!iequals(name->text, "BINARY")) {
        return refuse("collation " + name->text + " has no PostgreSQL equivalent");
      }
    }
    return piece;
  }

  Result<Piece> number_literal(const Token& token) {
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

  const ExprColumn* find_column(std::string_view name) const {
    for (const auto& column : context_.columns) {
      if (iequals(column.name, name)) return &column;
    }
    return nullptr;
  }

  Result<Piece> column_piece(const ExprColumn& column) {
    Piece out;
    out.kind = expr_kind_of(column.kind);
    out.integral = column.kind == TargetKind::kInt2 || column.kind == TargetKind::kInt4 ||
                   column.kind == TargetKind::kInt8;
    out.column = &column;
    out.sql = pg::quote_identifier(column.name);
    return out;
  }

  Result<std::vector<Piece>> arguments() {
    std::vector<Piece> args;
    if (auto open = expect_punctuation('('); !open) return fail(open.error());
    if (punctuation_ahead(')')) {
      ++at_;
      return args;
    }
    if (keyword_ahead("DISTINCT") || operator_ahead("*")) return refuse("aggregate call");
    while (true) {
      auto arg = parse_or();
      if (!arg) return fail(arg.error());
      args.push_back(std::move(*arg));
      if (punctuation_ahead(',')) {
        ++at_;
        continue;
      }
      if (auto closed = expect_punctuation(')'); !closed) return fail(closed.error());
      return args;
    }
  }

  Result<Piece> now_piece(ExprKind kind) {
    if (context_.for_index) return refuse("the current time in an index (not immutable)");
    Piece out;
    out.kind = kind;
    out.sql = std::string(kind == ExprKind::kDate ? kTodayUtc : kNowUtc);
    return out;
  }

  Result<Piece> function_call(const std::string& raw_name) {
    std::string name = ascii_lower(raw_name);
    auto args = arguments();
    if (!args) return fail(args.error());
    auto& a = *args;
    auto count = [&](std::size_t low, std::size_t high) -> Status {
      if (a.size() < low || a.size() > high)
        return refuse(name + "() with " + std::to_string(a.size()) + " arguments");
      return {};
    };
    auto text_args = [&](std::size_t from) -> Status {
      for (std::size_t i = from; i < a.size(); ++i) {
        if (auto plain = check_plain(a[i]); !plain) return plain;
        if (a[i].kind != ExprKind::kText && a[i].kind != ExprKind::kNull) {
          return refuse(name + "() of a " + std::string(kind_name(a[i].kind)));
        }
      }
      return {};
    };
    auto call = [&](const std::string& pg_name, ExprKind kind) {
      Piece out;
      out.kind = kind;
      out.sql = pg_name + "(";
      for (std::size_t i = 0; i < a.size(); ++i) out.sql += (i ? ", " : "") + a[i].sql;
      out.sql += ")";
      return out;
    };
    if (name == "lower" || name == "upper") {
      if (auto ok = count(1, 1); !ok) return fail(ok.error());
      if (auto ok = text_args(0); !ok) return fail(ok.error());
      notes.push_back(name +
                      "() folds case for all of Unicode in PostgreSQL, ASCII only in SQLite");
      return call(name, ExprKind::kText);
    }
    if (name == "length") {
      if (auto ok = count(1, 1); !ok) return fail(ok.error());
      if (a[0].kind != ExprKind::kBytes) {
        if (auto ok = text_args(0); !ok) return fail(ok.error());
      }
      Piece out = call("length", ExprKind::kNumber);
      out.integral = true;
      return out;
    }
    if (name == "abs" || name == "round") {
      if (auto ok = count(1, 1); !ok) return fail(ok.error());
      if (auto ok = numeric_operand(a[0]); !ok) return fail(ok.error());
      Piece out = call(name, ExprKind::kNumber);
      out.integral = name == "abs" && a[0].integral;
      return out;
    }
    if (name == "coalesce" || name == "ifnull" || name == "nullif") {
      if (name == "ifnull" || name == "nullif") {
        if (auto ok = count(2, 2); !ok) return fail(ok.error());
      } else if (auto ok = count(2, 100); !ok) {
        return fail(ok.error());
      }
      for (const auto& arg : a) {
        if (auto plain = check_plain(arg); !plain) return fail(plain.error());
      }
      for (std::size_t i = 1; i < a.size(); ++i) {
        if (auto fitted = fit_pair(a[0], a[i]); !fitted) return fail(fitted.error());
      }
      ExprKind kind = ExprKind::kNull;
      for (const auto& arg : a) {
        if (kind == ExprKind::kNull) kind = arg.kind;
      }
      Piece out = call(name == "ifnull" ? "coalesce" : name, kind);
      out.integral = std::all_of(a.begin(), a.end(), [](const Piece& p) {
        return p.integral || p.literal == Literal::kNull;
      });
      return out;
    }
    if (name == "trim" || name == "ltrim" || name == "rtrim") {
      if (auto ok = count(1, 2); !ok) return fail(ok.error());
      if (auto ok = text_args(0); !ok) return fail(ok.error());
      return call(name == "trim" ? "btrim" : name, ExprKind::kText);
    }
    if (name == "substr" || name == "substring") {
      if (auto ok = count(2, 3); !ok) return fail(ok.error());
      if (auto plain = check_plain(a[0]); !plain || a[0].kind != ExprKind::kText) {
        return refuse("substr() of a non-text value");
      }
      if (a[1].literal != Literal::kInteger || a[1].literal_text.front() == '-' ||
          a[1].literal_text == "0") {
        return refuse("substr() with a start that is not a positive literal");
      }
      if (a.size() == 3) {
        if (auto ok = numeric_operand(a[2]); !ok) return fail(ok.error());
      }
      return call("substr", ExprKind::kText);
    }
    if (name == "replace") {
      if (auto ok = count(3, 3); !ok) return fail(ok.error());
      if (auto ok = text_args(0); !ok) return fail(ok.error());
      return call("replace", ExprKind::kText);
    }
    if (name == "instr") {
      if (auto ok = count(2, 2); !ok) return fail(ok.error());
      if (auto ok = text_args(0); !ok) return fail(ok.error());
      Piece out = call("strpos", ExprKind::kNumber);
      out.integral = true;
      return out;
    }
    if (name == "date" || name == "datetime") {
      if (a.size() == 1 && a[0].literal == Literal::kString &&
          ascii_lower(a[0].literal_text) == "now") {
        return now_piece(name == "date" ? ExprKind::kDate : ExprKind::kTimestamp);
      }
      return refuse(name + "() other than " + name + "('now')");
    }
    if (name == "json_valid") {
      if (auto ok = count(1, 1); !ok) return fail(ok.error());
      if (!a[0].column || a[0].kind != ExprKind::kJson) {
        return refuse("json_valid() of something other than a json column");
      }
      // jsonb holds only valid JSON; NULL stays NULL as json_valid(NULL) is NULL.
      Piece out;
      out.kind = ExprKind::kBool;
      out.sql = "(" + a[0].sql + " IS NOT NULL OR NULL)";
      return out;
    }
    if (name == "typeof") {
      if (auto ok = count(1, 1); !ok) return fail(ok.error());
      if (!a[0].column) return refuse("typeof() of something other than a column");
      Piece out;
      out.kind = ExprKind::kText;
      out.typeof_of = a[0].column;
      out.sql = "typeof(" + a[0].sql + ")";
      return out;
    }
    return refuse("function " + raw_name + "()");
  }

  Result<Piece> parse_case() {
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

  Result<Piece> parse_cast() {
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
    bool allowed = from == ExprKind::kNull || from == to ||
                   (from == ExprKind::kNumber && to == ExprKind::kText);
    if (!allowed || mapping.type.kind == TargetKind::kBytea) {
      return refuse("CAST of a " + std::string(kind_name(from)) + " to " + type_text);
    }
    if (from == ExprKind::kNumber && (to_integer || to == ExprKind::kText) && !operand->integral) {
      // SQLite truncates to an integer where PostgreSQL rounds, and prints reals differently.
      return refuse("CAST of a number that may not be an integer to " + type_text);
    }
    Piece out;
    out.kind = to;
    out.integral = to_integer || (to == ExprKind::kNumber && operand->integral);
    out.sql = "CAST(" + operand->sql + " AS " + mapping.type.sql + ")";
    return out;
  }

  Result<Piece> parse_primary() {
    const Token* token = peek();
    if (!token) return refuse("unexpected end of expression");
    ++at_;
    Piece out;
    switch (token->kind) {
      case Token::Kind::kNumber:
        return number_literal(*token);
      case Token::Kind::kString:
        out.kind = ExprKind::kText;
        out.literal = Literal::kString;
        out.literal_text = token->text;
        out.sql = pg::quote_literal(token->text);
        return out;
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
        notes.push_back("\"" + token->text +
                        "\" names no column: read as a string, as SQLite does");
        out.kind = ExprKind::kText;
        out.literal = Literal::kString;
        out.literal_text = token->text;
        out.sql = pg::quote_literal(token->text);
        return out;
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

  std::span<const Token> tokens_;
  const ExprContext& context_;
  std::size_t at_ = 0;
};

}  // namespace

ExprKind expr_kind_of(TargetKind kind) {
  switch (kind) {
    case TargetKind::kInt2:
    case TargetKind::kInt4:
    case TargetKind::kInt8:
    case TargetKind::kFloat8:
    case TargetKind::kNumeric:
      return ExprKind::kNumber;
    case TargetKind::kText:
    case TargetKind::kVarchar:
      return ExprKind::kText;
    case TargetKind::kBytea:
      return ExprKind::kBytes;
    case TargetKind::kBool:
      return ExprKind::kBool;
    case TargetKind::kDate:
      return ExprKind::kDate;
    case TargetKind::kTimestamp:
    case TargetKind::kTimestamptz:
      return ExprKind::kTimestamp;
    case TargetKind::kJson:
    case TargetKind::kJsonb:
      return ExprKind::kJson;
    case TargetKind::kUuid:
      return ExprKind::kUuid;
  }
  return ExprKind::kText;
}

Result<TranslatedExpr> translate_expression(std::span<const Token> tokens,
                                            const ExprContext& context) {
  if (tokens.empty()) return fail(ErrorKind::kRuntime, "empty expression");
  Translator translator(tokens, context);
  auto piece = translator.run();
  if (!piece) return fail(piece.error());
  return TranslatedExpr{piece->sql, piece->kind, std::move(translator.notes)};
}

Result<TranslatedExpr> translate_condition(std::span<const Token> tokens,
                                           const ExprContext& context) {
  if (tokens.empty()) return fail(ErrorKind::kRuntime, "empty expression");
  Translator translator(tokens, context);
  auto piece = translator.run();
  if (!piece) return fail(piece.error());
  auto condition = translator.condition(*piece);
  if (!condition) return fail(condition.error());
  return TranslatedExpr{*condition, ExprKind::kBool, std::move(translator.notes)};
}

}  // namespace pgshift::sqlite
