#include "connectors/sqlite/sql_expression_translator.hpp"

#include "connectors/sqlite/datetime_value.hpp"
#include "connectors/sqlite/decimal.hpp"
#include "engine/core/ascii_text.hpp"
#include "engine/model/pg_quote.hpp"

namespace pgshift::sqlite::expression {

namespace {

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

// TRUE/FALSE as SQLite stores them: the integers 1 and 0.
void bool_to_number(Piece& piece) {
  piece.sql = std::string(1, piece.bool_value ? '1' : '0');
  piece.kind = ExprKind::kNumber;
  piece.integral = true;
}

}  // namespace

Status Translator::check_plain(const Piece& piece) {
  if (piece.typeof_of) return refuse("typeof() is only translated when compared with a type name");
  return {};
}

// Rewrites a literal `piece` for comparison with `other` by SQLite's affinity rules.
Status Translator::fit_literal(Piece& piece, const Piece& other) {
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
        bool_to_number(piece);
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

bool Translator::compatible(ExprKind a, ExprKind b) {
  return a == b || a == ExprKind::kNull || b == ExprKind::kNull;
}

Status Translator::fit_pair(Piece& a, Piece& b) {
  if (auto fitted = fit_literal(b, a); !fitted) return fitted;
  if (auto fitted = fit_literal(a, b); !fitted) return fitted;
  if (!compatible(a.kind, b.kind)) {
    return refuse("compares " + std::string(kind_name(a.kind)) + " with " +
                  std::string(kind_name(b.kind)));
  }
  return {};
}

// typeof(column) <op> 'type name' (op: = or <>).
Result<Piece> Translator::typeof_compare(const Piece& typeof_piece, const Piece& name, bool equal) {
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
  note_typeof_enforced(*typeof_piece.typeof_of);
  return out;
}

// typeof(column) [NOT] IN ('type name', ...).
Result<Piece> Translator::typeof_in(const Piece& typeof_piece, const std::vector<Piece>& items,
                                    bool negated) {
  const ExprColumn& typed = *typeof_piece.typeof_of;
  bool has_null = false, has_type = false;
  for (const auto& item : items) {
    if (item.literal != Literal::kString) return refuse("typeof() IN (non-literal)");
    std::string name = ascii_lower(item.literal_text);
    if (name == "null") {
      has_null = true;
    } else if (typeof_matches(typed.kind, name)) {
      has_type = true;
    }
  }
  if (!has_null && !has_type) {
    return refuse("typeof(" + typed.name + ") IN (...) does not follow from its type");
  }
  std::string column = pg::quote_identifier(typed.name);
  bool always = has_null && has_type;
  std::string test = always     ? "true"
                     : has_type ? "(" + column + " IS NOT NULL)"
                                : "(" + column + " IS NULL)";
  note_typeof_enforced(typed);
  return computed(ExprKind::kBool, negated ? "(NOT " + test + ")" : test);
}

void Translator::note_typeof_enforced(const ExprColumn& column) {
  notes.push_back("typeof() check on " + column.name +
                  " is enforced by its PostgreSQL type; kept as a NULL test");
}

Result<Piece> Translator::compare(Piece a, std::string_view op, Piece b) {
  if (a.typeof_of || b.typeof_of) {
    if (op != "=" && op != "<>") return refuse("typeof() compared with " + std::string(op));
    return a.typeof_of ? typeof_compare(a, b, op == "=") : typeof_compare(b, a, op == "=");
  }
  if (auto fitted = fit_pair(a, b); !fitted) return fail(fitted.error());
  bool ordering = op != "=" && op != "<>";
  if (a.kind == ExprKind::kBool && ordering) return refuse("orders booleans");
  Piece out;
  out.kind = ExprKind::kBool;
  std::string collate =
      ordering && (a.kind == ExprKind::kText || b.kind == ExprKind::kText) ? " COLLATE \"C\"" : "";
  out.sql = "(" + a.sql + collate + " " + std::string(op) + " " + b.sql + ")";
  return out;
}

Result<Piece> Translator::null_test(const Piece& operand, bool negated) {
  if (auto plain = check_plain(operand); !plain) return fail(plain.error());
  return computed(ExprKind::kBool, "(" + operand.sql + (negated ? " IS NOT NULL)" : " IS NULL)"));
}

Status Translator::numeric_operand(Piece& piece) {
  if (auto plain = check_plain(piece); !plain) return plain;
  if (piece.literal == Literal::kBool) bool_to_number(piece);
  if (piece.literal == Literal::kString && parse_decimal(piece.literal_text)) {
    piece.kind = ExprKind::kNumber;
  }
  if (piece.kind != ExprKind::kNumber && piece.kind != ExprKind::kNull) {
    return refuse("arithmetic on a " + std::string(kind_name(piece.kind)));
  }
  return {};
}

Result<Piece> Translator::arithmetic(Piece a, const std::string& op, Piece b) {
  if (auto ok = numeric_operand(a); !ok) return fail(ok.error());
  if (auto ok = numeric_operand(b); !ok) return fail(ok.error());
  // Integer division truncates on both sides.
  return computed(ExprKind::kNumber, "(" + a.sql + " " + op + " " + b.sql + ")",
                  a.integral && b.integral);
}

Result<std::string> Translator::as_text_operand(const Piece& piece) {
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
        return refuse("|| on a non-integer number (SQLite and PostgreSQL print them differently)");
      }
      return "CAST(" + piece.sql + " AS text)";
    default:
      return refuse("|| on a " + std::string(kind_name(piece.kind)));
  }
}

}  // namespace pgshift::sqlite::expression
