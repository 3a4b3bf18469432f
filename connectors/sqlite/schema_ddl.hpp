// The PostgreSQL DDL for a SQLite schema read by schema_reader.hpp: CREATE TABLE with types, NOT
// NULL, translated DEFAULTs (default_value.hpp), CHECK constraints that translate
// (sql_expression.hpp), identity columns and generated columns; then, per table, the primary key
// and UNIQUE constraints, the indexes under their SQLite names (partial and expression indexes
// when they translate), the identity sequence moved past the largest value (and past
// sqlite_sequence for AUTOINCREMENT, so no id is ever reused); then the foreign keys.
// What does not translate is left out with a warning naming the table and the reason.
// Constraint names: SQLite's CONSTRAINT names when given, else PostgreSQL's defaults
// (t_pkey, t_a_b_key, t_a_fkey; truncated to 63 bytes). Pure.
#pragma once

#include "connectors/sqlite/schema_reader.hpp"

namespace pgshift::sqlite {

// Fills schema.create_tables and schema.after_data from tables/sources; appends warnings. Marks
// columns that become PostgreSQL generated columns (SourceColumn::generated, Column::generated).
void build_schema_ddl(SqliteSchema& schema, const SchemaOptions& options);

}  // namespace pgshift::sqlite
