#include "connectors/sqlite/sql_expression_translator.hpp"

#include <algorithm>

#include "engine/core/ascii_text.hpp"
#include "engine/model/pg_quote.hpp"

namespace pgshift::sqlite::expression {

const Token* Translator::peek(std::size_t ahead) const {
  return at_ + ahead < tokens_.size() ? &tokens_[at_ + ahead] : nullptr;
}

bool Translator::keyword_ahead(std::string_view word, std::size_t ahead) const {
  const Token* token = peek(ahead);
  return token && is_keyword(*token, word);
}

bool Translator::operator_ahead(std::string_view op) const {
  const Token* token = peek();
  return token && token->kind == Token::Kind::kOperator && token->text == op;
}

bool Translator::punctuation_ahead(char c) const {
  const Token* token = peek();
  return token && is_punctuation(*token, c);
}

Status Translator::expect_punctuation(char c) {
  if (!punctuation_ahead(c)) return refuse(std::string("expected '") + c + "'");
  ++at_;
  return {};
}

Status Translator::expect_keyword(std::string_view word) {
  if (!keyword_ahead(word)) return refuse("expected " + std::string(word));
  ++at_;
  return {};
}

// expression (, expression)* ) -- the opening parenthesis already read.
Result<std::vector<Piece>> Translator::comma_list() {
  std::vector<Piece> items;
  while (true) {
    auto item = parse_or();
    if (!item) return fail(item.error());
    items.push_back(std::move(*item));
    if (punctuation_ahead(',')) {
      ++at_;
      continue;
    }
    if (auto closed = expect_punctuation(')'); !closed) return fail(closed.error());
    return items;
  }
}

Status Translator::enter() {
  if (nesting_ >= kMaxNesting) {
    return refuse("expression nested more than " + std::to_string(kMaxNesting) + " deep");
  }
  ++nesting_;
  return {};
}

Result<Piece> Translator::parse_or() {
  if (auto ok = enter(); !ok) return fail(ok.error());
  auto piece = parse_logical("OR", &Translator::parse_and);
  --nesting_;
  return piece;
}

Result<Piece> Translator::parse_and() {
  return parse_logical("AND", &Translator::parse_not);
}

// `operand` (keyword operand)*, each operand taken as a condition.
Result<Piece> Translator::parse_logical(std::string_view keyword,
                                        Result<Piece> (Translator::*operand)()) {
  auto left = (this->*operand)();
  if (!left) return left;
  while (keyword_ahead(keyword)) {
    ++at_;
    auto right = (this->*operand)();
    if (!right) return right;
    auto l = condition(*left);
    if (!l) return fail(l.error());
    auto r = condition(*right);
    if (!r) return fail(r.error());
    left = computed(ExprKind::kBool, "(" + *l + " " + std::string(keyword) + " " + *r + ")");
  }
  return left;
}

Result<Piece> Translator::parse_not() {
  if (keyword_ahead("NOT")) {
    ++at_;
    if (auto ok = enter(); !ok) return fail(ok.error());
    auto operand = parse_not();
    --nesting_;
    if (!operand) return operand;
    auto c = condition(*operand);
    if (!c) return fail(c.error());
    return computed(ExprKind::kBool, "(NOT " + *c + ")");
  }
  return parse_equality();
}

Result<Piece> Translator::parse_equality() {
  auto left = parse_comparison();
  if (!left) return left;
  while (const Token* token = peek()) {
    if (token->kind == Token::Kind::kOperator &&
        (token->text == "=" || token->text == "==" || token->text == "!=" || token->text == "<>")) {
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
      left = parse_is(std::move(*left));
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

// After IS: [NOT] [DISTINCT FROM] operand.
Result<Piece> Translator::parse_is(Piece left) {
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
  if (right->literal == Literal::kNull) return null_test(left, negated);
  if (right->literal == Literal::kBool) {
    auto c = condition(left);
    if (!c) return fail(c.error());
    return computed(ExprKind::kBool, "(" + *c + (negated ? " IS NOT " : " IS ") + right->sql + ")");
  }
  if (left.typeof_of || right->typeof_of) return refuse("typeof() used with IS");
  if (auto fitted = fit_pair(left, *right); !fitted) return fail(fitted.error());
  return computed(ExprKind::kBool, "(" + left.sql +
                                       (negated ? " IS DISTINCT FROM " : " IS NOT DISTINCT FROM ") +
                                       right->sql + ")");
}

Result<Piece> Translator::parse_in(Piece left, bool negated) {
  if (!punctuation_ahead('(')) return refuse("IN without a parenthesized list");
  ++at_;
  if (keyword_ahead("SELECT") || keyword_ahead("WITH")) return refuse("IN (subquery)");
  if (punctuation_ahead(')')) return refuse("IN ()");
  auto items = comma_list();
  if (!items) return fail(items.error());
  if (left.typeof_of) return typeof_in(left, *items, negated);
  Piece out;
  out.kind = ExprKind::kBool;
  out.sql = "(" + left.sql + (negated ? " NOT IN (" : " IN (");
  for (std::size_t i = 0; i < items->size(); ++i) {
    if (auto fitted = fit_pair(left, (*items)[i]); !fitted) return fail(fitted.error());
    if (i > 0) out.sql += ", ";
    out.sql += (*items)[i].sql;
  }
  out.sql += "))";
  return out;
}

Result<Piece> Translator::parse_like(Piece left, bool negated) {
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
  return computed(ExprKind::kBool, "(" + left.sql + (negated ? " NOT ILIKE " : " ILIKE ") +
                                       pattern->sql + escape + ")");
}

Result<Piece> Translator::parse_between(Piece left, bool negated) {
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
  return computed(ExprKind::kBool, "(" + left.sql + collate +
                                       (negated ? " NOT BETWEEN " : " BETWEEN ") + low->sql +
                                       " AND " + high->sql + ")");
}

Result<Piece> Translator::parse_comparison() {
  auto left = parse_bitwise();
  if (!left) return left;
  while (const Token* token = peek()) {
    if (token->kind != Token::Kind::kOperator ||
        (token->text != "<" && token->text != "<=" && token->text != ">" && token->text != ">=")) {
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

Result<Piece> Translator::parse_bitwise() {
  auto left = parse_additive();
  if (!left) return left;
  if (const Token* token = peek();
      token && token->kind == Token::Kind::kOperator &&
      (token->text == "&" || token->text == "|" || token->text == "<<" || token->text == ">>")) {
    return refuse("bitwise operator " + token->text);
  }
  return left;
}

Result<Piece> Translator::parse_additive() {
  return parse_arithmetic({"+", "-"}, &Translator::parse_multiplicative);
}

Result<Piece> Translator::parse_multiplicative() {
  return parse_arithmetic({"*", "/", "%"}, &Translator::parse_concat);
}

// `operand` (one-of-operators operand)*, left-associative.
Result<Piece> Translator::parse_arithmetic(std::initializer_list<std::string_view> operators,
                                           Result<Piece> (Translator::*operand)()) {
  auto left = (this->*operand)();
  if (!left) return left;
  while (std::ranges::any_of(operators, [&](std::string_view op) { return operator_ahead(op); })) {
    std::string op = tokens_[at_++].text;
    auto right = (this->*operand)();
    if (!right) return right;
    left = arithmetic(std::move(*left), op, std::move(*right));
    if (!left) return left;
  }
  return left;
}

Result<Piece> Translator::parse_concat() {
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
    left = computed(ExprKind::kText, "(" + *l + " || " + *r + ")");
  }
  return left;
}

Result<Piece> Translator::parse_unary() {
  if (operator_ahead("-") || operator_ahead("+")) {
    bool minus = tokens_[at_++].text == "-";
    if (auto ok = enter(); !ok) return fail(ok.error());
    auto operand = parse_unary();
    --nesting_;
    if (!operand) return operand;
    if (auto ok = numeric_operand(*operand); !ok) return fail(ok.error());
    if (!minus) return operand;
    if (operand->literal == Literal::kInteger || operand->literal == Literal::kReal) {
      std::string text = operand->literal_text;
      operand->literal_text = text.front() == '-' ? text.substr(1) : "-" + text;
      operand->sql = operand->literal_text;
      return operand;
    }
    return computed(ExprKind::kNumber, "(- " + operand->sql + ")", operand->integral);
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

}  // namespace pgshift::sqlite::expression
