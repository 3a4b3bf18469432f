// Translates a SQLite expression (a CHECK constraint, an index expression or WHERE clause, a
// generated column, a default) into PostgreSQL SQL with the same meaning, or says why it cannot.
// Conservative on purpose: a translation PostgreSQL would reject, or that would mean something
// else there, is refused with a reason (the caller turns it into a warning and leaves the object
// out), because DDL that fails stops the whole migration.
//
// What translates: column references (resolved case-insensitively to the declared name, as SQLite
// resolves them; a "double-quoted" word naming no column is a string, as SQLite reads it),
// literals, NULL, TRUE/FALSE, arithmetic on numbers, || (non-text operands cast to text),
// comparisons (= == != <> < <= > >=, text ordering in COLLATE "C" = SQLite's BINARY),
// IS [NOT] (NULL, or IS [NOT] DISTINCT FROM), ISNULL/NOTNULL/NOT NULL, [NOT] IN (list),
// [NOT] BETWEEN, [NOT] LIKE (as ILIKE: SQLite's LIKE ignores ASCII case; a note says so),
// AND/OR/NOT, CASE, CAST to the types type_mapping knows, COLLATE BINARY (dropped), and the
// functions lower, upper, length, abs, coalesce, ifnull, nullif, trim/ltrim/rtrim, substr (with a
// positive literal start), replace, instr (strpos), round (one argument), date('now'),
// datetime('now'), CURRENT_DATE and CURRENT_TIMESTAMP (UTC, as SQLite's are; not in indexes),
// json_valid(jsonb column), and typeof(column) compared with a type name the column's PostgreSQL
// type implies (a STRICT-style check the column type now enforces).
// Typed fix-ups: 0/1 next to a boolean column become false/true, TRUE/FALSE next to a number
// become 1/0, and a number next to a text column becomes a string (SQLite's affinity rules).
// Pure; not thread-safe only in the sense that each call owns its state.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "connectors/sqlite/sql_tokens.hpp"
#include "connectors/sqlite/type_mapping.hpp"

namespace pgshift::sqlite {

// The coarse type of a translated expression.
enum class ExprKind : std::uint8_t {
  kBool,
  kNumber,
  kText,
  kBytes,
  kDate,
  kTimestamp,
  kJson,
  kUuid,
  kNull,
};

ExprKind expr_kind_of(TargetKind kind);

struct ExprColumn {
  std::string name;  // as declared
  TargetKind kind = TargetKind::kText;
};

struct ExprContext {
  std::vector<ExprColumn> columns;
  bool for_index = false;  // index expressions and predicates: only immutable functions
};

struct TranslatedExpr {
  std::string sql;
  ExprKind kind = ExprKind::kNull;
  std::vector<std::string> notes;  // meaning that shifted slightly (e.g. LIKE -> ILIKE)
};

// Errors (kRuntime) give the reason it does not translate.
Result<TranslatedExpr> translate_expression(std::span<const Token> tokens,
                                            const ExprContext& context);

// As translate_expression, for a condition (CHECK, WHERE): a number is tested with "<> 0" as
// SQLite tests truth; other non-boolean results are refused.
Result<TranslatedExpr> translate_condition(std::span<const Token> tokens,
                                           const ExprContext& context);

}  // namespace pgshift::sqlite
