// A SQLite value as a typed PostgreSQL literal for its column's target type, for DEFAULT clauses:
// 42, 12.50, true, 'abc'::text, '\x00ff'::bytea, '2024-02-29'::date,
// '2024-02-29 13:05:00'::timestamp without time zone, '... +00'::timestamp with time zone,
// '{"a": 1}'::jsonb. The value goes through the value encoder first, so a default is accepted
// exactly when a stored value would be, and the literal reads back as the same binary value.
// Pure; assumes standard_conforming_strings (PostgreSQL's default since 9.1).
#pragma once

#include <string>

#include "connectors/sqlite/value_encoder.hpp"

namespace pgshift::sqlite {

// Errors are the encoder's ("value 'x' is not an integer"). NULL gives "NULL".
Result<std::string> typed_literal(const SqliteValue& value, const ColumnTarget& target);

}  // namespace pgshift::sqlite
