// The recursive-descent translator behind translate_expression/translate_condition
// (sql_expression.hpp), internal to it. One Translator per call: it borrows the tokens and the
// context, which must outlive it, and the Pieces it returns point into context.columns. Not
// shared between threads; separate Translators may run on any threads at once.
// Its members live in one file per concern:
//   sql_expression_parser.cpp     operator precedence, from OR down to unary operators
//   sql_expression_primary.cpp    literals, column names, CASE, CAST
//   sql_expression_functions.cpp  the SQLite functions that translate, and how
//   sql_expression_affinity.cpp   typed fix-ups: literals fitted to the other side by SQLite's
//                                 affinity rules, comparisons, arithmetic and || operands, typeof()
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/sqlite/sql_expression.hpp"
#include "engine/core/result.hpp"

namespace pgshift::sqlite::expression {

std::string_view kind_name(ExprKind kind);

// A refusal: the expression does not translate, for the reason `why`.
Unexpected<Error> refuse(const std::string& why);

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
  // A number known to be an integer (its text form is the same on both sides).
  bool integral = false;
};

// A computed (non-literal) piece.
Piece computed(ExprKind kind, std::string sql, bool integral = false);

class Translator {
 public:
  Translator(std::span<const Token> tokens, const ExprContext& context)
      : tokens_(tokens), context_(context) {}

  // The whole token span as one expression.
  Result<Piece> run();
  // `piece` as a boolean: a number is tested with "<> 0" as SQLite tests truth.
  Result<std::string> condition(const Piece& piece);

  std::vector<std::string> notes;

 private:
  // Token cursor.
  const Token* peek(std::size_t ahead = 0) const;
  bool keyword_ahead(std::string_view word, std::size_t ahead = 0) const;
  bool operator_ahead(std::string_view op) const;
  bool punctuation_ahead(char c) const;
  Status expect_punctuation(char c);
  Status expect_keyword(std::string_view word);
  Result<std::vector<Piece>> comma_list();

  // Precedence levels, loosest first.
  Result<Piece> parse_or();
  Result<Piece> parse_and();
  Result<Piece> parse_logical(std::string_view keyword, Result<Piece> (Translator::*operand)());
  Result<Piece> parse_not();
  Result<Piece> parse_equality();
  Result<Piece> parse_is(Piece left);
  Result<Piece> parse_in(Piece left, bool negated);
  Result<Piece> parse_like(Piece left, bool negated);
  Result<Piece> parse_between(Piece left, bool negated);
  Result<Piece> parse_comparison();
  Result<Piece> parse_bitwise();
  Result<Piece> parse_additive();
  Result<Piece> parse_multiplicative();
  Result<Piece> parse_arithmetic(std::initializer_list<std::string_view> operators,
                                 Result<Piece> (Translator::*operand)());
  Result<Piece> parse_concat();
  Result<Piece> parse_unary();

  // Primaries.
  Result<Piece> parse_primary();
  Result<Piece> number_literal(const Token& token);
  const ExprColumn* find_column(std::string_view name) const;
  Result<Piece> column_piece(const ExprColumn& column);
  Result<Piece> parse_case();
  Result<Piece> parse_cast();

  // Function calls.
  Result<std::vector<Piece>> arguments();
  Result<Piece> now_piece(ExprKind kind);
  Result<Piece> function_call(const std::string& raw_name);

  // Typed fix-ups.
  static Status check_plain(const Piece& piece);
  Status fit_literal(Piece& piece, const Piece& other);
  static bool compatible(ExprKind a, ExprKind b);
  Status fit_pair(Piece& a, Piece& b);
  Result<Piece> typeof_compare(const Piece& typeof_piece, const Piece& name, bool equal);
  Result<Piece> typeof_in(const Piece& typeof_piece, const std::vector<Piece>& items, bool negated);
  void note_typeof_enforced(const ExprColumn& column);
  Result<Piece> compare(Piece a, std::string_view op, Piece b);
  Result<Piece> null_test(const Piece& operand, bool negated);
  Status numeric_operand(Piece& piece);
  Result<Piece> arithmetic(Piece a, const std::string& op, Piece b);
  Result<std::string> as_text_operand(const Piece& piece);

  std::span<const Token> tokens_;
  const ExprContext& context_;
  std::size_t at_ = 0;
  // Open sub-expressions, NOTs and unary signs: each is a recursion, so an input nested deeper
  // than kMaxNesting is refused instead of overflowing the stack (found by sqlite_expression_fuzz).
  static constexpr int kMaxNesting = 100;
  int nesting_ = 0;
  Status enter();  // one level deeper (to be matched by --nesting_), or refused past the limit
};

}  // namespace pgshift::sqlite::expression
