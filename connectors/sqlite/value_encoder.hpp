// One SQLite value -> the PostgreSQL binary send format of its column's target type, so the bytes
// pgshift streams (and hashes) equal what PostgreSQL sends back for the stored value. SQLite is
// loosely typed: every value is checked against the target, and a value that cannot be carried
// exactly is an Error (kRefused: bad input) whose message names the value ("value 'abc' is not an
// integer"); the caller prefixes table, key and column. Pure functions; SqliteValue borrows its
// bytes.
//
// Accepted per target (anything else is an error):
//   smallint/integer/bigint  INTEGER in range; REAL with no fraction and in range; TEXT holding a
//                            decimal integer (blanks around it allowed, as PostgreSQL allows)
//   double precision         REAL (exact bits); INTEGER when the double holds it exactly; TEXT as
//                            float8in reads it (NaN, Infinity, decimal)
//   numeric[(p,s)]           INTEGER; REAL as its shortest round-trip decimal; TEXT in numeric_in
//                            syntax. A value needing rounding to fit the scale is refused.
//   text, varchar(n)         TEXT (valid UTF-8, no NUL, at most n characters); INTEGER as decimal;
//                            REAL as its shortest round-trip decimal with ".0" added when integral
//                            (as SQLite prints REALs); BLOB when its bytes are valid UTF-8
//   bytea                    BLOB as is; TEXT as its bytes. Numbers are refused (--cast the
//   column). boolean                  INTEGER or REAL 0/1; TEXT
//   true/false/t/f/yes/no/y/n/on/off/1/0
//                            (case-insensitive, blanks around allowed)
//   date                     ISO text, Julian-day REAL, epoch INTEGER (see datetime_value.hpp),
//                            only at midnight: a time of day is refused, not dropped
//   timestamp                the same sources; text with a zone is converted to UTC, text without
//                            one is taken as written
//   timestamptz              the same; text without a zone is in `naive_utc_offset_seconds`
//   json                     TEXT that is valid JSON, kept as written
//   jsonb                    TEXT that is valid JSON (canonicalized, see jsonb_text.hpp); INTEGER
//                            and REAL as JSON numbers (SQLite's NUMERIC affinity turns the JSON
//                            text '42' into the integer 42). Empty text is refused.
//   uuid                     TEXT: 32 hex digits, dashes between groups of 4 allowed, braces
//                            optional; BLOB of exactly 16 bytes
//
// --on-type-error policies: kFail stops at the first such value. kNull writes NULL instead (and the
// caller counts it); refused for a NOT NULL column. kText cannot apply to one value (a column's
// values all have one type): at value level it fails like kFail; the caller applies it at plan time
// by retyping the column to text (scan the values first, see value_scan.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/sqlite/epoch_unit.hpp"
#include "connectors/sqlite/type_mapping.hpp"
#include "engine/core/result.hpp"

namespace pgshift::sqlite {

// A value as sqlite3_column_* returns it. `bytes` is borrowed (TEXT: UTF-8 as stored; BLOB).
struct SqliteValue {
  enum class Type : std::uint8_t { kNull, kInteger, kReal, kText, kBlob };
  Type type = Type::kNull;
  std::int64_t integer = 0;
  double real = 0;
  std::string_view bytes;

  static SqliteValue null() { return {}; }
  static SqliteValue of_integer(std::int64_t value) { return {Type::kInteger, value, 0, {}}; }
  static SqliteValue of_real(double value) { return {Type::kReal, 0, value, {}}; }
  static SqliteValue of_text(std::string_view value) { return {Type::kText, 0, 0, value}; }
  static SqliteValue of_blob(std::string_view value) { return {Type::kBlob, 0, 0, value}; }
};

// How one column's values are encoded.
struct ColumnTarget {
  PgType type;
  EpochUnit epoch_unit = EpochUnit::kSeconds;  // INTEGER values of date/timestamp columns
  std::int32_t naive_utc_offset_seconds = 0;   // timestamptz: zone of text written without one
  bool nullable = true;
};

enum class OnTypeError : std::uint8_t { kFail, kNull, kText };
// "fail", "null", "text"; anything else: ErrorKind::kUsage.
Result<OnTypeError> parse_on_type_error(std::string_view text);

// Appends the binary send form of a non-NULL `value` (no length prefix). On error `out` is left
// as it was.
Status encode_value(const SqliteValue& value, const ColumnTarget& target,
                    std::vector<std::byte>& out);

enum class FieldOutcome : std::uint8_t { kEncoded, kNull, kReplacedByNull };

// Appends one binary COPY field: int32 length then the bytes, or length -1 for NULL. A NULL into
// a NOT NULL column is left to the target to refuse (it names the column). With kNull, a value
// that does not fit becomes NULL and the outcome says so. On error `out` is left as it was.
Result<FieldOutcome> append_copy_field(const SqliteValue& value, const ColumnTarget& target,
                                       OnTypeError policy, std::vector<std::byte>& out);

// The value for messages: 42, 1.5, 'text' (at most ~60 bytes, control bytes escaped), x'00ff'.
std::string describe_value(const SqliteValue& value);

// The text form a text column receives (see above): TEXT/BLOB bytes as they are (unchecked),
// INTEGER in decimal, REAL as shortest round-trip decimal ("1.0", "0.1", "1e+300", "Inf").
std::string value_text_form(const SqliteValue& value);

}  // namespace pgshift::sqlite
