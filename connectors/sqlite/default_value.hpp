// A SQLite column DEFAULT (the text PRAGMA table_xinfo reports) as a PostgreSQL DEFAULT
// expression for the column's target type, or a warning saying why it was left out.
//   Literals (numbers, strings, blobs, TRUE/FALSE, signed numbers, parenthesized) first get the
//   column's affinity as SQLite applies it when it stores the default ('1' in an INTEGER column is
//   the integer 1, 0 in a TEXT column is '0'), then go through the value encoder and come out as a
//   typed literal (pg_literal.hpp): DEFAULT 0 on a boolean -> false, DEFAULT '{}' on JSON ->
//   '{}'::jsonb. A literal the column could not hold is left out with a warning.
//   The current time (CURRENT_TIMESTAMP, CURRENT_DATE, CURRENT_TIME, datetime('now'),
//   date('now'), time('now'), strftime(<format>, 'now') for %s, %J and the ISO formats,
//   unixepoch(), julianday('now')) is SQLite's UTC clock; it becomes the same instant in the
//   column's type: timestamp -> (now() AT TIME ZONE 'UTC') (naive UTC, like the copied values;
//   LOCALTIMESTAMP would be the session's zone instead), timestamptz -> now(), date -> the UTC
//   date, text -> to_char(...) in SQLite's format, integer -> epoch seconds, double -> Julian day
//   or epoch seconds. 'localtime' and other modifiers are left out with a warning. Other
//   expressions are translated by sql_expression.hpp when their type fits the column. NULL means no
//   default.
// Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/sqlite/type_mapping.hpp"
#include "connectors/sqlite/value_encoder.hpp"

namespace pgshift::sqlite {

struct DefaultTranslation {
  std::optional<std::string> sql;  // the PostgreSQL expression; none = no DEFAULT clause
  std::string warning;             // why a SQLite default was left out (empty when it was not)
  std::vector<std::string> notes;  // small shifts in meaning worth showing in the plan
};

DefaultTranslation translate_default(std::string_view sqlite_default, const ColumnTarget& target,
                                     Affinity affinity);

// SQLite's affinity conversion of a stored value (datatype3.html section 3). `storage` keeps the
// bytes of a converted TEXT value alive.
SqliteValue apply_affinity(const SqliteValue& value, Affinity affinity, std::string& storage);

}  // namespace pgshift::sqlite
