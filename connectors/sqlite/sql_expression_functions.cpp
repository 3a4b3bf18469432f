#include "connectors/sqlite/sql_expression_translator.hpp"

#include <algorithm>

#include "engine/core/ascii_text.hpp"

namespace pgshift::sqlite::expression {
namespace {

constexpr std::string_view kNowUtc = "(now() AT TIME ZONE 'UTC')";
constexpr std::string_view kTodayUtc = "((now() AT TIME ZONE 'UTC')::date)";

}  // namespace

Result<std::vector<Piece>> Translator::arguments() {
  std::vector<Piece> args;
  if (auto open = expect_punctuation('('); !open) return fail(open.error());
  if (punctuation_ahead(')')) {
    ++at_;
    return args;
  }
  if (keyword_ahead("DISTINCT") || operator_ahead("*")) return refuse("aggregate call");
  return comma_list();
}

Result<Piece> Translator::now_piece(ExprKind kind) {
  if (context_.for_index) return refuse("the current time in an index (not immutable)");
  return computed(kind, std::string(kind == ExprKind::kDate ? kTodayUtc : kNowUtc));
}

Result<Piece> Translator::function_call(const std::string& raw_name) {
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
    notes.push_back(name + "() folds case for all of Unicode in PostgreSQL, ASCII only in SQLite");
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
    return computed(ExprKind::kBool, "(" + a[0].sql + " IS NOT NULL OR NULL)");
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

}  // namespace pgshift::sqlite::expression
