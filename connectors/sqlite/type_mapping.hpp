// From a SQLite column's declared type to the PostgreSQL type it becomes, by SQLite's affinity
// rules (https://sqlite.org/datatype3.html, section 3.1) refined by well-known type names, and
// `table.column=type` overrides (--cast). Pure functions over strings; values are plain data.
//
// Mapping, by declared name (case-insensitive, arguments in parentheses read where they matter):
//   INTEGER, BIGINT, INT8, UNSIGNED BIG INT      -> bigint            (SQLite stores 64-bit ints)
//   INT, INT4, MEDIUMINT                          -> integer
//   SMALLINT, INT2, TINYINT                       -> smallint
//   any other name with INTEGER affinity          -> bigint
//   REAL, DOUBLE, DOUBLE PRECISION, FLOAT, and
//   any other name with REAL affinity             -> double precision  (never real: SQLite REAL is
//   8 bytes) NUMERIC(p,s)/DECIMAL(p,s) -> numeric(p,s); NUMERIC(p) -> numeric(p) (scale 0, as in
//   PostgreSQL); NUMERIC/DECIMAL without arguments, or with arguments PostgreSQL refuses -> numeric
//   TEXT, CLOB and other TEXT-affinity names      -> text
//   VARCHAR(n), CHARACTER VARYING(n), NVARCHAR(n), VARYING CHARACTER(n), NATIVE CHARACTER(n),
//   CHAR(n), CHARACTER(n), NCHAR(n)               -> varchar(n)
//     CHAR(n) becomes varchar(n), not char(n): SQLite never padded the values, and char(n) would
//     pad them with blanks on the way in (changing every value that is shorter than n).
//   the same names without a length               -> text
//   BLOB, and the empty declared type (BLOB affinity: the column holds any value as it was given)
//                                                 -> bytea; such a column holding numbers or text
//     that is not meant as bytes needs a --cast (the encoder reports the first such value).
//   BOOLEAN, BOOL                                 -> boolean
//   DATE                                          -> date
//   DATETIME, TIMESTAMP                           -> timestamp, or timestamptz when
//                                                    TypeMappingOptions::timestamptz is set
//   TIMESTAMPTZ, TIMESTAMP WITH TIME ZONE         -> timestamptz
//   JSON, JSONB                                   -> jsonb
//   UUID                                          -> uuid
//   TIME, STRING (NUMERIC affinity in SQLite, but they hold text in practice) -> text, with a note
//   any other name (NUMERIC affinity)             -> numeric, with a note (ambiguous)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/result.hpp"

namespace pgshift::sqlite {

// SQLite's column affinity (what SQLite converts stored values to).
enum class Affinity : std::uint8_t { kInteger, kText, kBlob, kReal, kNumeric };

// What the value encoder must produce: one per supported PostgreSQL target type.
enum class TargetKind : std::uint8_t {
  kInt2,
  kInt4,
  kInt8,
  kFloat8,
  kNumeric,
  kText,
  kVarchar,
  kBytea,
  kBool,
  kDate,
  kTimestamp,
  kTimestamptz,
  kJson,  // only through --cast: the text as it is, validated
  kJsonb,
  kUuid,
};

struct PgType {
  TargetKind kind = TargetKind::kBytea;
  std::string sql;              // how to write it in DDL and casts: "numeric(10,2)"
  std::uint32_t oid = 0;        // the built-in type OID
  std::int32_t length = -1;     // varchar(n): n; -1 = none
  std::int32_t precision = -1;  // numeric(p,s): p; -1 = unconstrained
  std::int32_t scale = -1;      // numeric(p,s): s; -1 = unconstrained
};

// The PostgreSQL type of a kind; `length` for varchar, `precision`/`scale` for numeric.
PgType make_pg_type(TargetKind kind, std::int32_t length = -1, std::int32_t precision = -1,
                    std::int32_t scale = -1);

struct TypeMappingOptions {
  bool timestamptz = false;  // DATETIME/TIMESTAMP -> timestamptz instead of timestamp
};

struct TypeMapping {
  std::string declared;  // as SQLite reports it
  Affinity affinity = Affinity::kBlob;
  PgType type;
  std::string note;  // non-empty when the choice is ambiguous or lossy-prone (for plan warnings)
};

// SQLite's affinity rules, in their order: INT -> INTEGER; CHAR, CLOB, TEXT -> TEXT; BLOB or empty
// -> BLOB; REAL, FLOA, DOUB -> REAL; otherwise NUMERIC.
Affinity affinity_of(std::string_view declared);
std::string_view affinity_name(Affinity affinity);

TypeMapping map_declared_type(std::string_view declared, const TypeMappingOptions& options = {});

// A PostgreSQL type written by a user (--cast): smallint/int2, integer/int/int4, bigint/int8,
// double precision/float8/float, numeric[(p[,s])]/decimal[...], text, varchar[(n)]/character
// varying[(n)], bytea, boolean/bool, date, timestamp [without time zone], timestamptz/timestamp
// with time zone, json, jsonb, uuid. Anything else: ErrorKind::kUsage.
Result<PgType> parse_pg_type(std::string_view text);

// One `table.column=type` override. Names may be double-quoted ("a.b"."c""d"); unquoted names are
// taken as written. Matching against the schema is case-insensitive, as SQLite names are.
struct CastOverride {
  std::string table;
  std::string column;
  PgType type;
};
Result<CastOverride> parse_cast_override(std::string_view spec);

// The override for table.column, or nullptr.
const CastOverride* find_override(const std::vector<CastOverride>& overrides,
                                  std::string_view table, std::string_view column);

}  // namespace pgshift::sqlite
