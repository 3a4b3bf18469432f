// The SQL text of the statements that apply decoded changes to a target table (DESIGN invariant
// 4): upsert on the replica-identity key, update and delete by key, and for REPLICA IDENTITY FULL
// tables an update or delete of exactly one row equal to the old row. Pure functions; any thread.
// Parameters are numbered $1.. in the order each function documents; their types are the target
// columns' types, given when the statement is prepared (never written into the text), so a value
// goes through the column type's own input function and the column's typmod applies on assignment.
#pragma once

#include <string>
#include <vector>

namespace pgshift::sync {

struct ApplyColumn {
  std::string name;  // the same in the source's Relation and the target table
  bool key = false;  // in the replica identity (never for REPLICA IDENTITY FULL: no key then)
  // Whether the type has an equality operator (a default btree operator class): rows are matched
  // with IS NOT DISTINCT FROM. Types without one (json, point) are matched by their text form.
  bool has_equality = true;

  bool operator==(const ApplyColumn&) const = default;
};

// A target table as the applier writes it; `columns` line up with the Relation's columns (and so
// with the tuple values of every change). Generated columns are never among them.
struct ApplyTable {
  std::string schema;
  std::string name;
  std::vector<ApplyColumn> columns;

  std::string qualified_name() const;
  bool keyed() const;
  bool operator==(const ApplyTable&) const = default;
};

// Which columns a statement names, one flag per column of the table (a column whose value is
// unchanged TOAST is left out).
using ColumnSet = std::vector<bool>;

// INSERT of the `columns`; parameters: those columns in order.
std::string insert_sql(const ApplyTable& table, const ColumnSet& columns);
// INSERT ... ON CONFLICT (key) DO UPDATE SET every named non-key column (DO NOTHING when there is
// none); parameters: the `columns` in order (every key column must be among them). With
// `report_inserted` it returns one boolean row, true when the row was inserted rather than
// updated (nothing when DO NOTHING found the row).
std::string upsert_sql(const ApplyTable& table, const ColumnSet& columns, bool report_inserted);
// UPDATE ... SET `set` columns WHERE key = old key; parameters: the `set` columns in order, then
// the key columns in order (the old key).
std::string update_by_key_sql(const ApplyTable& table, const ColumnSet& set);
// DELETE by key; parameters: the key columns in order.
std::string delete_by_key_sql(const ApplyTable& table);
// UPDATE of exactly one row whose `match` columns all equal the old values (NULL equals NULL),
// even when several rows are equal; parameters: the `set` columns, then the `match` columns.
std::string update_one_row_sql(const ApplyTable& table, const ColumnSet& set,
                               const ColumnSet& match);
// DELETE of exactly one such row; parameters: the `match` columns in order.
std::string delete_one_row_sql(const ApplyTable& table, const ColumnSet& match);
// TRUNCATE ONLY of the named (already quoted, qualified) tables.
std::string truncate_sql(const std::vector<std::string>& qualified_names, bool cascade,
                         bool restart_identity);

// Many whole rows in one statement: INSERT of every column FROM unnest($1, ..., $n) (unqualified:
// only `unnest` itself has the many-array form; pg_catalog is searched first anyway), one
// parameter per column holding that column's values of all rows as an array (typed as the
// column type's array type), ON CONFLICT on the key DO UPDATE for a keyed table (`upsert`; the
// rows' keys must be distinct), and with report_inserted RETURNING (xmax = 0) for each row.
std::string insert_rows_sql(const ApplyTable& table, bool upsert, bool report_inserted);

// The text form of an array holding `values` (nullopt = NULL), for an array-typed parameter:
// every element double-quoted, with '"' and '\' escaped, so each element reaches the element
// type's input function exactly as a single-row parameter would.
void append_array_element(std::string& array, const char* value);

// What an apply statement does; the value is also the first character of its cache key.
enum class StatementKind : char {
  kInsert = 'I',           // plain INSERT (no key)
  kUpsert = 'U',           // INSERT ... ON CONFLICT (key) DO UPDATE
  kUpsertReporting = 'R',  // the same, returning whether it had to insert
  kUpdateByKey = 'u',
  kDeleteByKey = 'd',
  kUpdateOneRow = 'f',  // REPLICA IDENTITY FULL: one row equal to the old row
  kDeleteOneRow = 'x',
};

// The statement of `kind` naming the `set` columns (and matching the `match` columns of the old
// row for the one-row kinds), built by the functions above.
std::string statement_sql(const ApplyTable& table, StatementKind kind, const ColumnSet& set,
                          const ColumnSet& match);
// How an error of that statement names what failed: "insert into s.t", "update of s.t", ...
std::string statement_label(const ApplyTable& table, StatementKind kind);

}  // namespace pgshift::sync
