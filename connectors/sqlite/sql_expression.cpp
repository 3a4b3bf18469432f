#include "connectors/sqlite/sql_expression.hpp"

#include "connectors/sqlite/sql_expression_translator.hpp"

namespace pgshift::sqlite {
namespace expression {

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

Unexpected<Error> refuse(const std::string& why) {
  return fail(ErrorKind::kRuntime, why);
}

Piece computed(ExprKind kind, std::string sql, bool integral) {
  Piece out;
  out.kind = kind;
  out.sql = std::move(sql);
  out.integral = integral;
  return out;
}

Result<Piece> Translator::run() {
  auto piece = parse_or();
  if (!piece) return piece;
  if (at_ != tokens_.size()) return refuse("unexpected '" + tokens_[at_].text + "'");
  if (auto plain = check_plain(*piece); !plain) return fail(plain.error());
  return piece;
}

Result<std::string> Translator::condition(const Piece& piece) {
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

}  // namespace expression

using expression::Translator;

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
